import { describe, expect, it } from 'vitest';
import { parseAffectedList } from '#shared/domain/breach/affected-list.ts';
import { affectedFromRecord } from '#shared/domain/breach/affected-record.ts';
import { assessBreach } from '#shared/domain/breach/assess.ts';
import { breachDeadlines } from '#shared/domain/breach/deadlines.ts';
import { renderBreachReportHtml } from '#shared/domain/breach/report-html.ts';
import type {
  AffectedRecord,
  BreachConfig,
  BreachFlags,
} from '#shared/domain/breach/types.ts';
import type { CategoryKind } from '#shared/domain/catalogue-types.ts';
import type { StoredRecord, Tombstone } from '#shared/domain/record.ts';
import type { AuditEventInput, AuditTrail, RecordStore } from '#shared/ports/index.ts';
import { recordIdsOfDataset, runBreachAssessment } from '#shared/use-cases/assess-breach.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const catalogue = sampleCatalogue();
const NOW = '2026-11-22T01:00:00.000Z';
const flags = (over: Partial<BreachFlags> = {}): BreachFlags => ({
  improperPurpose: false,
  keyExposed: false,
  discoveredAt: '2026-11-22T10:00:00+09:00',
  ...over,
});
type Item = [name: string, category: CategoryKind, sealed: boolean];
const rec = (subjectPseudonym: string, dataset: string, items: Item[], recordId = `r-${subjectPseudonym}-${dataset}`): AffectedRecord => ({
  recordId,
  subjectPseudonym,
  dataset,
  categories: [...new Set(items.map(([, c]) => c))],
  items: items.map(([name, category, sealed]) => ({ name, kind: 'field', categories: [category], sealed })),
});
const many = (n: number, dataset: string, items: Item[]) =>
  Array.from({ length: n }, (_, i) => rec(`s${i}`, dataset, items));
const assess = (records: AffectedRecord[], f: Partial<BreachFlags> = {}, config: BreachConfig = {}) =>
  assessBreach(catalogue, records, flags(f), config, NOW);
const fired = (a: ReturnType<typeof assess>) =>
  a.controllers.flatMap((c) => [...c.triggers, ...c.myNumberTriggers].filter((t) => t.fired).map((t) => t.id)).sort();

const SICK_CLEAR: Item = ['medicalHistory', 'sensitive', false];
const SICK_SEALED: Item = ['medicalHistory', 'sensitive', true];
const NAME: Item = ['profileName', 'basic', false];
const DEBT_SEALED: Item = ['debtSituation', 'financial', true];
const DEBT_CLEAR: Item = ['debtSituation', 'financial', false];
const GUNMA_NAME: Item = ['name', 'basic', false];
const MN_SEALED: Item = ['myNumber', 'my-number', true];
const MN_CLEAR: Item = ['myNumber', 'my-number', false];

describe('breach triggers (APPI Art. 26 / 施行規則第7条)', () => {
  it.each<[string, AffectedRecord[], Partial<BreachFlags>, string[]]>([
    ['sensitive value in clear', [rec('a', 'saitama-covid-line', [SICK_CLEAR])], {}, ['sensitive']],
    ['sensitive value sealed, key safe (safe harbour)', [rec('a', 'saitama-covid-line', [SICK_SEALED])], {}, []],
    ['sensitive value sealed, key exposed', [rec('a', 'saitama-covid-line', [SICK_SEALED])], { keyExposed: true }, ['sensitive']],
    ['one sealed and one clear sensitive record', [rec('a', 'saitama-covid-line', [SICK_SEALED]), rec('b', 'saitama-covid-line', [SICK_CLEAR])], {}, ['sensitive']],
    ['only basic data of a sensitive dataset', [rec('a', 'saitama-covid-line', [NAME])], {}, []],
    ['financial value in clear', [rec('a', 'gunma-consultations', [DEBT_CLEAR])], {}, ['financial']],
    ['financial value sealed, key safe (safe harbour)', [rec('a', 'gunma-consultations', [DEBT_SEALED, GUNMA_NAME])], {}, []],
    ['financial value sealed, key exposed', [rec('a', 'gunma-consultations', [DEBT_SEALED])], { keyExposed: true }, ['financial']],
    ['improper purpose, clear basic data', [rec('a', 'gunma-consultations', [GUNMA_NAME])], { improperPurpose: true }, ['improper-purpose']],
    ['improper purpose, everything sealed, key safe', [rec('a', 'gunma-consultations', [DEBT_SEALED])], { improperPurpose: true }, []],
    ['improper purpose, everything sealed, key exposed', [rec('a', 'gunma-consultations', [DEBT_SEALED])], { improperPurpose: true, keyExposed: true }, ['financial', 'improper-purpose']],
    ['no indication of improper purpose, basic data', [rec('a', 'gunma-consultations', [GUNMA_NAME])], {}, []],
  ])('%s → %j', (_name, records, f, want) => {
    // Act
    const a = assess(records, f);
    // Assess
    expect(fired(a)).toEqual(want);
    expect(a.reportRequired).toBe(want.length > 0);
    expect(a.noticeRequired).toBe(want.length > 0);
  });

  it('says why the safe harbour applied and counts the protected subjects', () => {
    // Act
    const a = assess([rec('a', 'saitama-covid-line', [SICK_SEALED]), rec('b', 'saitama-covid-line', [SICK_SEALED])]);
    // Assess
    const t = a.controllers[0]?.triggers.find((x) => x.id === 'sensitive');
    expect(t).toMatchObject({ fired: false, subjects: 0, protectedSubjects: 2 });
    expect(t?.reason).toContain('高度な暗号化');
  });
});

