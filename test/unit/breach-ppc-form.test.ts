import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assessBreach } from '#shared/domain/breach/assess.ts';
import { breachDeadlines, stageDeadline } from '#shared/domain/breach/deadlines.ts';
import { parseManners } from '#shared/domain/breach/manner.ts';
import { renderNoticeLetterHtml } from '#shared/domain/breach/notice-letter.ts';
import { formatOccurred, parseOccurred } from '#shared/domain/breach/occurrence.ts';
import { ppcReportDrafts } from '#shared/domain/breach/ppc-report.ts';
import { renderPpcReportHtml } from '#shared/domain/breach/ppc-report-html.ts';
import { breachIdOf, reportIdOf } from '#shared/domain/breach/report-id.ts';
import {
  type BreachReporterSetting,
  isCorporateNumber,
  isLocalGovernmentCode,
  reporterHeader,
  reporterSettingProblems,
} from '#shared/domain/breach/reporter.ts';
import { type RouteInput, breachRoutes } from '#shared/domain/breach/routing.ts';
import type { AffectedRecord, BreachFlags } from '#shared/domain/breach/types.ts';
import type { CategoryKind, Controller } from '#shared/domain/catalogue-types.ts';
import { runCliCaptured } from '../cli-run.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const catalogue = sampleCatalogue();
const DISCOVERED = '2026-11-22T10:00:00+09:00';
const flags = (over: Partial<BreachFlags> = {}): BreachFlags => ({
  improperPurpose: false,
  keyExposed: false,
  discoveredAt: DISCOVERED,
  ...over,
});
const rec = (subject: string, dataset: string, items: [string, CategoryKind][]): AffectedRecord => ({
  recordId: `r-${subject}`,
  subjectPseudonym: subject,
  dataset,
  categories: [...new Set(items.map(([, c]) => c))],
  items: items.map(([name, c]) => ({ name, kind: 'field', categories: [c], sealed: false })),
});
const SICK = rec('a', 'saitama-covid-line', [['medicalHistory', 'sensitive']]);
const DEBT = rec('b', 'gunma-consultations', [['debtSituation', 'financial']]);
const MN = rec('subject-zz', 'tochigi-payroll', [['myNumber', 'my-number']]);
const REPORTER: BreachReporterSetting = {
  department: '総務部 情報政策課',
  contactTitle: '課長',
  phone: '03-1234-5678',
  email: 'privacy@example.jp',
};

describe('routing of the reports (報告先)', () => {
  it.each<[string, RouteInput, [string, string, string, boolean][]]>([
    ['business, no delegation', { publicBody: false, appiReport: true, myNumberReport: false }, [['appi', 'ppc', '個人情報保護委員会', true]]],
    ['business, delegated to a ministry', { publicBody: false, appiReport: true, myNumberReport: false, delegatedTo: '金融庁' }, [['appi', 'delegated-ministry', '金融庁', true]]],
    ['business, blank delegation', { publicBody: false, appiReport: true, myNumberReport: false, delegatedTo: '  ' }, [['appi', 'ppc', '個人情報保護委員会', true]]],
    ['business, delegated, My Number too', { publicBody: false, appiReport: true, myNumberReport: true, delegatedTo: '金融庁' }, [['appi', 'delegated-ministry', '金融庁', true], ['my-number', 'ppc', '個人情報保護委員会', true]]],
    ['business, delegated, My Number only', { publicBody: false, appiReport: false, myNumberReport: true, delegatedTo: '金融庁' }, [['appi', 'delegated-ministry', '金融庁', false], ['my-number', 'ppc', '個人情報保護委員会', true]]],
    ['public body', { publicBody: true, appiReport: true, myNumberReport: false }, [['appi', 'ppc', '個人情報保護委員会', true]]],
    ['public body named with a delegation (does not apply)', { publicBody: true, appiReport: true, myNumberReport: false, delegatedTo: '総務省' }, [['appi', 'ppc', '個人情報保護委員会', true]]],
    ['public body, My Number', { publicBody: true, appiReport: false, myNumberReport: true }, [['appi', 'ppc', '個人情報保護委員会', false], ['my-number', 'ppc', '個人情報保護委員会', true]]],
    ['nothing required', { publicBody: false, appiReport: false, myNumberReport: false }, [['appi', 'ppc', '個人情報保護委員会', false]]],
  ])('%s', (_name, input, want) => {
    // Act
    const routes = breachRoutes(input);
    // Assess
    expect(routes.map((r) => [r.law, r.to, r.toJa, r.required])).toEqual(want);
  });

  it.each<[string, RouteInput, string]>([
    ['business', { publicBody: false, appiReport: true, myNumberReport: false }, '個人情報保護法第26条第1項'],
    ['delegated', { publicBody: false, appiReport: true, myNumberReport: false, delegatedTo: '金融庁' }, '第150条第1項'],
    ['public body', { publicBody: true, appiReport: true, myNumberReport: false, delegatedTo: '総務省' }, '個人情報保護法第68条第1項'],
  ])('cites the basis of a %s report', (_name, input, basis) => {
    // Act
    const [appi] = breachRoutes(input);
    // Assess
    expect(appi?.basis).toContain(basis);
  });

  it('sends the My Number report to the PPC under 番号法第29条の4', () => {
    // Act
    const routes = breachRoutes({ publicBody: false, appiReport: false, myNumberReport: true, delegatedTo: '厚生労働省' });
    // Assess
    expect(routes[1]).toMatchObject({ to: 'ppc', basis: '番号法第29条の4第1項' });
  });
});

