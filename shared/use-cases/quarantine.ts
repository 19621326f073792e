/**
 * Quarantine over ports: writing what the tagger refused (with the
 * pseudonym of each refused line's subject), the retention sweep's purge
 * of quarantine past `quarantine.retentionDays`, and a subject's
 * quarantined lines for export and erase. Audit events name an object by
 * {@link quarantineRef} (landed file names may be personal) and a subject
 * by its pseudonym only.
 *
 * Export and erase list the whole `quarantine/` prefix and read every
 * reasons file: quarantine is bounded by its retention, so this stays
 * small, and no other index of refused data has to be kept.
 */
import { quarantineRetentionDays } from '../domain/catalogue.ts';
import { LANDING_METADATA, QUARANTINE_PREFIX } from '../domain/landing.ts';
import {
  eraseSubjectLines,
  isQuarantineExpired,
  isReasonsKey,
  lineSubjectId,
  parseReasons,
  type QuarantinedLine,
  type QuarantineReasons,
  quarantineContent,
  quarantineObjectKey,
  quarantineRef,
  REASONS_VERSION,
  reasonsBytes,
  reasonsKey,
  type Refusal,
  bodyLines,
  positions,
  subjectLines,
} from '../domain/quarantine.ts';
import type { Pseudonymizer } from '../ports/audit.ts';
import type { AuditTrail, LandingStore, ObjectVersion, StoredObject } from '../ports/index.ts';
import type { Catalogue } from '../domain/catalogue-types.ts';

/** Ports the quarantine use cases take. */
export interface QuarantineDeps {
  readonly landing: LandingStore;
  readonly audit: AuditTrail;
  readonly pseudonyms: Pseudonymizer;
  readonly catalogue: Catalogue;
}

/** A refusal before its subjects are pseudonymised. */
export type RefusalInput = Omit<Refusal, 'subjects'> & {
  /** The document's user metadata (a document; its subject header is read). */
  readonly metadata?: Readonly<Record<string, string>>;
};

/**
 * The subject pseudonym of each refused line whose subject id can be
 * read: a batch line's `subjectId`, a document's subject header.
 */
export async function refusedSubjects(
  deps: { readonly pseudonyms: Pseudonymizer },
  refusal: RefusalInput,
): Promise<Map<number, string>> {
  const subjects = new Map<number, string>();
  for (const { line } of refusal.refused) {
    const id =
      refusal.lines === undefined
        ? refusal.metadata?.[LANDING_METADATA.subject]?.trim() || undefined
        : lineSubjectId(refusal.lines.find((l) => l.line === line)?.text ?? '');
    if (id !== undefined && !subjects.has(line)) {
      subjects.set(line, await deps.pseudonyms.pseudonym(id));
    }
  }
  return subjects;
}

/**
 * Writes a refused object (or a batch's refused lines) under `quarantine/`
 * with its reasons; returns the quarantine key.
 */
export async function writeQuarantine(
  deps: { readonly landing: LandingStore; readonly pseudonyms: Pseudonymizer },
  key: string,
  refusal: RefusalInput,
  object: { contentType: string; metadata: Readonly<Record<string, string>> },
): Promise<void> {
  const { body, reasons } = quarantineContent({ ...refusal, subjects: await refusedSubjects(deps, refusal) });
  await deps.landing.put(key, body, object.contentType, object.metadata);
  await deps.landing.put(reasonsKey(key), reasonsBytes(reasons), 'application/json', {});
}

/** One quarantined object as listed: its versions and those of its reasons. */
interface Listed {
  readonly key: string;
  readonly versions: ObjectVersion[];
}

