/**
 * Ingest: tag, classify, seal and store each line of a JSONL batch. Every
 * field value and every document is sealed under the subject's data key,
 * and the subject is stored only as its keyed pseudonym, so destroying the
 * key leaves nothing readable about the person anywhere (backups, free
 * pages, replicas). A refused line leaves nothing behind: a document
 * intent is noted, documents are written, and the record item is written
 * in one transaction with its `ingest` audit event and the intent's end
 * (the commit point). Documents of a line that never committed are removed
 * at once, or by {@link removeAbandonedDocuments} after a crash.
 */
import { createHash } from 'node:crypto';
import type { CategoryKind } from '../domain/catalogue-types.ts';
import { fieldAad, sealBytes, sealValue } from '../domain/envelope.ts';
import type { DocumentRef, StoredRecord } from '../domain/record.ts';
import { type TaggedRecord, tagRecord } from '../domain/tagging.ts';
import { ConflictError, type Problem, assertIsError } from '../errors.ts';
import type { AuditEventInput } from '../ports/index.ts';
import type { LifecycleDeps } from './deps.ts';
import { keepUnderLiveKey, SubjectKeys } from './subject-keys.ts';

/** One input line. */
export interface IngestLine {
  /** 1-based line number in the file. */
  readonly line: number;
  /** The raw text. */
  readonly text: string;
}

/** A refused line. */
export interface Rejection {
  readonly line: number;
  readonly recordId?: string;
  readonly problems: readonly Problem[];
}

/** A stored line, summarised without personal data. */
export interface StoredSummary {
  readonly line: number;
  readonly recordId: string;
  readonly dataset: string;
  readonly categories: readonly CategoryKind[];
  readonly sealedFields: readonly string[];
  readonly documents: number;
  readonly dueAt?: string;
}

/** Result of an ingest run. */
export interface IngestReport {
  readonly stored: StoredSummary[];
  readonly rejected: Rejection[];
}

/** Options of {@link ingestRecords}. */
export interface IngestOptions {
  /** Who ingests (audit actor). */
  readonly actor: string;
  /** Lines in flight at once. @default 8 */
  readonly concurrency?: number;
  /** Called after each line. */
  readonly onProgress?: (done: number) => void;
}

/** Key of a record's document. */
export function documentKey(recordId: string, name: string): string {
  return `records/${recordId}/${name}`;
}

async function storeOne(
  deps: LifecycleDeps,
  keys: SubjectKeys,
  tagged: TaggedRecord,
  audit: (record: StoredRecord) => AuditEventInput,
): Promise<StoredRecord> {
  const subject = await deps.pseudonyms.pseudonym(tagged.subjectId);
  const values = { ...tagged.clearFields, ...tagged.sealFields };
  const needsKey = Object.keys(values).length > 0 || tagged.documents.length > 0;
  const written: string[] = [];
  const now = deps.clock.now().toISOString();
  let created = false;
  try {
    if (tagged.documents.length > 0) {
      await deps.records.beginDocuments(tagged.recordId);
    }
    const content = await sealContent(deps, keys, tagged, subject, values, written);
    const stored: StoredRecord = recordOf(tagged, subject, content, now);
    await deps.records.create(stored, [audit(stored)]);
    created = true;
    if (!needsKey) {
      return stored;
    }
    return await keepUnderLiveKey(deps, keys, stored, async () =>
      recordOf(tagged, subject, await sealContent(deps, keys, tagged, subject, values, written), now),
    );
  } catch (error) {
    // Before the record exists its documents are orphans and go; after, they
    // are the record's.
    // A write whose answer was lost may have committed: only documents of a
    // record that is not there are orphans.
    if (!created && tagged.documents.length > 0 && (await deps.records.get(tagged.recordId)) === undefined) {
      await removeDocuments(deps, tagged.recordId);
    }
    throw error;
  }
}

