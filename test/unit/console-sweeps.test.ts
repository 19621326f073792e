import { describe, expect, it } from 'vitest';
import { auditPage } from '#functions/console/audit-page.ts';
import { type SweepRun, sweepChart, sweepGlanceSection, sweepHistory, sweepsPage } from '#functions/console/sweeps.ts';
import type { ChainedEvent } from '#shared/domain/audit-chain.ts';
import type { AuditVerdict } from '#shared/use-cases/verify-audit.ts';

let seq = 0;
const event = (fields: Partial<ChainedEvent>): ChainedEvent =>
  ({
    eventId: `e-${seq}`,
    seq: seq++,
    time: '2026-12-01T00:00:00.000Z',
    action: 'erasure',
    actor: 'system:sweep',
    outcome: 'ok',
    leafHash: 'aa',
    prevHash: 'bb',
    chainHash: 'cc',
    ...fields,
  }) as ChainedEvent;

const run = (fields: Partial<SweepRun>): SweepRun => ({
  sweepId: 'sweep@0',
  startedAt: '2026-12-01T00:00:00.000Z',
  finishedAt: '2026-12-01T00:01:00.000Z',
  erasedByDataset: {},
  erased: 0,
  held: 0,
  pendingRequest: 0,
  keysDestroyed: 0,
  outcome: 'nothing-erased',
  ...fields,
});

const viewer = { lang: 'ja' as const, operator: 'clerk-1', csrf: 'tok' };
const HOSTILE = '<img src=x onerror=alert(1)>"\'';

describe('sweepHistory', () => {
  it('groups a sweep\'s events: erasures per dataset, held and pending skips, destroyed keys', () => {
    // Prepare
    seq = 0;
    const events = [
      event({ dataset: 'stm' }),
      event({ dataset: 'stm' }),
      event({ dataset: 'jlis' }),
      event({ action: 'key-destroyed' }),
      event({ action: 'ingest', actor: 'operator:clerk-1' }),
      event({ dataset: 'stm', outcome: 'skipped', reason: 'held', details: { sweepId: 'run-1' } }),
      event({ dataset: 'stm', outcome: 'skipped', reason: 'pending-request', details: { sweepId: 'run-1' } }),
    ];
    // Act
    const [only, ...rest] = sweepHistory(events, []);
    // Assess
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ sweepId: 'run-1', erasedByDataset: { stm: 2, jlis: 1 }, erased: 3, held: 1, pendingRequest: 1, keysDestroyed: 1, outcome: 'ok' });
  });

  it.each([
    ['a signed checkpoint between two events', [{ treeSize: 1 }], '2026-12-01T00:00:00.000Z', 2],
    ['more than 15 minutes between two events', [], '2026-12-01T00:16:00.000Z', 2],
    ['a checkpoint after both and events 14 minutes apart (one sweep)', [{ treeSize: 2 }], '2026-12-01T00:14:00.000Z', 1],
  ])('tells sweeps apart with %s', (_case, checkpoints, secondTime, expected) => {
    // Prepare
    seq = 0;
    const events = [event({ dataset: 'stm' }), event({ dataset: 'stm', time: secondTime })];
    // Act
    const runs = sweepHistory(events, checkpoints);
    // Assess
    expect(runs).toHaveLength(expected);
  });

  it('cuts where a skip names another sweep id, and calls a sweep with only skips or a failure by that', () => {
    // Prepare
    seq = 0;
    const events = [
      event({ outcome: 'skipped', reason: 'held', details: { sweepId: 'run-1' } }),
      event({ outcome: 'skipped', reason: 'held', details: { sweepId: 'run-2' } }),
      event({ dataset: 'stm', outcome: 'failed' }),
    ];
    // Act
    const runs = sweepHistory(events, []);
    // Assess
    expect(runs.map((r) => [r.sweepId, r.outcome])).toEqual([
      ['run-1', 'nothing-erased'],
      ['run-2', 'failed'],
    ]);
  });
});

describe('sweepChart', () => {
  it('draws stacked bars as an image with a title and a description, with no style attribute, every name escaped', () => {
    // Prepare
    const runs = [run({ erasedByDataset: { stm: 3, [HOSTILE]: 1 }, erased: 4, outcome: 'ok' }), run({ startedAt: '2026-12-02T00:00:00.000Z', erasedByDataset: { stm: 2 }, erased: 2, outcome: 'ok' })];
    // Act
    const svg = sweepChart(runs, 'ja');
    // Assess
    expect(svg).toMatch(/<svg [^>]*role="img" aria-labelledby="chart-title chart-desc"/);
    expect(svg).toContain('<title id="chart-title">データセット別の消去件数の推移</title>');
    expect(svg).toContain('stm: 3');
    expect(svg.match(/<rect x=/g)).toHaveLength(3);
    expect(svg).not.toMatch(/style=|<script|<img/);
    expect(svg).toContain('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;');
  });
});

describe('the sweeps and audit pages', () => {
  it('render orders with approve and reject forms carrying the CSRF field, no approve form for the filer, everything escaped', () => {
    // Prepare
    const order = { orderId: 'SO-20261201000000-abcd', state: 'filed' as const, filedBy: 'clerk-1', asOf: '2026-12-01T00:00:00.000Z', planned: 3, filedAt: '2026-12-01T00:00:00.000Z' };
    const others = { ...order, orderId: 'SO-20261201000000-efgh', filedBy: 'chief-2' };
    // Act
    const html = sweepsPage(viewer, { history: [run({ sweepId: HOSTILE })], orders: [order, others], needsApproval: true });
    // Assess
    expect(html).not.toContain(`action="/sweeps/orders/${order.orderId}/approve"`);
    expect(html).toContain(`action="/sweeps/orders/${order.orderId}/reject"`);
    expect(html).toContain(`action="/sweeps/orders/${others.orderId}/approve"`);
    expect(html.match(/name="_csrf" value="tok"/g)?.length).toBe(html.match(/<form /g)?.length);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toMatch(/style=|<script>/);
  });

  it('shows the dashboard\'s sweep lines: none yet, nothing scheduled locally, the oldest due record\'s age in days', () => {
    // Act
    const html = sweepGlanceSection(viewer, { scheduled: false, oldestDue: { recordId: 'stm-0001', dueAt: '2026-11-21T00:00:00.000Z' }, now: '2026-12-01T12:00:00.000Z' });
    // Assess
    expect(html).toContain('なし');
    expect(html).toContain('wasure sweep');
    expect(html).toContain('stm-0001: 2026-11-21 09:00:00 JST (10 日経過)');
  });

  it('shows events with compact, escaped details', () => {
    // Prepare
    const verdict = { ok: true, eventsChecked: 3, mode: 'incremental' } as AuditVerdict;
    const shown = { seq: 1, eventId: 'e', time: '2026-12-01T00:00:00.000Z', action: 'hold-added', actor: 'operator:clerk-1', outcome: 'ok', chainHash: 'c', details: { reason: HOSTILE } };
    // Act
    const html = auditPage(viewer, { verdict, events: [shown as never], bySubject: false, receipts: [{ requestId: 'req-1', status: 'issued', events: 2, checkpoint: 4 }] });
    // Assess
    expect(html).toContain('2026-12-01 09:00:00 JST');
    expect(html).toContain('<code>{&quot;reason&quot;:&quot;&lt;img');
    expect(html).toContain('href="/requests/req-1"');
    expect(html).not.toContain('<img src=x');
  });
});
