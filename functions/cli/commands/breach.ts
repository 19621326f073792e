import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type AffectedEntry,
  parseAffectedList,
} from '#shared/domain/breach/affected-list.ts';
import type { BreachStage } from '#shared/domain/breach/deadlines.ts';
import { type BreachManner, parseManners } from '#shared/domain/breach/manner.ts';
import { renderNoticeLetterHtml } from '#shared/domain/breach/notice-letter.ts';
import { parseOccurred } from '#shared/domain/breach/occurrence.ts';
import { type PpcReportDraft, ppcReportDrafts } from '#shared/domain/breach/ppc-report.ts';
import { renderPpcReportHtml } from '#shared/domain/breach/ppc-report-html.ts';
import { BREACH_ID_PATTERN } from '#shared/domain/breach/report-id.ts';
import { renderBreachReportHtml } from '#shared/domain/breach/report-html.ts';
import { reporterSettings } from '#shared/domain/breach/reporter.ts';
import type { BreachAssessment } from '#shared/domain/breach/types.ts';
import { jstDate } from '#shared/domain/jst.ts';
import { noticeTextProblems } from '#shared/domain/notices/setting-problems.ts';
import { type Problem, ValidationError } from '#shared/errors.ts';
import {
  recordIdsOfDataset,
  runBreachAssessment,
} from '#shared/use-cases/assess-breach.ts';
import { optionList, optionString } from '../args.ts';
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

/** The PPC-form options, checked before any store is opened. */
interface PpcOptions {
  readonly stages: readonly BreachStage[];
  readonly manners: readonly BreachManner[];
  readonly occurredAt?: string;
  readonly delegatedTo?: string;
  readonly breachId?: string;
  readonly preliminaryFiledOn?: string;
}

async function ppcOptions(ctx: CliContext): Promise<PpcOptions> {
  // The same clock the runtime will use: --now in embedded mode, else the system's.
  const { clockAt } = await import('../../runtime.ts');
  const now = clockAt(optionString(ctx.args, 'now')).now();
  const problems: Problem[] = [];
  const stage = optionString(ctx.args, 'stage');
  if (stage !== undefined && stage !== 'preliminary' && stage !== 'final') {
    problems.push({ path: '--stage', message: `${JSON.stringify(stage.slice(0, 40))} is not preliminary (速報) or final (確報)` });
  }
  const given = optionList(ctx.args, 'manner');
  const manners = parseManners(given);
  problems.push(...manners.problems);
  const discovered = optionString(ctx.args, 'discovered');
  const discoveredAt = discovered === undefined ? now : new Date(discovered);
  const occurredText = optionString(ctx.args, 'occurred');
  const occurred =
    occurredText === undefined
      ? undefined
      : parseOccurred(occurredText, now, Number.isNaN(discoveredAt.getTime()) ? undefined : discoveredAt);
  problems.push(...(occurred?.problems ?? []));
  const delegatedTo = optionString(ctx.args, 'delegated-to');
  if (delegatedTo !== undefined) {
    problems.push(...noticeTextProblems(delegatedTo, '--delegated-to', false));
  }
  const breachId = optionString(ctx.args, 'breach-id');
  if (breachId !== undefined && !BREACH_ID_PATTERN.test(breachId)) {
    problems.push({ path: '--breach-id', message: 'must be 1 to 64 letters, digits, ".", "_" or "-"' });
  }
  const filed = optionString(ctx.args, 'preliminary-filed');
  if (filed !== undefined) {
    const day = parseOccurred(filed, now, undefined, '--preliminary-filed');
    problems.push(...day.problems);
    if (day.problems.length === 0 && !/^\d{4}-\d{2}-\d{2}$/.test(filed)) {
      problems.push({ path: '--preliminary-filed', message: 'must be a day (YYYY-MM-DD)' });
    }
  }
  if (problems.length > 0) {
    throw new ValidationError(`breach assess: ${problems.map((p) => p.path).join(', ')} refused`, problems);
  }
  return {
    stages: stage === undefined ? ['preliminary', 'final'] : [stage as BreachStage],
    manners: manners.manners,
    ...(occurred?.occurredAt === undefined ? {} : { occurredAt: occurred.occurredAt }),
    ...(delegatedTo === undefined ? {} : { delegatedTo: delegatedTo.trim() }),
    ...(breachId === undefined ? {} : { breachId }),
    ...(filed === undefined ? {} : { preliminaryFiledOn: filed }),
  };
}

