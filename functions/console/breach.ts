/**
 * The console's breach assessment (漏えい等の評価): a form over the use case
 * `wasure breach assess` calls (no second implementation), the assessment
 * (reportable or not and why, the 速報/確報 deadlines) and its printable
 * documents — the assessment, the 速報 and 確報 drafts and each
 * controller's notice to the subjects — kept in memory for the server's
 * life under a random id (no personal data in a URL).
 */
import { randomBytes } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { reporterSettings } from '#shared/domain/breach/reporter.ts';
import { parseAffectedList } from '#shared/domain/breach/affected-list.ts';
import type { BreachStage } from '#shared/domain/breach/deadlines.ts';
import { BREACH_MANNERS, MANNER_LABELS } from '#shared/domain/breach/manner.ts';
import { renderNoticeLetterHtml } from '#shared/domain/breach/notice-letter.ts';
import { parseOccurred } from '#shared/domain/breach/occurrence.ts';
import { ppcReportDrafts } from '#shared/domain/breach/ppc-report.ts';
import { renderPpcReportHtml } from '#shared/domain/breach/ppc-report-html.ts';
import { renderBreachReportHtml } from '#shared/domain/breach/report-html.ts';
import type { BreachAssessment, ControllerAssessment } from '#shared/domain/breach/types.ts';
import { escapeHtml as h } from '#shared/domain/html.ts';
import { jstDate } from '#shared/domain/jst.ts';
import { noticeTextProblems } from '#shared/domain/notices/setting-problems.ts';
import { NotFoundError, type Problem, ValidationError } from '#shared/errors.ts';
import { recordIdsOfDataset, runBreachAssessment } from '#shared/use-cases/assess-breach.ts';
import { type ConsoleActions, actorOf } from './actions.ts';
import { jsonBody, operatorOf, viewer } from './http.ts';
import { type ConsoleEnv, DOCUMENT_CSP } from './guards.ts';
import { type ConsoleLang, label, type LabelKey } from './labels.ts';
import { field, form, layout, type PageViewer } from './pages.ts';
import { type BreachAssessInput, breachAssessSchema, parseInput } from './schemas.ts';

/** How many assessments the console keeps for their documents (oldest dropped first). */
export const KEPT_ASSESSMENTS = 20;

const STAGES: readonly BreachStage[] = ['preliminary', 'final'];

/** One assessment with its documents, as the console keeps it. */
export interface ConsoleBreach {
  /** Random, names the documents in URLs (`brc-…`). */
  readonly id: string;
  readonly assessment: BreachAssessment;
  /** The 速報 and 確報 drafts (HTML), by stage. */
  readonly reports: Readonly<Record<BreachStage, string>>;
  /** The notice to the subjects (HTML), by controller id, where one is required. */
  readonly notices: ReadonlyMap<string, string>;
  /** The assessment and draft items (HTML, no subject ids). */
  readonly summary: string;
}

/** The refusals the domain's own checks make of the form's times and texts, by field. */
function draftProblems(input: BreachAssessInput, now: Date): Problem[] {
  const problems: Problem[] = [];
  const discovered = input.discovered === undefined ? now : new Date(input.discovered);
  if (input.occurred !== undefined) problems.push(...parseOccurred(input.occurred, now, discovered, 'occurred').problems);
  if (input.preliminaryFiled !== undefined) problems.push(...parseOccurred(input.preliminaryFiled, now, undefined, 'preliminaryFiled').problems);
  if (input.delegatedTo !== undefined) problems.push(...noticeTextProblems(input.delegatedTo, 'delegatedTo', false));
  if (input.discovered !== undefined && discovered.getTime() > now.getTime()) {
    problems.push({ path: 'discovered', message: `is in the future (now is ${now.toISOString()})` });
  }
  return problems;
}

/** The assessments of one console: run over the breach use case, audited as the session's operator. */
export class BreachActions {
  private readonly kept = new Map<string, ConsoleBreach>();

