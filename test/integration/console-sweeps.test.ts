import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SweepDryRun, SweepRun } from '#functions/console/sweeps.ts';
import { isTombstone } from '#shared/domain/record.ts';
import type { SweepOrder } from '#shared/domain/sweep-order.ts';
import type { EmbeddedRuntime } from '#functions/runtime.ts';
import { APPROVER, FILER } from '../cli-run.ts';
import { type ConsoleClient, type ConsoleLogin, startConsoleClient } from './console-client.ts';

const NOW = '2026-12-01T00:00:00Z';
const SUBJECT = 'S-JLIS-3002';
const OTHER = 'S-IBK-1002';
const sample = (name: string) => fileURLToPath(new URL(`../../shared/samples/${name}`, import.meta.url));

interface Problems {
  readonly error: string;
  readonly problems: { path: string; message: string }[];
}

describe('wasure console: sweeps and the audit page over the embedded stores', () => {
  let root: string;
  let client: ConsoleClient;
  let runtime: EmbeddedRuntime;

  const call: ConsoleClient['call'] = (...args) => client.call(...args);
  const login = (operator: string) => client.login(operator);
  const post = (session: ConsoleLogin, path: string, body: unknown) => client.post(session, path, body);
  const get = (session: ConsoleLogin, path: string) => client.get(session, path);
  const postForm = (session: ConsoleLogin, path: string, fields: Record<string, string>) =>
    call('POST', path, { headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: session.csrf, ...fields }).toString() });

  const events = () => runtime.audit.readEvents();
  const linksOf = (html: string) => [...html.matchAll(/(?:href|action|src)="([^"]*)"/g)].map((m) => m[1] ?? '');

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'wasure-console-sweeps-'));
    // The sample catalogue, with its first controller asking for sweep approval.
    const raw = JSON.parse(await readFile(sample('catalogue.json'), 'utf8'));
    raw.controllers[0].approval = { requires: ['erase', 'correct', 'sweep'] };
    const catalogueFile = join(root, 'catalogue.json');
    await writeFile(catalogueFile, JSON.stringify(raw));
    client = await startConsoleClient(NOW, { catalogueFile });
    runtime = client.runtime;
  });

  afterAll(async () => {
    await client?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('answers 401 to the sweeps and audit APIs without a session, and sends the pages to the login form', async () => {
    // Act
    const replies = await Promise.all([
      call('GET', '/api/sweeps'),
      call('GET', '/api/audit/receipts'),
      call('POST', '/api/sweeps/dry-run', { headers: { 'content-type': 'application/json' }, body: '{}' }),
      call('POST', '/api/sweeps/orders', { headers: { 'content-type': 'application/json' }, body: '{}' }),
    ]);
    const pages = await Promise.all([call('GET', '/sweeps'), call('GET', '/audit')]);
    // Assess
    expect(replies.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect(pages.map((p) => [p.status, p.headers.location])).toEqual([
      [303, '/login'],
      [303, '/login'],
    ]);
    expect((await events()).filter((e) => e.action === 'sweep-order' || e.action === 'console-action')).toEqual([]);
  });

  it('refuses a dry run or a sweep order without the CSRF token (403), writing nothing', async () => {
    // Prepare
    const a = await login(FILER);
    const before = (await events()).length;
    const bare = (path: string) => call('POST', path, { headers: { cookie: a.cookie, 'content-type': 'application/json' }, body: '{}' });
    // Act
    const replies = [await bare('/api/sweeps/dry-run'), await bare('/api/sweeps/orders'), await postForm({ ...a, csrf: 'wrong' }, '/sweeps/orders', {})];
    // Assess
    expect(replies.map((r) => r.status)).toEqual([403, 403, 403]);
    expect(replies[0]?.json()).toMatchObject({ error: 'CsrfRefused' });
    // Only the login itself was audited.
    expect((await events()).slice(before).map((e) => e.action)).toEqual([]);
  });

  it('runs a dry run that lists what it would erase per dataset, erases nothing, and is audited naming the operator', { timeout: 300_000 }, async () => {
    // Prepare
    const a = await login(FILER);
    const erasuresBefore = (await events()).filter((e) => e.action === 'erasure').length;
    // Act
    const reply = await post(a, '/api/sweeps/dry-run', {});
    // Assess
    expect(reply.status, reply.text).toBe(200);
    const run = reply.json<SweepDryRun>();
    const ids = Object.values(run.wouldErase).flat();
    expect(run.totals.purged).toBeGreaterThan(0);
    expect(ids).toHaveLength(run.totals.purged);
    expect(reply.text).not.toMatch(/S-[A-Z]+-\d+/);
    const found = await runtime.deps.records.getMany(ids);
    expect([...found.values()].filter((r) => isTombstone(r))).toEqual([]);
    expect(found.size).toBe(ids.length);
    const all = await events();
    expect(all.filter((e) => e.action === 'erasure')).toHaveLength(erasuresBefore);
    const audited = all.filter((e) => e.action === 'console-action');
    expect(audited.map((e) => [e.actor, e.details?.step, e.details?.operator, e.details?.wouldErase])).toEqual([[`operator:${FILER}`, 'sweep-dry-run', FILER, run.totals.purged]]);
  });

  it('files a manual sweep order; refuses its approval by the filer; a second operator\'s approval sweeps what the preview showed', { timeout: 400_000 }, async () => {
    // Prepare
    const a = await login(FILER);
    const b = await login(APPROVER);
    // Act: A files, then tries to approve
    const filed = await post(a, '/api/sweeps/orders', {});
    const { order, preview } = filed.json<{ order: SweepOrder; preview: SweepDryRun }>();
    const page = await get(b, '/sweeps');
    const self = await post(a, `/api/sweeps/orders/${order.orderId}/approve`, {});
    // Assess: filed, nothing erased yet, listed with an approve form for B; A refused
    expect(filed.status, filed.text).toBe(201);
    expect(order).toMatchObject({ state: 'filed', filedBy: FILER, planned: preview.totals.purged });
    expect(page.text).toContain(`action="/sweeps/orders/${order.orderId}/approve"`);
    expect(self.status).toBe(400);
    expect(self.json<Problems>().problems).toEqual([{ path: 'operator', message: expect.stringContaining(`${FILER} filed this sweep order and cannot approve it`) }]);
    const ids = Object.values(preview.wouldErase).flat();
    expect([...(await runtime.deps.records.getMany(ids)).values()].some((r) => isTombstone(r))).toBe(false);
    // Act: B approves through the page's form
    const approved = await postForm(b, `/sweeps/orders/${order.orderId}/approve`, { reason: '' });
    // Assess: redirected back, swept, the history shows it, the order is no longer pending
    expect(approved.status, approved.text).toBe(303);
    expect(approved.headers.location).toBe('/sweeps');
    const after = await runtime.deps.records.getMany(ids);
    expect([...after.values()].every((r) => isTombstone(r))).toBe(true);
    const history = (await get(b, '/api/sweeps')).json<SweepRun[]>();
    expect(history).toHaveLength(1);
    expect(history[0]?.erased).toBe(ids.length);
    expect(history[0]?.erasedByDataset).toEqual(Object.fromEntries(Object.entries(preview.wouldErase).map(([d, x]) => [d, x.length])));
    expect((await get(b, '/api/sweeps/orders')).json()).toEqual([]);
    const steps = (await events()).filter((e) => e.action === 'sweep-order').map((e) => [e.actor, e.details?.step]);
    expect(steps).toEqual([
      [`operator:${FILER}`, 'filed'],
      [`operator:${APPROVER}`, 'approved'],
    ]);
    const dashboard = await get(b, '/');
    expect(dashboard.text).toContain('前回の消去処理');
    expect(dashboard.text).toContain(`(${ids.length})`);
  });

  it('shows one subject\'s audit log from a form body: only that subject\'s events, and the subject id in no URL', async () => {
    // Prepare
    const b = await login(APPROVER);
    const mine = await runtime.audit.pseudonymizer.pseudonym(SUBJECT);
    const other = await runtime.audit.pseudonymizer.pseudonym(OTHER);
    // Act
    const api = await post(b, '/api/audit/log', { subjectId: SUBJECT });
    const page = await postForm(b, '/audit/log', { subjectId: SUBJECT });
    const overview = await get(b, '/audit');
    // Assess
    expect(api.status, api.text).toBe(200);
    const shown = api.json<{ subjectPseudonym?: string; action: string }[]>();
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((e) => e.subjectPseudonym === mine)).toBe(true);
    expect(shown.some((e) => e.subjectPseudonym === other)).toBe(false);
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain('本人別の監査ログ');
    expect(page.text).not.toContain(other);
    expect(overview.status).toBe(200);
    for (const link of [...linksOf(page.text), ...linksOf(overview.text), ...linksOf((await get(b, '/sweeps')).text)]) {
      expect(link).not.toMatch(/S-[A-Z]+-\d+/);
      expect(link).not.toContain(mine);
    }
    expect(linksOf(overview.text)).toContain('/audit/log');
    // Each read of a subject's log is itself audited: the operator and the subject's pseudonym, never the id.
    const reads = (await events()).filter((e) => e.action === 'console-action' && e.details?.step === 'audit-log-viewed');
    expect(reads.map((e) => [e.actor, e.subjectPseudonym])).toEqual([
      [`operator:${APPROVER}`, mine],
      [`operator:${APPROVER}`, mine],
    ]);
    expect(JSON.stringify(reads)).not.toContain(SUBJECT);
  });

  it('lists the erasure receipts as JSON without package locations', async () => {
    // Prepare
    const b = await login(APPROVER);
    // Act
    const reply = await get(b, '/api/audit/receipts');
    // Assess
    expect(reply.status).toBe(200);
    expect(Array.isArray(reply.json())).toBe(true);
    expect(reply.text).not.toContain('location');
  });

  it('answers hostile input with 400 and problems naming the field', async () => {
    // Prepare
    const a = await login(FILER);
    const before = (await events()).filter((e) => e.action === 'sweep-order').length;
    // Act
    const cases = await Promise.all([
      post(a, '/api/sweeps/orders/SO-20261201000000-abcdefgh/reject', { reason: 'x'.repeat(5000) }),
      post(a, '/api/sweeps/orders/SO-20261201000000-abcdefgh/reject', { reason: 42 }),
      post(a, '/api/audit/log', { subjectId: 'S'.repeat(129) }),
      post(a, '/api/audit/log', { limit: 'ten' }),
      post(a, '/api/audit/log', { subjectId: ['S-JLIS-3002'] }),
      post(a, '/api/sweeps/dry-run', { now: '1999-01-01T00:00:00Z' }),
      post(a, '/api/sweeps/orders/..%2Fetc/approve', {}),
      call('POST', '/api/sweeps/orders', { headers: { cookie: a.cookie, 'x-csrf-token': a.csrf, 'content-type': 'application/json' }, body: '{"' }),
    ]);
    // Assess
    expect(cases.map((c) => c.status)).toEqual([400, 400, 400, 400, 400, 400, 400, 400]);
    const paths = cases.map((c) => c.json<Problems>().problems.map((p) => p.path));
    expect(paths.slice(0, 5)).toEqual([['reason'], ['reason'], ['subjectId'], ['limit'], ['subjectId']]);
    expect(cases[5]?.json<Problems>().problems[0]?.message).toContain('now');
    expect(cases[6]?.json<Problems>().problems[0]?.message).toContain('sweep order id');
    expect(paths[7]).toEqual(['(body)']);
    expect((await events()).filter((e) => e.action === 'sweep-order')).toHaveLength(before);
  });
});
