/**
 * The scheduled audit-trail verification: the same verifier as
 * `wasure audit verify`, run by EventBridge Scheduler on AWS. A failed
 * verification fails the invocation (an IntegrityError), which the
 * verification alarm watches. Only a trail that verified is then
 * checkpointed: nothing is written before the verification. Each run goes
 * on from the cursor the last one saved (the events since), within a time
 * budget.
 */
import type { Checkpointer } from '#shared/ports/audit.ts';
import { ConflictError, IntegrityError } from '#shared/errors.ts';
import { instrument, type Logger } from '#shared/logging.ts';
import { verifyAudit } from '#shared/use-cases/verify-audit.ts';

/** What the verification needs. */
export interface AuditTaskDeps {
  readonly audit: Checkpointer;
  readonly log?: Logger;
  /**
   * Signs a checkpoint once the trail has verified (the checkpointer's
   * path); absent, the verification writes nothing.
   */
  readonly checkpoint?: () => Promise<unknown>;
  /**
   * Milliseconds a run may verify before it stops at a page boundary, its
   * cursor saved, to go on at the next run (stays inside the Lambda limit).
   */
  readonly budgetMs?: number;
  /** Events read per page. @default 1000 */
  readonly pageSize?: number;
  /** How long a run asked to await integration waits for the sequencer. @default 60 s */
  readonly integrationWaitMs?: number;
}

/** What a verification run is asked to do. */
export interface VerifyEvent {
  /**
   * Wait until the sequencer has chained everything staged so far before
   * verifying and signing, so the checkpoint covers events just written
   * (the erase request's receipt needs its erasure under a checkpoint).
   */
  readonly awaitIntegration?: boolean;
}

/** The verification result (no personal data: counts and positions). */
export interface VerifyResult {
  readonly ok: true;
  readonly eventsChecked: number;
  readonly checkpointsChecked: number;
  /** Events this run read (the rest was verified by earlier runs). */
  readonly newEvents: number;
  /** False when the budget stopped the run: the next run goes on, and nothing was signed. */
  readonly complete: boolean;
}

/** The scheduled audit tasks. */
export function auditTasks(deps: AuditTaskDeps) {
  const tasks = {
    verify: async (event: unknown): Promise<VerifyResult> => {
      if ((event as VerifyEvent | undefined)?.awaitIntegration === true) {
        await awaitIntegration(deps.audit, deps.integrationWaitMs ?? 60_000);
      }
      // Incremental from the signed cursor the last run saved; only the
      // checkpointer (this role) can save one.
      const verdict = await verifyAudit(deps.audit, {
        persist: deps.checkpoint !== undefined,
        ...(deps.budgetMs === undefined ? {} : { budgetMs: deps.budgetMs }),
        ...(deps.pageSize === undefined ? {} : { pageSize: deps.pageSize }),
      });
      if (!verdict.ok) {
        const p = verdict.problem;
        deps.log?.({
          level: 'error',
          event: 'audit.tamper',
          kind: p?.kind ?? 'unknown',
          ...(p?.at.seq === undefined ? {} : { seq: p.at.seq }),
          ...(p?.at.checkpoint === undefined ? {} : { checkpoint: p.at.checkpoint }),
          eventsChecked: verdict.eventsChecked,
        });
        throw new IntegrityError(`audit trail verification failed: ${p?.message ?? 'unknown problem'}`);
      }
      const result = {
        ok: true as const,
        eventsChecked: verdict.eventsChecked,
        checkpointsChecked: verdict.checkpointsChecked,
        newEvents: verdict.newEvents,
        complete: verdict.complete,
      };
      if (!verdict.complete) {
        // Signing now would vouch for events not yet verified.
        deps.log?.({ level: 'info', event: 'audit.verify-incomplete', eventsChecked: verdict.eventsChecked });
        return result;
      }
      await deps.checkpoint?.();
      return result;
    },
  };
  return instrument('audit', tasks, deps.log, { verify: (r) => ({ ...r }) });
}

/**
 * Waits until no staged entry is left (the sequencer has chained it).
 * Throws ConflictError after `waitMs`: the caller retries or records the
 * step as left for later.
 */
async function awaitIntegration(audit: Checkpointer, waitMs: number): Promise<void> {
  const until = Date.now() + waitMs;
  for (;;) {
    await audit.integrate();
    const pending = await audit.pendingCount();
    if (pending === 0) {
      return;
    }
    if (Date.now() > until) {
      throw new ConflictError(`${pending} staged audit event(s) still wait for the sequencer after ${waitMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
