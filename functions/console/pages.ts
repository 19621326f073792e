/**
 * The console's pages: server-rendered HTML, Japanese first, every value
 * escaped by the one escape, no inline script or style. Links name
 * requests by request id only (generated, not personal); subject ids
 * appear only in form bodies the operator types.
 */
import { escapeHtml as h } from '#shared/domain/html.ts';
import { formatNoticeDate } from '#shared/domain/notices/notice-dates.ts';
import { REQUEST_TYPES, VERIFICATION_METHODS } from '#shared/domain/requests.ts';
import { formatJst } from '#shared/domain/retention.ts';
import type { Catalogue } from '#shared/domain/catalogue-types.ts';
import type { AuditVerdict } from '#shared/use-cases/verify-audit.ts';
import type { ErasurePreview } from '#shared/use-cases/request-decisions.ts';
import type { ShownRequest, TrailEntry } from './actions.ts';
import { approvalWords, type ConsoleLang, label, type LabelKey, standingWords, typeWords } from './labels.ts';
import { REQUESTER_KINDS } from './schemas.ts';

/** Who is looking, for the page frame and its forms. */
export interface PageViewer {
  readonly lang: ConsoleLang;
  readonly operator?: string;
  readonly csrf?: string;
}

const DAY_MS = 86_400_000;

/** Whole days from `now` to `deadline` (negative when past). */
export function daysLeft(deadline: string, now: Date): number {
  return Math.ceil((Date.parse(deadline) - now.getTime()) / DAY_MS);
}

/** A date in JST, with the 和暦 day beside it where the controller writes its notices in 和暦. */
export function shownDate(iso: string, catalogue: Catalogue, controllerId: string | undefined, lang: ConsoleLang): string {
  const controller = catalogue.controllers.find((c) => c.id === controllerId);
  const era = controller?.notices?.era ?? (controller?.publicBody === true ? 'wareki' : 'gregorian');
  return lang === 'ja' && era === 'wareki' ? `${formatJst(iso)} (${formatNoticeDate(iso, 'wareki')})` : formatJst(iso);
}

const csrfField = (v: PageViewer) => (v.csrf === undefined ? '' : `<input type="hidden" name="_csrf" value="${h(v.csrf)}">`);

/** The page frame: skip link, navigation, language toggle, logout. */
export function layout(v: PageViewer, title: string, body: string, path = '/'): string {
  const t = (k: LabelKey) => label(k, v.lang);
  const other = v.lang === 'ja' ? 'en' : 'ja';
  const nav =
    v.operator === undefined
      ? ''
      : `<nav aria-label="${h(t('title'))}"><ul>${(
          [
            ['/', 'dashboard'],
            ['/requests', 'requests'],
            ['/requests/new', 'intake'],
            ['/holds', 'holds'],
            ['/register', 'register'],
            ['/sweeps', 'sweeps'],
            ['/audit', 'auditTrail'],
            ['/breach', 'breach'],
          ] as const
        )
          .map(([href, k]) => `<li><a href="${href}">${h(t(k))}</a></li>`)
          .join('')}</ul></nav>
<span>${h(t('signedInAs'))}: ${h(v.operator)}</span>
<form class="inline" method="post" action="/logout">${csrfField(v)}<button type="submit">${h(t('logout'))}</button></form>`;
  return `<!doctype html>
<html lang="${v.lang}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(title)} — ${h(t('title'))}</title>
<link rel="stylesheet" href="/static/console.css"></head>
<body><a class="skip" href="#main">${v.lang === 'ja' ? '本文へ移動' : 'Skip to content'}</a>
<header><strong>${h(t('title'))}</strong>${nav}<a href="${h(path)}?lang=${other}" lang="${other}">${h(t('language'))}</a></header>
<main id="main"><h1>${h(title)}</h1>
${body}
</main><script src="/static/console.js"></script></body></html>`;
}

/** The login form; the script fills the token from the URL fragment. */
export function loginPage(v: PageViewer, failed: boolean): string {
  const t = (k: LabelKey) => label(k, v.lang);
  return layout(
    v,
    t('login'),
    `${failed ? `<p class="error" role="alert">${v.lang === 'ja' ? 'ログインできません: トークンが無効か、使用済みか、期限切れです。' : 'Cannot log in: the token is unknown, used or expired.'}</p>` : ''}
<p>${h(t('loginLead'))}</p>
<form method="post" action="/login">
<label for="token">${h(t('token'))}</label><input id="token" name="token" type="password" autocomplete="off" required>
<label for="operator">${h(t('operator'))}</label><input id="operator" name="operator" autocomplete="username" required pattern="[A-Za-z0-9][A-Za-z0-9._@:\\/\\-]{0,127}">
<div><button type="submit">${h(t('login'))}</button></div></form>`,
    '/login',
  );
}