describe('速報 and 確報 drafts', () => {
  const assessed = (at: string) => assessBreach(catalogue, [SICK, DEBT], flags({ occurredAt: '2026-11-20', manners: ['leak', 'loss'] }), {}, at);

  it('links the 確報 to the 速報 by report id, with stable ids across runs', () => {
    // Prepare
    const first = assessed('2026-11-22T03:00:00.000Z');
    const later = assessed('2026-12-10T03:00:00.000Z');
    // Act
    const preliminary = ppcReportDrafts(first, catalogue.controllers, { stages: ['preliminary'] });
    const final = ppcReportDrafts(later, catalogue.controllers, { stages: ['final'], preliminaryFiledOn: '2026-11-24' });
    // Assess
    expect(preliminary.map((d) => d.controllerId)).toEqual(['gunma-yorozu', 'saitama-pref']);
    for (const [p, f] of preliminary.map((d, i) => [d, final[i]] as const)) {
      expect(p.stage).toBe('preliminary');
      expect(f?.stage).toBe('final');
      expect(f?.linked).toEqual({ stage: 'preliminary', reportId: p.reportId, filedOn: '2026-11-24' });
      expect(p.linked).toEqual({ stage: 'final', reportId: f?.reportId });
      expect(f?.intro).toContain(p.reportId);
      expect(f?.intro).toContain('2026年11月24日');
    }
    expect(preliminary[0]?.reportId).toBe(reportIdOf(breachIdOf(DISCOVERED), 'gunma-yorozu', 'preliminary'));
    expect(preliminary[0]?.reportId).toMatch(/^BR-20261122-[0-9a-f]{8}-gunma-yorozu-P$/);
  });

  it('drafts both stages by default and asks for the 速報 date when the 確報 is not told it', () => {
    // Act
    const drafts = ppcReportDrafts(assessed('2026-11-22T03:00:00.000Z'), catalogue.controllers);
    // Assess
    expect(drafts.map((d) => `${d.controllerId}:${d.stageJa}`)).toEqual([
      'gunma-yorozu:速報',
      'gunma-yorozu:確報',
      'saitama-pref:速報',
      'saitama-pref:確報',
    ]);
    expect(drafts[1]?.intro).toContain('提出日 【要記入】');
    expect(drafts[1]?.toFill).toBe((drafts[0]?.toFill ?? 0) + 1);
  });

  it('derives the same breach id from the same discovery instant however written, and takes a given one', () => {
    // Assess
    expect(breachIdOf('2026-11-22T10:00:00+09:00')).toBe(breachIdOf('2026-11-22T01:00:00.000Z'));
    expect(breachIdOf('2026-11-22T10:00:00+09:00')).not.toBe(breachIdOf('2026-11-22T10:00:01+09:00'));
    const drafts = ppcReportDrafts(assessed('2026-11-22T03:00:00.000Z'), catalogue.controllers, { breachId: 'INC-7' });
    expect(drafts[0]?.reportId).toBe('INC-7-gunma-yorozu-P');
  });

  it('fills the occurrence, the manner and the header, and routes each controller', () => {
    // Act
    const drafts = ppcReportDrafts(assessed('2026-11-22T03:00:00.000Z'), catalogue.controllers, {
      delegatedTo: '経済産業省',
      reporters: { 'gunma-yorozu': { ...REPORTER, corporateNumber: '7000012050002' } },
    });
    // Assess
    const gunma = drafts[0];
    const saitama = drafts[2];
    expect(gunma?.items[0]?.text).toContain('発生日時：2026年11月20日（時刻不明）');
    expect(gunma?.items[0]?.text).toContain('事態の態様：漏えい・滅失');
    expect(gunma?.header.map((h) => [h.label, h.value])).toContainEqual(['法人番号（法人の場合）', '7000012050002']);
    expect(gunma?.header.every((h) => !h.toFill)).toBe(true);
    expect(gunma?.routes[0]).toMatchObject({ to: 'delegated-ministry', toJa: '経済産業省' });
    expect(saitama?.routes[0]).toMatchObject({ to: 'ppc', basis: '個人情報保護法第68条第1項' });
    expect(saitama?.header.filter((h) => h.toFill).map((h) => h.label)).toEqual([
      '団体コード（地方公共団体の場合）',
      '担当部署',
      '担当者の役職',
      '電話番号',
      '電子メールアドレス',
    ]);
  });

  it('adds the My Number route for a My Number breach', () => {
    // Act
    const a = assessBreach(catalogue, [MN], flags({ improperPurpose: true }), {}, '2026-11-22T03:00:00.000Z');
    const [d] = ppcReportDrafts(a, catalogue.controllers, { stages: ['final'] });
    // Assess
    expect(d?.routes.map((r) => r.law)).toEqual(['appi', 'my-number']);
    expect(d?.deadline).toMatchObject({ stage: 'final', days: 60 });
  });
});

