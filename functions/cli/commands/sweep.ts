import { formatJst } from '#shared/domain/retention.ts';
import { addsUp } from '#shared/domain/sweep.ts';
import { runSweepLocally } from '../../local/local-sweep.ts';
import { drainRecordsStream } from '../../local/records-stream-poller.ts';
import { RESOURCES } from '#shared/config/resources.ts';
import { REPORT_ITEMS_CAP } from '#shared/use-cases/sweep-state.ts';
import { executionName, output, runExecution, waitForExecution } from '../../deployed-stack.ts';
import type { Runtime, StackRuntime } from '../../runtime.ts';
import { ValidationError } from '#shared/errors.ts';
import { fileSweepOrder, decideSweepOrder, sweepNeedsApproval } from '#shared/use-cases/sweep-orders.ts';
import { optionString, withOptionPaths } from '../args.ts';
import { operatorOf, requiredOperator } from '../operator.ts';
import type { SweepReport } from '../../workflow/sweep-tasks.ts';
import type { CliCommand, CliContext } from '../types.ts';

export const sweepCommand: CliCommand = {
  path: ['sweep'],
  options: {
    'dry-run': { type: 'boolean', description: 'decide and report, change nothing' },
    operator: { type: 'string', value: 'ID', description: 'who files the sweep, where a controller puts manual sweeps under approval (or WASURE_OPERATOR)' },
  },
  examples: ['wasure sweep --dry-run', 'wasure sweep --now 2027-04-01T00:00:00+09:00 --json', 'wasure sweep --operator clerk-01   (files an order where sweeps need approval)'],
  usage: 'sweep [--now ISO] [--dry-run] [--operator ID]    run the retention state machine; report what was erased (filed for approval where the catalogue says so)',
  async run(ctx) {
    const runtime = await ctx.runtime();
    const dryRun = ctx.args.options['dry-run'] === true;
    const now = runtime.deps.clock.now().toISOString();
    if (!dryRun && sweepNeedsApproval(runtime.deps.catalogue)) {
      return fileOrder(ctx, runtime, now);
    }
    return printReport(ctx, dryRun, await runSweep(ctx, runtime, dryRun, now));
  },
};

/** Runs the sweep (on the stack, or the embedded state machine locally) and returns its report. */
async function runSweep(ctx: CliContext, runtime: Runtime, dryRun: boolean, now: string): Promise<SweepReport & { executionNames: string[] }> {
    if (runtime.mode === 'stack') {
      return sweepOnStack(runtime, dryRun, ctx.progress);
    }
    if (!dryRun) {
      // Embedded stand-in for the stream trigger: changes since the last
      // run (TTL expiries, writes that bypassed wasure) are handled first.
      const changes = await drainRecordsStream(runtime.embedded, runtime.deps);
      if (changes.ttlExpiries + changes.untaggedWrites + changes.directDeletes > 0) {
        ctx.progress(
          `records stream: ${changes.ttlExpiries} TTL expiries finished, ${changes.untaggedWrites} untagged writes and ${changes.directDeletes} deletions outside wasure flagged in the audit trail`,
        );
      }
    }
    ctx.progress(`${dryRun ? 'dry run: ' : ''}sweeping records due at or before ${formatJst(now)} …`);
    let batches = 0;
    let seen = 0;
    return runSweepLocally(
      { ...runtime.deps, checkpoint: () => runtime.audit.checkpoint() },
      {
        now,
        dryRun,
        stateDir: ctx.stateDir,
        onBatch: (r) => {
          batches += 1;
          seen += r.counts.planned;
          if (batches % 10 === 0) {
            ctx.progress(`  ${seen} records decided in ${batches} batches`);
          }
        },
      },
    );
}

/**
 * Where manual sweeps need approval: files an order for what is due now,
 * with its dry run as the preview, and changes nothing.
 */
async function fileOrder(ctx: CliContext, runtime: Runtime, now: string): Promise<number> {
  const operator = await operatorOf(ctx, runtime);
  if (operator === undefined) {
    throw new ValidationError('the sweep cannot be filed', [
      { path: '--operator', message: 'is required: a controller puts manual sweeps under approval, so a sweep is filed by one operator and approved by another (or give --dry-run)' },
    ]);
  }
  const preview = await runSweep(ctx, runtime, true, now);
  const order = await fileSweepOrder({ ...runtime.deps, audit: runtime.audit }, { operator, asOf: now, planned: preview.totals.purged });
  if (ctx.json) {
    ctx.out(JSON.stringify({ order, preview }, null, 2));
    return 0;
  }
  ctx.out(`sweep order ${order.orderId} filed by ${operator}: records due at or before ${formatJst(now)}; nothing changed`);
  ctx.out(`  preview: would purge ${preview.totals.purged} of ${preview.totals.planned} due records (held ${preview.totals.held}, pending request ${preview.totals.pendingRequest})`);
  for (const id of preview.purged) ctx.out(`    would purge ${id}`);
  ctx.out(`  a second operator approves it: wasure sweep approve ${order.orderId} --operator ID (or rejects it with --reason)`);
  return 0;
}

