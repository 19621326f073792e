import { unzipSync } from 'fflate';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleActions } from '#functions/console/actions.ts';
import { embeddedBackend } from '#functions/console/embedded-backend.ts';
import { exportRoutes } from '#functions/console/exports.ts';
import { EXPORT_LINK_TTL_MS, issueExportLink } from '#shared/use-cases/export-links.ts';
import type { ConsoleEnv } from '#functions/console/guards.ts';
import { APPROVER, FILER } from '../cli-run.ts';
import { type ConsoleClient, type ConsoleLogin, startConsoleClient } from './console-client.ts';

const NOW = '2026-11-22T00:00:00Z';
/** A subject of gunma-yorozu (a business: no approval for a disclosure) and its records. */
const SUBJECT = 'S-GNM-2001';
const RECORD = 'gnm-0001';
/** A subject of jlis (a public body: an erasure waits for approval). */
const ERASE_SUBJECT = 'S-JLIS-3001';
const LINK = /^\/exports\/req-[A-Za-z0-9-]+\/[A-Za-z0-9_-]{43}$/;

const request = (type: string, subjectId: string) => ({ type, subjectId, requester: { kind: 'subject' }, verification: { method: 'passport', evidenceRef: 'desk-9' } });

describe('console download links of disclosure packages', () => {
  let client: ConsoleClient;
  let a: ConsoleLogin;
  let exportId = '';
  let eraseId = '';

  const issue = (session: ConsoleLogin, id: string) => client.post(session, `/api/requests/${id}/export-link`, {});

  beforeAll(async () => {
    client = await startConsoleClient(NOW);
    a = await client.login(FILER);
    const filed = await client.post(a, '/api/requests', request('export', SUBJECT));
    expect(filed.status, filed.text).toBe(201);
    expect(filed.json()).toMatchObject({ type: 'export', status: 'completed' });
    exportId = filed.json<{ requestId: string }>().requestId;
    const erase = await client.post(a, '/api/requests', request('erase', ERASE_SUBJECT));
    expect(erase.json()).toMatchObject({ type: 'erase', status: 'received' });
    eraseId = erase.json<{ requestId: string }>().requestId;
  });

  afterAll(async () => {
    await client?.close();
  });

  it('answers 401 without a session, to the link issuing and to a download', async () => {
    // Act
    const api = await client.call('POST', `/api/requests/${exportId}/export-link`, { headers: { 'content-type': 'application/json' }, body: '{}' });
    const page = await client.call('GET', '/exports/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    // Assess
    expect(api.status).toBe(401);
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/login');
  });

  it('refuses to issue a link without the CSRF token (403)', async () => {
    // Act
    const api = await client.call('POST', `/api/requests/${exportId}/export-link`, { headers: { cookie: a.cookie, 'content-type': 'application/json' }, body: '{}' });
    const form = await client.call('POST', `/requests/${exportId}/export-link`, { headers: { cookie: a.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    // Assess
    expect([api.status, form.status]).toEqual([403, 403]);
    expect(api.json()).toMatchObject({ error: 'CsrfRefused' });
  });

  it('offers the download on a completed disclosure\'s page only', async () => {
    // Act
    const [shown, other] = [await client.get(a, `/requests/${exportId}`), await client.get(a, `/requests/${eraseId}`)];
    // Assess
    expect(shown.text).toContain(`action="/requests/${exportId}/export-link"`);
    expect(other.text).not.toContain('export-link');
  });

  it('serves the package once, zipped as an attachment, not cached; the second use is 410 Gone', async () => {
    // Prepare
    const issued = await issue(a, exportId);
    const { url, expiresAt } = issued.json<{ url: string; expiresAt: string }>();
    // Act
    const first = await client.get(a, url);
    const second = await client.get(a, url);
    // Assess: the link is 32 random bytes, valid five minutes
    expect(issued.status, issued.text).toBe(201);
    expect(url).toMatch(LINK);
    expect(Buffer.from(url.split('/').pop() ?? '', 'base64url')).toHaveLength(32);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(EXPORT_LINK_TTL_MS);
    expect(first.status, first.text).toBe(200);
    expect(first.headers['content-type']).toBe('application/zip');
    expect(first.headers['content-disposition']).toBe(`attachment; filename="${exportId}.zip"`);
    expect(first.headers['cache-control']).toBe('no-store');
    const files = unzipSync(new Uint8Array(first.bytes));
    expect(Object.keys(files)).toEqual(expect.arrayContaining(['data.json', 'data.csv', 'summary.html', 'manifest.json']));
    const data = new TextDecoder().decode(files['data.json']);
    expect(data).toContain(RECORD);
    expect(data).toContain(SUBJECT);
    expect(second.status).toBe(410);
    expect(second.text).toContain('使用済み');
    const unknown = await client.get(a, `/exports/${exportId}/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(410);
    expect(unknown.text).toContain('無効');
  });

  it('issues the link from the request page\'s form too, as a page with the link', async () => {
    // Act
    const page = await client.call('POST', `/requests/${exportId}/export-link`, {
      headers: { cookie: a.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: a.csrf }).toString(),
    });
    // Assess
    expect(page.status, page.text).toBe(201);
    const href = /href="(\/exports\/[^"]+)"/.exec(page.text)?.[1] ?? '';
    expect(href).toMatch(LINK);
    expect((await client.get(a, href)).status).toBe(200);
  });

  it('refuses the link to another operator, and spends it', async () => {
    // Prepare
    const b = await client.login(APPROVER);
    const { url } = (await issue(a, exportId)).json<{ url: string }>();
    // Act
    const other = await client.get(b, url);
    const owner = await client.get(a, url);
    // Assess
    expect(other.status).toBe(403);
    expect(owner.status).toBe(410);
  });

  it('refuses a link for what is not a completed disclosure, clearly', async () => {
    // Act
    const erase = await issue(a, eraseId);
    const missing = await issue(a, 'req-nothing-here');
    const bad = await issue(a, '..%2Fetc');
    // Assess
    expect(erase.status).toBe(404);
    expect(erase.json<{ message: string }>().message).toContain('is not a disclosure');
    expect(missing.status).toBe(404);
    expect(missing.json<{ message: string }>().message).toContain('does not exist');
    expect(bad.status).toBe(400);
  });

  it('audits issuing and every download naming the operator and the request, never the token nor the subject', async () => {
    // Prepare
    const { url } = (await issue(a, exportId)).json<{ url: string }>();
    await client.get(a, url);
    await client.get(a, url);
    const token = url.split('/').pop() ?? '';
    // Act
    const events = await client.runtime.audit.readEvents();
    // Assess
    const ours = events.filter((e) => e.action === 'console-action' && String(e.details?.step).startsWith('export-'));
    expect(ours.slice(-3).map((e) => [e.actor, e.outcome, e.details?.step, e.details?.requestId, e.details?.operator])).toEqual([
      [`operator:${FILER}`, 'ok', 'export-link-issued', exportId, FILER],
      [`operator:${FILER}`, 'ok', 'export-downloaded', exportId, FILER],
      [`operator:${FILER}`, 'refused', 'export-download-refused', exportId, FILER],
    ]);
    const trail = JSON.stringify(events);
    expect(trail).not.toContain(token);
    for (const e of ours) {
      expect(JSON.stringify(e)).not.toContain(SUBJECT);
      expect(e.subjectPseudonym).toBeUndefined();
    }
  });

  it('refuses an expired link with 410 (the clock moved past five minutes)', async () => {
    // Prepare: the same routes over the same stores, a clock of our own and a session set by hand
    let now = Date.parse(NOW);
    const base = embeddedBackend(client.runtime, client.dir);
    const requestDeps = { ...base.requestDeps, clock: { now: () => new Date(now) } };
    const app = new Hono<ConsoleEnv>();
    app.use('*', async (c, next) => {
      c.set('session', { id: 's', operator: FILER, csrf: 'c', roles: new Set(['operator']), lastSeen: 0 });
      await next();
    });
    exportRoutes(app, new ConsoleActions({ ...base, requestDeps }));
    const fresh = (await issueExportLink(requestDeps, exportId, FILER)).token;
    const stale = (await issueExportLink(requestDeps, exportId, FILER)).token;
    // Act
    now += EXPORT_LINK_TTL_MS - 1;
    const inTime = await app.request(`/exports/${exportId}/${fresh}`);
    now += 2;
    const late = await app.request(`/exports/${exportId}/${stale}`);
    // Assess
    expect(inTime.status).toBe(200);
    expect(late.status).toBe(410);
    expect(await late.text()).toContain('有効期限 (5分間) を過ぎて');
  });
});