describe('stage deadlines (速報 3–5 days, 確報 30/60 days)', () => {
  it.each<[string, boolean, string, string, string, number]>([
    ['2026-11-22T10:00:00+09:00', false, '2026-11-25', '2026-11-27', '2026-12-22', 30],
    ['2026-11-22T10:00:00+09:00', true, '2026-11-25', '2026-11-27', '2027-01-21', 60],
    ['2026-01-31T09:00:00+09:00', false, '2026-02-03', '2026-02-05', '2026-03-02', 30],
    ['2028-01-31T09:00:00+09:00', false, '2028-02-03', '2028-02-05', '2028-03-01', 30],
    ['2026-12-31T23:30:00+09:00', true, '2027-01-03', '2027-01-05', '2027-03-01', 60],
    ['2027-12-31T23:30:00+09:00', true, '2028-01-03', '2028-01-05', '2028-02-29', 60],
    ['2026-02-28T15:00:00Z', false, '2026-03-04', '2026-03-06', '2026-03-31', 30],
  ])('learned %s (unauthorised access %s)', (at, improper, from, by, final, days) => {
    // Prepare
    const d = breachDeadlines(new Date(at), improper);
    // Act
    const preliminary = stageDeadline(d, 'preliminary');
    const last = stageDeadline(d, 'final');
    // Assess
    expect(preliminary).toEqual({ stage: 'preliminary', labelJa: '速やかに（概ね3〜5日以内）', from: `${from}T23:59:59+09:00`, by: `${by}T23:59:59+09:00`, days: 5 });
    expect(last).toEqual({ stage: 'final', labelJa: `${days}日以内`, by: `${final}T23:59:59+09:00`, days });
  });
});

