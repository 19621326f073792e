/**
 * The console's retention sweeps: the history the audit trail keeps, a dry
 * run, and manual sweep orders under approval — each over the use case or
 * runner `wasure sweep` calls. Record ids are pseudonymous; no subject id
 * is read, shown or logged here.
 */
import type { Context, Hono } from 'hono';
import type { ChainedEvent, Checkpoint } from '#shared/domain/audit-chain.ts';
import { escapeHtml as h } from '#shared/domain/html.ts';
import { formatJst } from '#shared/domain/retention.ts';
import { DUE_SHARDS } from '#shared/domain/store-definitions.ts';
import type { SweepCounts } from '#shared/domain/sweep.ts';
import type { SweepOrder } from '#shared/domain/sweep-order.ts';
import { LifecycleError, ValidationError } from '#shared/errors.ts';
import type { DueEntry } from '#shared/ports/index.ts';
import { decideSweepOrder, fileSweepOrder, listSweepOrders, sweepNeedsApproval, sweepOrdersIn } from '#shared/use-cases/sweep-orders.ts';
import type { ConsoleActions } from './actions.ts';
import { formBody, jsonBody, operatorOf, viewer } from './http.ts';
import type { ConsoleBackend } from './backend.ts';
import type { ConsoleEnv } from './guards.ts';
import { type ConsoleLang, label, type LabelKey } from './labels.ts';
import { field, form, layout, type PageViewer } from './pages.ts';
import { decisionSchema, emptySchema, parseInput, sweepOrderIdSchema } from './schemas.ts';

/** The actor the retention sweep writes its events as (purge-batch.ts). */
const SWEEP_ACTOR = 'system:sweep';
/** Sweep events further apart than this belong to different sweeps. */
const SWEEP_GAP_MS = 15 * 60_000;
/** Quarantined objects carry no dataset. */
const QUARANTINE = '(quarantine)';
const DAY_MS = 86_400_000;

/** One sweep as the audit trail leaves it. */
export interface SweepRun {
  /** The execution's sweep id where an event names it, else `sweep@SEQ` (its first event). */
  readonly sweepId: string;
  /** Its first and last event (ISO). */
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Records erased, per dataset. */
  readonly erasedByDataset: Readonly<Record<string, number>>;
  readonly erased: number;
  /** Due records it kept: under a legal hold, frozen by a pending request. */
  readonly held: number;
  readonly pendingRequest: number;
  readonly keysDestroyed: number;
  readonly outcome: 'ok' | 'nothing-erased' | 'failed';
}

interface RunGroup {
  sweepId: string | undefined;
  readonly events: ChainedEvent[];
}

const sweepIdOf = (e: ChainedEvent) => (typeof e.details?.sweepId === 'string' ? e.details.sweepId : undefined);

function runOf(group: RunGroup): SweepRun {
  const erasedByDataset: Record<string, number> = {};
  let held = 0;
  let pendingRequest = 0;
  let keysDestroyed = 0;
  for (const e of group.events) {
    if (e.action === 'erasure' && e.outcome === 'ok') erasedByDataset[e.dataset ?? QUARANTINE] = (erasedByDataset[e.dataset ?? QUARANTINE] ?? 0) + 1;
    if (e.action === 'erasure' && e.outcome === 'skipped') {
      if (e.reason === 'held') held += 1;
      else pendingRequest += 1;
    }
    if (e.action === 'key-destroyed') keysDestroyed += 1;
  }
  const erased = Object.values(erasedByDataset).reduce((a, b) => a + b, 0);
  const first = group.events[0] as ChainedEvent;
  const last = group.events[group.events.length - 1] as ChainedEvent;
  return {
    sweepId: group.sweepId ?? `sweep@${first.seq}`,
    startedAt: first.time,
    finishedAt: last.time,
    erasedByDataset,
    erased,
    held,
    pendingRequest,
    keysDestroyed,
    outcome: group.events.some((e) => e.outcome === 'failed') ? 'failed' : erased === 0 ? 'nothing-erased' : 'ok',
  };
}