  constructor(private readonly actions: ConsoleActions) {}

  /** Assesses a breach as `operator`; the use case audits it (counts and trigger ids only). */
  async assess(operator: string, input: BreachAssessInput): Promise<ConsoleBreach> {
    const { deps } = this.actions.runtime;
    const problems = draftProblems(input, this.actions.now());
    if (problems.length > 0) throw new ValidationError(`the breach: ${problems.map((p) => p.path).join(', ')} refused`, problems);
    const entries = await this.entries(input);
    const assessment = await runBreachAssessment(deps, {
      entries,
      improperPurpose: input.improperPurpose === true,
      keyExposed: input.keyExposed === true,
      publiclyExposed: input.publicExposure === true,
      myNumberSystem: input.myNumberSystem === true,
      ...(input.discovered === undefined ? {} : { discoveredAt: input.discovered }),
      ...(input.occurred === undefined ? {} : { occurredAt: input.occurred }),
      manners: input.manners ?? [],
      config: {
        ...(input.threshold === undefined ? {} : { subjectThreshold: input.threshold }),
        ...(input.myNumberThreshold === undefined ? {} : { myNumberThreshold: input.myNumberThreshold }),
      },
      actor: actorOf(operator),
    });
    const reporters = reporterSettings(deps.catalogue.controllers);
    const drafts = ppcReportDrafts(assessment, deps.catalogue.controllers, {
      reporters,
      ...(input.delegatedTo === undefined ? {} : { delegatedTo: input.delegatedTo.trim() }),
      ...(input.breachId === undefined ? {} : { breachId: input.breachId }),
      ...(input.preliminaryFiled === undefined ? {} : { preliminaryFiledOn: input.preliminaryFiled }),
    });
    const notices = new Map<string, string>();
    for (const c of assessment.controllers.filter((x) => x.noticeRequired)) {
      const controller = deps.catalogue.controllers.find((x) => x.id === c.controllerId);
      const reporter = reporters[c.controllerId];
      if (controller === undefined) continue;
      notices.set(
        c.controllerId,
        renderNoticeLetterHtml({ controller, assessment: c, flags: assessment.flags, date: jstDate(new Date(assessment.assessedAt)), ...(reporter === undefined ? {} : { reporter }) }),
      );
    }
    const kept: ConsoleBreach = {
      id: `brc-${randomBytes(12).toString('base64url')}`,
      assessment,
      reports: { preliminary: renderPpcReportHtml(drafts.filter((d) => d.stage === 'preliminary')), final: renderPpcReportHtml(drafts.filter((d) => d.stage === 'final')) },
      notices,
      summary: renderBreachReportHtml(assessment),
    };
    this.kept.set(kept.id, kept);
    for (const old of [...this.kept.keys()].slice(0, Math.max(0, this.kept.size - KEPT_ASSESSMENTS))) this.kept.delete(old);
    return kept;
  }

  /** A kept assessment; NotFoundError once dropped (or never made here). */
  get(id: string): ConsoleBreach {
    const kept = this.kept.get(id);
    if (kept === undefined) throw new NotFoundError('no such assessment here: assessments are kept in memory for this console\'s life (the last 20); assess again');
    return kept;
  }

  private async entries(input: BreachAssessInput) {
    if (input.records !== undefined) return input.records.map((r) => (typeof r === 'string' ? { recordId: r } : r));
    const { deps } = this.actions.runtime;
    const dataset = input.dataset as string;
    if (deps.catalogue.datasets.every((d) => d.id !== dataset)) {
      throw new ValidationError(`unknown dataset ${dataset}`, [{ path: 'dataset', message: 'is not in the catalogue' }]);
    }
    const entries = await recordIdsOfDataset((d, cursor) => deps.records.listIdsByDataset(d, cursor), dataset);
    if (entries.length === 0) throw new ValidationError(`dataset ${dataset} holds no records`, [{ path: 'dataset', message: 'holds no records' }]);
    return entries;
  }
}