describe('subject-count thresholds', () => {
  it.each<[string, string, number, Item[], Partial<BreachFlags>, BreachConfig, boolean]>([
    ['private body, 1,000 subjects', 'gunma-consultations', 1000, [GUNMA_NAME], {}, {}, false],
    ['private body, 1,001 subjects', 'gunma-consultations', 1001, [GUNMA_NAME], {}, {}, true],
    ['public body, 100 subjects', 'jlis-inquiries', 100, [['name', 'basic', false]], {}, {}, false],
    ['public body, 101 subjects', 'jlis-inquiries', 101, [['name', 'basic', false]], {}, {}, true],
    ['configured threshold 10, 11 subjects', 'gunma-consultations', 11, [GUNMA_NAME], {}, { subjectThreshold: 10 }, true],
    ['1,001 subjects, all sealed, key safe', 'gunma-consultations', 1001, [DEBT_SEALED], {}, {}, false],
    ['1,001 subjects, all sealed, key exposed', 'gunma-consultations', 1001, [DEBT_SEALED], { keyExposed: true }, {}, true],
  ])('%s → fired %s', (_name, dataset, n, items, f, config, want) => {
    // Act
    const a = assess(many(n, dataset, items), f, config);
    // Assess
    const t = a.controllers[0]?.triggers.find((x) => x.id === 'subject-count');
    expect(t?.fired).toBe(want);
  });

  it('assesses each controller with its own threshold', () => {
    // Prepare: 150 public-body subjects and 150 private ones
    const records = [...many(150, 'jlis-inquiries', [['name', 'basic', false]]), ...many(150, 'gunma-consultations', [GUNMA_NAME])];
    // Act
    const a = assess(records);
    // Assess
    const byId = Object.fromEntries(a.controllers.map((c) => [c.controllerId, c]));
    expect(byId.jlis).toMatchObject({ publicBody: true, subjectThreshold: 100, reportRequired: true });
    expect(byId['gunma-yorozu']).toMatchObject({ publicBody: false, subjectThreshold: 1000, reportRequired: false });
    expect(byId.jlis?.subjectsToNotify).toHaveLength(150);
    expect(byId['gunma-yorozu']?.subjectsToNotify).toHaveLength(0);
  });
});

describe('My Number triggers (特定個人情報の漏えい等に関する報告等に関する規則第2条)', () => {
  it.each<[string, number, Item[], Partial<BreachFlags>, BreachConfig, string[]]>([
    ['100 subjects, number in clear', 100, [MN_CLEAR], {}, {}, []],
    ['101 subjects, number in clear', 101, [MN_CLEAR], {}, {}, ['my-number-subject-count']],
    ['101 subjects, number sealed, key safe', 101, [MN_SEALED], {}, {}, []],
    ['101 subjects, number sealed, key exposed', 101, [MN_SEALED], { keyExposed: true }, {}, ['my-number-subject-count']],
    ['one subject, improper purpose', 1, [MN_CLEAR], { improperPurpose: true }, {}, ['improper-purpose', 'my-number-improper-purpose']],
    ['one subject, viewable by anyone', 1, [MN_CLEAR], { publiclyExposed: true }, {}, ['my-number-public-exposure']],
    ['one subject, held in a 第1号 system', 1, [MN_CLEAR], { myNumberSystem: true }, {}, ['my-number-system']],
    ['one subject, 第1号 system but sealed, key safe', 1, [MN_SEALED], { myNumberSystem: true }, {}, []],
    ['configured threshold 5, 6 subjects', 6, [MN_CLEAR], {}, { myNumberThreshold: 5 }, ['my-number-subject-count']],
  ])('%s → %j', (_name, n, items, f, config, want) => {
    // Act
    const a = assess(many(n, 'tochigi-payroll', items), f, config);
    // Assess
    expect(fired(a)).toEqual(want);
    expect(a.controllers[0]?.myNumberReportRequired).toBe(want.some((t) => t.startsWith('my-number')));
  });

  it('leaves My Number triggers quiet when no number was affected', () => {
    // Act
    const a = assess([rec('a', 'tochigi-payroll', [['name', 'basic', false]])], { improperPurpose: true, publiclyExposed: true, myNumberSystem: true });
    // Assess
    expect(fired(a)).toEqual(['improper-purpose']);
  });
});

