/**
 * The AWS console's sign-in, attacked as an outsider would: ID tokens are
 * real JWTs signed with a test key and verified by aws-jwt-verify against
 * that key's JWKS (the pool's is fetched on AWS); the hosted sign-in's
 * token endpoint is a fake that checks the PKCE verifier.
 */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { describe, expect, it } from 'vitest';
import type { ConsoleActions } from '#functions/console/actions.ts';
import { consoleApp } from '#functions/console/app.ts';
import { authorizer, idTokenOf } from '#functions/console/authorizer.ts';
import { cognitoAuth, ID_COOKIE, type IdClaims, PKCE_COOKIE } from '#functions/console/cognito-auth.ts';

const POOL = 'ap-northeast-1_TestPool1';
const CLIENT = 'console-client-1';
const ISSUER = `https://cognito-idp.ap-northeast-1.amazonaws.com/${POOL}`;
const DOMAIN = 'https://wasure-test.auth.ap-northeast-1.amazoncognito.com';
const HOST = 'd111111abcdef8.cloudfront.net';
const API = 'abc123.execute-api.ap-northeast-1.amazonaws.com';

const keyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const pool = keyPair();
const stranger = keyPair();

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A signed ID token; `claims` override the defaults. */
function idToken(claims: Record<string, unknown> = {}, key: KeyObject = pool.privateKey): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' });
  const payload = b64({
    sub: 'f0e1d2c3-0000-4000-8000-000000000001',
    iss: ISSUER,
    aud: CLIENT,
    token_use: 'id',
    'cognito:username': 'approver-b',
    'cognito:groups': ['approver'],
    auth_time: now,
    iat: now,
    exp: now + 1800,
    ...claims,
  });
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${payload}`), key).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

/** A verifier of the test pool, holding the test key's JWKS (no network). */
function verifier(): (token: string) => Promise<IdClaims> {
  const v = CognitoJwtVerifier.create({ userPoolId: POOL, tokenUse: 'id', clientId: CLIENT });
  v.cacheJwks({ keys: [{ ...(pool.publicKey.export({ format: 'jwk' }) as Record<string, string>), kid: 'k1', alg: 'RS256', use: 'sig', kty: 'RSA' }] as never });
  return async (token) => (await v.verify(token)) as unknown as IdClaims;
}

function build(tokenEndpoint: (body: URLSearchParams) => Response = () => Response.json({ id_token: idToken() })) {
  const audits: string[] = [];
  const reached: string[] = [];
  const exchanges: URLSearchParams[] = [];
  const actions = {
    listRequests: async () => {
      reached.push('list');
      return [];
    },
    decide: async () => {
      reached.push('decide');
      return { requestId: 'req-1' };
    },
    addHold: async () => {
      reached.push('hold');
      return { hold: { id: 'h1' }, recordIds: [] };
    },
    auditSession: async (operator: string, step: string) => {
      audits.push(`${step}:${operator}`);
    },
  } as unknown as ConsoleActions;
  const auth = cognitoAuth({
    domain: DOMAIN,
    clientId: async () => CLIENT,
    verify: verifier(),
    audit: (operator, step) => actions.auditSession(operator, step),
    fetch: (async (url: string, init: RequestInit) => {
      expect(url).toBe(`${DOMAIN}/oauth2/token`);
      const body = new URLSearchParams(String(init.body));
      exchanges.push(body);
      return tokenEndpoint(body);
    }) as typeof fetch,
  });
  const app = consoleApp({ actions, auth });
  const call = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
    app.request(`https://${API}${path}`, { ...init, headers: { host: API, 'x-forwarded-host': HOST, ...init.headers } });
  return { app, call, audits, reached, exchanges };
}

