/**
 * Reacts to changes on the records table (DynamoDB stream): a TTL expiry —
 * the backstop deleting a record no sweep erased — is finished like a
 * sweep would (documents, key, then the tombstone committed with its
 * erasure event); so is a live record deleted outside wasure, which is
 * also flagged. Writes without wasure's tags are flagged in the audit
 * trail. Idempotent: a redelivered change finds the work done.
 */
import type { StoredRecord } from '../domain/record.ts';
import { classifyChange, type ClassifiedChange, type RecordChange } from '../domain/stream-changes.ts';
import type { AuditEventInput } from '../ports/index.ts';
import type { LifecycleDeps } from './deps.ts';
import { finishRemovedRecord } from './erase-record.ts';

/** Counts of one delivery. */
export interface ChangeReport {
  readonly ttlExpiries: number;
  readonly untaggedWrites: number;
  readonly directDeletes: number;
  readonly other: number;
}

/** True when a removed item's TTL had passed at `now`. */
function ttlPassed(old: Readonly<Record<string, unknown>>, now: Date): boolean {
  return typeof old.expiresAt === 'number' && old.expiresAt * 1000 <= now.getTime();
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
        ...(c.subjectPseudonym === undefined ? {} : { subjectPseudonym: c.subjectPseudonym }),
        ...(c.policyVersion === undefined ? {} : { policyVersion: c.policyVersion }),
      };
      const old = change.oldImage;
      const liveRemoved = (c.kind === 'ttl-expiry' || c.kind === 'direct-delete') && old !== undefined && old.status !== 'erased';
      if (liveRemoved && (c.kind === 'ttl-expiry' || ttlPassed(old, deps.clock.now()))) {
        counts.ttlExpiries += 1;
        await finishRemovedRecord(deps, old as unknown as StoredRecord, 'ttl');
      } else if (liveRemoved) {
        counts.directDeletes += 1;
        events.push({
          action: 'erasure',
          actor: 'system:stream',
          ...ids,
          outcome: 'failed',
          reason: 'item deleted outside wasure: no tombstone was left; the stream finished the erasure',
        });
        await finishRemovedRecord(deps, old as unknown as StoredRecord, 'direct-delete');
      } else if (c.kind === 'untagged-write') {
        counts.untaggedWrites += 1;
        events.push({
          action: 'untagged-write',
          actor: 'system:stream',
          ...ids,
          outcome: 'failed',
          reason: `item written without wasure tags: ${(c.missing ?? []).join(', ')}`,
        });
      } else {
        counts.other += 1;
      }
    }
  } finally {
    if (events.length > 0) {
      await deps.audit.append(events);
    }
    await deps.audit.integrate();
  }
  return counts;
}