const fileSafe = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '_');

/** What --json shows of a draft: its stage, ids, deadlines and route. */
function draftJson(d: PpcReportDraft) {
  return {
    controllerId: d.controllerId,
    stage: d.stage,
    stageJa: d.stageJa,
    reportId: d.reportId,
    linkedReportId: d.linked.reportId,
    linked: d.linked,
    required: d.required,
    deadline: d.deadline,
    deadlines: d.deadlines,
    routes: d.routes,
    header: d.header,
    ...(d.occurredAt === undefined ? {} : { occurredAt: d.occurredAt }),
    manners: d.manners,
    toFill: d.toFill,
  };
}

function summary(ctx: CliContext, a: BreachAssessment, drafts: readonly PpcReportDraft[], files: readonly string[]): void {
  ctx.out(`breach assessment: ${a.records} record(s), ${a.subjects} subject(s); report ${a.reportRequired ? 'REQUIRED' : 'not required'}; notices ${a.noticeRequired ? `REQUIRED (${a.subjectsToNotify.length})` : 'not required'}`);
  for (const c of a.controllers) {
    ctx.out(`  ${c.controllerId}${c.publicBody ? ' (public body)' : ''}: ${c.records} record(s), ${c.subjects} subject(s), threshold ${c.subjectThreshold}`);
    for (const t of [...c.triggers, ...c.myNumberTriggers]) {
      ctx.out(`    ${t.fired ? 'FIRED' : 'no   '} ${t.id.padEnd(28)} ${t.reason}`);
    }
    if (c.deadlines !== undefined) {
      ctx.out(`    preliminary report (速報) by ${c.deadlines.preliminaryDay3} – ${c.deadlines.preliminaryDay5}; final report (確報, ${c.deadlines.finalDays} days) by ${c.deadlines.final}`);
    }
    for (const d of drafts.filter((x) => x.controllerId === c.controllerId)) {
      const due = d.deadline.from === undefined ? d.deadline.by : `${d.deadline.from} – ${d.deadline.by}`;
      ctx.out(`    ${d.stageJa} ${d.reportId} (linked ${d.linked.stage} ${d.linked.reportId}${d.linked.filedOn === undefined ? '' : ` filed ${d.linked.filedOn}`}): due ${due}${d.required ? '' : ' (voluntary)'}; ${d.toFill} item(s) to fill`);
    }
    for (const r of drafts.find((x) => x.controllerId === c.controllerId)?.routes ?? []) {
      ctx.out(`    route ${r.law}: ${r.toJa} (${r.basis}; ${r.rules})${r.required ? '' : ' if reported voluntarily'}`);
    }
  }
  for (const n of a.notAssessed) {
    ctx.out(`  not assessed: ${n.recordId} (${n.why})`);
  }
  for (const note of a.notes) {
    ctx.out(`  note: ${note}`);
  }
  ctx.out(`report draft: ${files.join(', ')}`);
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
    occurred: { type: 'string', value: 'DATE', description: 'when the breach happened: YYYY-MM-DD (JST) or an ISO date-time with offset' },
    manner: { type: 'string', multiple: true, value: 'leak|loss|damage', description: 'its manner: 漏えい, 滅失, 毀損 (repeat or comma list)' },
    stage: { type: 'string', value: 'preliminary|final', description: 'draft only the 速報 or only the 確報 (default both)' },
    'delegated-to': { type: 'string', value: 'NAME', description: 'the ministry receiving reports under delegated power (APPI Art. 150), for a business' },
    'breach-id': { type: 'string', value: 'ID', description: 'breach id the report ids derive from (default derived from --discovered)' },
    'preliminary-filed': { type: 'string', value: 'DATE', description: 'day the 速報 was filed, quoted by the 確報' },
    format: { type: 'string', value: 'json|html', description: 'print the assessment as JSON or the report draft as HTML' },
    out: { type: 'string', value: 'DIR', description: 'where the report draft is written' },
    actor: { type: 'string', value: 'NAME', description: 'who acts, recorded in the audit trail as admin:NAME (default cli)' },
  },
  examples: [
    'wasure breach assess --records leaked.txt',
    'wasure breach assess --dataset tochigi-payroll --key-exposed --format html',
    'wasure breach assess --records leaked.txt --discovered 2026-11-22T10:00+09:00 --occurred 2026-11-20 --manner leak --stage final --preliminary-filed 2026-11-24',
  ],
  usage: 'breach assess --records FILE|--dataset ID [--improper-purpose] [--key-exposed] [--discovered ISO] [--occurred DATE] [--manner leak|loss|damage] [--stage preliminary|final] [--delegated-to NAME] [--format json|html] [--out DIR]   APPI breach triggers, deadlines, 速報/確報 drafts, notices',
  async run(ctx) {
    const format = optionString(ctx.args, 'format');
    if (format !== undefined && format !== 'json' && format !== 'html') {
      throw new ValidationError('--format must be json or html', [{ path: '--format', message: `"${format}"` }]);
    }
    const ppc = await ppcOptions(ctx);
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
      ...(ppc.occurredAt === undefined ? {} : { occurredAt: ppc.occurredAt }),
      manners: ppc.manners,
      config: {
        ...(threshold === undefined ? {} : { subjectThreshold: threshold }),
        ...(myNumberThreshold === undefined ? {} : { myNumberThreshold }),
      },
      actor: `admin:${optionString(ctx.args, 'actor') ?? 'cli'}`,
    });
    const reporters = reporterSettings(deps.catalogue.controllers);
    const drafts = ppcReportDrafts(assessment, deps.catalogue.controllers, { ...ppc, reporters });
    const html = renderBreachReportHtml(assessment);
    const json = `${JSON.stringify({ ...assessment, ppc: { breachId: drafts[0]?.breachId, drafts: drafts.map(draftJson) } }, null, 2)}\n`;
    const dir = resolve(
      optionString(ctx.args, 'out') ??
        `breach-${assessment.assessedAt.replace(/[-:]/g, '').slice(0, 15)}`,
    );
    const files = new Map<string, string>([
      ['breach-assessment.json', json],
      ['breach-report.html', html],
    ]);
    for (const stage of ppc.stages) {
      files.set(`breach-report-${stage}.html`, renderPpcReportHtml(drafts.filter((d) => d.stage === stage)));
    }
    for (const c of assessment.controllers.filter((x) => x.noticeRequired)) {
      const controller = deps.catalogue.controllers.find((x) => x.id === c.controllerId);
      if (controller !== undefined) {
        const reporter = reporters[c.controllerId];
        files.set(
          `breach-notice-${fileSafe(c.controllerId)}.html`,
          renderNoticeLetterHtml({
            controller,
            assessment: c,
            flags: assessment.flags,
            date: jstDate(new Date(assessment.assessedAt)),
            ...(reporter === undefined ? {} : { reporter }),
          }),
        );
      }
    }
    await mkdir(dir, { recursive: true });
    for (const [name, text] of files) {
      await writeFile(join(dir, name), text, 'utf8');
    }
    if (ctx.json || format === 'json') {
      ctx.out(json.trimEnd());
    } else if (format === 'html') {
      ctx.out(html.trimEnd());
    } else {
      summary(ctx, assessment, drafts, [...files.keys()].map((f) => join(dir, f)));
    }
    return 0;
  },
};