const cookieOf = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`));

describe('Cognito sign-in', () => {
  it('starts a code-grant sign-in with PKCE (S256) and state, back to the viewer\'s host', async () => {
    // Prepare
    const { call } = build();
    // Act
    const res = await call('/login');
    // Assess
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location') ?? '');
    expect(`${to.origin}${to.pathname}`).toBe(`${DOMAIN}/oauth2/authorize`);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({ response_type: 'code', client_id: CLIENT, redirect_uri: `https://${HOST}/auth/callback`, scope: 'openid', code_challenge_method: 'S256' });
    const pkce = cookieOf(res, PKCE_COOKIE) ?? '';
    expect(pkce).toMatch(/HttpOnly/);
    expect(pkce).toMatch(/Secure/);
    expect(pkce).toMatch(/SameSite=Lax/);
    const [state, verifierValue] = decodeURIComponent(pkce.split(';')[0]?.split('=')[1] ?? '').split('.');
    expect(to.searchParams.get('state')).toBe(state);
    expect(to.searchParams.get('code_challenge')).toBe(createHash('sha256').update(verifierValue ?? '').digest('base64url'));
  });

  it('completes a sign-in: exchanges the code with its verifier, keeps the token in a Strict __Host- cookie, audits the operator', async () => {
    // Prepare
    const { call, audits, exchanges } = build();
    const start = await call('/login');
    const pkce = cookieOf(start, PKCE_COOKIE)?.split(';')[0] ?? '';
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
    // Act
    const res = await call(`/auth/callback?code=abc&state=${state}`, { headers: { cookie: pkce } });
    // Assess
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('http-equiv="refresh"');
    const id = cookieOf(res, ID_COOKIE) ?? '';
    expect(id).toMatch(/HttpOnly/);
    expect(id).toMatch(/Secure/);
    expect(id).toMatch(/SameSite=Strict/);
    expect(Number(/Max-Age=(\d+)/.exec(id)?.[1])).toBeGreaterThan(1700);
    expect(exchanges[0]?.get('code_verifier')).toBe(decodeURIComponent(pkce.split('=')[1] ?? '').split('.')[1]);
    expect(exchanges[0]?.get('redirect_uri')).toBe(`https://${HOST}/auth/callback`);
    expect(audits).toEqual(['login:approver-b']);
  });

  it('refuses a callback whose state it did not issue, without asking the user pool', async () => {
    // Prepare
    const { call, exchanges, audits } = build();
    const start = await call('/login');
    const pkce = cookieOf(start, PKCE_COOKIE)?.split(';')[0] ?? '';
    // Act
    const forged = await call('/auth/callback?code=abc&state=attacker', { headers: { cookie: pkce } });
    const noCookie = await call('/auth/callback?code=abc&state=x');
    // Assess
    expect(forged.status).toBe(401);
    expect(noCookie.status).toBe(401);
    expect(cookieOf(forged, ID_COOKIE) ?? '').not.toMatch(/=ey/);
    expect(exchanges).toHaveLength(0);
    expect(audits).toEqual([]);
  });

  it('refuses a token the pool did not sign, even from the token endpoint', async () => {
    // Prepare
    const { call, audits } = build(() => Response.json({ id_token: idToken({}, stranger.privateKey) }));
    const start = await call('/login');
    const pkce = cookieOf(start, PKCE_COOKIE)?.split(';')[0] ?? '';
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
    // Act
    const res = await call(`/auth/callback?code=abc&state=${state}`, { headers: { cookie: pkce } });
    // Assess
    expect(res.status).toBe(401);
    expect(cookieOf(res, ID_COOKIE) ?? '').not.toMatch(/=ey/);
    expect(audits).toEqual([]);
  });
});