describe('reporter setting (報告者)', () => {
  it.each<[string, unknown, string[]]>([
    ['a complete setting', REPORTER, []],
    ['with a 法人番号 and a 団体コード', { ...REPORTER, corporateNumber: '7000012050002', localGovernmentCode: '130001' }, []],
    ['with a delegation', { ...REPORTER, delegatedTo: '金融庁' }, []],
    ['not an object', ['x'], ['r']],
    ['required fields missing', {}, ['r.department', 'r.contactTitle', 'r.phone', 'r.email']],
    ['an unknown key (a personal name)', { ...REPORTER, contactName: '山田太郎' }, ['r.contactName']],
    ['full-width phone digits', { ...REPORTER, phone: '０３－１２３４－５６７８' }, ['r.phone']],
    ['a phone with letters', { ...REPORTER, phone: '03-1234-ABCD' }, ['r.phone']],
    ['an e-mail without a domain', { ...REPORTER, email: 'privacy@' }, ['r.email']],
    ['an e-mail with markup', { ...REPORTER, email: '"<x>"@example.jp' }, ['r.email']],
    ['a 法人番号 with a wrong check digit', { ...REPORTER, corporateNumber: '1000012050002' }, ['r.corporateNumber']],
    ['a 法人番号 of 12 digits', { ...REPORTER, corporateNumber: '000012050002' }, ['r.corporateNumber']],
    ['a 団体コード with a wrong check digit', { ...REPORTER, localGovernmentCode: '130002' }, ['r.localGovernmentCode']],
    ['a department of two lines', { ...REPORTER, department: '総務部\n情報政策課' }, ['r.department']],
    ['a blank title', { ...REPORTER, contactTitle: '  ' }, ['r.contactTitle']],
    ['a department too long', { ...REPORTER, department: 'あ'.repeat(101) }, ['r.department']],
    ['a number where text is expected', { ...REPORTER, delegatedTo: 3 }, ['r.delegatedTo']],
  ])('%s', (_name, value, paths) => {
    // Act
    const problems = reporterSettingProblems(value, 'r');
    // Assess
    expect(problems.map((p) => p.path)).toEqual(paths);
  });

  it.each([
    ['130001', true],
    ['011002', true],
    ['220001', true],
    ['090000', true],
    ['13000１', false],
  ])('checks the 団体コード %s → %s', (code, ok) => {
    // Assess
    expect(isLocalGovernmentCode(code)).toBe(ok);
  });

  it('checks the 法人番号 check digit', () => {
    // Assess
    expect(isCorporateNumber('7000012050002')).toBe(true);
    expect(isCorporateNumber('7000012050003')).toBe(false);
  });

  it('asks a business for its 法人番号 and a public body for its 団体コード', () => {
    // Prepare
    const [business, body] = ['gunma-yorozu', 'saitama-pref'].map((id) => catalogue.controllers.find((c) => c.id === id) as Controller);
    // Act
    const labels = [business, body].map((c) => reporterHeader(c as Controller, undefined).map((h) => h.label));
    // Assess
    expect(labels[0]).toContain('法人番号（法人の場合）');
    expect(labels[1]).toContain('団体コード（地方公共団体の場合）');
  });
});

describe('occurrence and manner', () => {
  const NOW = new Date('2026-11-22T03:00:00Z');
  it.each<[string, Date | undefined, string | undefined]>([
    ['2026-11-20', undefined, '2026-11-20'],
    ['2026-11-22', undefined, '2026-11-22'],
    ['2026-11-20T14:30+09:00', undefined, '2026-11-20T05:30:00.000Z'],
    ['2026-11-22T02:59:59Z', undefined, '2026-11-22T02:59:59.000Z'],
    ['2026-11-23', undefined, undefined],
    ['2026-11-22T03:00:01Z', undefined, undefined],
    ['2026-11-21', new Date('2026-11-20T10:00:00+09:00'), undefined],
    ['2026-11-20T14:30', undefined, undefined],
    ['2026-02-30', undefined, undefined],
    ['2026-13-01', undefined, undefined],
    ['２０２６-11-20', undefined, undefined],
    ['yesterday', undefined, undefined],
    ['', undefined, undefined],
  ])('reads %j', (text, discovered, want) => {
    // Act
    const { occurredAt, problems } = parseOccurred(text, NOW, discovered);
    // Assess
    expect(occurredAt).toBe(want);
    expect(problems.length).toBe(want === undefined ? 1 : 0);
    expect(problems.every((p) => p.path === '--occurred')).toBe(true);
  });

  it('formats a day and a time in JST', () => {
    // Assess
    expect(formatOccurred('2026-11-20')).toBe('2026年11月20日（時刻不明）');
    expect(formatOccurred('2026-11-20T15:05:00.000Z')).toBe('2026年11月21日 0時05分（日本時間）');
  });

  it.each<[string[], string[], number]>([
    [['leak'], ['leak'], 0],
    [['damage,leak', 'leak'], ['leak', 'damage'], 0],
    [['滅失、毀損'], ['loss', 'damage'], 0],
    [['leak,theft'], ['leak'], 1],
    [['toString'], [], 1],
    [[''], [], 1],
  ])('reads the manners %j', (values, want, problems) => {
    // Act
    const result = parseManners(values);
    // Assess
    expect(result.manners).toEqual(want);
    expect(result.problems.length).toBe(problems);
  });
});

