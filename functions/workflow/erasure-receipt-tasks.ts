/**
 * The erase request's receipt steps. After the erasure the audit
 * checkpointer verifies the trail and signs a checkpoint that covers it
 * (on AWS the VerifyAuditFn, the only role that may sign), then
 * IssueErasureReceipt saves the receipt as the request's package. Payloads
 * carry the request id and the outcome's counts, never the subject.
 */
import { ERASURE_RECEIPT_STATES } from '#shared/domain/erasure-receipt.ts';
import { ConfigError } from '#shared/errors.ts';
import { instrument, type Logger } from '#shared/logging.ts';
import { type RequestReceiptDeps, saveErasureReceipt } from '#shared/use-cases/erasure-receipt.ts';
import { auditTasks } from './audit-tasks.ts';
import type { ExecuteResult, RequestTaskDeps } from './request-tasks.ts';

/** What the receipt task needs: read the request and the trail, the checkpoint key's public half, save the package. */
export interface ReceiptTaskDeps extends RequestReceiptDeps {
  readonly log?: Logger;
}

/** The receipt task: the erase step's result, with `outcome.erasureReceipt` added. */
export function erasureReceiptTasks(deps: ReceiptTaskDeps) {
  const tasks = {
    receipt: async (event: ExecuteResult): Promise<ExecuteResult> => {
      const receipt = await saveErasureReceipt(deps, event.requestId);
      return receipt === undefined ? event : { ...event, outcome: { ...event.outcome, erasureReceipt: receipt } };
    },
  };
  return instrument('request', tasks, deps.log, {
    receipt: (r) => ({ requestId: r.requestId, receipt: String((r.outcome.erasureReceipt as { status?: string } | undefined)?.status) }),
  });
}

/**
 * The receipt steps on the embedded stores, by state name. Locally the
 * process is the checkpointer: it chains what is staged, then runs the
 * same verify-then-sign handler as VerifyAuditFn. Without a checkpointer
 * that can sign, both steps fail, and the state machine records the
 * receipt as left for later.
 */
export function localErasureReceiptHandlers(deps: RequestTaskDeps): Record<string, (event: never) => Promise<unknown>> {
  const checkpointer = deps.checkpointer;
  const signing = () => {
    if (checkpointer?.signer === undefined) {
      throw new ConfigError('no checkpoint signer in this process: the erasure receipt is left for wasure receipt issue');
    }
    return { trail: checkpointer, signer: checkpointer.signer };
  };
  return {
    [ERASURE_RECEIPT_STATES.checkpoint]: async (event: unknown) => {
      const { trail } = signing();
      await trail.integrate();
      return auditTasks({ audit: trail, checkpoint: () => trail.checkpoint(), ...(deps.log === undefined ? {} : { log: deps.log }) }).verify(event);
    },
    [ERASURE_RECEIPT_STATES.issue]: async (event: ExecuteResult) => erasureReceiptTasks({ ...deps, ...signing() }).receipt(event),
  };
}
