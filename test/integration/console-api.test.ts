import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningConsole, startConsole } from '#functions/console/server.ts';
import { type EmbeddedRuntime, openEmbeddedRuntime } from '#functions/runtime.ts';
import { APPROVER, FILER, runCliCaptured } from '../cli-run.ts';

const NOW = '2026-11-22T00:00:00Z';
const SUBJECT = 'S-JLIS-3002';
const sample = (name: string) => fileURLToPath(new URL(`../../shared/samples/${name}`, import.meta.url));

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

describe('wasure console over the embedded stores', () => {
  let dir: string;
  let runtime: EmbeddedRuntime;
  let server: RunningConsole;
  let host: string;

  /** One HTTP call as a browser or a script would make it (node:http, so the Host header is ours to set). */
  const call = (method: string, path: string, options: { headers?: Record<string, string>; body?: string } = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, method, path, headers: { host, ...options.headers } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(options.body);
    });

  const tokenOf = (url: string) => /#token=([A-Za-z0-9_-]+)$/.exec(url)?.[1] ?? '';

  /** Logs in as `operator` with a fresh one-time token; the session's cookie and CSRF token. */
  const login = async (operator: string) => {
    const res = await call('POST', '/api/login', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: tokenOf(server.loginUrl()), operator }) });
    expect(res.status, res.text).toBe(200);
    const cookie = String(res.headers['set-cookie']).split(';')[0] ?? '';
    return { cookie, csrf: res.json<{ csrfToken: string }>().csrfToken };
  };

  const post = (session: { cookie: string; csrf: string }, path: string, body: unknown) =>
    call('POST', path, { headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  const get = (session: { cookie: string }, path: string) => call('GET', path, { headers: { cookie: session.cookie } });

  const fileErase = {
    type: 'erase',
    subjectId: SUBJECT,
    requester: { kind: 'subject' },
    verification: { method: 'passport', evidenceRef: 'desk-1' },
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-console-'));
    const ingest = await runCliCaptured(['ingest', sample('records.jsonl'), '--local', dir, '--now', NOW, '--json']);
    expect(ingest.code, ingest.stderr).toBe(0);
    runtime = await openEmbeddedRuntime({ cwd: process.cwd(), env: {}, dir, now: NOW });
    server = await startConsole({ runtime, stateDir: dir });
    host = `127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    await server?.close();
    await runtime?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a login URL on 127.0.0.1 with a 32-byte token in the fragment', () => {
    // Act
    const url = server.loginUrl();
    // Assess
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/login#token=[A-Za-z0-9_-]{43}$`));
    expect(Buffer.from(tokenOf(url), 'base64url')).toHaveLength(32);
  });

  it('answers 401 to every API call without a valid session', async () => {
    // Act
    const list = await call('GET', '/api/requests');
    const forged = await call('GET', '/api/requests', { headers: { cookie: 'wasure_session=AAAA' } });
    const filed = await call('POST', '/api/requests', { headers: { 'content-type': 'application/json' }, body: JSON.stringify(fileErase) });
    // Assess
    expect([list.status, forged.status, filed.status]).toEqual([401, 401, 401]);
    expect(list.json()).toMatchObject({ error: 'Unauthenticated' });
    expect((await runtime.requestDeps.requests.listAll()).length).toBe(0);
  });

  it('lets a login token be used once only', async () => {
    // Prepare
    const token = tokenOf(server.loginUrl());
    const body = (operator: string) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, operator }) });
    // Act
    const first = await call('POST', '/api/login', body(FILER));
    const second = await call('POST', '/api/login', body(APPROVER));
    // Assess
    expect(first.status).toBe(200);
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly.*SameSite=Strict|SameSite=Strict.*HttpOnly/);
    expect(second.status).toBe(401);
    expect(second.headers['set-cookie']).toBeUndefined();
    // Both attempts are in the audit trail, with the operator each named.
    const sessions = (await runtime.audit.readEvents()).filter((e) => e.action === 'console-session');
    expect(sessions.slice(-2).map((e) => [e.actor, e.outcome, e.details?.step])).toEqual([
      [`operator:${FILER}`, 'ok', 'login'],
      [`operator:${APPROVER}`, 'refused', 'login-refused'],
    ]);
  });

  it('refuses a state-changing call without the CSRF token (403), changing nothing', async () => {
    // Prepare
    const a = await login(FILER);
    // Act
    const refused = await call('POST', '/api/requests', { headers: { cookie: a.cookie, 'content-type': 'application/json' }, body: JSON.stringify(fileErase) });
    // Assess
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ error: 'CsrfRefused' });
    expect((await runtime.requestDeps.requests.listAll()).length).toBe(0);
  });

  it('refuses a request whose Host header names another host (DNS rebinding)', async () => {
    // Prepare
    const a = await login(FILER);
    // Act
    const rebound = await call('GET', '/api/requests', { headers: { host: `attacker.example:${server.port}`, cookie: a.cookie } });
    const login2 = await call('GET', '/login', { headers: { host: 'attacker.example' } });
    // Assess
    expect(rebound.status).toBe(421);
    expect(rebound.json()).toMatchObject({ error: 'HostRefused' });
    expect(login2.status).toBe(421);
  });

  it('files an erasure as one operator, refuses its approval by the same one (four eyes), and carries it out on a second operator\'s', { timeout: 240_000 }, async () => {
    // Prepare
    const a = await login(FILER);
    const b = await login(APPROVER);
    // Act: A files, then tries to approve
    const filed = await post(a, '/api/requests', fileErase);
    const requestId = filed.json<{ requestId: string }>().requestId;
    const self = await post(a, `/api/requests/${requestId}/approve`, {});
    // Assess: filed with its preview, the filer's approval refused with the reason
    expect(filed.status, filed.text).toBe(201);
    expect(filed.json()).toMatchObject({ type: 'erase', status: 'received', filedBy: FILER, approval: { state: 'pending' }, preview: { counts: { erase: 1 } } });
    expect(filed.text).not.toContain(SUBJECT);
    expect(self.status).toBe(400);
    expect(self.json()).toMatchObject({ error: 'ValidationError', problems: [{ path: 'operator', message: expect.stringContaining(`${FILER} filed this request and cannot approve it`) }] });
    // Act: B approves
    const approved = await post(b, `/api/requests/${requestId}/approve`, {});
    // Assess: carried out, audited with B as the operator
    expect(approved.status, approved.text).toBe(200);
    expect(approved.json()).toMatchObject({ requestId, status: 'completed', approval: { state: 'approved', decidedBy: APPROVER } });
    const log = await post(b, '/api/audit/log', { subjectId: SUBJECT });
    const decisions = log.json<{ action: string; actor: string; details?: { decision?: string } }[]>().filter((e) => e.action === 'request' && e.details?.decision !== undefined);
    expect(decisions.map((e) => [e.actor, e.details?.decision])).toEqual([[`operator:${APPROVER}`, 'approved']]);
    // The request's page shows its trail from the audit trail: filed, approved by B, the erasure, its ending.
    const shown = await get(b, `/api/requests/${requestId}`);
    const trail = shown.json<{ trail: { seq: number; action: string; actor: string; step?: string }[] }>().trail;
    expect(trail.map((e) => e.seq)).toEqual([...trail.map((e) => e.seq)].sort((x, y) => x - y));
    expect(trail).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'request', actor: `operator:${APPROVER}`, step: 'approved' })]));
    expect(trail.filter((e) => e.action === 'erasure' || e.action === 'key-destroyed').map((e) => e.actor)).toEqual(['system:requests', 'system:requests']);
    expect(trail.some((e) => e.step === 'completed')).toBe(true);
    expect(shown.text).not.toContain(SUBJECT);
    const page = await get(b, `/requests/${requestId}`);
    expect(page.text).toContain('監査証跡');
  });

  it('places a hold from the holds form as the session\'s operator, audited as operator:ID', async () => {
    // Prepare
    const a = await login(FILER);
    const form = new URLSearchParams({ _csrf: a.csrf, targetKind: 'record', targetId: 'ibk-0001', reason: 'case 2026-17' }).toString();
    // Act
    const page = await call('POST', '/holds/add', { headers: { cookie: a.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    // Assess
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain('ibk-0001');
    const events = await runtime.audit.readEvents({});
    expect(events.filter((e) => e.action === 'hold-added').map((e) => e.actor)).toEqual([`operator:${FILER}`]);
  });

  it('lists the requests on the dashboard, and no page links to a URL naming a subject', async () => {
    // Prepare
    const b = await login(APPROVER);
    const [request] = await runtime.requestDeps.requests.listAll();
    // Act
    const pages = await Promise.all(['/', '/requests', `/requests/${request?.requestId}`, '/requests/new', '/holds', '/register', '/?lang=en'].map((path) => get(b, path)));
    // Assess
    expect(pages.map((p) => p.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
    expect(pages[1]?.text).toContain(`href="/requests/${request?.requestId}"`);
    expect(pages[0]?.text).toContain('ダッシュボード');
    expect(pages[6]?.text).toContain('Dashboard');
    const links = pages.flatMap((p) => [...p.text.matchAll(/(?:href|action|src)="([^"]*)"/g)].map((m) => m[1] ?? ''));
    expect(links.length).toBeGreaterThan(20);
    for (const link of links) {
      expect(link).not.toMatch(/S-[A-Z]+-\d+/);
      expect(link).toMatch(/^\/[^/]|^\/$|^\/\?lang=|^#main$/);
    }
  });

  it('sets the security headers on pages and API answers', async () => {
    // Prepare
    const b = await login(APPROVER);
    // Act
    const replies = [await call('GET', '/login'), await call('GET', '/', { headers: { cookie: b.cookie } }), await call('GET', '/api/requests', { headers: { cookie: b.cookie } }), await call('GET', '/api/requests')];
    // Assess
    for (const r of replies) {
      expect(r.headers['content-security-policy']).toMatch(/^default-src 'self'/);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('same-origin');
      expect(r.headers['x-frame-options']).toBe('DENY');
      expect(r.headers['cache-control']).toBe('no-store');
    }
    expect(replies[0]?.text).not.toMatch(/<script>|<style>|style="/);
  });

  it('listens on 127.0.0.1 only: the machine\'s other addresses refuse the connection', async () => {
    // Prepare
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i !== undefined && !i.internal && i.family === 'IPv4')
      .map((i) => i?.address as string);
    // Act
    const outcomes = await Promise.all(
      others.map(
        (address) =>
          new Promise<string>((resolve) => {
            const socket = connect({ host: address, port: server.port });
            socket.setTimeout(3000, () => {
              socket.destroy();
              resolve('timeout');
            });
            socket.once('connect', () => {
              socket.destroy();
              resolve('connected');
            });
            socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
          }),
      ),
    );
    // Assess
    for (const outcome of outcomes) expect(outcome).not.toBe('connected');
  });
});