/**
 * The sweeps the trail records, oldest first. The sweep writes no start or
 * end event and its erasures carry no sweep id (only its skips do), so a
 * sweep is a run of `system:sweep` events, cut where a signed checkpoint
 * falls between two of them (every sweep that changed something signs one
 * as it finishes), where they are more than 15 minutes apart, or where a
 * skip names another sweep id. A dry run, or a sweep that found nothing
 * due, leaves no event and so no entry.
 */
export function sweepHistory(events: readonly ChainedEvent[], checkpoints: readonly Pick<Checkpoint, 'treeSize'>[]): SweepRun[] {
  const cuts = checkpoints.map((c) => c.treeSize).sort((a, b) => a - b);
  // The first checkpoint after `a` (binary search: a long trail has many), then whether it is at or before `b`.
  const cutBetween = (a: number, b: number) => {
    let [lo, hi] = [0, cuts.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cuts[mid] ?? 0) <= a) lo = mid + 1;
      else hi = mid;
    }
    return lo < cuts.length && (cuts[lo] ?? 0) <= b;
  };
  const groups: RunGroup[] = [];
  let prev: ChainedEvent | undefined;
  for (const e of [...events].filter((x) => x.actor === SWEEP_ACTOR).sort((a, b) => a.seq - b.seq)) {
    const current = groups[groups.length - 1];
    const id = sweepIdOf(e);
    const apart =
      current === undefined ||
      prev === undefined ||
      cutBetween(prev.seq, e.seq) ||
      Date.parse(e.time) - Date.parse(prev.time) > SWEEP_GAP_MS ||
      (id !== undefined && current.sweepId !== undefined && id !== current.sweepId);
    if (apart) groups.push({ sweepId: id, events: [e] });
    else {
      current.events.push(e);
      current.sweepId ??= id;
    }
    prev = e;
  }
  return groups.map(runOf);
}

/** The sweep history, newest first, and the trail it was read from. */
async function readSweeps(backend: ConsoleBackend): Promise<{ runs: SweepRun[]; events: ChainedEvent[] }> {
  const [events, checkpoints] = await Promise.all([backend.audit.readEvents(), backend.audit.readCheckpoints()]);
  return { runs: sweepHistory(events, checkpoints).reverse(), events };
}

/** The sweep history, newest first. */
export async function listSweeps(backend: ConsoleBackend): Promise<SweepRun[]> {
  return (await readSweeps(backend)).runs;
}

/** The record due longest ago that is still there (held ones included), from the due index: one item per shard. */
export async function oldestDue(backend: ConsoleBackend, now: Date): Promise<DueEntry | undefined> {
  const pages = await Promise.all(Array.from({ length: DUE_SHARDS }, (_, shard) => backend.deps.records.listDue(shard, now.toISOString(), 1)));
  return pages.flatMap((p) => p.items).sort((a, b) => a.dueAt.localeCompare(b.dueAt))[0];
}

/** What a sweep would do now. */
export interface SweepDryRun {
  /** The cutoff: records due at or before it. */
  readonly asOf: string;
  readonly totals: SweepCounts;
  /** Record ids it would erase, per dataset. */
  readonly wouldErase: Readonly<Record<string, readonly string[]>>;
  /** Due records it would keep, and why. */
  readonly kept: readonly { readonly recordId: string; readonly decision: string; readonly reason?: string }[];
}

/** The backend's in-process sweep, or a refusal naming what needs it. */
function sweeper(backend: ConsoleBackend, what: string): NonNullable<ConsoleBackend['sweep']> {
  if (backend.sweep === undefined) {
    throw new LifecycleError(`the console runs ${what} over the embedded stores only; on a stack use wasure sweep --stack`);
  }
  return backend.sweep;
}

/** The sweep's own state machine, run locally as `wasure sweep --dry-run` runs it: decides, changes nothing. */
async function dryRunAt(backend: ConsoleBackend, asOf: string): Promise<SweepDryRun> {
  const sweep = sweeper(backend, 'a dry run');
  const wouldErase: Record<string, string[]> = {};
  const report = await sweep(
    {
      now: asOf,
      dryRun: true,
      onBatch: (r) => {
        for (const item of r.items) {
          const dataset = item.dataset ?? QUARANTINE;
          if (item.decision === 'purge') wouldErase[dataset] = [...(wouldErase[dataset] ?? []), item.recordId];
        }
      },
    },
  );
  return { asOf, totals: report.totals, wouldErase, kept: report.skipped };
}