describe('subjects to notify', () => {
  it('notifies only subjects whose unprotected data falls under a fired trigger', () => {
    // Prepare
    const records = [
      rec('sick', 'saitama-covid-line', [SICK_CLEAR, NAME]),
      rec('named', 'saitama-covid-line', [NAME]),
      rec('sealed', 'saitama-covid-line', [SICK_SEALED]),
    ];
    // Act
    const onlySensitive = assess(records);
    const improper = assess(records, { improperPurpose: true });
    // Assess
    expect(onlySensitive.subjectsToNotify).toEqual(['sick']);
    expect(improper.subjectsToNotify).toEqual(['named', 'sick']);
    expect(onlySensitive.categories).toEqual(['basic', 'sensitive']);
  });
});

describe('report deadlines (JST, first day not counted)', () => {
  it.each<[string, boolean, string, string, string, string]>([
    ['2026-01-29T10:00:00+09:00', false, '2026-01-29', '2026-02-01', '2026-02-03', '2026-02-28'],
    ['2026-03-31T16:00:00Z', false, '2026-04-01', '2026-04-04', '2026-04-06', '2026-05-01'],
    ['2026-10-31T14:59:59Z', false, '2026-10-31', '2026-11-03', '2026-11-05', '2026-11-30'],
    ['2026-10-31T15:00:00Z', false, '2026-11-01', '2026-11-04', '2026-11-06', '2026-12-01'],
    ['2026-12-30T09:00:00+09:00', false, '2026-12-30', '2027-01-02', '2027-01-04', '2027-01-29'],
    ['2026-12-30T09:00:00+09:00', true, '2026-12-30', '2027-01-02', '2027-01-04', '2027-02-28'],
    ['2026-11-30T10:00:00+09:00', true, '2026-11-30', '2026-12-03', '2026-12-05', '2027-01-29'],
    ['2028-02-27T12:00:00+09:00', false, '2028-02-27', '2028-03-01', '2028-03-03', '2028-03-28'],
    ['2027-02-27T12:00:00+09:00', false, '2027-02-27', '2027-03-02', '2027-03-04', '2027-03-29'],
  ])('learned %s (improper purpose %s) → day3 %s… final %s', (at, improper, on, day3, day5, final) => {
    // Act
    const d = breachDeadlines(new Date(at), improper);
    // Assess
    expect(d).toEqual({
      discoveredOn: on,
      preliminaryDay3: `${day3}T23:59:59+09:00`,
      preliminaryDay5: `${day5}T23:59:59+09:00`,
      final: `${final}T23:59:59+09:00`,
      finalDays: improper ? 60 : 30,
    });
  });

  it('gives 60 days only when the improper-purpose trigger fired', () => {
    // Act
    const harboured = assess([rec('a', 'saitama-covid-line', [SICK_CLEAR]), rec('b', 'gunma-consultations', [DEBT_SEALED])], { improperPurpose: true });
    // Assess: Saitama fires on clear sensitive data (improper purpose too); Gunma's data was sealed
    const byId = Object.fromEntries(harboured.controllers.map((c) => [c.controllerId, c]));
    expect(byId['saitama-pref']?.deadlines?.finalDays).toBe(60);
    expect(byId['gunma-yorozu']?.deadlines).toBeUndefined();
  });
});

