import { formatJst } from '#shared/domain/retention.ts';
import { addsUp } from '#shared/domain/sweep.ts';
import { runSweepLocally } from '../../local/local-sweep.ts';
import { drainRecordsStream } from '../../local/records-stream-poller.ts';
import { RESOURCES } from '#shared/config/resources.ts';
import { REPORT_ITEMS_CAP } from '#shared/use-cases/sweep-state.ts';
import { executionName, output, runExecution, waitForExecution } from '../../deployed-stack.ts';
import type { StackRuntime } from '../../runtime.ts';
import type { SweepReport } from '../../workflow/sweep-tasks.ts';
import type { CliCommand, CliContext } from '../types.ts';

export const sweepCommand: CliCommand = {
  path: ['sweep'],
  options: {
    'dry-run': { type: 'boolean', description: 'decide and report, change nothing' },
  },
  examples: ['wasure sweep --dry-run', 'wasure sweep --now 2027-04-01T00:00:00+09:00 --json'],
  usage: 'sweep [--now ISO] [--dry-run]    run the retention state machine; report what was erased',
  async run(ctx) {
    const runtime = await ctx.runtime();
    const dryRun = ctx.args.options['dry-run'] === true;
    const now = runtime.deps.clock.now().toISOString();
    if (runtime.mode === 'stack') {
      return printReport(ctx, dryRun, await sweepOnStack(runtime, dryRun, ctx.progress));
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
    const report = await runSweepLocally(
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
    return printReport(ctx, dryRun, report);
  },
};

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
