/**
 * The AWS console's sign-in: the Cognito user pool's hosted sign-in
 * (authorization code with PKCE; users are created by an administrator
 * only, MFA required), the ID token kept in a `__Host-` cookie (HttpOnly,
 * Secure, SameSite=Strict) that ends with the token (30 minutes: the
 * session timeout). The operator is the pool's user name; the roles are
 * its groups. The CSRF token is a digest of the session cookie, which a
 * page can be given and another site can neither read nor compute.
 *
 * Behind CloudFront: a viewer-request function copies the viewer's Host to
 * `x-forwarded-host` (API Gateway sees its own host), from which the
 * callback URL and the only accepted Origin are made. Cognito accepts only
 * the callback URLs registered on the app client, so a forged host cannot
 * complete a sign-in.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { escapeHtml as h } from '#shared/domain/html.ts';
import { OPERATOR_PATTERN } from '#shared/domain/request-approval.ts';
import { newSecret, sameSecret, secretDigest as digest } from '#shared/domain/secrets.ts';
import type { ConsoleAuth } from './auth.ts';
import { VIEWER_HOST_HEADER } from './edge.ts';
import { type ConsoleEnv, sessionGuard } from './guards.ts';
import { layout } from './pages.ts';
import { CONSOLE_ROLES, type ConsoleRole } from './roles.ts';
import type { ConsoleSession } from './sessions.ts';

/** The cookie holding the ID token. */
export const ID_COOKIE = '__Host-wasure_id';
/** The cookie holding the sign-in's state and PKCE verifier (10 minutes). */
export const PKCE_COOKIE = '__Host-wasure_pkce';

/** The claims of a verified ID token the console reads. */
export interface IdClaims {
  readonly 'cognito:username': string;
  readonly 'cognito:groups'?: readonly string[];
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
}

/** What the Cognito sign-in needs. */
export interface CognitoAuthOptions {
  /** The hosted sign-in's base URL, e.g. `https://wasure-prod-123.auth.ap-northeast-1.amazoncognito.com`. */
  readonly domain: string;
  /** The console app client's id (looked up once by name). */
  readonly clientId: () => Promise<string>;
  /** Verifies an ID token of the pool and that client (signature, issuer, audience, expiry, token use); throws otherwise. */
  readonly verify: (token: string) => Promise<IdClaims>;
  /** Audits a sign-in or sign-out, naming the operator. */
  readonly audit: (operator: string, step: 'login' | 'logout') => Promise<void>;
  /** HTTP client of the token exchange. @default fetch */
  readonly fetch?: typeof fetch;
  /** Seconds clock. @default Date.now()/1000 */
  readonly nowSeconds?: () => number;
}

/** The viewer's host (set by CloudFront), or undefined. */
export function viewerHost(c: Context): string | undefined {
  const host = c.req.header(VIEWER_HOST_HEADER);
  return host !== undefined && /^[a-z0-9.-]+(:\d+)?$/i.test(host) ? host.toLowerCase() : undefined;
}

/** The session of a verified ID token. */
export function sessionOfClaims(token: string, claims: IdClaims): ConsoleSession | undefined {
  const operator = claims['cognito:username'];
  if (typeof operator !== 'string' || !OPERATOR_PATTERN.test(operator)) return undefined;
  const groups = new Set(claims['cognito:groups'] ?? []);
  const roles = new Set<ConsoleRole>(CONSOLE_ROLES.filter((r) => groups.has(r)));
  return { id: digest(token), operator, csrf: digest(`csrf:${token}`), roles, lastSeen: 0 };
}

const secure = { httpOnly: true, secure: true, path: '/' } as const;