describe('hostile text in the documents', () => {
  const HOSTILE = '<script>alert(1)</script>"\'&';
  const hostileController = (id: string): Controller => {
    const c = catalogue.controllers.find((x) => x.id === id) as Controller;
    return { ...c, name: { ja: HOSTILE, en: 'x' }, representative: HOSTILE, address: HOSTILE, complaintContact: HOSTILE };
  };

  it('escapes the catalogue, the setting and the delegation in the report drafts', () => {
    // Prepare
    const controllers = catalogue.controllers.map((c) => (c.id === 'gunma-yorozu' ? hostileController(c.id) : c));
    const a = assessBreach({ ...catalogue, controllers }, [DEBT], flags(), {}, '2026-11-22T03:00:00.000Z');
    const drafts = ppcReportDrafts(a, controllers, {
      delegatedTo: HOSTILE,
      reporters: { 'gunma-yorozu': { ...REPORTER, department: HOSTILE } },
    });
    // Act
    const html = renderPpcReportHtml(drafts);
    // Assess
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;');
    expect(html).toContain('@page { size: A4');
  });

  it('renders an A4 notice addressed to no one by name, escaped, with the contact', () => {
    // Prepare
    const controller = hostileController('tochigi-shakyo');
    const a = assessBreach(catalogue, [MN], flags({ occurredAt: '2026-11-20T05:30:00.000Z', manners: ['leak'] }), {}, '2026-11-22T03:00:00.000Z');
    const assessment = a.controllers[0];
    if (assessment === undefined) throw new Error('no controller assessed');
    // Act
    const html = renderNoticeLetterHtml({ controller, assessment, flags: a.flags, date: '2026-11-25' });
    const withDesk = renderNoticeLetterHtml({ controller, assessment, flags: a.flags, reporter: { ...REPORTER, email: 'a@b.jp' }, date: '2026-11-25' });
    // Assess
    expect(html).toContain('@page { size: A4');
    expect(html).toContain('@media print');
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('subject-zz');
    expect(html).toContain('ご本人様');
    expect(html).toContain('2026年11月20日 14時30分（日本時間）');
    expect(html).toContain('個人番号');
    expect(html).toContain('番号法第7条第2項');
    expect(html).toContain('第26条第2項');
    expect(html).toContain('&lt;script&gt;');
    expect(withDesk).toContain('03-1234-5678');
  });
});

describe('wasure breach assess, refusing bad PPC-form options', () => {
  const run = async (...argv: string[]) => {
    const dir = await mkdtemp(join(tmpdir(), 'wasure-breach-'));
    return runCliCaptured(['breach', 'assess', '--records', join(dir, 'none.txt'), '--local', join(dir, 'state'), '--now', '2026-11-22T03:00:00Z', ...argv], dir);
  };

  it.each<[string, string[], string]>([
    ['an occurrence in the future', ['--occurred', '2026-11-23'], '--occurred'],
    ['an occurrence after the discovery', ['--occurred', '2026-11-21T12:00Z', '--discovered', '2026-11-21T10:00+09:00'], '--occurred'],
    ['an occurrence that is no date', ['--occurred', '20/11/2026'], '--occurred'],
    ['an unknown manner', ['--manner', 'leak,theft'], '--manner'],
    ['an unknown stage', ['--stage', '中間'], '--stage'],
    ['an empty delegation', ['--delegated-to', ''], '--delegated-to'],
    ['a breach id with a path', ['--breach-id', '../x'], '--breach-id'],
    ['a filing date-time', ['--preliminary-filed', '2026-11-21T10:00Z'], '--preliminary-filed'],
  ])('refuses %s with exit 2 naming the option', async (_name, argv, option) => {
    // Act
    const result = await run(...argv, '--json');
    // Assess
    expect(result.code).toBe(2);
    const body = JSON.parse(result.stdout) as { problems: { path: string }[] };
    expect(body.problems.map((p) => p.path)).toEqual([option]);
  });
});
