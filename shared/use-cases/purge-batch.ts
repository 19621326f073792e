/**
 * Purges one batch of planned records. For each record: every object
 * version and delete marker of its documents, then (when no other live
 * record of the subject holds sealed data) the subject's data key, then
 * the record itself, replaced by a tombstone without personal data. The
 * order makes a rerun after a crash finish the job: the tombstone is the
 * last step, so a record is either fully purged or still found live. The
 * key's destruction and the tombstone are each written in one transaction
 * with their audit event, so neither can happen unrecorded.
 */
import { isTombstone, type StoredRecord, type Tombstone } from '../domain/record.ts';
import {
  countItems,
  decide,
  skipReason,
  type SweepCounts,
  type SweepItem,
} from '../domain/sweep.ts';
import { assertIsError, TransientStoreError } from '../errors.ts';
import type { AuditEventInput } from '../ports/index.ts';
import type { LifecycleDeps } from './deps.ts';

/** Subjects erased at once within one batch. */
export const ERASE_CONCURRENCY = 8;

/** Input of {@link purgeBatch}. */
export interface PurgeInput {
  readonly recordIds: readonly string[];
  /** The sweep's clock (ISO). */
  readonly now: string;
  /** Decide and report only. */
  readonly dryRun: boolean;
  /** Sweep (execution) id for the audit trail. */
  readonly sweepId: string;
}

/** Result of a batch. */
export interface PurgeResult {
  readonly items: SweepItem[];
  readonly counts: SweepCounts;
}

/** Retries a store call on throttling with exponential backoff. */
export async function withBackoff<T>(run: () => Promise<T>, attempts = 5, baseMs = 50): Promise<T> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      assertIsError(error);
      if (!(error instanceof TransientStoreError) || attempt + 1 >= attempts) {
        throw error;
      }
      await new Promise((r) => setTimeout(r, baseMs * 2 ** attempt));
    }
  }
}

function holdsSealedData(r: StoredRecord): boolean {
  return Object.keys(r.sealed).length > 0 || r.documents.some((d) => d.sealed);
}

/** Why a record is erased, for the tombstone and the audit trail. */
export type ErasureCause = 'retention' | `request:${string}` | 'ttl';

/**
 * Erases one live record: documents (all versions), the subject key when
 * it protects nothing else, then the tombstone with its `erasure` event.
 * Returns what it removed; `erased` is false when another process
 * tombstoned it first.
 */
export async function eraseRecord(
  deps: LifecycleDeps,
  record: StoredRecord,
  cause: ErasureCause,
  actor: string,
  knownHasKey?: boolean,
): Promise<{ erased: boolean; objectVersions: number; keyDestroyed: boolean }> {
  const objectVersions = await deleteDocuments(deps, record);
  // Only a subject that still has a key needs the look at its other
  // records (one index query); most erasures skip it.
  const hasKey =
    knownHasKey ?? (await withBackoff(() => deps.keys.get(record.subjectPseudonym))) !== undefined;
  let keyDestroyed =
    hasKey && (await destroyKeyIfUnneeded(deps, record, cause, actor, record.recordId));
  const erased = await withBackoff(() =>
    deps.records.replaceWithTombstone(tombstoneOf(deps, record, cause), record.version, [
      {
        action: 'erasure',
        actor,
        recordId: record.recordId,
        subjectPseudonym: record.subjectPseudonym,
        dataset: record.dataset,
        basis: record.retention.basis,
        policyVersion: record.policyVersion,
        outcome: 'ok',
        details: { cause, objectVersions, keyDestroyed },
      },
    ]),
  );
  // Another batch may have erased the subject's other records at the same
  // time, each seeing the other still live: look again once this record is
  // gone, so the last one out always destroys the key.
  if (erased && hasKey && !keyDestroyed) {
    keyDestroyed = await destroyKeyIfUnneeded(deps, record, cause, actor);
  }
  return { erased, objectVersions, keyDestroyed };
}

/**
 * Removes every version and delete marker of a record's documents. The
 * record lists its documents (ingest writes them, and removes them again if
 * the record is never written), so a record without documents has nothing
 * under its prefix. Returns how many versions were removed.
 */
export async function deleteDocuments(deps: LifecycleDeps, record: StoredRecord): Promise<number> {
  if (record.documents.length === 0) {
    return 0;
  }
  const versions = await withBackoff(() => deps.objects.listVersions(`records/${record.recordId}/`));
  if (versions.length > 0) {
    await withBackoff(() => deps.objects.deleteVersions(versions));
  }
  return versions.length;
}

/** The tombstone of an erased record: no personal data. */
export function tombstoneOf(deps: LifecycleDeps, record: StoredRecord, cause: string): Tombstone {
  return {
    recordId: record.recordId,
    status: 'erased',
    dataset: record.dataset,
    basis: record.retention.basis,
    legalRef: record.retention.legalRef,
    ...(record.retention.dueAt === undefined ? {} : { dueAt: record.retention.dueAt }),
    erasedAt: deps.clock.now().toISOString(),
    cause,
    policyVersion: record.policyVersion,
  };
}

