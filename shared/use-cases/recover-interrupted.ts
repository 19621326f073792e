/**
 * Finishes what a crashed process left half-done, before anything else
 * runs: audit events staged with their writes but not yet chained are
 * integrated, and documents written for a line whose record never
 * committed are removed. Run at the start of every embedded command
 * (under the state directory's lock) and by every sweep on AWS.
 */
import type { LifecycleDeps } from './deps.ts';
import { removeAbandonedDocuments } from './ingest-records.ts';

/** What a recovery found and finished. */
export interface RecoveryReport {
  /** Staged audit events chained now. */
  readonly eventsIntegrated: number;
  /** Records whose orphaned documents were removed. */
  readonly abandonedDocuments: number;
}

/**
 * Recovers. `intentsBefore` (ISO) bounds which document intents count as
 * abandoned: locally, where one process holds the state, every intent; on
 * AWS only those older than any ingest can run.
 */
export async function recoverInterrupted(
  deps: LifecycleDeps,
  intentsBefore: string,
): Promise<RecoveryReport> {
  const eventsIntegrated = await deps.audit.integrate();
  const cleaned = await removeAbandonedDocuments(deps, intentsBefore);
  if (cleaned.length > 0 || eventsIntegrated > 0) {
    deps.log?.({
      level: 'info',
      event: 'recovery.finished',
      eventsIntegrated,
      abandonedDocuments: cleaned.length,
    });
  }
  return { eventsIntegrated, abandonedDocuments: cleaned.length };
}
