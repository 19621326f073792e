/**
 * Reacts to changes on the records table (DynamoDB stream): a TTL expiry —
 * the backstop deleting a record no sweep erased — is audited as such and
 * finished like a sweep would (documents, key, tombstone); writes without
 * wasure's tags and deletions outside wasure are flagged in the audit
 * trail. Idempotent: a redelivered change finds the work done.
 */
import type { StoredRecord } from '../domain/record.ts';
import { classifyChange, type ClassifiedChange, type RecordChange } from '../domain/stream-changes.ts';
import type { AuditEventInput } from '../ports/index.ts';
import type { LifecycleDeps } from './deps.ts';
import { deleteDocuments, destroyKeyIfUnneeded, tombstoneOf, withBackoff } from './purge-batch.ts';

/** Counts of one delivery. */
export interface ChangeReport {
  readonly ttlExpiries: number;
  readonly untaggedWrites: number;
  readonly directDeletes: number;
  readonly other: number;
}

async function finishTtlExpiry(
  deps: LifecycleDeps,
  old: StoredRecord,
  events: AuditEventInput[],
): Promise<void> {
  const actor = 'system:ttl-backstop';
  const objectVersions = await deleteDocuments(deps, old);
  const wrote = await withBackoff(() => deps.records.writeTombstone(tombstoneOf(deps, old, 'ttl')));
  if (wrote) {
    events.push({
      action: 'erasure',
      actor,
      recordId: old.recordId,
      subjectId: old.subjectId,
      dataset: old.dataset,
      basis: old.retention.basis,
      policyVersion: old.policyVersion,
      outcome: 'ok',
      reason: 'deleted by the TTL backstop: no sweep erased it within the grace period',
      details: { cause: 'ttl', objectVersions },
    });
  }
  await destroyKeyIfUnneeded(deps, old, 'ttl', actor, events);
}

/** Handles one delivery of changes. */
export async function auditRecordChanges(
  deps: LifecycleDeps,
  changes: readonly RecordChange[],
): Promise<ChangeReport> {
  const events: AuditEventInput[] = [];
  const counts = { ttlExpiries: 0, untaggedWrites: 0, directDeletes: 0, other: 0 };
  try {
    for (const change of changes) {
      const c: ClassifiedChange = classifyChange(change);
      const ids = {
        recordId: c.recordId,
        ...(c.dataset === undefined ? {} : { dataset: c.dataset }),
        ...(c.subjectId === undefined ? {} : { subjectId: c.subjectId }),
        ...(c.policyVersion === undefined ? {} : { policyVersion: c.policyVersion }),
      };
      if (c.kind === 'ttl-expiry' && change.oldImage?.status !== 'erased') {
        counts.ttlExpiries += 1;
        await finishTtlExpiry(deps, change.oldImage as unknown as StoredRecord, events);
      } else if (c.kind === 'untagged-write') {
        counts.untaggedWrites += 1;
        events.push({
          action: 'untagged-write',
          actor: 'system:stream',
          ...ids,
          outcome: 'failed',
          reason: `item written without wasure tags: ${(c.missing ?? []).join(', ')}`,
        });
      } else if (c.kind === 'direct-delete') {
        counts.directDeletes += 1;
        events.push({
          action: 'erasure',
          actor: 'system:stream',
          ...ids,
          outcome: 'failed',
          reason: 'item deleted outside wasure: no tombstone, documents and key not checked',
        });
      } else {
        counts.other += 1;
      }
    }
  } finally {
    if (events.length > 0) {
      await deps.audit.append(events);
    }
  }
  return counts;
}