async function removeDocuments(deps: LifecycleDeps, recordId: string): Promise<void> {
  const versions = await deps.objects.listVersions(`records/${recordId}/`);
  if (versions.length > 0) {
    await deps.objects.deleteVersions(versions);
  }
  await deps.records.endDocuments(recordId);
}

/**
 * Removes the documents of lines that died before their record was
 * committed (a crash between writing documents and the record). Only
 * intents older than `before` (ISO) are taken, so a line still being
 * ingested elsewhere is left alone. Returns the record ids cleaned.
 */
export async function removeAbandonedDocuments(
  deps: LifecycleDeps,
  before: string,
): Promise<string[]> {
  const cleaned: string[] = [];
  for (const recordId of await deps.records.abandonedDocuments(before)) {
    if ((await deps.records.get(recordId)) === undefined) {
      await removeDocuments(deps, recordId);
    } else {
      await deps.records.endDocuments(recordId);
    }
    cleaned.push(recordId);
  }
  return cleaned;
}

/** Sealed fields and written documents of a record, under the subject's current key. */
async function sealContent(
  deps: LifecycleDeps,
  keys: SubjectKeys,
  tagged: TaggedRecord,
  subject: string,
  values: Readonly<Record<string, unknown>>,
  written: string[],
): Promise<{ sealed: Record<string, string>; documents: DocumentRef[] }> {
  const needsKey = Object.keys(values).length > 0 || tagged.documents.length > 0;
  const key = needsKey ? await keys.forWriting(subject) : undefined;
  const sealed: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    sealed[name] = sealValue(
      key as Uint8Array,
      value,
      fieldAad(tagged.recordId, name),
    );
  }
  const documents: DocumentRef[] = [];
  for (const doc of tagged.documents) {
    const objectKey = documentKey(tagged.recordId, doc.name);
    const body = Buffer.from(sealBytes(key as Uint8Array, doc.body, objectKey), 'utf8');
    await deps.objects.put(objectKey, body, doc.contentType, {
      'wasure-record-id': tagged.recordId,
      'wasure-dataset': tagged.dataset,
      'wasure-sealed': 'true',
    });
    written.push(objectKey);
    documents.push({
      name: doc.name,
      key: objectKey,
      contentType: doc.contentType,
      size: doc.body.byteLength,
      sha256: createHash('sha256').update(doc.body).digest('hex'),
      sealed: true,
    });
  }
  return { sealed, documents };
}

