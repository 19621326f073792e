import { resolve } from 'node:path';
import { writeFileAtomic } from '#shared/adapters/local/kms-server.ts';
import { DECISIONS, REQUEST_TYPE_JA } from '#shared/domain/annual-report/decision.ts';
import { FISCAL_YEAR_BOUNDS } from '#shared/domain/annual-report/fiscal-year.ts';
import { type AnnualReportFormat, renderAnnualReport } from '#shared/domain/annual-report/render.ts';
import { REQUEST_TYPES } from '#shared/domain/requests.ts';
import { ValidationError } from '#shared/errors.ts';
import { annualReport } from '#shared/use-cases/annual-report.ts';
import { optionString } from '../args.ts';
import type { CliCommand } from '../types.ts';

const FORMATS: readonly AnnualReportFormat[] = ['csv', 'html'];

export const reportAnnualCommand: CliCommand = {
  path: ['report', 'annual'],
  options: {
    year: { type: 'string', value: 'N', description: '年度 N: requests received from 1 April N 00:00 JST to 31 March N+1 23:59 JST' },
    controller: { type: 'string', value: 'ID', description: 'only the requests this controller answers' },
    format: { type: 'string', value: 'csv|html', description: 'write the report as CSV or printable HTML (default: a summary)' },
    out: { type: 'string', value: 'FILE', description: 'write the CSV or HTML to FILE' },
  },
  examples: ['wasure report annual --year 2026', 'wasure report annual --year 2026 --controller ibaraki-pref --format html --out 2026.html', 'wasure report annual --year 2026 --json'],
  usage:
    'report annual --year N [--controller ID] [--format csv|html] [--out FILE]   yearly request statistics (年度 N = 1 April N to 31 March N+1, JST, by date received): by type, decision, ground and controller, days taken, overdue and extended; every request counted must have its request audit event (exit 1 when the ledger and the audit trail disagree)',
  async run(ctx) {
    const yearText = optionString(ctx.args, 'year');
    const year = Number(yearText);
    if (yearText === undefined || !/^\d{4}$/.test(yearText) || year < FISCAL_YEAR_BOUNDS.min || year > FISCAL_YEAR_BOUNDS.max) {
      throw new ValidationError('--year must be a 年度 such as 2026', [{ path: '--year', message: yearText === undefined ? 'missing' : `"${yearText}"` }]);
    }
    const format = optionString(ctx.args, 'format');
    if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) {
      throw new ValidationError('--format must be csv or html', [{ path: '--format', message: `"${format}"` }]);
    }
    const out = optionString(ctx.args, 'out');
    if (out !== undefined && format === undefined) {
      throw new ValidationError('--out needs --format csv or html', [{ path: '--format', message: 'missing' }]);
    }
    const controllerId = optionString(ctx.args, 'controller');
    const runtime = await ctx.runtime();
    const { catalogue, clock } = runtime.deps;
    if (controllerId !== undefined && !catalogue.controllers.some((c) => c.id === controllerId)) {
      throw new ValidationError(`controller ${controllerId} is not in the catalogue`, [
        { path: '--controller', message: `"${controllerId}" is none of ${catalogue.controllers.map((c) => c.id).join(', ')}` },
      ]);
    }
    const report = await annualReport(
      { requests: runtime.requestDeps.requests, audit: runtime.audit, catalogue, clock },
      { year, ...(controllerId === undefined ? {} : { controllerId }) },
    );
    for (const d of report.discrepancies) {
      ctx.progress(`report: request ${d.requestId}: ${d.kind} (${d.counted ? 'counted' : 'not counted'}): ${d.detail}`);
    }
    const text = format === undefined ? undefined : renderAnnualReport(report, format as AnnualReportFormat);
    if (out !== undefined && text !== undefined) {
      await writeFileAtomic(resolve(out), text);
    }
    if (ctx.json) {
      ctx.out(JSON.stringify({ ...(out === undefined ? {} : { file: out }), ...report }, null, 2));
    } else if (text !== undefined && out === undefined) {
      ctx.out(text.trimEnd());
    } else {
      if (out !== undefined) ctx.out(`report written to ${out} (${format})`);
      ctx.out(`${year}年度 (${report.period.firstDay} to ${report.period.lastDay} JST)${controllerId === undefined ? '' : ` ${controllerId}`}: ${report.total} request(s) counted`);
      for (const t of REQUEST_TYPES) {
        if (report.byType[t] === 0) continue;
        const decisions = DECISIONS.filter((d) => report.byTypeDecision[t][d] > 0).map((d) => `${d} ${report.byTypeDecision[t][d]}`);
        ctx.out(`  ${t} (${REQUEST_TYPE_JA[t]}): ${report.byType[t]} — ${decisions.join(', ')}`);
      }
      ctx.out(`  days taken: ${report.days.count} decided, median ${report.days.median ?? '-'}, max ${report.days.max ?? '-'}; overdue ${report.overdue.total}; extended ${report.extended}`);
      ctx.out(`  discrepancies with the audit trail: ${report.discrepancies.length}`);
    }
    return report.discrepancies.length === 0 ? 0 : 1;
  },
};
