import { mkdtemp, rm } from 'node:fs/promises';
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

describe('wasure request on the embedded stores', () => {
  let dir: string;
  const run = (now: string, ...argv: string[]) => runCliCaptured([...argv, '--local', dir, '--now', now]);
  /** The embedded stores of `dir`, opened between CLI calls. */
  const withStores = async <T>(now: string, use: (runtime: EmbeddedRuntime) => Promise<T>): Promise<T> => {
    const runtime = await openEmbeddedRuntime({ cwd: process.cwd(), env: {}, dir, now });
    try {
      return await use(runtime);
    } finally {
      await runtime.close();
    }
  };
  const pendingOf = (subjectId: string, now = '2026-11-22T00:00:00Z') =>
    withStores(now, async (r) =>
      (await r.deps.records.listBySubject(await r.deps.pseudonyms.pseudonym(subjectId))).map((x) => x.pendingRequests),
    );

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-req-cli-'));
    const ingest = await run('2026-11-22T00:00:00Z', 'ingest', sample('records.jsonl'), '--json');
    expect(ingest.code, ingest.stderr).toBe(0);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a path as request id (exit 2) before registering anything', async () => {
    // Act
    const refused = await run('2026-11-22T00:00:00Z', 'request', 'export', '--subject', 'S-STM-4002', '--request-id', '../../x', ...verified, '--json');
    // A filing operator is given (saitama-pref puts corrections under approval), so the field alone is refused.
    const badField = await run('2026-11-22T00:00:00Z', 'request', 'correct', '--record', 'stm-0002', '--set', 'hobby=golf', ...verified, '--operator', 'clerk-1');
    // Assess
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.stdout).problems).toEqual([expect.objectContaining({ path: '--request-id' })]);
    expect(badField.code).toBe(2);
    expect(badField.stderr).toContain('--set hobby: is not a field of dataset saitama-covid-line');
    expect(await pendingOf('S-STM-4002')).toEqual([[]]);
    const log = await run('2026-11-22T00:00:00Z', 'audit', 'log', '--subject', 'S-STM-4002', '--json');
    expect(JSON.parse(log.stdout).map((e: { action: string }) => e.action)).not.toContain('request');
  });

  it('ends an export whose document is missing as failed (exit 1), its freeze released', async () => {
    // Prepare: the record's document is lost from the bucket
    await withStores('2026-11-22T00:00:00Z', async (r) => {
      const record = await r.deps.records.get('ibk-0001');
      const key = record !== undefined && 'documents' in record ? record.documents[0]?.key : undefined;
      expect(key).toBeDefined();
      await r.embedded.s3.send(new DeleteObjectCommand({ Bucket: r.embedded.names.documentsBucket, Key: key }));
    });
    // Act
    const failed = await run('2026-11-22T00:00:00Z', 'request', 'export', '--subject', 'S-IBK-1001', '--request-id', 'cli-export-lost', ...verified, '--json');
    // Assess
    expect(failed.code, failed.stderr).toBe(1);
    const done = JSON.parse(failed.stdout);
    expect(done).toMatchObject({ requestId: 'cli-export-lost', status: 'failed', reasons: [expect.stringContaining('NotFoundError')] });
    expect(failed.stdout).not.toContain('S-IBK-1001');
    expect((await pendingOf('S-IBK-1001')).flat()).toEqual([]);
    const log = await run('2026-11-22T00:00:00Z', 'audit', 'log', '--subject', 'S-IBK-1001', '--json');
    expect(JSON.parse(log.stdout).filter((e: { action: string }) => e.action === 'request').map((e: { outcome: string }) => e.outcome)).toEqual(['ok', 'failed']);
  });

  it('files an erasure for approval, refuses its approval by the filer, and carries it out on a second operator\'s (決裁)', { timeout: 180_000 }, async () => {
    // Prepare: jlis (a public body) puts erasures under approval; its subject S-JLIS-3002 has one record
    const now = '2026-11-22T00:00:00Z';
    const id = 'cli-erase-4eyes';
    const recordStatus = () => withStores(now, async (r) => (await r.deps.records.get('jlis-0002'))?.status);
    // Act: clerk-1 files it, then tries to approve it too
    const filed = await run(now, 'request', 'erase', '--subject', 'S-JLIS-3002', '--request-id', id, ...verified, '--operator', 'clerk-1', '--json');
    const self = await run(now, 'request', 'approve', id, '--operator', 'clerk-1');
    const shown = await run(now, 'request', 'show', id, '--json');
    // Assess: filed with its preview, the filer's approval refused, nothing changed
    expect(filed.code, filed.stderr).toBe(0);
    expect(JSON.parse(filed.stdout)).toMatchObject({
      requestId: id,
      type: 'erase',
      status: 'received',
      controllerId: 'jlis',
      filedBy: 'clerk-1',
      approval: { state: 'pending' },
      preview: { erase: [{ recordId: 'jlis-0002', dataset: 'jlis-inquiries' }], keep: [], keyDestroyed: true },
    });
    expect(filed.stdout).not.toContain('S-JLIS-3002');
    expect(self.code).toBe(2);
    expect(self.stderr).toContain('--operator');
    expect(self.stderr).toContain('clerk-1 filed this request and cannot approve it');
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      requestId: id,
      status: 'received',
      standing: 'awaiting-approval',
      approval: { state: 'pending' },
      preview: { erase: [{ recordId: 'jlis-0002', dataset: 'jlis-inquiries' }], counts: { erase: 1, keepLaw: 0, keepHold: 0 } },
    });
    expect(await recordStatus()).toBe('active');
    // An erasure freezes nothing while it waits (only exports and corrections do).
    expect(await pendingOf('S-JLIS-3002')).toEqual([[]]);
    // Act: chief-2 approves, which carries it out
    const approved = await run(now, 'request', 'approve', id, '--operator', 'chief-2', '--json');
    const listed = await run(now, 'request', 'list', '--json');
    // Assess: erased as `request erase` erased before approval existed
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({
      requestId: id,
      status: 'completed',
      approval: { state: 'approved', decidedBy: 'chief-2' },
      outcome: { erased: ['jlis-0002'], kept: [], keyDestroyed: true },
    });
    expect(await recordStatus()).toBe('erased');
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).filter((r: { requestId: string }) => r.requestId === id)).toEqual([
      expect.objectContaining({ requestId: id, type: 'erase', controllerId: 'jlis', status: 'completed', filedBy: 'clerk-1' }),
    ]);
    // The trail: the filing, the approval (naming chief-2), the completion and the onward check (no recipient: the
    // subject's data was never provided) each add a 'request' event; the refused approval adds none.
    const log = await run(now, 'audit', 'log', '--subject', 'S-JLIS-3002', '--json');
    const requestEvents = (JSON.parse(log.stdout) as { action: string; outcome: string; details?: Record<string, unknown> }[]).filter((e) => e.action === 'request');
    expect(requestEvents.map((e) => [e.outcome, e.details?.decision ?? e.details?.onward])).toEqual([
      ['ok', undefined],
      ['ok', 'approved'],
      ['ok', undefined],
      ['ok', 'drafted'],
    ]);
    expect(requestEvents[3]?.details).toMatchObject({ recipients: 0 });
    expect(requestEvents[1]?.details).toMatchObject({ requestId: id, operator: 'chief-2' });
  });

  it('reports overdue open requests, and lapses those past deadline + grace (exit 1)', { timeout: 180_000 }, async () => {
    // Prepare: two requests registered but never run (as after a lost execution)
    await withStores('2026-11-22T00:00:00Z', async (r) => {
      const base = { type: 'export' as const, subjectId: 'S-STM-4002', requester: { kind: 'subject' as const }, verification: { method: 'passport' as const, evidenceRef: 'desk-1' } };
      await registerRequest(r.requestDeps, { ...base, requestId: 'cli-stuck-5', deadlineDays: 5 });
      // 14 days given: the subject's controller (saitama-pref) would otherwise take its public-body 30 days.
      await registerRequest(r.requestDeps, { ...base, requestId: 'cli-stuck-14', deadlineDays: 14 });
    });
    expect(await pendingOf('S-STM-4002')).toEqual([['cli-stuck-5', 'cli-stuck-14']]);
    // Act
    const early = await run('2026-11-30T00:00:00Z', 'request', 'check');
    const late = await run('2026-12-20T00:00:00Z', 'request', 'check', '--json');
    // Assess
    expect(early.code, early.stderr).toBe(0);
    expect(early.stderr).toContain('request cli-stuck-5 (export) is overdue');
    expect(early.stderr).not.toContain('cli-stuck-14');
    expect(late.code).toBe(1);
    const report = JSON.parse(late.stdout);
    expect(report).toMatchObject({ overdue: 2, lapsed: 2 });
    expect(report.requests.map((q: { requestId: string; state: string }) => [q.requestId, q.state])).toEqual([
      ['cli-stuck-5', 'lapsed'],
      ['cli-stuck-14', 'lapsed'],
    ]);
    expect(await pendingOf('S-STM-4002', '2026-12-20T00:00:00Z')).toEqual([[]]);
    const again = await run('2026-12-21T00:00:00Z', 'request', 'check', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ overdue: 0, lapsed: 0 });
  });
});