/** The document links of an assessment. */
export function breachDocuments(b: ConsoleBreach): { summary: string; preliminary: string; final: string; notices: Record<string, string> } {
  const base = `/breach/${encodeURIComponent(b.id)}`;
  return {
    summary: `${base}/document`,
    preliminary: `${base}/report/preliminary`,
    final: `${base}/report/final`,
    notices: Object.fromEntries([...b.notices.keys()].map((c) => [c, `${base}/notice/${encodeURIComponent(c)}`])),
  };
}

/** What the API answers: the assessment without any subject id (the number to notify instead). */
export function breachJson(b: ConsoleBreach) {
  const a = b.assessment;
  const controller = ({ subjectsToNotify, draft: _draft, ...c }: ControllerAssessment) => ({ ...c, subjectsToNotify: subjectsToNotify.length });
  return {
    id: b.id,
    assessedAt: a.assessedAt,
    reportRequired: a.reportRequired,
    noticeRequired: a.noticeRequired,
    records: a.records,
    subjects: a.subjects,
    subjectsToNotify: a.subjectsToNotify.length,
    categories: a.categories,
    flags: a.flags,
    controllers: a.controllers.map(controller),
    notAssessed: a.notAssessed,
    notes: a.notes,
    documents: breachDocuments(b),
  };
}

const checkbox = (name: string, text: string, checked = false) =>
  `<div class="check"><input type="checkbox" id="${name}" name="${name}" value="on"${checked ? ' checked' : ''}><label for="${name}">${h(text)}</label></div>`;

/** The form as a page posts it, in the API's shape (the record list parsed as the CLI parses its file). */
export function breachFormInput(f: Record<string, string | string[]>): unknown {
  const one = (k: string) => {
    const v = f[k];
    const s = Array.isArray(v) ? v[0] : v;
    return s === undefined || s.trim() === '' ? undefined : s.trim();
  };
  const records = one('records');
  let entries: unknown;
  if (records !== undefined) {
    const parsed = parseAffectedList(records);
    if (parsed.problems.length > 0) {
      throw new ValidationError('the affected records are not readable', parsed.problems.map((p) => ({ path: `records (${p.path})`, message: p.message })));
    }
    entries = parsed.entries;
  }
  const number = (k: string) => {
    const v = one(k);
    return v !== undefined && /^\d{1,9}$/.test(v) ? Number(v) : v;
  };
  const manners = f.manners === undefined ? [] : Array.isArray(f.manners) ? f.manners : [f.manners];
  const given = (k: string, v: unknown) => (v === undefined ? {} : { [k]: v });
  return {
    ...given('records', entries),
    ...given('dataset', one('dataset')),
    improperPurpose: f.improperPurpose !== undefined,
    keyExposed: f.keyExposed !== undefined,
    publicExposure: f.publicExposure !== undefined,
    myNumberSystem: f.myNumberSystem !== undefined,
    ...given('discovered', one('discovered')),
    ...given('occurred', one('occurred')),
    ...(manners.length === 0 ? {} : { manners }),
    ...given('threshold', number('threshold')),
    ...given('myNumberThreshold', number('myNumberThreshold')),
    ...given('delegatedTo', one('delegatedTo')),
    ...given('breachId', one('breachId')),
    ...given('preliminaryFiled', one('preliminaryFiled')),
  };
}