/** Sign-in through the Cognito user pool. */
export function cognitoAuth(options: CognitoAuthOptions): ConsoleAuth {
  const fetcher = options.fetch ?? fetch;
  const now = options.nowSeconds ?? (() => Date.now() / 1000);
  const find = async (c: Context): Promise<ConsoleSession | undefined> => {
    const token = getCookie(c, ID_COOKIE);
    if (token === undefined || token === '') return undefined;
    try {
      return sessionOfClaims(token, await options.verify(token));
    } catch {
      return undefined;
    }
  };
  const callbackUrl = (host: string) => `https://${host}/auth/callback`;
  const page = (c: Context<ConsoleEnv>, title: string, body: string, status: 200 | 401 = 200, refresh = false) =>
    c.html(
      layout({ lang: 'ja' }, title, body, '/login').replace('<head>', refresh ? '<head><meta http-equiv="refresh" content="0;url=/">' : '<head>'),
      status,
    );
  return {
    guards: [
      async (c, next) => {
        if (viewerHost(c) === undefined) {
          return c.json({ error: 'HostRefused', message: 'open the console at its CloudFront address', problems: [] }, 421);
        }
        return next();
      },
      sessionGuard({
        find,
        origins: (c) => new Set([`https://${viewerHost(c)}`]),
        publicPaths: new Set(['/login', '/auth/callback', '/signed-out']),
        signIn: 'sign in at /login (a session ends with its 30-minute token)',
      }),
    ],
    routes(app) {
      app.get('/login', async (c) => {
        const host = viewerHost(c) as string;
        const state = newSecret();
        const verifier = newSecret();
        const challenge = digest(verifier);
        // Lax: the browser comes back to /auth/callback from the sign-in domain.
        setCookie(c, PKCE_COOKIE, `${state}.${verifier}`, { ...secure, sameSite: 'Lax', maxAge: 600 });
        const query = new URLSearchParams({
          response_type: 'code',
          client_id: await options.clientId(),
          redirect_uri: callbackUrl(host),
          scope: 'openid',
          state,
          code_challenge: challenge,
          code_challenge_method: 'S256',
        });
        return c.redirect(`${options.domain}/oauth2/authorize?${query}`, 302);
      });
      app.get('/auth/callback', async (c) => {
        const [state, verifier] = (getCookie(c, PKCE_COOKIE) ?? '').split('.');
        deleteCookie(c, PKCE_COOKIE, secure);
        const code = c.req.query('code');
        const failed = (why: string) => page(c, 'サインインできません', `<p class="error" role="alert">${h(why)}</p><p><a href="/login">サインイン / Sign in</a></p>`, 401);
        if (state === undefined || verifier === undefined || code === undefined || !sameSecret(c.req.query('state') ?? '', state)) {
          return failed('the sign-in was not started here, or took longer than 10 minutes');
        }
        const clientId = await options.clientId();
        const response = await fetcher(`${options.domain}/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: callbackUrl(viewerHost(c) as string), code_verifier: verifier }),
        });
        const tokens = (await response.json().catch(() => ({}))) as { id_token?: unknown };
        if (!response.ok || typeof tokens.id_token !== 'string') return failed('the user pool refused the sign-in code');
        const token = tokens.id_token;
        const claims = await options.verify(token).catch(() => undefined);
        const session = claims === undefined ? undefined : sessionOfClaims(token, claims);
        if (claims === undefined || session === undefined) return failed('the user pool\'s token is not valid for this console');
        await options.audit(session.operator, 'login');
        setCookie(c, ID_COOKIE, token, { ...secure, sameSite: 'Strict', maxAge: Math.max(0, Math.floor(claims.exp - now())) });
        // A page, not a redirect: a Strict cookie set at the end of a cross-site chain is sent on the next same-site navigation.
        return page(c, 'サインインしました', '<p><a href="/">ダッシュボード / Dashboard</a></p>', 200, true);
      });
      const signOut = async (c: Context<ConsoleEnv>) => {
        const session = c.get('session');
        deleteCookie(c, ID_COOKIE, secure);
        if (session !== undefined) await options.audit(session.operator, 'logout');
        const query = new URLSearchParams({ client_id: await options.clientId(), logout_uri: `https://${viewerHost(c)}/signed-out` });
        return `${options.domain}/logout?${query}`;
      };
      app.post('/logout', async (c) => c.redirect(await signOut(c), 303));
      app.post('/api/logout', async (c) => c.json({ ok: true, signOut: await signOut(c) }));
      app.get('/signed-out', (c) => page(c, 'サインアウトしました', '<p><a href="/login">サインイン / Sign in</a></p>'));
    },
  };
}