/** The stored form of a tagged record. */
function recordOf(
  tagged: TaggedRecord,
  subject: string,
  content: { sealed: Record<string, string>; documents: DocumentRef[] },
  now: string,
): StoredRecord {
  return {
    recordId: tagged.recordId,
    subjectPseudonym: subject,
    dataset: tagged.dataset,
    purposes: tagged.purposes,
    categories: tagged.categories,
    fieldCategories: tagged.fieldCategories,
    retention: tagged.retention,
    consentRefs: tagged.consentRefs,
    ...(tagged.acquisitionException === undefined
      ? {}
      : { acquisitionException: tagged.acquisitionException }),
    acquiredAt: tagged.acquiredAt,
    ...(tagged.lastActivityAt === undefined
      ? {}
      : { lastActivityAt: tagged.lastActivityAt }),
    events: tagged.events,
    policyVersion: tagged.policyVersion,
    holds: [],
    pendingRequests: [],
    status: 'active',
    fields: {},
    sealed: content.sealed,
    documents: content.documents,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/**
 * Ingests lines. Each line is refused with its reasons or stored whole.
 * Audits every stored and every refused line (reasons carry field paths,
 * never values).
 */
export async function ingestRecords(
  deps: LifecycleDeps,
  lines: AsyncIterable<IngestLine> | Iterable<IngestLine>,
  options: IngestOptions,
): Promise<IngestReport> {
  const keys = new SubjectKeys(deps);
  const stored: StoredSummary[] = [];
  const rejected: Rejection[] = [];
  const events: AuditEventInput[] = [];
  const inFlight = new Set<Promise<void>>();
  const limit = options.concurrency ?? 8;
  const seen = new Set<string>();
  let done = 0;
  const flush = async (): Promise<void> => {
    if (events.length > 0) {
      await deps.audit.append(events.splice(0, events.length));
    }
  };
  const handle = async (input: IngestLine): Promise<void> => {
    let raw: unknown;
    try {
      raw = JSON.parse(input.text);
    } catch {
      rejected.push({
        line: input.line,
        problems: [{ path: '(line)', message: 'is not valid JSON' }],
      });
      return;
    }
    const result = tagRecord(
      deps.catalogue,
      raw,
      deps.clock.now(),
      deps.ids.next(),
    );
    const base = {
      actor: options.actor,
      policyVersion: deps.catalogue.version,
    };
    if (!result.ok) {
      rejected.push({
        line: input.line,
        ...(result.recordId === undefined ? {} : { recordId: result.recordId }),
        problems: result.problems,
      });
      events.push({
        ...base,
        action: 'ingest-refused',
        ...(result.recordId === undefined ? {} : { recordId: result.recordId }),
        outcome: 'refused',
        reason: result.problems.map((p) => p.path).join(', '),
      });
      return;
    }
    const tagged = result.record;
    try {
      // A repeated id in one batch must not reach storage: the losing
      // line's clean-up would remove the winner's documents.
      if (seen.has(tagged.recordId)) {
        throw new ConflictError(`record ${tagged.recordId} repeats in this batch`);
      }
      seen.add(tagged.recordId);
      if ((await deps.records.get(tagged.recordId)) !== undefined) {
        throw new ConflictError(`record ${tagged.recordId} already exists`);
      }
      const record = await storeOne(deps, keys, tagged, (r) => ({
        ...base,
        action: 'ingest',
        recordId: r.recordId,
        subjectPseudonym: r.subjectPseudonym,
        dataset: r.dataset,
        basis: r.retention.basis,
        outcome: 'ok',
        details: {
          categories: r.categories.join(','),
          sealedFields: Object.keys(r.sealed).length,
          documents: r.documents.length,
        },
      }));
      stored.push({
        line: input.line,
        recordId: record.recordId,
        dataset: record.dataset,
        categories: record.categories,
        sealedFields: Object.keys(record.sealed),
        documents: record.documents.length,
        ...(record.retention.dueAt === undefined
          ? {}
          : { dueAt: record.retention.dueAt }),
      });
    } catch (error) {
      assertIsError(error);
      if (!(error instanceof ConflictError)) {
        throw error;
      }
      rejected.push({
        line: input.line,
        recordId: tagged.recordId,
        problems: [{ path: 'recordId', message: 'a record with this id already exists' }],
      });
      events.push({
        ...base,
        action: 'ingest-refused',
        recordId: tagged.recordId,
        dataset: tagged.dataset,
        outcome: 'refused',
        reason: 'duplicate recordId',
      });
    }
  };
  // The first line that fails ends the run: no line goes on writing after
  // ingest has failed, and none fails unobserved.
  let failure: { error: unknown } | undefined;
  const settle = async () => {
    await Promise.allSettled(inFlight);
    if (failure !== undefined) {
      throw failure.error;
    }
  };
  for await (const line of lines) {
    const task = handle(line).finally(() => {
      inFlight.delete(task);
      done += 1;
      options.onProgress?.(done);
    });
    task.catch((error: unknown) => {
      failure ??= { error };
    });
    inFlight.add(task);
    if (inFlight.size >= limit) {
      await Promise.race(inFlight).catch(() => undefined);
    }
    if (failure !== undefined) {
      await settle();
    }
    if (events.length >= 100) {
      await flush();
    }
  }
  await settle();
  await flush();
  await deps.audit.integrate();
  stored.sort((a, b) => a.line - b.line);
  rejected.sort((a, b) => a.line - b.line);
  return { stored, rejected };
}