/** The breach form (each field named as the API names it). */
function breachForm(v: PageViewer, datasets: readonly string[]): string {
  const t = (k: LabelKey) => label(k, v.lang);
  const text = (name: string, k: LabelKey, extra = '') => field(name, t(k), `<input id="${name}" name="${name}" autocomplete="off"${extra}>`);
  return form(
    v,
    '/breach',
    [
      field('records', t('affectedRecords'), '<textarea id="records" name="records" rows="4" cols="40" autocomplete="off"></textarea>'),
      field('dataset', t('affectedDataset'), `<select id="dataset" name="dataset"><option value=""></option>${datasets.map((d) => `<option value="${h(d)}">${h(d)}</option>`).join('')}</select>`),
      `<fieldset><legend>${h(t('manner'))}</legend>${BREACH_MANNERS.map((m) => `<div class="check"><input type="checkbox" id="manner-${m}" name="manners" value="${m}"><label for="manner-${m}">${h(MANNER_LABELS[m])} (${m})</label></div>`).join('')}</fieldset>`,
      checkbox('keyExposed', t('keyExposed')),
      checkbox('improperPurpose', t('improperPurpose')),
      checkbox('publicExposure', t('publicExposure')),
      checkbox('myNumberSystem', t('myNumberSystem')),
      text('discovered', 'discovered', ' maxlength="40"'),
      text('occurred', 'occurred', ' maxlength="40"'),
      text('threshold', 'threshold', ' inputmode="numeric" maxlength="9"'),
      text('myNumberThreshold', 'myNumberThreshold', ' inputmode="numeric" maxlength="9"'),
      text('delegatedTo', 'delegatedTo', ' maxlength="200"'),
      text('breachId', 'breachId', ' maxlength="64"'),
      text('preliminaryFiled', 'preliminaryFiled', ' maxlength="10"'),
    ].join('\n'),
    t('assess'),
  );
}

/** A deadline (the end of a JST day, `…T23:59:59+09:00`) as its day and time. */
const jstMinute = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} JST`;

function deadlinesText(c: ControllerAssessment, lang: ConsoleLang): string {
  const d = c.deadlines;
  if (d === undefined) return '';
  const [p3, p5, final] = [jstMinute(d.preliminaryDay3), jstMinute(d.preliminaryDay5), jstMinute(d.final)];
  return lang === 'ja'
    ? `速報: ${p3} 〜 ${p5} (速やかに、概ね3〜5日以内) / 確報: ${final} (${d.finalDays}日以内)`
    : `Preliminary report (速報): ${p3} – ${p5} (promptly, 3 to 5 days) / final report (確報): ${final} (${d.finalDays} days)`;
}

/** The assessment: the verdict, each controller's triggers and deadlines, the documents. */
function assessmentSection(v: PageViewer, b: ConsoleBreach): string {
  const t = (k: LabelKey) => label(k, v.lang);
  const a = b.assessment;
  const docs = breachDocuments(b);
  const controllers = a.controllers.map((c) => {
    const rows = [...c.triggers, ...c.myNumberTriggers]
      .map((x) => `<tr${x.fired ? ' class="overdue"' : ''}><td>${h(x.labelJa)}</td><td>${x.fired ? (v.lang === 'ja' ? '該当' : 'fires') : v.lang === 'ja' ? '非該当' : 'no'}</td><td>${x.subjects}</td><td>${h(x.reason)}</td><td>${h(x.law)}</td></tr>`)
      .join('');
    return `<h3>${h(c.controllerName)} (${h(c.controllerId)})</h3>
<p>${h(c.reportRequired || c.myNumberReportRequired ? t('reportRequired') : t('reportNotRequired'))} · ${h(c.noticeRequired ? t('noticeRequired') : t('noticeNotRequired'))} · ${h(t('subjectsCount'))}: ${c.subjects}</p>
<table><thead><tr><th scope="col">${h(t('trigger'))}</th><th scope="col">${h(t('fired'))}</th><th scope="col">${h(t('subjectsCount'))}</th><th scope="col">${h(t('reasons'))}</th><th scope="col">${v.lang === 'ja' ? '根拠' : 'Law'}</th></tr></thead><tbody>${rows}</tbody></table>
${c.deadlines === undefined ? '' : `<p class="deadlines">${h(deadlinesText(c, v.lang))}</p>`}`;
  });
  const list = (items: readonly string[]) => `<ul>${items.map((x) => `<li>${x}</li>`).join('')}</ul>`;
  const links = [
    `<a href="${h(docs.summary)}">${h(t('assessmentDocument'))}</a>`,
    `<a href="${h(docs.preliminary)}">${h(t('preliminaryReport'))}</a>`,
    `<a href="${h(docs.final)}">${h(t('finalReport'))}</a>`,
    ...Object.entries(docs.notices).map(([c, href]) => `<a href="${h(href)}">${h(t('noticeLetter'))} (${h(c)})</a>`),
  ];
  return `<section aria-labelledby="s-assessment"><h2 id="s-assessment">${h(t('assessment'))}</h2>