/**
 * Destroys the subject's data key (crypto-shredding) when no live record
 * of the subject other than `except` still holds encrypted data; the
 * `key-destroyed` event is committed with the destruction.
 */
export async function destroyKeyIfUnneeded(
  deps: LifecycleDeps,
  record: StoredRecord,
  cause: string,
  actor: string,
  except?: string,
): Promise<boolean> {
  // The key is read before the records are listed, and destroyed only if
  // no record was sealed with it since: a record ingested meanwhile either
  // shows in the listing or has counted a use, so it is never left sealed
  // under a destroyed key.
  const subject = record.subjectPseudonym;
  const key = await withBackoff(() => deps.keys.get(subject));
  if (key === undefined) {
    return false;
  }
  const live = await withBackoff(() => deps.records.listBySubject(subject));
  if (live.some((r) => r.recordId !== except && holdsSealedData(r))) {
    return false;
  }
  return withBackoff(() =>
    deps.keys.destroy(subject, key.uses ?? 0, [
      {
        action: 'key-destroyed',
        actor,
        subjectPseudonym: subject,
        recordId: record.recordId,
        policyVersion: record.policyVersion,
        outcome: 'ok',
        details: { cause },
      },
    ]),
  );
}

/** Purges (or, in a dry run, only decides) one batch. */
export async function purgeBatch(
  deps: LifecycleDeps,
  input: PurgeInput,
): Promise<PurgeResult> {
  const now = new Date(input.now);
  const byId = new Map<string, SweepItem>();
  const events: AuditEventInput[] = [];
  const actor = 'system:sweep';
  try {
    const found = await withBackoff(() => deps.records.getMany(input.recordIds));
    const subjects = [...found.values()].flatMap((r) => (isTombstone(r) ? [] : [r.subjectPseudonym]));
    const withKeys = input.dryRun ? new Set<string>() : await withBackoff(() => deps.keys.existing(subjects));
    // Records of one subject are erased one after another (the last one
    // destroys the key); different subjects are erased concurrently.
    const bySubject = new Map<string, StoredRecord[]>();
    for (const recordId of input.recordIds) {
      const item = found.get(recordId);
      const decision = decide(item, now);
      if (item === undefined || isTombstone(item) || decision !== 'purge') {
        const reason =
          item === undefined || isTombstone(item) ? undefined : skipReason(item, decision);
        byId.set(recordId, {
          recordId,
          ...(item === undefined ? {} : { dataset: item.dataset }),
          decision,
          ...(reason === undefined ? {} : { reason }),
        });
        if (!input.dryRun && (decision === 'held' || decision === 'pending-request') && item !== undefined) {
          events.push({
            action: 'erasure',
            actor,
            recordId,
            dataset: item.dataset,
            policyVersion: item.policyVersion,
            outcome: 'skipped',
            reason: decision,
            details: { sweepId: input.sweepId },
          });
        }
      } else if (input.dryRun) {
        byId.set(recordId, { recordId, dataset: item.dataset, decision: 'purge' });
      } else {
        bySubject.set(item.subjectPseudonym, [...(bySubject.get(item.subjectPseudonym) ?? []), item]);
      }
    }
    const queue = [...bySubject.values()];
    let failed = false;
    const worker = async () => {
      for (let group = queue.shift(); group !== undefined && !failed; group = queue.shift()) {
        for (const item of group) {
          const done = await eraseRecord(deps, item, 'retention', actor, withKeys.has(item.subjectPseudonym));
          if (done.keyDestroyed) {
            withKeys.delete(item.subjectPseudonym);
          }
          byId.set(item.recordId, {
            recordId: item.recordId,
            dataset: item.dataset,
            decision: done.erased ? 'purge' : 'already-erased',
            objectVersions: done.objectVersions,
            keyDestroyed: done.keyDestroyed,
          });
        }
      }
    };
    // Every worker finishes its record before the batch reports, so each
    // erasure that happened is audited below even when another one failed.
    const settled = await Promise.allSettled(
      Array.from({ length: ERASE_CONCURRENCY }, () =>
        worker().catch((error: unknown) => {
          failed = true;
          throw error;
        }),
      ),
    );
    const rejection = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejection !== undefined) {
      throw rejection.reason;
    }
  } finally {
    // Erasures and key destructions staged their events with their writes;
    // the skips are recorded here, and everything is chained before the
    // batch reports (or its error reaches the state machine's retry).
    if (events.length > 0) {
      await deps.audit.append(events);
    }
    await deps.audit.integrate();
  }
  const items = input.recordIds.flatMap((id) => {
    const item = byId.get(id);
    return item === undefined ? [] : [item];
  });
  return { items, counts: countItems(items) };
}