/** An error page with the reasons a person can read. */
export function errorPage(v: PageViewer, message: string, problems: readonly { path: string; message: string }[]): string {
  return layout(
    v,
    label('error', v.lang),
    `<div class="error" role="alert"><p>${h(message)}</p><ul>${problems.map((p) => `<li>${h(p.path)}: ${h(p.message)}</li>`).join('')}</ul></div><p><a href="/">${h(label('dashboard', v.lang))}</a></p>`,
  );
}

function requestRows(v: PageViewer, requests: readonly ShownRequest[], catalogue: Catalogue, now: Date): string {
  const t = (k: LabelKey) => label(k, v.lang);
  if (requests.length === 0) return `<p>${h(t('noRequests'))}</p>`;
  const rows = requests.map((r) => {
    const left = daysLeft(r.deadline, now);
    const late = r.status === 'received' && r.pausedSince === undefined && left < 0;
    return `<tr${late ? ' class="overdue"' : ''}><td><a href="/requests/${encodeURIComponent(r.requestId)}">${h(r.requestId)}</a></td><td>${h(typeWords(r.type, v.lang))}</td><td>${h(standingWords(r.standing, v.lang))}${late && !/overdue|lapsed/.test(r.standing) ? ` (${h(t('overdue'))})` : ''}</td><td>${h(shownDate(r.deadline, catalogue, r.controllerId, v.lang))}</td><td>${r.status === 'received' ? String(left) : '-'}</td><td>${h(r.controllerId ?? '-')}</td><td>${h(r.filedBy ?? '-')}</td></tr>`;
  });
  return `<table><thead><tr>${(['requestId', 'type', 'standing', 'deadline', 'daysLeft', 'controller', 'filedBy'] as const).map((k) => `<th scope="col">${h(t(k))}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The dashboard: open requests with days left (overdue in red), those awaiting my approval, the audit status, then `sweeps` (HTML: the last and next sweep). */
export function dashboardPage(v: PageViewer, requests: readonly ShownRequest[], verdict: AuditVerdict, catalogue: Catalogue, now: Date, sweeps = ''): string {
  const t = (k: LabelKey) => label(k, v.lang);
  const open = requests.filter((r) => r.status === 'received').sort((a, b) => a.deadline.localeCompare(b.deadline));
  const mine = open.filter((r) => r.approval?.state === 'pending' && r.filedBy !== v.operator);
  return layout(
    v,
    t('dashboard'),
    `<section aria-labelledby="s-open"><h2 id="s-open">${h(t('openRequests'))} (${open.length})</h2>${requestRows(v, open, catalogue, now)}</section>
<section aria-labelledby="s-mine"><h2 id="s-mine">${h(t('awaitingMine'))} (${mine.length})</h2>${requestRows(v, mine, catalogue, now)}</section>
<section aria-labelledby="s-audit"><h2 id="s-audit">${h(t('audit'))}</h2><p class="${verdict.ok ? 'ok' : 'overdue'}">${h(verdict.ok ? t('auditOk') : t('auditFailed'))}: ${verdict.eventsChecked} ${h(t('events'))}${verdict.ok ? '' : ` — ${h(verdict.problem?.kind ?? '')}: ${h(verdict.problem?.message ?? '')}`}</p></section>
${sweeps}`,
  );
}

/** Every request kept. */
export function requestListPage(v: PageViewer, requests: readonly ShownRequest[], catalogue: Catalogue, now: Date): string {
  return layout(v, label('requests', v.lang), requestRows(v, requests, catalogue, now), '/requests');
}

function previewSection(v: PageViewer, p: ErasurePreview, catalogue: Catalogue, controllerId: string | undefined): string {
  const t = (k: LabelKey) => label(k, v.lang);
  const keep = p.keep.map(
    (r) =>
      `<li>${h(r.recordId)} (${h(r.dataset)}): ${r.ground === 'law' ? `${v.lang === 'ja' ? '法令による保存' : 'retention required by law'}, ${h(r.reference)}${r.until === undefined ? '' : `, ${h(shownDate(r.until, catalogue, controllerId, v.lang))}`}` : `${v.lang === 'ja' ? '法的保全' : 'legal hold'}: ${h(r.reference)}`}</li>`,
  );
  return `<section aria-labelledby="s-preview"><h2 id="s-preview">${h(t('preview'))}</h2>
<h3>${h(t('wouldErase'))} (${p.counts.erase})</h3><ul>${p.erase.map((r) => `<li>${h(r.recordId)} (${h(r.dataset)})</li>`).join('')}</ul>
<h3>${h(t('wouldKeep'))} (${p.counts.keepLaw + p.counts.keepHold})</h3><ul>${keep.join('')}</ul>
<p>${h(t('keyDestroyed'))}: ${p.keyDestroyed ? '○' : '×'} · ${h(t('exportPackages'))}: ${p.exportRequests}</p>
${p.openRequests.length === 0 ? '' : `<ul>${p.openRequests.map((r) => `<li><a href="/requests/${encodeURIComponent(r.requestId)}">${h(r.requestId)}</a> (${h(r.type)})</li>`).join('')}</ul>`}</section>`;
}

/** One action's form, in its own titled group (the button's words), so each reason box belongs to one action. */
export const form = (v: PageViewer, action: string, inner: string, button: string) =>
  `<form method="post" action="${h(action)}">${csrfField(v)}<fieldset><legend>${h(button)}</legend>${inner}<div><button type="submit">${h(button)}</button></div></fieldset></form>`;

export const field = (id: string, text: string, input: string) => `<label for="${id}">${h(text)}</label>${input}`;

/** One request: its facts, timeline, the preview of a pending erasure, the decisions open to this operator. */
export function requestDetailPage(v: PageViewer, r: ShownRequest & { preview?: ErasurePreview; trail?: readonly TrailEntry[] }, catalogue: Catalogue): string {
  const t = (k: LabelKey) => label(k, v.lang);
  const base = `/requests/${encodeURIComponent(r.requestId)}`;
  const date = (iso: string) => h(shownDate(iso, catalogue, r.controllerId, v.lang));
  const facts = (
    [
      ['type', h(typeWords(r.type, v.lang))],
      ['standing', h(standingWords(r.standing, v.lang))],
      ['controller', h(r.controllerId ?? '-')],
      ['filedBy', h(r.filedBy ?? '-')],
      ['received', date(r.receivedAt)],
      ['deadline', `${date(r.deadline)}${r.extension === undefined ? '' : ` (+${r.extension.days})`}`],
      ['approval', h(r.approval === undefined ? '-' : `${approvalWords(r.approval.state, v.lang)}${r.approval.decidedBy === undefined ? '' : ` (${r.approval.decidedBy})`}`)],
    ] as const
  )
    .map(([k, value]) => `<tr><th scope="row">${h(t(k))}</th><td>${value}</td></tr>`)
    .join('');
  const timeline = (r.timeline ?? []).map(
    (e) => `<li>${date(e.at)} ${h(e.kind)}${e.by === undefined ? '' : ` — ${h(e.by)}`}${e.days === undefined ? '' : ` (${e.days})`}${e.reason === undefined ? '' : `: ${h(e.reason)}`}</li>`,
  );
  const open = r.status === 'received';
  const pending = open && r.approval?.state === 'pending';
  const reasonField = (id: string, required: boolean) =>
    field(id, t('reason'), `<textarea id="${id}" name="reason" rows="2" cols="50" maxlength="1000"${required ? ' required' : ''}></textarea>`);
  const actions = [
    pending && r.filedBy !== v.operator ? form(v, `${base}/approve`, reasonField('approve-reason', false), t('approve')) : '',
    pending && r.filedBy !== v.operator ? form(v, `${base}/reject`, reasonField('reject-reason', true), t('reject')) : '',
    pending && r.filedBy === v.operator ? form(v, `${base}/withdraw`, reasonField('withdraw-reason', true), t('withdraw')) : '',
    open && r.extension === undefined
      ? form(v, `${base}/extend`, `${field('extend-days', t('days'), '<input id="extend-days" name="days" type="number" min="1" max="30" required>')}${reasonField('extend-reason', true)}`, t('extend'))
      : '',
    open && r.pausedSince === undefined ? form(v, `${base}/pause`, reasonField('pause-reason', true), t('pause')) : '',
    open && r.pausedSince !== undefined ? form(v, `${base}/resume`, '', t('resume')) : '',
    r.type === 'export' && (r.status === 'completed' || r.status === 'partially-completed') ? form(v, `${base}/export-link`, `<p>${h(t('downloadLead'))}</p>`, t('download')) : '',
  ].filter((x) => x !== '');
  return layout(
    v,
    `${t('requestId')}: ${r.requestId}`,
    `<table><tbody>${facts}</tbody></table>
<section aria-labelledby="s-timeline"><h2 id="s-timeline">${h(t('timeline'))}</h2><ol>${timeline.join('')}</ol></section>
${trailSection(v, r.trail ?? [], date)}
${r.reasons.length === 0 ? '' : `<section aria-labelledby="s-reasons"><h2 id="s-reasons">${h(t('reasons'))}</h2><ul>${r.reasons.map((x) => `<li>${h(x)}</li>`).join('')}</ul></section>`}
${r.preview === undefined ? '' : previewSection(v, r.preview, catalogue, r.controllerId)}
${actions.map((a) => `<section>${a}</section>`).join('\n')}
<p><a href="${base}/notice">${h(t('notice'))}</a></p>`,
    base,
  );
}

/** The request's events as the audit trail holds them (seq, time, action, actor, outcome). */
function trailSection(v: PageViewer, trail: readonly TrailEntry[], date: (iso: string) => string): string {
  const t = (k: LabelKey) => label(k, v.lang);
  const rows = trail
    .map((e) => `<tr><td>${e.seq}</td><td>${date(e.time)}</td><td>${h(e.action)}${e.step === undefined ? '' : ` (${h(e.step)})`}</td><td>${h(e.actor)}</td><td>${h(e.outcome)}</td><td>${h(e.recordId ?? '')}</td></tr>`)
    .join('');
  return `<section aria-labelledby="s-trail"><h2 id="s-trail">${h(t('trail'))}</h2>${
    trail.length === 0
      ? `<p>${h(t('trailNone'))}</p>`
      : `<table><thead><tr><th scope="col">#</th><th scope="col">${h(t('time'))}</th><th scope="col">${h(t('action'))}</th><th scope="col">${h(t('actor'))}</th><th scope="col">${h(t('outcome'))}</th><th scope="col">${h(t('record'))}</th></tr></thead><tbody>${rows}</tbody></table>`
  }</section>`;
}

const options = (values: readonly string[]) => values.map((x) => `<option value="${h(x)}">${h(x)}</option>`).join('');

/** The intake form: type, subject, requester or agent, identity verification. */
export function intakePage(v: PageViewer, catalogue: Catalogue): string {
  const t = (k: LabelKey) => label(k, v.lang);
  return layout(
    v,
    t('intake'),
    form(
      v,
      '/requests/new',
      [
        field('type', t('type'), `<select id="type" name="type" required>${options(REQUEST_TYPES)}</select>`),
        field('subjectId', t('subject'), '<input id="subjectId" name="subjectId" autocomplete="off" maxlength="128">'),
        field('requesterKind', t('requester'), `<select id="requesterKind" name="requesterKind">${options(REQUESTER_KINDS)}</select>`),
        field('agentRef', t('agentRef'), '<input id="agentRef" name="agentRef" autocomplete="off" maxlength="128">'),
        field('method', t('method'), `<select id="method" name="method" required>${options(VERIFICATION_METHODS)}</select>`),
        field('evidenceRef', t('evidenceRef'), '<input id="evidenceRef" name="evidenceRef" autocomplete="off" maxlength="128" required>'),
        field('recordId', t('recordId'), '<input id="recordId" name="recordId" autocomplete="off" maxlength="128">'),
        field('controllerId', t('controllerOptional'), `<select id="controllerId" name="controllerId"><option value=""></option>${options(catalogue.controllers.map((c) => c.id))}</select>`),
      ].join('\n'),
      t('submit'),
    ),
    '/requests/new',
  );
}

/** Place or lift a legal hold, by record or by subject (the id in the form body only). */
export function holdsPage(v: PageViewer, done?: string): string {
  const t = (k: LabelKey) => label(k, v.lang);
  const target = (p: string) =>
    `${field(`${p}-kind`, t('targetKind'), `<select id="${p}-kind" name="targetKind"><option value="record">${h(t('byRecord'))}</option><option value="subject">${h(t('bySubject'))}</option></select>`)}${field(`${p}-id`, t('targetValue'), `<input id="${p}-id" name="targetId" autocomplete="off" maxlength="128" required>`)}`;
  return layout(
    v,
    t('holds'),
    `${done === undefined ? '' : `<p class="ok" role="status">${h(done)}</p>`}
<section aria-labelledby="s-add"><h2 id="s-add">${h(t('addHold'))}</h2>${form(v, '/holds/add', `${target('add')}${field('add-reason', t('reason'), '<input id="add-reason" name="reason" maxlength="1000" required>')}`, t('addHold'))}</section>
<section aria-labelledby="s-remove"><h2 id="s-remove">${h(t('removeHold'))}</h2>${form(v, '/holds/remove', `${target('remove')}${field('remove-hold', t('holdId'), '<input id="remove-hold" name="holdId" maxlength="128">')}`, t('removeHold'))}</section>`,
    '/holds',
  );
}

/** The public register as text, with a link to its HTML document. */
export function registerPage(v: PageViewer, markdown: string, missing: readonly { path: string; message: string }[]): string {
  return layout(
    v,
    label('register', v.lang),
    `<p><a href="/register/document">${h(label('registerDocument', v.lang))}</a></p>
${missing.length === 0 ? '' : `<ul class="error">${missing.map((p) => `<li>${h(p.path)}: ${h(p.message)}</li>`).join('')}</ul>`}
<pre>${h(markdown)}</pre>`,
    '/register',
  );
}
