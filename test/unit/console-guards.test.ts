import { describe, expect, it } from 'vitest';
import type { ConsoleActions } from '#functions/console/actions.ts';
import { localAuth } from '#functions/console/local-auth.ts';
import { consoleApp } from '#functions/console/app.ts';
import { ConsoleSessions, LOGIN_TOKEN_TTL_MS, SESSION_IDLE_MS } from '#functions/console/sessions.ts';

const PORT = 4711;
const HOST = `127.0.0.1:${PORT}`;

/** An app over actions that must not be reached by a refused call. */
function build(now: () => number = Date.now) {
  const sessions = new ConsoleSessions(now);
  const calls: string[] = [];
  const actions = {
    listRequests: async () => {
      calls.push('list');
      return [];
    },
    addHold: async () => {
      calls.push('hold');
      return { hold: { id: 'h1' }, recordIds: [] };
    },
    // Session starts and ends are audited (not counted here: the tests count actions).
    auditSession: async () => undefined,
  } as unknown as ConsoleActions;
  const app = consoleApp({ actions, auth: localAuth(sessions, () => PORT) });
  const call = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    app.request(`http://${HOST}${path}`, { ...init, headers: { host: HOST, ...init.headers } });
  const login = async (operator: string) => {
    const res = await call('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: sessions.issueToken(), operator }) });
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return { res, cookie, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
  };
  return { sessions, calls, call, login };
}

describe('ConsoleSessions', () => {
  it('spends a login token once and refuses it after 10 minutes', () => {
    // Prepare
    let t = 0;
    const sessions = new ConsoleSessions(() => t);
    const once = sessions.issueToken();
    const late = sessions.issueToken();
    // Act
    const first = sessions.login(once, 'clerk-1');
    const again = sessions.login(once, 'clerk-1');
    t = LOGIN_TOKEN_TTL_MS + 1;
    const expired = sessions.login(late, 'clerk-1');
    // Assess
    expect(first?.operator).toBe('clerk-1');
    expect(Buffer.from(once, 'base64url')).toHaveLength(32);
    expect(again).toBeUndefined();
    expect(expired).toBeUndefined();
  });

  it('ends a session idle for more than 30 minutes, and keeps one in use', () => {
    // Prepare
    let t = 0;
    const sessions = new ConsoleSessions(() => t);
    const s = sessions.login(sessions.issueToken(), 'clerk-1');
    // Act
    t = SESSION_IDLE_MS - 1;
    const kept = sessions.touch(s?.id);
    t += SESSION_IDLE_MS + 1;
    const ended = sessions.touch(s?.id);
    // Assess
    expect(kept?.operator).toBe('clerk-1');
    expect(ended).toBeUndefined();
  });
});

describe('the console app guards', () => {
  it('answers 401 JSON to an API call without a session, and sends the login page to a browser', async () => {
    // Prepare
    const { call, calls } = build();
    // Act
    const api = await call('/api/requests');
    const page = await call('/');
    // Assess
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ error: 'Unauthenticated', message: expect.stringContaining('log in') });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
    expect(calls).toEqual([]);
  });

  it('refuses a Host header of another name (DNS rebinding), even with a session', async () => {
    // Prepare
    const { call, login } = build();
    const { cookie } = await login('clerk-1');
    // Act
    const rebound = await call('/api/requests', { headers: { host: `evil.example:${PORT}`, cookie } });
    const otherPort = await call('/api/requests', { headers: { host: '127.0.0.1:1', cookie } });
    // Assess
    expect(rebound.status).toBe(421);
    expect(await rebound.json()).toMatchObject({ error: 'HostRefused' });
    expect(otherPort.status).toBe(421);
  });

  it('refuses a state-changing call without the CSRF token, with a wrong one, or from another origin (403)', async () => {
    // Prepare
    const { call, calls, login } = build();
    const { cookie, csrf } = await login('clerk-1');
    const body = JSON.stringify({ target: { recordId: 'r-1' }, reason: 'case 1' });
    const post = (headers: Record<string, string>) => call('/api/holds/add', { method: 'POST', body, headers: { cookie, 'content-type': 'application/json', ...headers } });
    // Act
    const missing = await post({});
    // Its last character changed (to another one: a token ending in A must not stay right).
    const wrong = await post({ 'x-csrf-token': `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}` });
    const foreign = await post({ 'x-csrf-token': csrf, origin: 'http://evil.example' });
    const ok = await post({ 'x-csrf-token': csrf, origin: `http://${HOST}` });
    // Assess
    expect([missing.status, wrong.status, foreign.status]).toEqual([403, 403, 403]);
    expect(ok.status).toBe(201);
    expect(calls).toEqual(['hold']);
  });

  it('sets the security headers on every response, refusals included', async () => {
    // Prepare
    const { call } = build();
    // Act
    const responses = [await call('/login'), await call('/api/requests'), await call('/static/console.js'), await call('/x', { headers: { host: 'evil' } })];
    // Assess
    for (const res of responses) {
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  it('sets an HttpOnly, SameSite=Strict session cookie of 32 random bytes', async () => {
    // Prepare
    const { login } = build();
    // Act
    const { res } = await login('clerk-1');
    // Assess
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(Buffer.from(/wasure_session=([^;]+)/.exec(cookie)?.[1] ?? '', 'base64url')).toHaveLength(32);
  });

  it('answers hostile input with 400 and readable reasons by path', async () => {
    // Prepare
    const { call, login } = build();
    const { cookie, csrf } = await login('clerk-1');
    const post = (path: string, body: string) => call(path, { method: 'POST', body, headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' } });
    // Act
    const notJson = await post('/api/holds/add', '{"target":');
    const extra = await post('/api/holds/add', JSON.stringify({ target: { recordId: 'r' }, reason: 'x', admin: true }));
    const badOperator = await call('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: 'x', operator: '山田 太郎' }) });
    const huge = await post('/api/holds/add', JSON.stringify({ target: { recordId: 'r' }, reason: 'x'.repeat(300_000) }));
    // Assess
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: 'ValidationError', problems: [{ path: '(body)', message: 'is not valid JSON' }] });
    expect(extra.status).toBe(400);
    expect(((await extra.json()) as { problems: { path: string }[] }).problems[0]?.path).toBe('(body)');
    expect(badOperator.status).toBe(400);
    expect(await badOperator.json()).toMatchObject({ problems: [{ path: 'operator', message: expect.stringContaining('not an operator id') }] });
    expect(huge.status).toBe(413);
  });
});
