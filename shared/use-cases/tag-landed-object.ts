/**
 * Tags one object dropped into the landing bucket: its lines (a batch) or
 * the object itself (a document) go through ingest — classification,
 * refusal rules, field and document encryption, audit — into the managed
 * stores. What is refused is written under `quarantine/` with its reasons
 * before the landing copy (every version) is removed, so nothing is lost
 * and nothing is left half-written. The reasons record the keyed
 * pseudonym of each refused line's subject (never the raw id), so subject
 * export and erase reach quarantine too (see quarantine.ts). A redelivered event finds the landing
 * copy gone and does nothing; a record id already stored is refused (and
 * quarantined), never stored twice.
 */
import {
  documentLine,
  isBatch,
  type LandedObject,
  quarantineKey,
} from '../domain/landing.ts';
import type { LandingStore } from '../ports/index.ts';
import type { LifecycleDeps } from './deps.ts';
import { type IngestLine, ingestRecords, type Rejection } from './ingest-records.ts';
import { writeQuarantine } from './quarantine.ts';

/** What the tagger needs: the stores plus the landing bucket. */
export interface LandingDeps extends LifecycleDeps {
  readonly landing: LandingStore;
}

/** What became of one landed object (ids and counts only). */
export interface LandingResult {
  readonly key: string;
  /** `gone`: an earlier delivery already handled it. */
  readonly outcome: 'stored' | 'partly-quarantined' | 'quarantined' | 'gone';
  readonly stored: number;
  readonly refused: number;
  readonly quarantineKey?: string;
}

const ACTOR = 'system:landing';

/** Tags, stores or quarantines one landed object, then removes the landing copy. */
export async function tagLandedObject(deps: LandingDeps, key: string): Promise<LandingResult> {
  const read = await deps.landing.read(key);
  if (read === undefined) {
    return { key, outcome: 'gone', stored: 0, refused: 0 };
  }
  const object: LandedObject = { key, ...read };
  const batch = isBatch(key, object.contentType);
  const lines: IngestLine[] = [];
  const rejected: Rejection[] = [];
  if (batch) {
    Buffer.from(object.body)
      .toString('utf8')
      .split('\n')
      .forEach((text, i) => {
        if (text.trim() !== '') lines.push({ line: i + 1, text });
      });
  } else {
    const line = documentLine(object, deps.clock.now().toISOString());
    if ('problems' in line) {
      rejected.push({ line: 1, problems: line.problems });
      await deps.audit.append([
        {
          action: 'ingest-refused',
          actor: ACTOR,
          policyVersion: deps.catalogue.version,
          outcome: 'refused',
          reason: line.problems.map((p) => p.path).join(', '),
          details: { source: 'landing' },
        },
      ]);
    } else {
      lines.push({ line: 1, text: line.text });
    }
  }
  const report = lines.length === 0 ? { stored: [], rejected: [] } : await ingestRecords(deps, lines, { actor: ACTOR });
  rejected.push(...report.rejected);
  let quarantined: string | undefined;
  if (rejected.length > 0) {
    quarantined = quarantineKey(key);
    await writeQuarantine(
      deps,
      quarantined,
      {
        landedKey: key,
        refusedAt: deps.clock.now().toISOString(),
        body: object.body,
        ...(batch ? { lines } : { metadata: object.metadata }),
        stored: report.stored.map((s) => ({ line: s.line, recordId: s.recordId })),
        refused: rejected.map((r) => ({ line: r.line, ...(r.recordId === undefined ? {} : { recordId: r.recordId }), problems: r.problems })),
      },
      {
        contentType: object.contentType,
        metadata: {
          ...(batch ? {} : object.metadata),
          'wasure-refused': rejected.map((r) => r.problems.map((p) => p.path).join(',')).join(';').slice(0, 512),
        },
      },
    );
  }
  // Only now is the landing copy removed: every line is stored or quarantined.
  const versions = (await deps.landing.listVersions(key)).filter((v) => v.key === key);
  await deps.landing.deleteVersions(versions);
  const outcome = rejected.length === 0 ? 'stored' : report.stored.length === 0 ? 'quarantined' : 'partly-quarantined';
  return {
    key,
    outcome,
    stored: report.stored.length,
    refused: rejected.length,
    ...(quarantined === undefined ? {} : { quarantineKey: quarantined }),
  };
}
