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
