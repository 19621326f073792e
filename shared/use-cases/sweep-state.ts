/**
 * The sweep's state as it travels through the state machine: only record
 * ids, counts and reasons — never personal data.
 */
import {
  addCounts,
  NO_COUNTS,
  type SweepCounts,
  type SweepItem,
} from '../domain/sweep.ts';
import { ValidationError } from '../errors.ts';
import type { SweepCursor } from './plan-sweep.ts';

/** Records listed by name in a report, at most. */
export const REPORT_ITEMS_CAP = 1000;

/** The state between pages. */
export interface SweepState {
  readonly sweepId: string;
  /** The state machine itself, to continue as a new execution. */
  readonly stateMachineArn?: string;
  readonly now: string;
  readonly dryRun: boolean;
  readonly pages: number;
  readonly pageBudget: number;
  /** Records per page. */
  readonly pageSize: number;
  readonly executions: number;
  readonly totals: SweepCounts;
  /** Purged (or, dry run, to be purged) record ids, capped. */
  readonly purged: string[];
  /** Records not purged and why, capped. */
  readonly skipped: { recordId: string; decision: string; reason?: string }[];
  readonly cursor?: SweepCursor;
  readonly next?: SweepCursor;
  readonly batches?: string[][];
  readonly results?: { items: SweepItem[]; counts: SweepCounts }[];
}

/** Parses an execution input into the initial state. */
export function startState(
  input: Record<string, unknown>,
  defaults: { executionId: string; stateMachineArn?: string; now: string; pageBudget: number },
): SweepState {
  const now = typeof input.now === 'string' ? input.now : defaults.now;
  if (Number.isNaN(Date.parse(now))) {
    throw new ValidationError('bad sweep input', [{ path: 'now', message: `"${now}" is not an ISO time` }]);
  }
  const prior = (input.totals ?? NO_COUNTS) as SweepCounts;
  return {
    sweepId: typeof input.sweepId === 'string' ? input.sweepId : (defaults.executionId.split(':').pop() ?? defaults.executionId),
    ...(defaults.stateMachineArn === undefined ? {} : { stateMachineArn: defaults.stateMachineArn }),
    now: new Date(now).toISOString(),
    dryRun: input.dryRun === true,
    pages: 0,
    pageBudget: typeof input.pageBudget === 'number' ? input.pageBudget : defaults.pageBudget,
    pageSize: typeof input.pageSize === 'number' && input.pageSize > 0 ? input.pageSize : 500,
    executions: typeof input.executions === 'number' ? input.executions + 1 : 1,
    totals: { ...NO_COUNTS, ...prior },
    purged: [],
    skipped: [],
    ...(typeof input.cursor === 'object' && input.cursor !== null
      ? { cursor: input.cursor as SweepCursor }
      : {}),
  };
}

/** Folds one page's batch results into the state. */
export function foldPage(state: SweepState): SweepState {
  const items = (state.results ?? []).flatMap((r) => r.items);
  const totals = (state.results ?? []).reduce((t, r) => addCounts(t, r.counts), state.totals);
  const purged = [...state.purged];
  const skipped = [...state.skipped];
  for (const item of items) {
    if (item.decision === 'purge') {
      if (purged.length < REPORT_ITEMS_CAP) purged.push(item.recordId);
    } else if (skipped.length < REPORT_ITEMS_CAP) {
      skipped.push({
        recordId: item.recordId,
        decision: item.decision,
        ...(item.reason === undefined ? {} : { reason: item.reason }),
      });
    }
  }
  const { batches: _b, results: _r, next, cursor: _c, ...rest } = state;
  return {
    ...rest,
    totals,
    purged,
    skipped,
    pages: state.pages + 1,
    ...(next === undefined ? {} : { cursor: next, next }),
  };
}
