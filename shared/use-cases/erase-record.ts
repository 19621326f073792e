/**
 * Erasing one record, the one way every path does it: the retention sweep
 * (purge-batch), an erase request (subject-requests), restore
 * reconciliation and the TTL backstop (audit-record-changes, through
 * {@link finishRemovedRecord}). Documents (every version) first, then the
 * subject key when it protects nothing else, then the tombstone written in
 * one transaction with its `erasure` event: a rerun after a crash finds
 * the record either live (and erases it) or tombstoned (and stops).
 */
import { isTombstone, type StoredRecord, type Tombstone } from '../domain/record.ts';
import { assertIsError, ConflictError, TransientStoreError } from '../errors.ts';
import type { LifecycleDeps } from './deps.ts';

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
  const claimed = await claim(deps, record, cause);
  if (claimed === undefined) {
    return { erased: false, objectVersions: 0, keyDestroyed: false };
  }
  record = claimed;
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
 * Claims a live record for erasure before anything is removed: a versioned
 * write of its `erasing` mark. A record changed since it was read (a hold,
 * a request's freeze, a correction) fails the claim with a ConflictError
 * while its documents and key are intact. A record another eraser has
 * claimed is taken as it stands (the erasure is decided; both finish it,
 * idempotently); one already tombstoned or gone returns undefined.
 */
async function claim(deps: LifecycleDeps, record: StoredRecord, cause: string): Promise<StoredRecord | undefined> {
  if (record.erasing !== undefined) {
    return record;
  }
  const claimed: StoredRecord = {
    ...record,
    erasing: { cause, since: deps.clock.now().toISOString() },
    version: record.version + 1,
  };
  try {
    await withBackoff(() => deps.records.update(claimed, record.version));
    return claimed;
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const current = await withBackoff(() => deps.records.get(record.recordId));
    if (current === undefined || isTombstone(current)) {
      return undefined;
    }
    if (current.erasing !== undefined) {
      return current;
    }
    throw new ConflictError(
      `record ${record.recordId} changed since it was read for erasure (a hold, a request or a correction): nothing was erased; it is decided again on the next run`,
      { cause: error },
    );
  }
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

/**
 * Finishes the erasure of a record whose item is already gone from the
 * table (a TTL expiry, or a delete outside wasure): documents, the key
 * when nothing else needs it, then the tombstone written with its
 * `erasure` event. The TTL backstop (the records stream) calls it.
 */
export async function finishRemovedRecord(
  deps: LifecycleDeps,
  old: StoredRecord,
  cause: 'ttl' | 'direct-delete',
): Promise<void> {
  const actor = cause === 'ttl' ? 'system:ttl-backstop' : 'system:stream';
  const objectVersions = await deleteDocuments(deps, old);
  // The item is gone already, so the subject's listing no longer holds it.
  const keyDestroyed = await destroyKeyIfUnneeded(deps, old, cause, actor);
  await withBackoff(() =>
    deps.records.writeTombstone(tombstoneOf(deps, old, cause), [
      {
        action: 'erasure',
        actor,
        recordId: old.recordId,
        subjectPseudonym: old.subjectPseudonym,
        dataset: old.dataset,
        basis: old.retention.basis,
        policyVersion: old.policyVersion,
        outcome: 'ok',
        reason:
          cause === 'ttl'
            ? 'deleted by the TTL backstop: no sweep erased it within the grace period'
            : 'item deleted outside wasure: documents, key and tombstone finished by the stream',
        details: { cause, objectVersions, keyDestroyed },
      },
    ]),
  );
}
