import { formatJst } from '#shared/domain/retention.ts';
import { ValidationError } from '#shared/errors.ts';
import { reconcileRestore, type ReconcileReport } from '#shared/use-cases/reconcile-restore.ts';
import { optionString } from '../args.ts';
import type { CliCommand, CliContext } from '../types.ts';

/** The backup point, checked before any store starts. */
function sinceOf(ctx: CliContext): string {
  const since = optionString(ctx.args, 'since');
  if (since === undefined || !/^\d{4}-\d{2}-\d{2}T/.test(since) || Number.isNaN(Date.parse(since))) {
    throw new ValidationError('--since must be the backup point as an ISO-8601 time', [
      { path: '--since', message: since === undefined ? 'is required (e.g. 2026-11-30T00:00:00+09:00)' : `"${since}" is not an ISO-8601 time` },
    ]);
  }
  return new Date(since).toISOString();
}

export const restoreReconcileCommand: CliCommand = {
  path: ['restore', 'reconcile'],
  options: {
    since: { type: 'string', value: 'ISO', description: 'the backup point the tables were restored to (required)' },
    'dry-run': { type: 'boolean', description: 'list what would be erased again, change nothing' },
  },
  examples: [
    'wasure restore reconcile --since 2026-11-30T00:00:00+09:00 --dry-run',
    'wasure restore reconcile --since 2026-11-30T00:00:00+09:00 --json',
  ],
  usage: 'restore reconcile --since ISO [--dry-run]   after a restore, erase again what the audit trail says was erased since ISO',
  async run(ctx) {
    const since = sinceOf(ctx);
    const dryRun = ctx.args.options['dry-run'] === true;
    const runtime = await ctx.runtime();
    ctx.progress(`${dryRun ? 'dry run: ' : ''}reading erasures recorded since ${formatJst(since)} (the whole audit trail is read) …`);
    const report = await reconcileRestore({ ...runtime.deps, auditReader: runtime.audit }, { since, dryRun });
    printReport(ctx, report);
    return report.skipped > 0 ? 1 : 0;
  },
};

function printReport(ctx: CliContext, report: ReconcileReport): void {
  if (ctx.json) {
    ctx.out(JSON.stringify(report, null, 2));
    return;
  }
  ctx.out(
    `${report.dryRun ? 'Dry run — nothing changed. ' : ''}Checked ${report.checked} erasure(s) recorded since ${formatJst(report.since)}: ` +
      `${report.alreadyGone} already gone, ${report.reapplied} ${report.dryRun ? 'would be re-applied' : 're-applied'}` +
      `${report.skipped === 0 ? '' : `, ${report.skipped} NOT re-applied`}`,
  );
  for (const item of report.items) {
    const what = item.kind === 'key' ? `subject key ${item.id.slice(0, 12)}…` : `${item.kind === 'record' ? 'record' : 'documents of'} ${item.id}`;
    ctx.out(
      `  ${item.skipped === undefined ? (report.dryRun ? 'would erase' : 'erased') : 'kept'} ${what} (first erased ${formatJst(item.erasedAt)})` +
        `${item.objectVersions ? `, ${item.objectVersions} object version(s)` : ''}${item.skipped === undefined ? '' : `: ${item.skipped}`}`,
    );
  }
}
