import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILER } from '../cli-run.ts';
import { type ConsoleClient, type ConsoleLogin, startConsoleClient } from './console-client.ts';

const NOW = '2026-11-22T00:00:00Z';
/** Two saitama-covid-line records (a public body; health data, 要配慮個人情報, sealed). */
const SENSITIVE = ['stm-0001', 'stm-0002'];
const SENSITIVE_SUBJECTS = ['S-STM-4001', 'S-STM-4002'];

interface Problem {
  readonly path: string;
  readonly message: string;
}

describe('console breach assessment', () => {
  let client: ConsoleClient;
  let a: ConsoleLogin;

  const assess = (body: unknown) => client.post(a, '/api/breach/assess', body);
  const paths = (res: { json<T>(): T }) => res.json<{ problems: Problem[] }>().problems.map((p) => p.path);

  beforeAll(async () => {
    client = await startConsoleClient(NOW);
    a = await client.login(FILER);
  });

  afterAll(async () => {
    await client?.close();
  });

  it('answers 401 without a session and 403 without the CSRF token', async () => {
    // Act
    const anonymous = await client.call('POST', '/api/breach/assess', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records: SENSITIVE }) });
    const noCsrf = await client.call('POST', '/api/breach/assess', { headers: { cookie: a.cookie, 'content-type': 'application/json' }, body: JSON.stringify({ records: SENSITIVE }) });
    const page = await client.call('GET', '/breach');
    // Assess
    expect([anonymous.status, noCsrf.status, page.status]).toEqual([401, 403, 303]);
    expect((await client.runtime.audit.readEvents()).filter((e) => e.action === 'breach-assessment')).toEqual([]);
  });

  it.each([
    ['neither records nor a dataset', {}, 'records'],
    ['both records and a dataset', { records: SENSITIVE, dataset: 'saitama-covid-line' }, 'records'],
    ['records not a list', { records: 'stm-0001' }, 'records'],
    ['a record id with spaces', { records: ['stm 0001'] }, 'records.0'],
    ['an unknown manner', { records: SENSITIVE, manners: ['fire'] }, 'manners.0'],
    ['a flag that is not a boolean', { records: SENSITIVE, keyExposed: 'yes' }, 'keyExposed'],
    ['a discovery time without an offset', { records: SENSITIVE, discovered: '2026-11-21T10:00' }, 'discovered'],
    ['a discovery time in the future', { records: SENSITIVE, discovered: '2027-01-01T00:00+09:00' }, 'discovered'],
    ['an occurrence in the future', { records: SENSITIVE, occurred: '2027-01-01' }, 'occurred'],
    ['an occurrence after the discovery', { records: SENSITIVE, discovered: '2026-11-20T10:00+09:00', occurred: '2026-11-21' }, 'occurred'],
    ['a date that does not exist', { records: SENSITIVE, preliminaryFiled: '2026-02-30' }, 'preliminaryFiled'],
    ['a negative threshold', { records: SENSITIVE, threshold: -1 }, 'threshold'],
    ['a hostile breach id', { records: SENSITIVE, breachId: '<script>alert(1)</script>' }, 'breachId'],
    ['a control character in the ministry', { records: SENSITIVE, delegatedTo: 'a\u0007b' }, 'delegatedTo'],
    ['an unknown dataset', { dataset: 'no-such' }, 'dataset'],
  ])('refuses %s (400 naming the field)', async (_what, body, path) => {
    // Act
    const res = await assess(body);
    // Assess
    expect(res.status, res.text).toBe(400);
    expect(res.json()).toMatchObject({ error: 'ValidationError' });
    expect(paths(res)).toContain(path);
  });

  it('names an unknown field, and refuses a body that is not JSON', async () => {
    // Act
    const extra = await assess({ records: SENSITIVE, subjectIds: ['S-STM-4001'] });
    const text = await client.call('POST', '/api/breach/assess', { headers: { cookie: a.cookie, 'x-csrf-token': a.csrf, 'content-type': 'text/plain' }, body: 'records=stm-0001' });
    // Assess
    expect(extra.status).toBe(400);
    expect(JSON.stringify(extra.json())).toContain('subjectIds');
    expect(text.status).toBe(400);
  });

  it('assesses leaked health data with the keys exposed as reportable (要配慮), with the deadlines and the documents, audited as the operator', async () => {
    // Act
    const res = await assess({ records: SENSITIVE, keyExposed: true, manners: ['leak'], discovered: '2026-11-21T10:00+09:00', occurred: '2026-11-20' });
    // Assess
    expect(res.status, res.text).toBe(201);
    const body = res.json<{
      id: string;
      reportRequired: boolean;
      noticeRequired: boolean;
      subjects: number;
      controllers: { controllerId: string; reportRequired: boolean; triggers: { id: string; fired: boolean }[]; deadlines: { preliminaryDay3: string; final: string; finalDays: number } }[];
      documents: { summary: string; preliminary: string; final: string; notices: Record<string, string> };
    }>();
    expect(body).toMatchObject({ reportRequired: true, noticeRequired: true, subjects: 2 });
    const [controller] = body.controllers;
    expect(controller?.controllerId).toBe('saitama-pref');
    expect(controller?.triggers.filter((t) => t.fired).map((t) => t.id)).toEqual(['sensitive']);
    expect(controller?.deadlines).toMatchObject({ finalDays: 30 });
    expect(controller?.deadlines.preliminaryDay3).toMatch(/^2026-11-24/);
    for (const s of SENSITIVE_SUBJECTS) expect(res.text).not.toContain(s);
    // Its documents are printable pages under the document CSP, named by the random id only.
    expect(body.id).toMatch(/^brc-[A-Za-z0-9_-]{16}$/);
    const links = [body.documents.summary, body.documents.preliminary, body.documents.final, ...Object.values(body.documents.notices)];
    expect(Object.keys(body.documents.notices)).toEqual(['saitama-pref']);
    for (const link of links) {
      const doc = await client.get(a, link);
      expect(doc.status, link).toBe(200);
      expect(doc.headers['content-security-policy']).toMatch(/^default-src 'none'/);
      expect(link).not.toMatch(/S-[A-Z]+-\d+/);
    }
    expect((await client.get(a, body.documents.preliminary)).text).toContain('速報');
    expect((await client.get(a, body.documents.final)).text).toContain('確報');
    const [event] = (await client.runtime.audit.readEvents()).filter((e) => e.action === 'breach-assessment').slice(-1);
    expect(event).toMatchObject({ actor: `operator:${FILER}`, details: { reportRequired: true, 'triggers:saitama-pref': 'sensitive', manners: 'leak' } });
  });

  it('assesses one sealed job seeker\'s record, keys safe, as not reportable', async () => {
    // Act
    const res = await assess({ records: ['ibk-0001'] });
    // Assess
    expect(res.status, res.text).toBe(201);
    expect(res.json()).toMatchObject({ reportRequired: false, noticeRequired: false, subjects: 1 });
  });

  it('keeps the encryption safe harbour for an improper-purpose leak while the keys are safe, and reports it (60 days to the 確報) once they are not', async () => {
    // Act
    const safe = await assess({ records: ['gnm-0001'], improperPurpose: true });
    const exposed = await assess({ records: ['gnm-0001'], improperPurpose: true, keyExposed: true });
    // Assess
    const body = exposed.json<{ controllers: { triggers: { id: string; fired: boolean }[]; deadlines: { finalDays: number } }[] }>();
    expect(safe.json()).toMatchObject({ reportRequired: false });
    expect(exposed.json()).toMatchObject({ reportRequired: true });
    expect(body.controllers[0]?.triggers.filter((t) => t.fired).map((t) => t.id)).toContain('improper-purpose');
    expect(body.controllers[0]?.deadlines.finalDays).toBe(60);
  });

  it('takes the form as the page posts it and shows the assessment; a bad field comes back named, escaped', async () => {
    // Prepare
    const form = (fields: [string, string][]) =>
      client.call('POST', '/breach', {
        headers: { cookie: a.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams([['_csrf', a.csrf], ...fields]).toString(),
      });
    // Act
    const ok = await form([
      ['records', SENSITIVE.join('\n')],
      ['manners', 'leak'],
      ['manners', 'loss'],
      ['keyExposed', 'on'],
      ['occurred', '2026-11-20'],
    ]);
    const bad = await form([
      ['records', 'stm-0001'],
      ['breachId', '<img src=x onerror=alert(1)>'],
    ]);
    const badLine = await form([['records', '{"recordId": 3}']]);
    // Assess
    expect(ok.status, ok.text).toBe(200);
    expect(ok.text).toContain('個人情報保護委員会への報告が必要です');
    expect(ok.text).toMatch(/href="\/breach\/brc-[A-Za-z0-9_-]+\/report\/preliminary"/);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('breachId');
    expect(bad.text).not.toContain('<img');
    expect(badLine.status).toBe(400);
    expect(badLine.text).toContain('records (line 1: recordId)');
  });

  it('answers 404 for a document of an assessment it does not hold', async () => {
    // Act
    const res = await client.get(a, '/breach/brc-AAAAAAAAAAAAAAAA/report/preliminary');
    // Assess
    expect(res.status).toBe(404);
  });
});