describe('report draft (施行規則第8条第1項)', () => {
  it('has the nine items, pre-filled from the catalogue, with the unknown ones marked', () => {
    // Act
    const a = assess([rec('a', 'saitama-covid-line', [SICK_CLEAR, NAME])], { improperPurpose: true });
    const draft = a.controllers[0]?.draft ?? [];
    // Assess
    expect(draft.map((d) => d.no)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(draft[0]?.heading).toBe('概要');
    expect(draft[0]?.text).toContain('埼玉県');
    expect(draft[0]?.text).toContain('2026年11月22日');
    expect(draft[1]?.text).toContain('病歴');
    expect(draft[2]?.text).toContain('1人');
    expect(draft[7]?.text).toContain('委託先に県と同等の安全管理措置');
    expect(draft[8]?.text).toContain('LINEヤフー株式会社');
    for (const i of [0, 3, 4, 5, 6, 7, 8]) {
      expect(draft[i]?.toFill).toBe(true);
      expect(draft[i]?.text).toContain('【要記入】');
    }
  });

  it('renders an escaped Japanese HTML draft without subject ids', () => {
    // Prepare
    const a = assess([rec('subject-<x>', 'ibaraki-job-seekers', [['name', 'basic', false]])], { improperPurpose: true });
    // Act
    const html = renderBreachReportHtml({ ...a, policyVersion: '<v&1>' });
    // Assess
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain('&lt;v&amp;1&gt;');
    expect(html).not.toContain('subject-');
    expect(html).toContain('速報');
  });
});

const stored = (over: Partial<StoredRecord> = {}): StoredRecord => ({
  recordId: 'rec-1',
  subjectPseudonym: 'p-sub-1',
  dataset: 'tochigi-self-reliance',
  purposes: ['tochigi-self-reliance'],
  categories: ['basic', 'sensitive', 'financial'],
  fieldCategories: { name: 'basic', disabilityStatus: 'sensitive', bankAccount: 'financial' },
  retention: { basis: 'contract', legalRef: 'x', period: 'P5Y', trigger: 'event:contract-ended' },
  consentRefs: [],
  acquiredAt: '2026-01-01T00:00:00.000Z',
  events: {},
  policyVersion: catalogue.version,
  holds: [],
  pendingRequests: [],
  status: 'active',
  fields: { name: '山田太郎' },
  sealed: { disabilityStatus: 'env1', bankAccount: 'env2' },
  documents: [{ name: 'plan.pdf', key: 'records/rec-1/plan.pdf', contentType: 'application/pdf', size: 1, sha256: 'x', sealed: false }],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  version: 1,
  ...over,
});

describe('facts of a stored record', () => {
  it('treats sealed fields as encrypted, clear ones as not, and a clear document as carrying every category', () => {
    // Act
    const { affected } = affectedFromRecord(stored());
    const a = assess([affected]);
    // Assess
    expect(affected.items.map((i) => [i.name, i.sealed])).toEqual([
      ['name', false],
      ['disabilityStatus', true],
      ['bankAccount', true],
      ['plan.pdf', false],
    ]);
    expect(fired(a)).toEqual(['financial', 'sensitive']);
  });

  it('limits the facts to the named fields and reports unknown names', () => {
    // Act
    const { affected, unknownNames } = affectedFromRecord(stored(), ['disabilityStatus', 'nope']);
    // Assess
    expect(affected.items.map((i) => i.name)).toEqual(['disabilityStatus']);
    expect(unknownNames).toEqual(['nope']);
    expect(fired(assess([affected]))).toEqual([]);
  });
});

describe('affected-records file', () => {
  it('reads plain ids and JSON lines, merges repeats, and names bad lines', () => {
    // Act
    const { entries, problems } = parseAffectedList(
      ['a', '', '# comment', '{"recordId":"b","fields":["x"]}', '{"recordId":"b","fields":["y"]}', 'a', '{"recordId":', '{"fields":[]}', 'c d'].join('\n'),
    );
    // Assess
    expect(entries).toEqual([{ recordId: 'a' }, { recordId: 'b', fields: ['x', 'y'] }]);
    expect(problems.map((p) => p.path)).toEqual(['line 7', 'line 8: recordId', 'line 9']);
  });

  it('keeps a whole record when one line names it without fields', () => {
    // Act
    const { entries } = parseAffectedList('{"recordId":"b","fields":["x"]}\nb\n{"recordId":"b","fields":["y"]}');
    // Assess
    expect(entries).toEqual([{ recordId: 'b' }]);
  });
});

class MemoryRecords implements Pick<RecordStore, 'get' | 'getMany'> {
  constructor(private readonly items: Map<string, StoredRecord | Tombstone>) {}
  async get(id: string) {
    return this.items.get(id);
  }
  async getMany(ids: readonly string[]) {
    return new Map(ids.flatMap((id) => (this.items.has(id) ? [[id, this.items.get(id) as StoredRecord | Tombstone] as const] : [])));
  }
}

class MemoryAudit implements AuditTrail {
  readonly events: AuditEventInput[] = [];
  async append(events: readonly AuditEventInput[]) {
    this.events.push(...events);
  }
  async integrate() {
    return 0;
  }
}

describe('breach assessment use case', () => {
  const tomb: Tombstone = { recordId: 'gone', status: 'erased', dataset: 'tochigi-self-reliance', basis: 'contract', legalRef: 'x', erasedAt: NOW, cause: 'retention', policyVersion: 'v' };
  const deps = (audit: MemoryAudit) => ({
    records: new MemoryRecords(new Map<string, StoredRecord | Tombstone>([['rec-1', stored()], ['gone', tomb]])) as unknown as RecordStore,
    audit,
    catalogue,
    clock: { now: () => new Date(NOW) },
  });

  it('assesses stored records and audits counts and trigger ids only', async () => {
    // Prepare
    const audit = new MemoryAudit();
    // Act
    const a = await runBreachAssessment(deps(audit), {
      entries: [{ recordId: 'rec-1' }, { recordId: 'gone' }, { recordId: 'missing' }],
      improperPurpose: false,
      keyExposed: false,
      actor: 'admin:test',
    });
    // Assess
    expect(a.subjectsToNotify).toEqual(['p-sub-1']);
    expect(a.notAssessed).toEqual([{ recordId: 'gone', why: 'erased' }, { recordId: 'missing', why: 'not-found' }]);
    expect(a.flags.discoveredAt).toBe(NOW);
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({
      action: 'breach-assessment',
      actor: 'admin:test',
      outcome: 'ok',
      details: { records: 1, subjects: 1, reportRequired: true, subjectsToNotify: 1, 'triggers:tochigi-shakyo': 'sensitive,financial' },
    });
    const logged = JSON.stringify(audit.events);
    expect(logged).not.toContain('sub-1');
    expect(logged).not.toContain('山田');
  });

  it('refuses an empty list and a bad discovery time', async () => {
    // Prepare
    const audit = new MemoryAudit();
    // Act / Assess
    await expect(runBreachAssessment(deps(audit), { entries: [], improperPurpose: false, keyExposed: false, actor: 'a' })).rejects.toThrow('no affected records');
    await expect(
      runBreachAssessment(deps(audit), { entries: [{ recordId: 'rec-1' }], improperPurpose: false, keyExposed: false, discoveredAt: 'yesterday', actor: 'a' }),
    ).rejects.toThrow('ISO-8601');
    expect(audit.events).toHaveLength(0);
  });

  it('takes the occurrence and the manner into the flags and the audit, and refuses a future occurrence', async () => {
    // Prepare
    const audit = new MemoryAudit();
    const input = { entries: [{ recordId: 'rec-1' }], improperPurpose: false, keyExposed: false, actor: 'a' };
    // Act
    const a = await runBreachAssessment(deps(audit), { ...input, occurredAt: '2026-11-21T09:00+09:00', manners: ['leak', 'damage'] });
    const refused = runBreachAssessment(deps(audit), { ...input, occurredAt: '2026-11-23' });
    // Assess
    expect(a.flags).toMatchObject({ occurredAt: '2026-11-21T00:00:00.000Z', manners: ['leak', 'damage'] });
    expect(a.controllers[0]?.draft[0]?.text).toContain('事態の態様：漏えい・毀損');
    expect(audit.events[0]?.details).toMatchObject({ occurredAt: '2026-11-21T00:00:00.000Z', manners: 'leak,damage' });
    await expect(refused).rejects.toMatchObject({ problems: [{ path: '--occurred' }] });
    expect(audit.events).toHaveLength(1);
  });

  it('collects every record id of a dataset page by page', async () => {
    // Prepare
    const pages: Record<string, { items: string[]; cursor?: string }> = {
      start: { items: ['a', 'b'], cursor: 'p2' },
      p2: { items: ['c'] },
    };
    // Act
    const entries = await recordIdsOfDataset(async (_d, cursor) => pages[cursor ?? 'start'] as { items: string[] }, 'tochigi-payroll');
    // Assess
    expect(entries).toEqual([{ recordId: 'a' }, { recordId: 'b' }, { recordId: 'c' }]);
  });
});
