import { describe, expect, it } from 'vitest';
import { buildAnnualReport, median, type RequestAuditFact, requestAuditFacts } from '#shared/domain/annual-report/aggregate.ts';
import { type Decision, decisionJa, decisionOf, groundOf, groundsOf } from '#shared/domain/annual-report/decision.ts';
import { fiscalYearOf, fiscalYearRange, jstCalendarDays } from '#shared/domain/annual-report/fiscal-year.ts';
import { annualReportRows, renderAnnualReport } from '#shared/domain/annual-report/render.ts';
import type { SubjectRequest } from '#shared/domain/requests.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const catalogue = sampleCatalogue();
const NOW = new Date('2027-04-10T00:00:00Z');

function request(over: Partial<SubjectRequest> & Pick<SubjectRequest, 'requestId'>): SubjectRequest {
  return {
    type: 'export',
    subjectPseudonym: 'p1',
    requester: { kind: 'subject' },
    verification: { method: 'passport' },
    receivedAt: '2026-05-01T01:00:00Z',
    deadline: '2026-05-15T14:59:59.999Z',
    status: 'completed',
    params: {},
    sealed: {},
    outcome: { dataHeld: true },
    reasons: [],
    completedAt: '2026-05-03T01:00:00Z',
    controllerId: 'ibaraki-pref',
    version: 2,
    ...over,
  };
}

/** The audit facts a request handled through the use cases leaves. */
function audited(...requests: SubjectRequest[]): RequestAuditFact[] {
  return requests.flatMap((r) => [
    { requestId: r.requestId, time: r.receivedAt, kind: 'registered' as const },
    ...(r.status !== 'received'
      ? [{ requestId: r.requestId, time: r.completedAt ?? r.receivedAt, kind: 'ended' as const, status: r.status }]
      : []),
  ]);
}

const report = (requests: SubjectRequest[], audit: RequestAuditFact[] = audited(...requests), controllerId?: string) =>
  buildAnnualReport({ year: 2026, requests, audit, controllers: catalogue.controllers, now: NOW, ...(controllerId === undefined ? {} : { controllerId }) });

describe('fiscal year (年度)', () => {
  it.each([
    ['2026-03-31T14:59:59.999Z', 2025],
    ['2026-03-31T15:00:00.000Z', 2026],
    ['2027-03-31T14:59:59.999Z', 2026],
    ['2027-03-31T15:00:00.000Z', 2027],
    ['2026-12-31T20:00:00Z', 2026],
  ])('puts %s in 年度 %i (JST)', (instant, year) => {
    // Assess
    expect(fiscalYearOf(new Date(instant))).toBe(year);
  });

  it('bounds 年度 N by 1 April N and 1 April N+1, midnight JST', () => {
    // Assess
    expect(fiscalYearRange(2026)).toEqual({
      year: 2026,
      from: '2026-03-31T15:00:00.000Z',
      to: '2027-03-31T15:00:00.000Z',
      firstDay: '2026-04-01',
      lastDay: '2027-03-31',
    });
  });

  it.each([
    ['2026-05-01T14:59:00Z', '2026-05-01T15:01:00Z', 1],
    ['2026-05-01T01:00:00Z', '2026-05-01T10:00:00Z', 0],
    ['2026-05-01T15:00:00Z', '2026-05-03T14:59:00Z', 1],
    ['2027-02-27T00:00:00Z', '2027-03-01T00:00:00Z', 2],
  ])('counts JST calendar days from %s to %s as %i', (from, to, days) => {
    // Assess
    expect(jstCalendarDays(new Date(from), new Date(to))).toBe(days);
  });
});

