/**
 * State names of the state machines: the contract between infra (which
 * builds the definitions) and the local runner (which maps each Task state
 * to the same handler code by name).
 */

/** States of the retention sweep. */
export const SWEEP_STATES = {
  start: 'StartSweep',
  plan: 'PlanSweep',
  purgeMap: 'PurgeBatches',
  purge: 'PurgeBatch',
  report: 'ReportPage',
  morePages: 'MorePages',
  budgetLeft: 'PageBudgetLeft',
  continueAsNew: 'ContinueSweep',
  finish: 'FinishSweep',
  failed: 'SweepFailed',
  done: 'SweepDone',
} as const;

/** Pages one execution handles before continuing as a new execution. */
export const SWEEP_PAGE_BUDGET = 40;

/** States of every subject-request state machine (one per request type). */
export const REQUEST_STATES = {
  load: 'LoadRequest',
  execute: 'ExecuteRequest',
  complete: 'CompleteRequest',
  failed: 'RequestFailed',
  done: 'RequestDone',
} as const;

/** Construct/state-machine name stem of a request type's workflow. */
export function requestWorkflowName(type: string): string {
  return `Request${type.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`;
}