<p class="${a.reportRequired ? 'overdue' : 'ok'}" role="status">${h(a.reportRequired ? t('reportRequired') : t('reportNotRequired'))} · ${h(a.noticeRequired ? t('noticeRequired') : t('noticeNotRequired'))} (${h(t('recordsCount'))}: ${a.records} · ${h(t('subjectsCount'))}: ${a.subjects})</p>
${controllers.join('\n')}
${a.notAssessed.length === 0 ? '' : `<h3>${h(t('notAssessed'))}</h3>${list(a.notAssessed.map((n) => `${h(n.recordId)} (${h(n.why)})`))}`}
${a.notes.length === 0 ? '' : `<h3>${h(t('notes'))}</h3>${list(a.notes.map((n) => h(n)))}`}
<h3>${h(t('documents'))}</h3>${list(links)}</section>`;
}

/** The breach page: the lead, an assessment when one was just made, the form. */
export function breachPage(v: PageViewer, datasets: readonly string[], made?: ConsoleBreach): string {
  return layout(v, label('breach', v.lang), `<p>${h(label('breachLead', v.lang))}</p>\n${made === undefined ? '' : assessmentSection(v, made)}\n${breachForm(v, datasets)}`, '/breach');
}

const document = (c: Context, html: string) => c.html(html, 200, { 'content-security-policy': DOCUMENT_CSP });

/** Registers the breach page, its documents and `POST /api/breach/assess`. */
export function breachRoutes(app: Hono<ConsoleEnv>, actions: ConsoleActions, breaches = new BreachActions(actions)): void {
  const datasets = () => actions.catalogue.datasets.map((d) => d.id);
  app.post('/api/breach/assess', async (c) => {
    const input = parseInput(breachAssessSchema, await jsonBody(c), 'the breach');
    return c.json(breachJson(await breaches.assess(operatorOf(c), input)), 201);
  });
  app.get('/breach', (c) => c.html(breachPage(viewer(c), datasets())));
  app.post('/breach', async (c) => {
    const body = await c.req.parseBody({ all: true });
    const f = Object.fromEntries(Object.entries(body).flatMap(([k, x]) => (k === '_csrf' ? [] : [[k, Array.isArray(x) ? x.filter((y) => typeof y === 'string') : typeof x === 'string' ? x : []]])));
    const input = parseInput(breachAssessSchema, breachFormInput(f), 'the breach');
    return c.html(breachPage(viewer(c), datasets(), await breaches.assess(operatorOf(c), input)));
  });
  app.get('/breach/:id/document', (c) => document(c, breaches.get(c.req.param('id')).summary));
  app.get('/breach/:id/report/:stage', (c) => {
    const stage = STAGES.find((s) => s === c.req.param('stage'));
    if (stage === undefined) throw new NotFoundError('the report stage is preliminary (速報) or final (確報)');
    return document(c, breaches.get(c.req.param('id')).reports[stage]);
  });
  app.get('/breach/:id/notice/:controller', (c) => {
    const notice = breaches.get(c.req.param('id')).notices.get(c.req.param('controller'));
    if (notice === undefined) throw new NotFoundError('this assessment needs no notice from that controller');
    return document(c, notice);
  });
}
