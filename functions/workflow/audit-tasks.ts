/**
 * The scheduled audit-trail verification: the same verifier as
 * `wasure audit verify`, run by EventBridge Scheduler on AWS. A failed
 * verification fails the invocation (an IntegrityError), which the
 * verification alarm watches. Only a trail that verified is then
 * checkpointed: nothing is written before the verification.
 */
import type { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { IntegrityError } from '#shared/errors.ts';
import { instrument, type Logger } from '#shared/logging.ts';
import { verifyAudit } from '#shared/use-cases/verify-audit.ts';

/** What the verification needs. */
export interface AuditTaskDeps {
  readonly audit: DynamoAuditTrail;
  readonly log?: Logger;
  /**
   * Signs a checkpoint once the trail has verified (the checkpointer's
   * path); absent, the verification writes nothing.
   */
  readonly checkpoint?: () => Promise<unknown>;
}

/** The verification result (no personal data: counts and positions). */
export interface VerifyResult {
  readonly ok: true;
  readonly eventsChecked: number;
  readonly checkpointsChecked: number;
}

/** The scheduled audit tasks. */
export function auditTasks(deps: AuditTaskDeps) {
  const tasks = {
    verify: async (_event: unknown): Promise<VerifyResult> => {
      const verdict = await verifyAudit(deps.audit);
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
      await deps.checkpoint?.();
      return { ok: true, eventsChecked: verdict.eventsChecked, checkpointsChecked: verdict.checkpointsChecked };
    },
  };
  return instrument('audit', tasks, deps.log, { verify: (r) => ({ ...r }) });
}