describe('decision mapping', () => {
  it.each<[string, Partial<SubjectRequest>, Decision, string]>([
    ['an export with data', { type: 'export', status: 'completed', outcome: { dataHeld: true } }, 'full', '全部開示'],
    ['an export of nothing held', { type: 'export', status: 'completed', outcome: { dataHeld: false } }, 'absent', '不開示（不存在）'],
    ['an export with items withheld', { type: 'export', status: 'partially-completed' }, 'partial', '部分開示'],
    ['a refused export', { type: 'export', status: 'refused' }, 'refused', '不開示'],
    ['a notice of purposes', { type: 'purposes', status: 'completed', outcome: { purposes: [] } }, 'full', '全部開示'],
    ['a correction', { type: 'correct', status: 'completed', outcome: { changed: ['a'] } }, 'full', '訂正'],
    ['a refused correction', { type: 'correct', status: 'refused' }, 'refused', '不訂正'],
    ['a correction rejected at approval', { type: 'correct', status: 'rejected' }, 'refused', '不訂正'],
    ['a restriction', { type: 'restrict', status: 'completed', outcome: { restricted: ['r1'] } }, 'full', '利用停止等'],
    ['a restriction of nothing', { type: 'restrict', status: 'completed', outcome: { restricted: [] } }, 'absent', '不利用停止（不存在）'],
    ['an erasure keeping a record', { type: 'erase', status: 'partially-completed' }, 'partial', '一部利用停止等'],
    ['an erasure of nothing', { type: 'erase', status: 'completed', outcome: { erased: 0, kept: [] } }, 'absent', '不利用停止（不存在）'],
    ['a withdrawn erasure', { type: 'erase', status: 'withdrawn' }, 'withdrawn', '取下げ'],
    ['a failed export', { type: 'export', status: 'failed' }, 'failed', '処理不能'],
    ['an open request', { type: 'export', status: 'received', outcome: undefined }, 'pending', '未決定'],
    ['an open request pending approval', { type: 'erase', status: 'received', approval: { state: 'pending' } }, 'pending', '未決定'],
    ['an open request already rejected', { type: 'erase', status: 'received', approval: { state: 'rejected', decidedBy: 'B' } }, 'refused', '不利用停止'],
    ['an open request already withdrawn', { type: 'erase', status: 'received', approval: { state: 'withdrawn', decidedBy: 'A' } }, 'withdrawn', '取下げ'],
  ])('maps %s to %s', (_what, over, decision, ja) => {
    // Act
    const r = request({ requestId: 'r', ...over });
    // Assess
    expect(decisionOf(r)).toBe(decision);
    expect(decisionJa(r.type, decision)).toBe(ja);
  });

  it.each([
    ['record stm-0001 item phone withheld: 第78条第1項第2号', '第78条第1項第2号'],
    ['record ibk-0001: encrypted items can no longer be decrypted', 'encrypted items can no longer be decrypted'],
    ['record ibk-0002 under legal hold', 'under legal hold'],
    ['a correction names the record to correct', 'a correction names the record to correct'],
  ])('takes the ground of "%s" as "%s"', (reason, ground) => {
    // Assess
    expect(groundOf(reason)).toBe(ground);
  });

  it('counts a ground once per request, with the reason of a rejection', () => {
    // Act
    const grounds = groundsOf({
      reasons: ['record a item x withheld: G1', 'record b item y withheld: G1'],
      timeline: [{ kind: 'rejected', at: '2026-05-02T00:00:00Z', by: 'B', reason: '本人確認が不十分' }],
    });
    // Assess
    expect(grounds).toEqual(['G1', '本人確認が不十分']);
  });
});

