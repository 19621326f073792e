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
import { isTombstone, type StoredRecord } from '../domain/record.ts';
import {
  countItems,
  decide,
  skipReason,
  type SweepCounts,
  type SweepItem,
} from '../domain/sweep.ts';
import type { AuditEventInput } from '../ports/index.ts';
import type { LifecycleDeps } from './deps.ts';
import { eraseRecord, withBackoff } from './erase-record.ts';

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
