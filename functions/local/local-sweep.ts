/**
 * `wasure sweep` in embedded mode: the synthesized retention-sweep state
 * machine, executed by aws-local-stepfunctions with its Task states bound
 * to the sweep handlers over the embedded stores. Continuations (past the
 * page budget) run as new local executions, as on AWS.
 */
import { join } from 'node:path';
import { DirectoryExportStore } from '#shared/adapters/local/directory-export-store.ts';
import { SWEEP_STATES } from '#shared/domain/workflow-names.ts';
import type { LifecycleDeps } from '#shared/use-cases/deps.ts';
import type { PurgeResult } from '#shared/use-cases/purge-batch.ts';
import { REPORT_ITEMS_CAP } from '#shared/use-cases/sweep-state.ts';
// Type-only here: the module (and aws-cdk-lib under it) loads only when the
// template cache misses.
import type * as CreateApp from '#infra/create-app.ts';
import { type SweepReport, sweepTasks, type SweepTaskDeps } from '../workflow/sweep-tasks.ts';
import {
  definitionFromTemplate,
  findStateMachine,
  type LocalHandlers,
  type LocalRunOptions,
  runLocally,
  type Template,
} from './run-state-machine.ts';
import { cachedTemplate } from './template-cache.ts';

let cached: Promise<Template> | undefined;

/** Synthesizes the stateless template now, loading aws-cdk-lib (no cache). */
export async function synthesizeTemplate(): Promise<Template> {
  const { createApp }: typeof CreateApp = await import('#infra/create-app.ts');
  const { app, stateless } = createApp({
    nag: false,
    // Asset bundling is irrelevant to the definition; skipping it keeps a
    // local sweep fast.
    context: { 'aws:cdk:bundling-stacks': [] },
  });
  return app.synth().getStackByName(stateless.stackName).template as Template;
}

/**
 * The stateless stack's template, synthesized in-process (no bundling) or
 * read from the on-disk cache keyed by a hash of its sources (see
 * template-cache.ts).
 */
export function synthesizedTemplate(): Promise<Template> {
  cached ??= cachedTemplate(synthesizeTemplate).catch((error: unknown) => {
    cached = undefined;
    throw error;
  });
  return cached;
}

/** Options of {@link runSweepLocally}. */
export interface LocalSweepOptions {
  readonly now: string;
  readonly dryRun: boolean;
  /** Called after each purged batch. */
  readonly onBatch?: (result: PurgeResult) => void;
  /** Pages per execution before continuing as a new one. */
  readonly pageBudget?: number;
  /** Records per page. */
  readonly pageSize?: number;
  /** Embedded state directory (for disclosure-package expiry). */
  readonly stateDir?: string;
  /** Sees every task's input and output (the execution history's payloads). */
  readonly onTask?: LocalRunOptions['onTask'];
  /** Overrides of task dependencies (tests inject failures here). */
  readonly wrapDeps?: (deps: SweepTaskDeps) => SweepTaskDeps;
}

/** The report of a whole sweep, over all its executions. */
export interface LocalSweepReport extends SweepReport {
  readonly executionNames: string[];
}

/** Runs a sweep to completion on the embedded stores. */
export async function runSweepLocally(
  deps: LifecycleDeps & { readonly checkpoint: () => Promise<unknown> },
  options: LocalSweepOptions,
): Promise<LocalSweepReport> {
  const template = await synthesizedTemplate();
  const logicalId = findStateMachine(template, 'RetentionSweep');
  const definition = definitionFromTemplate(template, logicalId);
  const queue: Record<string, unknown>[] = [];
  const executionNames: string[] = [];
  let base: SweepTaskDeps = {
    ...deps,
    continueAsNew: async (input) => {
      queue.push(input);
      return `local-continuation-${queue.length + executionNames.length}`;
    },
    ...(options.stateDir === undefined
      ? {}
      : { exports: new DirectoryExportStore(join(options.stateDir, 'exports'), deps.clock) }),
  };
  base = options.wrapDeps?.(base) ?? base;
  const tasks = sweepTasks(base);
  const handlers: LocalHandlers = {
    [SWEEP_STATES.start]: tasks.start,
    [SWEEP_STATES.plan]: tasks.plan,
    [SWEEP_STATES.purge]: async (event: Parameters<typeof tasks.purge>[0]) => {
      const result = await tasks.purge(event);
      options.onBatch?.(result);
      return result;
    },
    [SWEEP_STATES.report]: tasks.report,
    [SWEEP_STATES.continueAsNew]: tasks.continueAsNew,
    [SWEEP_STATES.finish]: tasks.finish,
  };
  let input: Record<string, unknown> = {
    now: options.now,
    dryRun: options.dryRun,
    ...(options.pageBudget === undefined ? {} : { pageBudget: options.pageBudget }),
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
  };
  const purged: string[] = [];
  const skipped: SweepReport['skipped'] = [];
  for (;;) {
    const name = `sweep-${deps.ids.next()}`;
    executionNames.push(name);
    const report = (await runLocally(definition, input, handlers, {
      name,
      stateMachineName: 'WasureStateless-RetentionSweep',
      ...(options.onTask === undefined ? {} : { onTask: options.onTask }),
    })) as SweepReport;
    purged.push(...report.purged.slice(0, REPORT_ITEMS_CAP - purged.length));
    skipped.push(...report.skipped.slice(0, REPORT_ITEMS_CAP - skipped.length));
    const next = queue.shift();
    if (report.complete || next === undefined) {
      return { ...report, purged, skipped, executionNames };
    }
    input = next;
  }
}