/**
 * A dry run as `operator`. The CLI's dry run writes no event; here it is
 * audited as a `console-action` naming the operator, with its counts.
 */
export async function dryRunSweep(actions: ConsoleActions, operator: string): Promise<SweepDryRun> {
  const run = await dryRunAt(actions.runtime, actions.runtime.deps.clock.now().toISOString());
  await actions.auditAction(operator, 'sweep-dry-run', { asOf: run.asOf, planned: run.totals.planned, wouldErase: run.totals.purged });
  return run;
}

const orderDeps = (backend: ConsoleBackend) => ({ ...backend.deps, audit: backend.audit });

/** Orders filed and not yet decided, oldest first. */
export async function pendingSweepOrders(backend: ConsoleBackend): Promise<SweepOrder[]> {
  return pendingOf(await listSweepOrders(orderDeps(backend)));
}

function pendingOf(orders: ReadonlyMap<string, SweepOrder>): SweepOrder[] {
  return [...orders.values()].filter((o) => o.state === 'filed').sort((a, b) => a.filedAt.localeCompare(b.filedAt));
}

/** Files a manual sweep of what is due now, with its dry run as the preview, as `wasure sweep --operator` does; changes nothing. */
export async function fileOrder(backend: ConsoleBackend, operator: string): Promise<{ order: SweepOrder; preview: SweepDryRun }> {
  if (!sweepNeedsApproval(backend.deps.catalogue)) {
    throw new ValidationError('no sweep order is needed', [{ path: 'catalogue', message: 'no controller puts manual sweeps under approval: the scheduled sweep (or wasure sweep) runs it' }]);
  }
  const asOf = backend.deps.clock.now().toISOString();
  const preview = await dryRunAt(backend, asOf);
  return { order: await fileSweepOrder(orderDeps(backend), { operator, asOf, planned: preview.totals.purged }), preview };
}

/**
 * Approves (then sweeps what was due at the order's cutoff, as `wasure
 * sweep approve` does) or rejects an order, as `operator`. The use case
 * refuses the filer's own approval.
 */
export async function decideOrder(
  backend: ConsoleBackend,
  operator: string,
  orderId: string,
  step: 'approved' | 'rejected',
  reason?: string,
): Promise<{ order: SweepOrder; totals?: SweepCounts; purged?: readonly string[] }> {
  const sweep = step === 'approved' ? sweeper(backend, 'an approved sweep') : undefined;
  const order = await decideSweepOrder(orderDeps(backend), { orderId, operator, step, ...(reason === undefined || reason.trim() === '' ? {} : { reason }) });
  if (sweep === undefined) return { order };
  const report = await sweep({ now: order.asOf, dryRun: false });
  return { order, totals: report.totals, purged: report.purged };
}

/** The dashboard's view of the sweeps. */
export interface SweepGlance {
  readonly last?: SweepRun;
  readonly scheduled: boolean;
  readonly oldestDue?: DueEntry;
  readonly now: string;
}

/** The last sweep, whether one is scheduled, the oldest due record. */
export async function sweepGlance(backend: ConsoleBackend): Promise<SweepGlance> {
  const now = backend.deps.clock.now();
  const [history, due] = await Promise.all([listSweeps(backend), oldestDue(backend, now)]);
  const last = history[0];
  return { ...(last === undefined ? {} : { last }), scheduled: backend.mode === 'deployed', ...(due === undefined ? {} : { oldestDue: due }), now: now.toISOString() };
}

const words = (lang: ConsoleLang) => (k: LabelKey) => label(k, lang);
const OUTCOME_JA: Readonly<Record<SweepRun['outcome'], string>> = { ok: '完了', 'nothing-erased': '消去なし', failed: '失敗' };
const outcomeWords = (o: SweepRun['outcome'], lang: ConsoleLang) => (lang === 'ja' ? OUTCOME_JA[o] : o);

