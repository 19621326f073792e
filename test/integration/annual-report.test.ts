import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../cli-run.ts';
import { type EmbeddedRuntime, openEmbeddedRuntime } from '#functions/runtime.ts';
import { registerRequest } from '#shared/use-cases/subject-requests.ts';

const sample = (name: string) => fileURLToPath(new URL(`../../shared/samples/${name}`, import.meta.url));
const verified = ['--verified-by', 'passport', '--evidence', 'desk-1'];
const DAY1 = '2026-11-24T01:00:00Z';
const DAY3 = '2026-11-26T01:00:00Z';

describe('wasure report annual on the embedded stores', { timeout: 240_000 }, () => {
  let dir: string;
  const run = (now: string, ...argv: string[]) => runCliCaptured([...argv, '--local', dir, '--now', now]);
  const withStores = async <T>(now: string, use: (runtime: EmbeddedRuntime) => Promise<T>): Promise<T> => {
    const runtime = await openEmbeddedRuntime({ cwd: process.cwd(), env: {}, dir, now });
    try {
      return await use(runtime);
    } finally {
      await runtime.close();
    }
  };
  /** The statuses the scripted run ended its requests in, by request id. */
  const ended = new Map<string, { type: string; status: string; reasons: string[] }>();
  const file = async (now: string, type: string, subject: string, id: string) => {
    const out = await run(now, 'request', type, '--subject', subject, '--request-id', id, ...verified, '--json');
    expect([0, 1], out.stderr).toContain(out.code);
    const done = JSON.parse(out.stdout);
    ended.set(id, { type, status: done.status, reasons: done.reasons });
    return done;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-annual-'));
    const ingest = await run('2026-11-22T00:00:00Z', 'ingest', sample('records.jsonl'), '--json');
    expect(ingest.code, ingest.stderr).toBe(0);
    // Two requests filed on day 1 and answered on day 3, one past its 1-day deadline
    await withStores(DAY1, async (r) => {
      const base = { requester: { kind: 'subject' as const }, verification: { method: 'passport' as const, evidenceRef: 'desk-1' } };
      await registerRequest(r.requestDeps, { ...base, type: 'export', subjectId: 'S-JLIS-3002', requestId: 'ar-late', deadlineDays: 1 });
      await registerRequest(r.requestDeps, { ...base, type: 'purposes', subjectId: 'S-GNM-2002', requestId: 'ar-slow' });
    });
    await file(DAY3, 'export', 'S-JLIS-3002', 'ar-late');
    await file(DAY3, 'purposes', 'S-GNM-2002', 'ar-slow');
    // Answered the day they are filed
    await file(DAY1, 'export', 'S-IBK-1002', 'ar-export-1');
    await file(DAY1, 'export', 'S-STM-4003', 'ar-export-2');
    await file(DAY1, 'purposes', 'S-JLIS-3001', 'ar-purposes-1');
    await file(DAY1, 'restrict', 'S-GNM-2001', 'ar-restrict-1');
    // An export whose document is lost ends as failed
    await withStores(DAY1, async (r) => {
      const record = await r.deps.records.get('ibk-0001');
      const key = record !== undefined && 'documents' in record ? record.documents[0]?.key : undefined;
      await r.embedded.s3.send(new DeleteObjectCommand({ Bucket: r.embedded.names.documentsBucket, Key: key }));
    });
    await file(DAY1, 'export', 'S-IBK-1001', 'ar-failed');
    // Received in 年度 2027: not in 2026's report
    await file('2027-04-01T00:30:00Z', 'purposes', 'S-JLIS-3001', 'ar-next-year');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('counts exactly the scripted run, by type, decision, controller and days', async () => {
    // Act
    const out = await run('2027-04-10T00:00:00Z', 'report', 'annual', '--year', '2026', '--json');
    // Assess
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout);
    const thisYear = [...ended].filter(([id]) => id !== 'ar-next-year').map(([, r]) => r);
    const count = (type: string) => thisYear.filter((r) => r.type === type).length;
    const decided = (family: string[], status: string) => thisYear.filter((r) => family.includes(r.type) && r.status === status).length;
    expect(thisYear.map((r) => r.status).sort()).toEqual(['completed', 'completed', 'completed', 'completed', 'completed', 'failed', 'partially-completed']);
    expect(report.total).toBe(thisYear.length);
    expect(report.byType).toEqual({ export: count('export'), correct: 0, erase: 0, restrict: count('restrict'), 'lift-restriction': 0, 'stop-provision': 0, purposes: count('purposes') });
    expect(report.byFamily).toEqual({
      disclosure: { full: decided(['export', 'purposes'], 'completed'), partial: decided(['export', 'purposes'], 'partially-completed'), refused: 0, absent: 0, withdrawn: 0, failed: 1, pending: 0 },
      correction: { full: 0, partial: 0, refused: 0, absent: 0, withdrawn: 0, failed: 0, pending: 0 },
      suspension: { full: decided(['restrict'], 'completed'), partial: 0, refused: 0, absent: 0, withdrawn: 0, failed: 0, pending: 0 },
    });
    const grounds = thisYear.flatMap((r) => r.reasons).map((reason) => reason.replace(/^record \S+ item \S+ withheld: /, ''));
    expect(grounds).toHaveLength(2);
    expect(report.byGround).toHaveLength(2);
    expect(report.byGround).toEqual(expect.arrayContaining(grounds.map((ground) => ({ ground, count: 1 }))));
    expect(report.days).toEqual({ count: 6, median: 0, max: 2 });
    expect(report.overdue).toEqual({ total: 1, ended: 1, open: 0 });
    expect(report.extended).toBe(0);
    expect(report.unattributed).toBe(0);
    expect(report.byController.map((c: { controllerId: string; total: number }) => [c.controllerId, c.total])).toEqual([
      ['ibaraki-pref', 2],
      ['gunma-yorozu', 2],
      ['jlis', 2],
      ['saitama-pref', 1],
    ]);
    expect(report.discrepancies).toEqual([]);
    const next = JSON.parse((await run('2027-04-10T00:00:00Z', 'report', 'annual', '--year', '2027', '--json')).stdout);
    expect(next.total).toBe(1);
    expect(next.byType.purposes).toBe(1);
    const jlis = JSON.parse((await run('2027-04-10T00:00:00Z', 'report', 'annual', '--year', '2026', '--controller', 'jlis', '--json')).stdout);
    expect(jlis).toMatchObject({ controllerId: 'jlis', total: 2, byType: { export: 1, purposes: 1 }, overdue: { total: 1 } });
  });

  it('writes the CSV and the printable HTML', async () => {
    // Act
    const csvFile = join(dir, 'annual.csv');
    const csv = await run('2027-04-10T00:00:00Z', 'report', 'annual', '--year', '2026', '--format', 'csv', '--out', csvFile);
    const html = await run('2027-04-10T00:00:00Z', 'report', 'annual', '--year', '2026', '--format', 'html');
    // Assess
    expect(csv.code, csv.stderr).toBe(0);
    expect(await readFile(csvFile, 'utf8')).toContain('受付件数,合計,,7');
    expect(html.code).toBe(0);
    expect(html.stdout).toContain('@media print');
    expect(html.stdout).toContain('2026年度');
  });

  it('refuses a bad year or an unknown controller (exit 2)', async () => {
    // Act
    const year = await run('2027-04-10T00:00:00Z', 'report', 'annual', '--year', '26');
    const controller = await run('2027-04-10T00:00:00Z', 'report', 'annual', '--year', '2026', '--controller', 'nobody');
    // Assess
    expect(year.code).toBe(2);
    expect(controller.code).toBe(2);
    expect(controller.stderr).toContain('nobody');
  });

  it('reports a ledger request without its audit event as a discrepancy, not counted (exit 1)', async () => {
    // Prepare: a request written into the ledger behind the use cases' back
    await withStores(DAY1, async (r) => {
      const copy = await r.requestDeps.requests.get('ar-export-1');
      expect(copy).toBeDefined();
      if (copy !== undefined) await r.requestDeps.requests.create({ ...copy, requestId: 'ar-forged', version: 1 });
    });
    // Act
    const out = await run('2027-04-10T00:00:00Z', 'report', 'annual', '--year', '2026', '--json');
    // Assess
    expect(out.code).toBe(1);
    const report = JSON.parse(out.stdout);
    expect(report.total).toBe(7);
    expect(report.discrepancies).toEqual([expect.objectContaining({ requestId: 'ar-forged', kind: 'not-audited', counted: false })]);
  });

  it('renders the file register of public bodies and refuses a business (exit 2)', async () => {
    // Act
    const all = await run(DAY1, 'register', '--kind', 'file-register', '--json');
    const csv = await run(DAY1, 'register', '--kind', 'file-register', '--controller', 'jlis', '--format', 'csv');
    const business = await run(DAY1, 'register', '--kind', 'file-register', '--controller', 'gunma-yorozu');
    const publicRegister = await run(DAY1, 'register', '--json');
    // Assess
    expect(all.code, all.stderr).toBe(0);
    const files = JSON.parse(all.stdout).fileRegister.files;
    expect(files.map((f: { controllerId: string }) => f.controllerId)).not.toContain('gunma-yorozu');
    expect(files.map((f: { controllerId: string }) => f.controllerId)).not.toContain('tochigi-shakyo');
    expect(csv.code).toBe(0);
    expect(csv.stdout).toContain('電算処理ファイル');
    expect(business.code).toBe(2);
    expect(business.stderr).toContain('not a public body');
    expect(publicRegister.code).toBe(0);
    expect(JSON.parse(publicRegister.stdout).register.controllers.length).toBe(5);
  });
});