const ORDER_OPTIONS = {
  operator: { type: 'string', value: 'ID', description: 'who decides (or WASURE_OPERATOR; on a stack, the caller)' },
  reason: { type: 'string', value: 'TEXT', description: 'why (kept in the audit trail: no personal data)' },
} as const;

function orderCommand(step: 'approved' | 'rejected'): CliCommand {
  return {
    path: ['sweep', step === 'approved' ? 'approve' : 'reject'],
    positionals: ['ORDER_ID'],
    options: ORDER_OPTIONS,
    usage:
      step === 'approved'
        ? 'sweep approve ORDER_ID --operator ID   approve a filed sweep order (not your own) and run it with its cutoff'
        : 'sweep reject ORDER_ID --operator ID --reason TEXT   reject a filed sweep order; nothing is swept',
    async run(ctx) {
      const orderId = ctx.args.positionals[0];
      if (orderId === undefined) throw new ValidationError(`no sweep order to decide`, [{ path: 'ORDER_ID', message: 'is required' }]);
      const runtime = await ctx.runtime();
      const operator = await requiredOperator(ctx, runtime, { headline: `sweep order ${orderId} cannot be ${step}` });
      const reason = optionString(ctx.args, 'reason');
      const order = await withOptionPaths(
        decideSweepOrder({ ...runtime.deps, audit: runtime.audit }, { orderId, operator, step, ...(reason === undefined ? {} : { reason }) }),
        { operator: '--operator', reason: '--reason' },
      );
      if (step === 'rejected') {
        if (ctx.json) ctx.out(JSON.stringify({ order }, null, 2));
        else ctx.out(`sweep order ${orderId} rejected by ${operator}; nothing was swept`);
        return 0;
      }
      ctx.progress(`sweep order ${orderId} approved by ${operator}; sweeping what was due at ${formatJst(order.asOf)}`);
      // Locally the order's own cutoff is swept (what its preview showed, plus
      // records that fell due before it meanwhile); a stack's state machine
      // takes its own start time.
      return printReport(ctx, false, await runSweep(ctx, runtime, false, order.asOf));
    },
  };
}

export const sweepApproveCommand = orderCommand('approved');
export const sweepRejectCommand = orderCommand('rejected');

function printReport(ctx: CliContext, dryRun: boolean, report: SweepReport & { executionNames: string[] }): number {
    if (ctx.json) {
      ctx.out(JSON.stringify(report, null, 2));
      return 0;
    }
    const t = report.totals;
    ctx.out(
      `${dryRun ? 'Dry run — nothing changed. Would purge' : 'Purged'} ${t.purged} of ${t.planned} due records ` +
        `(held ${t.held}, pending request ${t.pendingRequest}, not due ${t.notDue}, already erased ${t.alreadyErased}, missing ${t.missing}); ` +
        `${t.objectVersionsDeleted} object versions deleted, ${t.keysDestroyed} subject keys destroyed; ` +
        `${report.executionNames.length} execution(s)${addsUp(t) ? '' : ' — COUNTS DO NOT ADD UP'}`,
    );
    if (report.quarantineObjects !== undefined) {
      ctx.out(
        `quarantine: ${report.quarantinePurged ?? 0} object(s) past retention ${dryRun ? 'would be ' : ''}deleted; ${report.quarantineObjects} remain (${report.quarantineBytes ?? 0} bytes)`,
      );
    }
    for (const id of report.purged) {
      ctx.out(`  ${dryRun ? 'would purge' : 'purged'} ${id}`);
    }
    for (const s of report.skipped) {
      ctx.out(`  kept ${s.recordId}: ${s.decision}${s.reason === undefined ? '' : ` (${s.reason})`}`);
    }
    return addsUp(t) ? 0 : 1;
}

/**
 * Starts the deployed RetentionSweep state machine, as its schedule does,
 * and follows its continuations to the end; the report is the last
 * execution's, with the purged and kept lists of all of them.
 */
async function sweepOnStack(
  runtime: StackRuntime,
  dryRun: boolean,
  progress: (line: string) => void,
): Promise<SweepReport & { executionNames: string[] }> {
  const started = new Date().toISOString().replace(/[:.]/g, '-');
  let result = await runExecution(runtime.sfn, {
    stateMachineArn: output(runtime.stack, RESOURCES.sweepStateMachine.output),
    name: executionName(`cli-sweep-${dryRun ? 'dry-run-' : ''}${started}`),
    input: { dryRun },
    progress,
  });
  const executionNames: string[] = [];
  const purged: string[] = [];
  const skipped: SweepReport['skipped'] = [];
  for (;;) {
    executionNames.push(result.executionArn.split(':').pop() as string);
    const report = result.output as SweepReport;
    purged.push(...report.purged.slice(0, REPORT_ITEMS_CAP - purged.length));
    skipped.push(...report.skipped.slice(0, REPORT_ITEMS_CAP - skipped.length));
    if (report.complete || report.continuedAs === undefined) {
      return { ...report, purged, skipped, executionNames };
    }
    progress(`continued as ${report.continuedAs}`);
    result = await waitForExecution(runtime.sfn, report.continuedAs, { progress });
  }
}
