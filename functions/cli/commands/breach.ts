import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type AffectedEntry,
  parseAffectedList,
} from '#shared/domain/breach/affected-list.ts';
import { renderBreachReportHtml } from '#shared/domain/breach/report-html.ts';
import type { BreachAssessment } from '#shared/domain/breach/types.ts';
import { ValidationError } from '#shared/errors.ts';
import {
  recordIdsOfDataset,
  runBreachAssessment,
} from '#shared/use-cases/assess-breach.ts';
import { optionString } from '../args.ts';
import type { CliContext, CliCommand } from '../types.ts';

const flag = (ctx: CliContext, name: string) =>
  ctx.args.options[name] !== undefined;

function positiveInt(ctx: CliContext, name: string): number | undefined {
  const text = optionString(ctx.args, name);
  if (text === undefined) {
    return undefined;
  }
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) {
    throw new ValidationError(`--${name} must be a whole number`, [{ path: `--${name}`, message: `"${text}"` }]);
  }
  return n;
}

async function entriesFrom(ctx: CliContext): Promise<AffectedEntry[]> {
  const file = optionString(ctx.args, 'records');
  const dataset = optionString(ctx.args, 'dataset');
  if ((file === undefined) === (dataset === undefined)) {
    throw new ValidationError('breach assess needs exactly one of --records FILE and --dataset ID', [
      { path: '--records|--dataset', message: 'give one of them' },
    ]);
  }
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      throw new ValidationError(`cannot read ${file}`, [{ path: file, message: 'no such file' }]);
    }
    const { entries, problems } = parseAffectedList(text);
    if (problems.length > 0) {
      throw new ValidationError(`${file} has ${problems.length} bad line(s)`, problems);
    }
    return entries;
  }
  const { deps } = await ctx.runtime();
  if (deps.catalogue.datasets.every((d) => d.id !== dataset)) {
    throw new ValidationError(`unknown dataset ${dataset}`, [{ path: '--dataset', message: 'is not in the catalogue' }]);
  }
  return recordIdsOfDataset((d, cursor) => deps.records.listIdsByDataset(d, cursor), dataset as string);
}

function summary(ctx: CliContext, a: BreachAssessment, dir: string): void {
  ctx.out(`breach assessment: ${a.records} record(s), ${a.subjects} subject(s); report ${a.reportRequired ? 'REQUIRED' : 'not required'}; notices ${a.noticeRequired ? `REQUIRED (${a.subjectsToNotify.length})` : 'not required'}`);
  for (const c of a.controllers) {
    ctx.out(`  ${c.controllerId}${c.publicBody ? ' (public body)' : ''}: ${c.records} record(s), ${c.subjects} subject(s), threshold ${c.subjectThreshold}`);
    for (const t of [...c.triggers, ...c.myNumberTriggers]) {
      ctx.out(`    ${t.fired ? 'FIRED' : 'no   '} ${t.id.padEnd(28)} ${t.reason}`);
    }
    if (c.deadlines !== undefined) {
      ctx.out(`    preliminary report (速報) by ${c.deadlines.preliminaryDay3} – ${c.deadlines.preliminaryDay5}; final report (確報, ${c.deadlines.finalDays} days) by ${c.deadlines.final}`);
    }
  }
  for (const n of a.notAssessed) {
    ctx.out(`  not assessed: ${n.recordId} (${n.why})`);
  }
  for (const note of a.notes) {
    ctx.out(`  note: ${note}`);
  }
  ctx.out(`report draft: ${join(dir, 'breach-report.html')}, ${join(dir, 'breach-assessment.json')}`);
}

export const breachAssessCommand: CliCommand = {
  path: ['breach', 'assess'],
  options: {
    records: { type: 'string', value: 'FILE', description: 'affected record ids, one a line' },
    dataset: { type: 'string', value: 'ID', description: 'every record of this dataset is affected' },
    'improper-purpose': { type: 'boolean', description: 'the leak may be for an improper purpose (APPI rule 7(3))' },
    'key-exposed': { type: 'boolean', description: 'the data keys leaked too: no encryption safe harbour' },
    'public-exposure': { type: 'boolean', description: 'the data was publicly exposed' },
    'my-number-system': { type: 'boolean', description: 'the breach is of a My Number system (番号法 triggers)' },
    discovered: { type: 'string', value: 'ISO', description: 'when the breach was discovered (default now)' },
    threshold: { type: 'string', value: 'N', description: 'subjects above which a report is required (default per APPI rules)' },
    'my-number-threshold': { type: 'string', value: 'N', description: 'My Number subjects above which a report is required (default 100)' },
    format: { type: 'string', value: 'json|html', description: 'print the assessment as JSON or the report draft as HTML' },
    out: { type: 'string', value: 'DIR', description: 'where the report draft is written' },
    actor: { type: 'string', value: 'NAME', description: 'who acts, recorded in the audit trail as admin:NAME (default cli)' },
  },
  examples: ['wasure breach assess --records leaked.txt', 'wasure breach assess --dataset tochigi-payroll --key-exposed --format html'],
  usage: 'breach assess --records FILE|--dataset ID [--improper-purpose] [--key-exposed] [--discovered ISO] [--format json|html] [--out DIR]   APPI breach triggers, deadlines, report draft',
  async run(ctx) {
    const format = optionString(ctx.args, 'format');
    if (format !== undefined && format !== 'json' && format !== 'html') {
      throw new ValidationError('--format must be json or html', [{ path: '--format', message: `"${format}"` }]);
    }
    const entries = await entriesFrom(ctx);
    const threshold = positiveInt(ctx, 'threshold');
    const myNumberThreshold = positiveInt(ctx, 'my-number-threshold');
    const discoveredAt = optionString(ctx.args, 'discovered');
    const { deps } = await ctx.runtime();
    const assessment = await runBreachAssessment(deps, {
      entries,
      improperPurpose: flag(ctx, 'improper-purpose'),
      keyExposed: flag(ctx, 'key-exposed'),
      publiclyExposed: flag(ctx, 'public-exposure'),
      myNumberSystem: flag(ctx, 'my-number-system'),
      ...(discoveredAt === undefined ? {} : { discoveredAt }),
      config: {
        ...(threshold === undefined ? {} : { subjectThreshold: threshold }),
        ...(myNumberThreshold === undefined ? {} : { myNumberThreshold }),
      },
      actor: `admin:${optionString(ctx.args, 'actor') ?? 'cli'}`,
    });
    const html = renderBreachReportHtml(assessment);
    const json = `${JSON.stringify(assessment, null, 2)}\n`;
    const dir = resolve(
      optionString(ctx.args, 'out') ??
        `breach-${assessment.assessedAt.replace(/[-:]/g, '').slice(0, 15)}`,
    );
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'breach-assessment.json'), json, 'utf8');
    await writeFile(join(dir, 'breach-report.html'), html, 'utf8');
    if (ctx.json || format === 'json') {
      ctx.out(json.trimEnd());
    } else if (format === 'html') {
      ctx.out(html.trimEnd());
    } else {
      summary(ctx, assessment, dir);
    }
    return 0;
  },
};
