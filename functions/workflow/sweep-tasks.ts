/**
 * The retention sweep's Task handlers, built over ports. Lambda entry
 * files bind them to env-configured AWS clients; the local runner binds
 * the same functions to the embedded stores.
 */
import { instrument } from '#shared/logging.ts';
import { SWEEP_PAGE_BUDGET } from '#shared/domain/workflow-names.ts';
import type { LifecycleDeps } from '#shared/use-cases/deps.ts';
import { planSweep } from '#shared/use-cases/plan-sweep.ts';
import { purgeBatch, type PurgeResult } from '#shared/use-cases/purge-batch.ts';
import { recoverInterrupted } from '#shared/use-cases/recover-interrupted.ts';
import { purgeQuarantine, type QuarantineSweep } from '#shared/use-cases/quarantine.ts';
import { foldPage, type SweepState, startState } from '#shared/use-cases/sweep-state.ts';
import type { ExportStore } from '#shared/ports/index.ts';

/** What the sweep handlers need. */
export interface SweepTaskDeps extends LifecycleDeps {
  /** Starts the continuation execution (SFN StartExecution on AWS). */
  readonly continueAsNew: (input: Record<string, unknown>) => Promise<string>;
  /** Signs a checkpoint of the audit trail. */
  readonly checkpoint: () => Promise<unknown>;
  /** Disclosure packages past their own retention are removed by the sweep. */
  readonly exports?: ExportStore;
}

/** Event of the StartSweep task. */
export interface StartEvent {
  readonly input: Record<string, unknown>;
  readonly executionId: string;
  readonly stateMachineArn?: string;
}

/** Event of the PurgeBatch task. */
export interface PurgeEvent {
  readonly recordIds: string[];
  readonly now: string;
  readonly dryRun: boolean;
  readonly sweepId: string;
}

/** The final report. */
export type SweepReport = Omit<SweepState, 'batches' | 'results' | 'cursor' | 'next'> & {
  readonly continuedAs?: string;
  readonly exportsRemoved?: number;
  /** Quarantined objects past retention deleted (dry run: to be deleted). */
  readonly quarantinePurged?: number;
  /** Quarantined objects remaining after the purge (absent without a landing store). */
  readonly quarantineObjects?: number;
  /** Bytes remaining under `quarantine/`, every version and reasons included. */
  readonly quarantineBytes?: number;
  readonly complete: boolean;
};

/** The quarantine purge of a finishing sweep, as report fields (none without a landing store). */
async function sweepQuarantine(
  deps: SweepTaskDeps,
  state: SweepState,
): Promise<Pick<SweepReport, 'quarantinePurged' | 'quarantineObjects' | 'quarantineBytes'>> {
  if (deps.landing === undefined) {
    return {};
  }
  const q: QuarantineSweep = await purgeQuarantine(
    { ...deps, landing: deps.landing },
    { now: state.now, dryRun: state.dryRun },
  );
  return { quarantinePurged: q.purged, quarantineObjects: q.objects, quarantineBytes: q.bytes };
}

/** Age past which a document intent is abandoned (the Lambda limit, with margin). */
const ABANDONED_AFTER_MS = 20 * 60 * 1000;

/** The handlers, keyed by what they do. */
export function sweepTasks(deps: SweepTaskDeps) {
  const tasks = {
    start: async (event: StartEvent): Promise<SweepState> => {
      // Staged audit events and documents of lines that died before their
      // record committed are finished first. An ingest lasts at most one
      // Lambda run, so intents older than that are abandoned.
      const now = deps.clock.now();
      await recoverInterrupted(deps, new Date(now.getTime() - ABANDONED_AFTER_MS).toISOString());
      return startState(event.input ?? {}, {
        executionId: event.executionId,
        ...(event.stateMachineArn === undefined ? {} : { stateMachineArn: event.stateMachineArn }),
        now: now.toISOString(),
        pageBudget: SWEEP_PAGE_BUDGET,
      });
    },
    plan: async (state: SweepState): Promise<SweepState> => {
      const page = await planSweep(deps, {
        now: state.now,
        pageSize: state.pageSize,
        ...(state.cursor === undefined ? {} : { cursor: state.cursor }),
      });
      const { next: _n, ...rest } = state;
      return { ...rest, batches: page.batches, ...(page.next === undefined ? {} : { next: page.next }) };
    },
    purge: (event: PurgeEvent): Promise<PurgeResult> => purgeBatch(deps, event),
    report: async (state: SweepState): Promise<SweepState> => foldPage(state),
    continueAsNew: async (state: SweepState): Promise<SweepReport> => {
      const executionArn = await deps.continueAsNew({
        stateMachineArn: state.stateMachineArn,
        sweepId: state.sweepId,
        now: state.now,
        dryRun: state.dryRun,
        cursor: state.cursor,
        totals: state.totals,
        executions: state.executions,
        pageBudget: state.pageBudget,
        pageSize: state.pageSize,
      });
      const { cursor: _c, next: _n, ...rest } = state;
      return { ...rest, continuedAs: executionArn, complete: false };
    },
    finish: async (state: SweepState): Promise<SweepReport> => {
      const exportsRemoved = state.dryRun ? 0 : ((await deps.exports?.purgeExpired(new Date(state.now))) ?? 0);
      const quarantine = await sweepQuarantine(deps, state);
      if (!state.dryRun) {
        await deps.checkpoint();
      }
      const { cursor: _c, next: _n, ...rest } = state;
      return { ...rest, exportsRemoved, ...quarantine, complete: true };
    },
  };
  const progress = (s: SweepState) => ({ sweepId: s.sweepId, dryRun: s.dryRun, pages: s.pages });
  return instrument('sweep', tasks, deps.log, {
    start: progress,
    plan: (s) => ({ ...progress(s), batches: s.batches?.length ?? 0 }),
    purge: (r) => ({ ...r.counts }),
    report: progress,
    continueAsNew: (r) => ({ sweepId: r.sweepId, executions: r.executions }),
    finish: (r) => ({
      sweepId: r.sweepId,
      dryRun: r.dryRun,
      executions: r.executions,
      exportsRemoved: r.exportsRemoved ?? 0,
      ...r.totals,
      ...(r.quarantineObjects === undefined
        ? {}
        : { quarantinePurged: r.quarantinePurged ?? 0, quarantineObjects: r.quarantineObjects, quarantineBytes: r.quarantineBytes ?? 0 }),
    }),
  });
}
