/**
 * The console's audit page: the trail's verification, its recent events,
 * one subject's events (the subject id typed into a form body, never a
 * URL) and the erasure receipts issued to erase requests.
 */
import type { Hono } from 'hono';
import { escapeHtml as h } from '#shared/domain/html.ts';
import { formatJst } from '#shared/domain/retention.ts';
import type { AuditVerdict } from '#shared/use-cases/verify-audit.ts';
import type { ConsoleActions } from './actions.ts';
import { formBody, operatorOf, viewer } from './http.ts';
import type { ConsoleBackend } from './backend.ts';
import type { ConsoleEnv } from './guards.ts';
import { label, type LabelKey } from './labels.ts';
import { field, form, layout, type PageViewer } from './pages.ts';
import { auditLogSchema, parseInput } from './schemas.ts';

/** An event as the page shows it. */
type ShownEvent = Awaited<ReturnType<ConsoleActions['auditLog']>>[number];

/** An erase request's receipt, as its outcome records it (no personal data, no package location). */
export interface ReceiptRow {
  readonly requestId: string;
  readonly status: string;
  readonly completedAt?: string;
  readonly events?: number;
  readonly checkpoint?: number;
  readonly expiresAt?: string;
}

/** The receipts the receipt step recorded on erase requests (`outcome.erasureReceipt`), newest first. */
export async function listReceipts(backend: ConsoleBackend): Promise<ReceiptRow[]> {
  const rows = (await backend.requestDeps.requests.listAll()).flatMap((r) => {
    const receipt = r.outcome?.erasureReceipt as Record<string, unknown> | undefined;
    if (r.type !== 'erase' || receipt === undefined) return [];
    const n = (k: string) => (typeof receipt[k] === 'number' ? { [k]: receipt[k] as number } : {});
    return [
      {
        requestId: r.requestId,
        status: String(receipt.status),
        ...(r.completedAt === undefined ? {} : { completedAt: r.completedAt }),
        ...n('events'),
        ...n('checkpoint'),
        ...(typeof receipt.expiresAt === 'string' ? { expiresAt: receipt.expiresAt } : {}),
      },
    ];
  });
  return rows.sort((a, b) => (b.completedAt ?? '').localeCompare(a.completedAt ?? ''));
}

/** What the audit page shows. */
export interface AuditView {
  readonly verdict: AuditVerdict;
  readonly events: readonly ShownEvent[];
  /** Whether `events` are one subject's (else the most recent). */
  readonly bySubject: boolean;
  readonly receipts: readonly ReceiptRow[];
}

const compact = (details: unknown) => (details === undefined ? '' : JSON.stringify(details));

function eventTable(v: PageViewer, events: readonly ShownEvent[]): string {
  const t = (k: LabelKey) => label(k, v.lang);
  if (events.length === 0) return `<p>${h(t('noEvents'))}</p>`;
  const head = (['time', 'action', 'actor', 'outcome', 'details'] as const).map((k) => `<th scope="col">${h(t(k))}</th>`).join('');
  const rows = [...events]
    .reverse()
    .map(
      (e) =>
        `<tr><td>${h(formatJst(e.time))}</td><td>${h(e.action)}${e.recordId === undefined ? '' : ` ${h(e.recordId)}`}</td><td>${h(e.actor)}</td><td>${h(e.outcome)}${e.reason === undefined ? '' : `: ${h(e.reason)}`}</td><td><code>${h(compact(e.details))}</code></td></tr>`,
    );
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function receiptTable(v: PageViewer, receipts: readonly ReceiptRow[]): string {
  const t = (k: LabelKey) => label(k, v.lang);
  if (receipts.length === 0) return `<p>${h(t('noReceipts'))}</p>`;
  const head = (['requestId', 'standing', 'finished', 'events', 'checkpoint', 'expires'] as const).map((k) => `<th scope="col">${h(t(k))}</th>`).join('');
  const rows = receipts.map(
    (r) =>
      `<tr><td><a href="/requests/${encodeURIComponent(r.requestId)}">${h(r.requestId)}</a></td><td>${h(r.status)}</td><td>${h(r.completedAt === undefined ? '-' : formatJst(r.completedAt))}</td><td>${r.events ?? '-'}</td><td>${r.checkpoint ?? '-'}</td><td>${h(r.expiresAt === undefined ? '-' : formatJst(r.expiresAt))}</td></tr>`,
  );
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** The audit page. */
export function auditPage(v: PageViewer, view: AuditView): string {
  const t = (k: LabelKey) => label(k, v.lang);
  const { verdict } = view;
  const status = `<p class="${verdict.ok ? 'ok' : 'overdue'}" role="status">${h(verdict.ok ? t('auditOk') : t('auditFailed'))}: ${verdict.eventsChecked} ${h(t('events'))} (${h(verdict.mode)})${verdict.ok ? '' : ` — ${h(verdict.problem?.kind ?? '')}: ${h(verdict.problem?.message ?? '')}`}</p>`;
  return layout(
    v,
    t('auditTrail'),
    `<section aria-labelledby="s-verify"><h2 id="s-verify">${h(t('audit'))}</h2>${status}${form(v, '/audit/verify', '', t('verifyFull'))}</section>
<section aria-labelledby="s-subject"><h2 id="s-subject">${h(t('logBySubject'))}</h2>${form(v, '/audit/log', field('log-subject', t('subject'), '<input id="log-subject" name="subjectId" autocomplete="off" maxlength="128" required>'), t('showLog'))}</section>
<section aria-labelledby="s-events"><h2 id="s-events">${h(view.bySubject ? t('logBySubject') : t('recentEvents'))} (${view.events.length})</h2>${eventTable(v, view.events)}</section>
<section aria-labelledby="s-receipts"><h2 id="s-receipts">${h(t('receipts'))} (${view.receipts.length})</h2>${receiptTable(v, view.receipts)}</section>`,
    '/audit',
  );
}

const RECENT = 50;

/** Registers the audit page and `GET /api/audit/receipts` (before the API's catch-all). */
export function auditRoutes(app: Hono<ConsoleEnv>, actions: ConsoleActions): void {
  const view = async (operator: string, verdict: AuditVerdict, subjectId?: string): Promise<AuditView> => ({
    verdict,
    events: await actions.auditLog(operator, subjectId === undefined ? { limit: RECENT } : { subjectId }),
    bySubject: subjectId !== undefined,
    receipts: await listReceipts(actions.runtime),
  });
  app.get('/api/audit/receipts', async (c) => c.json(await listReceipts(actions.runtime)));
  app.get('/audit', async (c) => c.html(auditPage(viewer(c), await view(operatorOf(c), await actions.verify(false)))));
  app.post('/audit/verify', async (c) => c.html(auditPage(viewer(c), await view(operatorOf(c), await actions.verify(true)))));
  app.post('/audit/log', async (c) => {
    const { subjectId } = parseInput(auditLogSchema, { subjectId: (await formBody(c)).subjectId ?? '' }, 'the audit log query');
    return c.html(auditPage(viewer(c), await view(operatorOf(c), await actions.verify(false), subjectId)));
  });
}