describe('Cognito sessions', () => {
  const withToken = (token: string, headers: Record<string, string> = {}) => ({ headers: { cookie: `${ID_COOKIE}=${token}`, ...headers } });

  it('admits a valid token and refuses a missing, expired, tampered, foreign-client or access token', async () => {
    // Prepare
    const { call, reached } = build();
    const good = idToken();
    const [h, p, s] = good.split('.');
    const tampered = `${h}.${b64({ ...JSON.parse(Buffer.from(p ?? '', 'base64url').toString()), 'cognito:groups': ['operator', 'approver', 'auditor'] })}.${s}`;
    const bad = [
      undefined,
      idToken({ exp: Math.floor(Date.now() / 1000) - 10 }),
      tampered,
      idToken({ aud: 'another-client' }),
      idToken({ token_use: 'access' }),
      idToken({ iss: 'https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_Other' }),
    ];
    // Act
    const ok = await call('/api/requests', withToken(good));
    const refused = await Promise.all(bad.map((t) => call('/api/requests', t === undefined ? {} : withToken(t))));
    const page = await call('/requests', withToken(bad[1] as string));
    // Assess
    expect(ok.status).toBe(200);
    expect(refused.map((r) => r.status)).toEqual(bad.map(() => 401));
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login');
    expect(reached).toEqual(['list']);
  });

  it('needs the CSRF token of the session and the viewer\'s own origin on a state-changing call', async () => {
    // Prepare
    const { call, reached } = build();
    const token = idToken({ 'cognito:username': 'clerk-a', 'cognito:groups': ['operator'] });
    const csrf = ((await (await call('/api/session', withToken(token))).json()) as { csrfToken: string }).csrfToken;
    const hold = (headers: Record<string, string>) =>
      call('/api/holds/add', { method: 'POST', body: JSON.stringify({ target: { recordId: 'r1' }, reason: 'litigation' }), ...withToken(token, { 'content-type': 'application/json', ...headers }) });
    // Act
    const none = await hold({});
    const other = await hold({ 'x-csrf-token': idToken().slice(0, 43) });
    const crossSite = await hold({ 'x-csrf-token': csrf, origin: 'https://evil.example' });
    const ok = await hold({ 'x-csrf-token': csrf, origin: `https://${HOST}` });
    // Assess
    expect([none.status, other.status, crossSite.status]).toEqual([403, 403, 403]);
    expect(ok.status).toBe(201);
    expect(reached).toEqual(['hold']);
  });

  it('lets only an approver decide, and only an operator file', async () => {
    // Prepare
    const { call, reached } = build();
    const session = async (groups: string[]) => {
      const token = idToken({ 'cognito:username': `user-${groups.join('-') || 'none'}`, 'cognito:groups': groups });
      const csrf = ((await (await call('/api/session', withToken(token))).json()) as { csrfToken: string }).csrfToken;
      return (path: string, body: unknown) =>
        call(path, { method: 'POST', body: JSON.stringify(body), ...withToken(token, { 'content-type': 'application/json', 'x-csrf-token': csrf }) });
    };
    const operator = await session(['operator']);
    const approver = await session(['approver']);
    const auditor = await session(['auditor']);
    // Act
    const byOperator = await operator('/api/requests/req-1/approve', {});
    const byAuditor = await auditor('/api/holds/add', { target: { recordId: 'r1' }, reason: 'x' });
    const byApprover = await approver('/api/requests/req-1/approve', {});
    // Assess
    expect(byOperator.status).toBe(403);
    expect(((await byOperator.json()) as { message: string }).message).toMatch(/needs the role approver; user-operator has operator/);
    expect(byAuditor.status).toBe(403);
    expect(byApprover.status).toBe(200);
    expect(reached).toEqual(['decide']);
  });

  it('refuses a call that did not come through CloudFront (no viewer host)', async () => {
    // Prepare
    const { app } = build();
    // Act
    const res = await app.request(`https://${API}/api/requests`, { headers: { host: API, cookie: `${ID_COOKIE}=${idToken()}` } });
    // Assess
    expect(res.status).toBe(421);
  });

  it('signs out: the cookie is cleared, the sign-out audited, the user pool\'s session ended', async () => {
    // Prepare
    const { call, audits } = build();
    const token = idToken();
    const csrf = ((await (await call('/api/session', withToken(token))).json()) as { csrfToken: string }).csrfToken;
    // Act
    const res = await call('/logout', { method: 'POST', body: new URLSearchParams({ _csrf: csrf }), ...withToken(token, { 'content-type': 'application/x-www-form-urlencoded' }) });
    // Assess
    expect(res.status).toBe(303);
    const to = new URL(res.headers.get('location') ?? '');
    expect(`${to.origin}${to.pathname}`).toBe(`${DOMAIN}/logout`);
    expect(to.searchParams.get('logout_uri')).toBe(`https://${HOST}/signed-out`);
    expect(cookieOf(res, ID_COOKIE)).toMatch(/Max-Age=0/);
    expect(audits).toEqual(['logout:approver-b']);
  });
});

describe('API Gateway cookie authorizer', () => {
  it('admits a verified token from the cookies and refuses anything else', async () => {
    // Prepare
    const check = authorizer(verifier());
    const good = idToken();
    // Act
    const results = await Promise.all([
      check({ cookies: ['wasure_lang=ja', `${ID_COOKIE}=${good}`] }),
      check({ headers: { cookie: `a=b; ${ID_COOKIE}=${good}` } }),
      check({ cookies: [`${ID_COOKIE}=${idToken({}, stranger.privateKey)}`] }),
      check({ cookies: ['wasure_lang=ja'] }),
      check({}),
    ]);
    // Assess
    expect(results.map((r) => r.isAuthorized)).toEqual([true, true, false, false, false]);
    expect(idTokenOf({ cookies: [`${ID_COOKIE}=a=b`] })).toBe('a=b');
  });
});