describe('annual aggregation', () => {
  it.each([
    [[], null],
    [[3], 3],
    [[5, 1, 3], 3],
    [[4, 1, 3, 2], 2.5],
  ])('takes the median of %j as %s', (values, expected) => {
    // Assess
    expect(median(values)).toBe(expected);
  });

  it('counts the year by type, decision, ground, controller, days, overdue and extension', () => {
    // Prepare
    const requests = [
      request({ requestId: 'a', completedAt: '2026-05-01T02:00:00Z' }),
      request({ requestId: 'b', status: 'partially-completed', reasons: ['record r1 item phone withheld: G1'], completedAt: '2026-05-05T01:00:00Z' }),
      request({ requestId: 'c', type: 'correct', status: 'refused', reasons: ['G2'], completedAt: '2026-05-20T01:00:00Z', controllerId: 'saitama-pref' }),
      request({ requestId: 'd', type: 'restrict', status: 'completed', outcome: { restricted: ['r2'] }, extension: { days: 10, reason: 'many records' }, completedAt: '2026-05-09T01:00:00Z' }),
      request({ requestId: 'e', type: 'purposes', status: 'received', outcome: undefined, completedAt: undefined, deadline: '2027-05-01T00:00:00Z' }),
      request({ requestId: 'f', type: 'erase', status: 'received', outcome: undefined, completedAt: undefined, controllerId: undefined }),
      request({ requestId: 'old', receivedAt: '2026-03-31T14:59:59Z' }),
      request({ requestId: 'next', receivedAt: '2027-03-31T15:00:00Z' }),
    ];
    // Act
    const r = report(requests);
    // Assess
    expect(r.total).toBe(6);
    expect(r.byType).toEqual({ export: 2, correct: 1, erase: 1, restrict: 1, 'lift-restriction': 0, 'stop-provision': 0, purposes: 1 });
    expect(r.byFamily.disclosure).toEqual({ full: 1, partial: 1, refused: 0, absent: 0, withdrawn: 0, failed: 0, pending: 1 });
    expect(r.byFamily.correction.refused).toBe(1);
    expect(r.byFamily.suspension).toMatchObject({ full: 1, pending: 1 });
    expect(r.byGround).toEqual([{ ground: 'G1', count: 1 }, { ground: 'G2', count: 1 }]);
    expect(r.byController.map((c) => [c.controllerId, c.total])).toEqual([['ibaraki-pref', 4], ['saitama-pref', 1], [null, 1]]);
    expect(r.days).toEqual({ count: 4, median: 6, max: 19 });
    // c answered after its deadline; f still open after it; e open but within
    expect(r.overdue).toEqual({ total: 2, ended: 1, open: 1 });
    expect(r.extended).toBe(1);
    expect(r.unattributed).toBe(1);
    expect(r.discrepancies).toEqual([]);
  });

  it('limits to one controller, leaving requests that name none out', () => {
    // Prepare
    const requests = [request({ requestId: 'a' }), request({ requestId: 'b', controllerId: 'jlis' }), request({ requestId: 'c', controllerId: undefined })];
    // Act
    const r = report(requests, audited(...requests), 'jlis');
    // Assess
    expect(r.total).toBe(1);
    expect(r.controllerId).toBe('jlis');
    expect(r.byController.map((c) => c.controllerId)).toEqual(['jlis']);
    expect(r.unattributed).toBe(1);
  });

  it.each<[string, (r: SubjectRequest) => RequestAuditFact[], string, boolean]>([
    ['no request event', () => [], 'not-audited', false],
    ['only an ending event', (r) => [{ requestId: r.requestId, time: r.receivedAt, kind: 'ended', status: 'completed' }], 'not-audited', false],
    ['only an approval event', (r) => [{ requestId: r.requestId, time: r.receivedAt, kind: 'decided' }], 'not-audited', false],
    ['no ending event', (r) => [{ requestId: r.requestId, time: r.receivedAt, kind: 'registered' }], 'ending-not-audited', true],
    ['an ending of another status', (r) => [{ requestId: r.requestId, time: r.receivedAt, kind: 'registered' }, { requestId: r.requestId, time: r.receivedAt, kind: 'ended', status: 'refused' }], 'status-differs', true],
  ])('reports a request with %s as a discrepancy', (_what, facts, kind, counted) => {
    // Prepare
    const r = request({ requestId: 'x' });
    // Act
    const out = report([r], facts(r));
    // Assess
    expect(out.discrepancies).toEqual([expect.objectContaining({ requestId: 'x', kind, counted })]);
    expect(out.total).toBe(counted ? 1 : 0);
    expect(out.byType.export).toBe(counted ? 1 : 0);
  });

  it('leaves an unfinished registration out, and names a request event the ledger does not hold', () => {
    // Prepare
    const unfinished = request({ requestId: 'u', status: 'received', registered: false, completedAt: undefined });
    const audit: RequestAuditFact[] = [
      { requestId: 'gone', time: '2026-06-01T00:00:00Z', kind: 'registered' },
      { requestId: 'before', time: '2026-03-01T00:00:00Z', kind: 'registered' },
    ];
    // Act
    const out = report([unfinished], audit);
    // Assess
    expect(out.total).toBe(0);
    expect(out.discrepancies.map((d) => [d.requestId, d.kind, d.counted])).toEqual([
      ['u', 'registration-unfinished', false],
      ['gone', 'not-in-ledger', false],
    ]);
  });

  it('reads request facts from audit events only', () => {
    // Act
    const facts = requestAuditFacts([
      { action: 'request', time: 't1', details: { requestId: 'a', type: 'export' } },
      { action: 'request', time: 't2', details: { requestId: 'a', type: 'export', status: 'completed' } },
      { action: 'export', time: 't3', details: { requestId: 'a' } },
      { action: 'request', time: 't4' },
      { action: 'request', time: 't5', details: { requestId: 'b', type: 'erase', decision: 'approved', operator: 'B' } },
      { action: 'request', time: 't6', details: { requestId: 'c', type: 'erase', decision: 'rejected', operator: 'B' } },
    ]);
    // Assess
    expect(facts).toEqual([
      { requestId: 'a', time: 't1', kind: 'registered' },
      { requestId: 'a', time: 't2', kind: 'ended', status: 'completed' },
      { requestId: 'b', time: 't5', kind: 'decided' },
      { requestId: 'c', time: 't6', kind: 'ended', status: 'rejected' },
    ]);
  });
});

describe('annual report rendering', () => {
  const hostile = request({ requestId: 'h', status: 'refused', reasons: ['<script>alert(1)</script>'], controllerId: '=cmd|x' });
  const r = report([hostile]);

  it('escapes catalogue and reason text in HTML and has a print stylesheet', () => {
    // Act
    const html = renderAnnualReport(r, 'html');
    // Assess
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('@media print');
    expect(html).toContain('2026年度（2026-04-01〜2027-03-31、日本時間）');
  });

  it('writes CSV through the project writer, formulas neutralised', () => {
    // Act
    const csv = renderAnnualReport(r, 'csv');
    // Assess
    expect(csv.startsWith('\uFEFF区分 / section')).toBe(true);
    expect(csv).toContain(`"'=cmd|x"`);
    expect(annualReportRows(r)).toContainEqual(['請求の種類別', '開示', 'export', '1']);
    expect(annualReportRows(r)).toContainEqual(['決定の区分別', '開示', '不開示', '1']);
  });
});