/** The dashboard section: last sweep, next sweep, the oldest record past its due time. */
export function sweepGlanceSection(v: PageViewer, g: SweepGlance): string {
  const t = words(v.lang);
  const age = g.oldestDue === undefined ? undefined : Math.floor((Date.parse(g.now) - Date.parse(g.oldestDue.dueAt)) / DAY_MS);
  const rows: [LabelKey, string][] = [
    ['lastSweep', g.last === undefined ? h(t('none')) : `${h(formatJst(g.last.finishedAt))} — ${h(outcomeWords(g.last.outcome, v.lang))} (${g.last.erased})`],
    ['nextSweep', h(t(g.scheduled ? 'nextSweepHourly' : 'nextSweepLocal'))],
    ['oldestDue', g.oldestDue === undefined ? h(t('none')) : `${h(g.oldestDue.recordId)}: ${h(formatJst(g.oldestDue.dueAt))} (${age} ${h(t('daysPast'))})`],
  ];
  return `<section aria-labelledby="s-sweeps"><h2 id="s-sweeps"><a href="/sweeps">${h(t('sweeps'))}</a></h2><table><tbody>${rows.map(([k, x]) => `<tr><th scope="row">${h(t(k))}</th><td>${x}</td></tr>`).join('')}</tbody></table></section>`;
}

/** Colours of the chart's datasets (each ≥ 4.5:1 on white), as SVG fill attributes, not styles. */
const PALETTE = ['#0b3d91', '#a50000', '#1b5e20', '#6a1b9a', '#8a4b00', '#00616b', '#444444', '#ad1457'];

const perDataset = (r: SweepRun) =>
  Object.entries(r.erasedByDataset)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([d, n]) => `${d}: ${n}`)
    .join(', ');

/**
 * Records erased per dataset over the last sweeps: stacked bars in inline
 * SVG (no script, no style attribute). Its title and description name it;
 * the history table beside it holds the same figures as text.
 */
export function sweepChart(runs: readonly SweepRun[], lang: ConsoleLang): string {
  const t = words(lang);
  const shown = [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt)).slice(-24);
  const datasets = [...new Set(shown.flatMap((r) => Object.keys(r.erasedByDataset)))].sort();
  const colour = (d: string) => PALETTE[datasets.indexOf(d) % PALETTE.length] ?? PALETTE[0];
  const [width, height, left, bottom, top] = [640, 220, 44, 40, 10];
  const max = Math.max(1, ...shown.map((r) => r.erased));
  const slot = (width - left - 10) / Math.max(1, shown.length);
  const bar = Math.min(slot * 0.7, 48);
  const y = (n: number) => top + (height - top - bottom) * (1 - n / max);
  const bars = shown.map((r, i) => {
    let base = 0;
    const x = left + i * slot + (slot - bar) / 2;
    const rects = datasets
      .filter((d) => (r.erasedByDataset[d] ?? 0) > 0)
      .map((d) => {
        const n = r.erasedByDataset[d] ?? 0;
        const rect = `<rect x="${x.toFixed(1)}" y="${y(base + n).toFixed(1)}" width="${bar.toFixed(1)}" height="${(y(base) - y(base + n)).toFixed(1)}" fill="${colour(d)}"><title>${h(`${formatJst(r.startedAt)} ${d}: ${n}`)}</title></rect>`;
        base += n;
        return rect;
      });
    const tick = shown.length <= 8 || i % Math.ceil(shown.length / 8) === 0 ? `<text x="${(x + bar / 2).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle">${h(formatJst(r.startedAt).slice(5, 16))}</text>` : '';
    return `${rects.join('')}${tick}`;
  });
  const axis = [0, Math.round(max / 2), max]
    .map((n) => `<line x1="${left}" x2="${width - 10}" y1="${y(n).toFixed(1)}" y2="${y(n).toFixed(1)}" stroke="#bbbbbb"/><text x="${left - 6}" y="${(y(n) + 4).toFixed(1)}" text-anchor="end">${n}</text>`)
    .join('');
  const summary = shown.map((r) => `${formatJst(r.startedAt)}: ${perDataset(r) || '0'}`).join('; ');
  const legend = datasets.map((d) => `<li><svg width="12" height="12" aria-hidden="true" focusable="false"><rect width="12" height="12" fill="${colour(d)}"/></svg> ${h(d)}</li>`).join('');
  return `<figure class="chart"><svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="chart-title chart-desc"><title id="chart-title">${h(t('chartTitle'))}</title><desc id="chart-desc">${h(summary)}</desc>${axis}${bars.join('')}</svg>
<figcaption>${h(t('chartTitle'))} — ${h(t('chartAlt'))}<ul class="legend">${legend}</ul></figcaption></figure>`;
}