async function listQuarantine(landing: LandingStore): Promise<Listed[]> {
  const groups = new Map<string, ObjectVersion[]>();
  for (const v of await landing.listVersions(QUARANTINE_PREFIX)) {
    const key = quarantineObjectKey(v.key);
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  return [...groups].map(([key, versions]) => ({ key, versions }));
}

/** Reasons with the subject of each refused line, computed for legacy reasons that did not record them. */
async function withSubjects(
  deps: { readonly pseudonyms: Pseudonymizer },
  reasons: QuarantineReasons,
  object: StoredObject | undefined,
): Promise<QuarantineReasons> {
  if (reasons.version === REASONS_VERSION || object === undefined) {
    return reasons;
  }
  const lines = reasons.kind === 'batch' ? bodyLines(object.body) : [];
  const at = positions(reasons);
  const subjects = await refusedSubjects(deps, {
    landedKey: reasons.landedKey,
    refusedAt: reasons.refusedAt,
    body: object.body,
    stored: [],
    refused: reasons.refused.map((_, i) => ({ line: i, problems: [] })),
    metadata: object.metadata,
    ...(reasons.kind === 'batch' ? { lines: reasons.refused.map((_, i) => ({ line: i, text: lines[(at[i] ?? 0) - 1] ?? '' })) } : {}),
  });
  return {
    ...reasons,
    refused: reasons.refused.map((r, i) => {
      const subject = subjects.get(i);
      return subject === undefined ? r : { ...r, subjectPseudonym: subject };
    }),
  };
}

/** The sweep's account of quarantine (a dry run: what would remain). */
export interface QuarantineSweep {
  /** Quarantined objects past retention deleted (or, dry run, to be). */
  readonly purged: number;
  /** Object versions deleted, reasons included. */
  readonly versionsDeleted: number;
  /** Quarantined objects remaining (reasons files not counted). */
  readonly objects: number;
  /** Bytes of every version remaining under `quarantine/`, reasons included. */
  readonly bytes: number;
}

/**
 * Deletes every quarantined object past the catalogue's quarantine
 * retention at `now`, its reasons and all versions of both, each deletion
 * audited; reports what remains. A dry run deletes nothing.
 */
export async function purgeQuarantine(
  deps: QuarantineDeps,
  input: { readonly now: string; readonly dryRun: boolean; readonly actor?: string },
): Promise<QuarantineSweep> {
  const days = quarantineRetentionDays(deps.catalogue);
  const now = new Date(input.now);
  let purged = 0;
  let versionsDeleted = 0;
  let objects = 0;
  let bytes = 0;
  for (const group of await listQuarantine(deps.landing)) {
    const reasons = parseReasons(await deps.landing.get(reasonsKey(group.key)));
    const newest = group.versions.map((v) => v.lastModified ?? '').sort().at(-1) || undefined;
    const size = group.versions.reduce((n, v) => n + (v.size ?? 0), 0);
    const hasObject = group.versions.some((v) => !isReasonsKey(v.key) && !v.deleteMarker);
    if (!isQuarantineExpired(reasons?.refusedAt, newest, now, days)) {
      objects += hasObject ? 1 : 0;
      bytes += size;
      continue;
    }
    purged += 1;
    if (input.dryRun) {
      continue;
    }
    // Audited before the deletion: a crash in between leaves the object
    // for the next sweep (and a second event), never a deletion unproven.
    await deps.audit.append([
      {
        action: 'erasure',
        actor: input.actor ?? 'system:sweep',
        policyVersion: deps.catalogue.version,
        basis: 'quarantine-retention',
        outcome: 'ok',
        details: {
          cause: 'quarantine-retention',
          object: quarantineRef(group.key),
          retentionDays: days,
          versions: group.versions.length,
          bytes: size,
          subjects: new Set(reasons?.refused.flatMap((r) => r.subjectPseudonym ?? []) ?? []).size,
        },
      },
    ]);
    // The object, with its personal data, goes before its reasons.
    await deps.landing.deleteVersions(group.versions.filter((v) => !isReasonsKey(v.key)));
    await deps.landing.deleteVersions(group.versions.filter((v) => isReasonsKey(v.key)));
    versionsDeleted += group.versions.length;
  }
  return { purged, versionsDeleted, objects, bytes };
}

/** Every quarantined line of a subject (by pseudonym). */
export async function subjectQuarantine(
  deps: Pick<QuarantineDeps, 'landing' | 'pseudonyms'>,
  subject: string,
): Promise<QuarantinedLine[]> {
  const found: QuarantinedLine[] = [];
  for (const group of await listQuarantine(deps.landing)) {
    const raw = parseReasons(await deps.landing.get(reasonsKey(group.key)));
    if (raw === undefined) {
      continue;
    }
    const object = await deps.landing.read(group.key);
    found.push(...subjectLines(await withSubjects(deps, raw, object), object, subject));
  }
  return found;
}

/** What an erase removed from quarantine. */
export interface QuarantineErase {
  /** Quarantined objects changed or deleted. */
  readonly objects: number;
  /** Lines of the subject erased. */
  readonly lines: number;
}

/**
 * Erases a subject's lines from every quarantined object: an object with
 * nothing else left is deleted with its reasons (every version); otherwise
 * both are rewritten without the subject's lines and their old versions
 * deleted. Each object is audited (pseudonym and object ref only) before
 * it is changed.
 */
export async function eraseSubjectQuarantine(
  deps: QuarantineDeps,
  input: { readonly subject: string; readonly cause: string; readonly actor: string },
): Promise<QuarantineErase> {
  let objects = 0;
  let lines = 0;
  for (const group of await listQuarantine(deps.landing)) {
    const raw = parseReasons(await deps.landing.get(reasonsKey(group.key)));
    if (raw === undefined) {
      continue;
    }
    const object = await deps.landing.read(group.key);
    const reasons = await withSubjects(deps, raw, object);
    const erasure = eraseSubjectLines(reasons, object?.body, input.subject, input.cause);
    if (erasure.kind === 'untouched') {
      continue;
    }
    await deps.audit.append([
      {
        action: 'erasure',
        actor: input.actor,
        subjectPseudonym: input.subject,
        policyVersion: deps.catalogue.version,
        outcome: 'ok',
        details: { cause: input.cause, scope: 'quarantine', object: quarantineRef(group.key), lines: erasure.lines },
      },
    ]);
    const bodyVersions = group.versions.filter((v) => !isReasonsKey(v.key));
    const reasonVersions = group.versions.filter((v) => isReasonsKey(v.key));
    if (erasure.kind === 'delete') {
      await deps.landing.deleteVersions(bodyVersions);
      await deps.landing.deleteVersions(reasonVersions);
    } else {
      await deps.landing.put(group.key, erasure.body, object?.contentType ?? 'application/octet-stream', object?.metadata ?? {});
      await deps.landing.put(reasonsKey(group.key), reasonsBytes(erasure.reasons), 'application/json', {});
      // Listed before the rewrite, so these are the old versions only. An
      // unversioned store (no version ids) was overwritten in place.
      await deps.landing.deleteVersions([...bodyVersions, ...reasonVersions].filter((v) => v.versionId !== undefined));
    }
    objects += 1;
    lines += erasure.lines;
  }
  return { objects, lines };
}