function historyTable(runs: readonly SweepRun[], lang: ConsoleLang): string {
  const t = words(lang);
  if (runs.length === 0) return `<p>${h(t('noSweeps'))}</p>`;
  const head = (['sweepId', 'started', 'finished', 'erasedByDataset', 'heldSkipped', 'outcome'] as const).map((k) => `<th scope="col">${h(t(k))}</th>`).join('');
  const rows = runs.map(
    (r) =>
      `<tr${r.outcome === 'failed' ? ' class="overdue"' : ''}><td>${h(r.sweepId)}</td><td>${h(formatJst(r.startedAt))}</td><td>${h(formatJst(r.finishedAt))}</td><td>${h(perDataset(r) || '0')} (${r.erased})</td><td>${r.held} / ${r.pendingRequest}</td><td>${h(outcomeWords(r.outcome, lang))}</td></tr>`,
  );
  return `<table id="sweep-table"><caption>${h(t('sweepHistory'))}</caption><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function dryRunSection(v: PageViewer, run: SweepDryRun): string {
  const t = words(v.lang);
  const groups = Object.entries(run.wouldErase)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([d, ids]) => `<li>${h(d)} (${ids.length}): ${h(ids.join(', '))}</li>`);
  return `<section aria-labelledby="s-dry-result" role="status"><h2 id="s-dry-result">${h(t('dryRun'))}: ${h(formatJst(run.asOf))}</h2>
<h3>${h(t('wouldErasePerDataset'))} (${run.totals.purged})</h3><ul>${groups.join('')}</ul>
<h3>${h(t('keptRecords'))} (${run.kept.length})</h3><ul>${run.kept.map((k) => `<li>${h(k.recordId)}: ${h(k.decision)}${k.reason === undefined ? '' : ` (${h(k.reason)})`}</li>`).join('')}</ul></section>`;
}

function ordersSection(v: PageViewer, orders: readonly SweepOrder[], needed: boolean): string {
  const t = words(v.lang);
  if (!needed) return `<p>${h(t('noApprovalNeeded'))}</p>`;
  const base = (o: SweepOrder) => `/sweeps/orders/${encodeURIComponent(o.orderId)}`;
  const reason = (id: string, required: boolean) => field(id, t('reason'), `<textarea id="${id}" name="reason" rows="2" cols="40" maxlength="1000"${required ? ' required' : ''}></textarea>`);
  const rows = orders.map((o, i) => {
    const decide = [
      o.filedBy === v.operator ? '' : form(v, `${base(o)}/approve`, reason(`approve-${i}`, false), t('approve')),
      form(v, `${base(o)}/reject`, reason(`reject-${i}`, true), t('reject')),
    ].join('');
    return `<tr><td>${h(o.orderId)}</td><td>${h(formatJst(o.asOf))}</td><td>${o.planned}</td><td>${h(o.filedBy)}</td><td>${decide}</td></tr>`;
  });
  const table =
    orders.length === 0
      ? `<p>${h(t('noSweepOrders'))}</p>`
      : `<table><thead><tr>${(['orderId', 'asOf', 'planned', 'filedBy', 'approval'] as const).map((k) => `<th scope="col">${h(t(k))}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
  return `<p>${h(t('fileOrderLead'))}</p>${form(v, '/sweeps/orders', '', t('fileOrder'))}<h3>${h(t('sweepOrders'))} (${orders.length})</h3>${table}`;
}

/** What the sweeps page shows. */
export interface SweepsView {
  readonly history: readonly SweepRun[];
  readonly orders: readonly SweepOrder[];
  readonly needsApproval: boolean;
  readonly dryRun?: SweepDryRun;
}

/** The sweeps page: a dry run, orders awaiting approval, the history as a chart and a table. */
export function sweepsPage(v: PageViewer, view: SweepsView): string {
  const t = words(v.lang);
  return layout(
    v,
    t('sweeps'),
    `${view.dryRun === undefined ? '' : dryRunSection(v, view.dryRun)}
<section aria-labelledby="s-dry"><h2 id="s-dry">${h(t('dryRun'))}</h2><p>${h(t('dryRunLead'))}</p>${form(v, '/sweeps/dry-run', '', t('dryRun'))}</section>
<section aria-labelledby="s-orders"><h2 id="s-orders">${h(t('fileOrder'))}</h2>${ordersSection(v, view.orders, view.needsApproval)}</section>
<section aria-labelledby="s-history"><h2 id="s-history">${h(t('sweepHistory'))}</h2>${view.history.length === 0 ? '' : sweepChart(view.history, v.lang)}${historyTable(view.history, v.lang)}</section>`,
    '/sweeps',
  );
}

async function viewOf(backend: ConsoleBackend, dryRun?: SweepDryRun): Promise<SweepsView> {
  // One read of the trail serves the history and the orders.
  const { runs: history, events } = await readSweeps(backend);
  const orders = pendingOf(sweepOrdersIn(events));
  return { history, orders, needsApproval: sweepNeedsApproval(backend.deps.catalogue), ...(dryRun === undefined ? {} : { dryRun }) };
}

const orderIdOf = (c: Context) => parseInput(sweepOrderIdSchema, c.req.param('id'), 'the sweep order id');
const STEPS = { approve: 'approved', reject: 'rejected' } as const;

/** Registers the sweeps API and page routes (before the API's catch-all). */
export function sweepRoutes(app: Hono<ConsoleEnv>, actions: ConsoleActions): void {
  const backend = actions.runtime;
  app.get('/api/sweeps', async (c) => c.json(await listSweeps(backend)));
  app.get('/api/sweeps/orders', async (c) => c.json(await pendingSweepOrders(backend)));
  app.post('/api/sweeps/dry-run', async (c) => {
    parseInput(emptySchema, await jsonBody(c), 'the dry run');
    return c.json(await dryRunSweep(actions, operatorOf(c)));
  });
  app.post('/api/sweeps/orders', async (c) => {
    parseInput(emptySchema, await jsonBody(c), 'the sweep order');
    return c.json(await fileOrder(backend, operatorOf(c)), 201);
  });
  for (const [path, step] of Object.entries(STEPS)) {
    app.post(`/api/sweeps/orders/:id/${path}`, async (c) => {
      const id = orderIdOf(c);
      const { reason } = parseInput(decisionSchema, await jsonBody(c), `the sweep order's ${path}`);
      return c.json(await decideOrder(backend, operatorOf(c), id, step, reason));
    });
    app.post(`/sweeps/orders/:id/${path}`, async (c) => {
      const id = orderIdOf(c);
      const f = await formBody(c);
      const { reason } = parseInput(decisionSchema, { reason: f.reason === undefined || f.reason.trim() === '' ? undefined : f.reason }, `the sweep order's ${path}`);
      await decideOrder(backend, operatorOf(c), id, step, reason);
      return c.redirect('/sweeps', 303);
    });
  }
  app.get('/sweeps', async (c) => c.html(sweepsPage(viewer(c), await viewOf(backend))));
  app.post('/sweeps/dry-run', async (c) => c.html(sweepsPage(viewer(c), await viewOf(backend, await dryRunSweep(actions, operatorOf(c))))));
  app.post('/sweeps/orders', async (c) => {
    await fileOrder(backend, operatorOf(c));
    return c.redirect('/sweeps', 303);
  });
}
