/**
 * The console's guards, applied to every request before any route: the
 * Host header (DNS rebinding), security headers, the session (401 / the
 * login page), and CSRF on every state-changing call (403).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { rolesFor } from './roles.ts';
import { sameSecret } from '#shared/domain/secrets.ts';
import type { ConsoleSession, ConsoleSessions } from './sessions.ts';

/** The session cookie's name. */
export const SESSION_COOKIE = 'wasure_session';

/** The header a client sends its CSRF token in (the pages' forms use the `_csrf` field). */
export const CSRF_HEADER = 'x-csrf-token';

/** Variables the guards set for the routes. */
export interface ConsoleEnv {
  Variables: { session: ConsoleSession | undefined };
}

/** Only our own page may frame, script or style anything; printable documents allow their own inline style, no script. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
export const DOCUMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

/** Security headers on every response; nothing is cached (pages carry personal data too). */
export const securityHeaders: MiddlewareHandler = async (c, next) => {
  await next();
  const headers = c.res.headers;
  if (!headers.has('content-security-policy')) headers.set('content-security-policy', CSP);
  headers.set('x-content-type-options', 'nosniff');
  // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null`
  // on its own form posts, which the origin check must refuse. URLs carry no
  // personal data, and nothing is sent to another site.
  headers.set('referrer-policy', 'same-origin');
  headers.set('x-frame-options', 'DENY');
  headers.set('cache-control', 'no-store');
  headers.set('cross-origin-opener-policy', 'same-origin');
  headers.set('cross-origin-resource-policy', 'same-origin');
};

/** The origins and Host values this server answers to, for its port. */
export function loopbackNames(port: () => number): { hosts: () => Set<string>; origins: () => Set<string> } {
  const hosts = () => new Set([`127.0.0.1:${port()}`, `localhost:${port()}`]);
  return { hosts, origins: () => new Set([...hosts()].map((x) => `http://${x}`)) };
}

const refuse = (c: Context, status: 401 | 403 | 421, error: string, message: string) => c.json({ error, message, problems: [] }, status);

/** Refuses a Host header that is not this server's loopback name (a rebound DNS name reaches 127.0.0.1 too). */
export function hostGuard(hosts: () => Set<string>): MiddlewareHandler {
  return async (c, next) => {
    const host = c.req.header('host');
    if (host === undefined || !hosts().has(host.toLowerCase())) {
      return refuse(c, 421, 'HostRefused', 'this console answers only to 127.0.0.1 and localhost on its own port');
    }
    return next();
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** Where a session guard finds sessions, and what it answers to. */
export interface SessionSource {
  /** The caller's live session, or undefined. */
  find(c: Context): ConsoleSession | undefined | Promise<ConsoleSession | undefined>;
  /** The origins a state-changing call may come from. */
  origins(c: Context): ReadonlySet<string>;
  /** Paths open without a session (sign-in); `/static/` always is. */
  readonly publicPaths: ReadonlySet<string>;
  /** How to sign in, for the 401 message. */
  readonly signIn: string;
}

/**
 * Finds the session; without one an API call gets 401 JSON and a page the
 * login form. A state-changing call needs the session's CSRF token (header
 * or `_csrf` form field) and, when the browser sends one, our own Origin.
 */
export function sessionGuard(source: SessionSource): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const origin = c.req.header('origin');
    const unsafe = !SAFE_METHODS.has(c.req.method);
    if (unsafe && origin !== undefined && !source.origins(c).has(origin)) {
      return refuse(c, 403, 'CsrfRefused', 'the request comes from another origin');
    }
    const session = await source.find(c);
    c.set('session', session);
    if (source.publicPaths.has(c.req.path) || c.req.path.startsWith('/static/')) return next();
    if (session === undefined) {
      if (c.req.path.startsWith('/api/')) return refuse(c, 401, 'Unauthenticated', `log in first: ${source.signIn}`);
      return SAFE_METHODS.has(c.req.method) ? c.redirect('/login', 303) : refuse(c, 401, 'Unauthenticated', 'log in first');
    }
    if (unsafe) {
      const given = c.req.header(CSRF_HEADER) ?? (await formField(c, '_csrf'));
      if (given === undefined || !sameSecret(given, session.csrf)) {
        return refuse(c, 403, 'CsrfRefused', 'the CSRF token is missing or wrong: send the X-CSRF-Token of your session (GET /api/session)');
      }
    }
    return next();
  };
}

/** The local console's sessions: the session cookie, loopback origins. */
export function localSessions(sessions: ConsoleSessions, origins: () => Set<string>): SessionSource {
  return {
    find: (c) => sessions.touch(getCookie(c, SESSION_COOKIE)),
    origins: () => origins(),
    publicPaths: new Set(['/login', '/api/login']),
    signIn: 'open the login URL the console printed (sessions end after 30 minutes idle)',
  };
}

/** A field of a form body (urlencoded or multipart), or undefined. */
async function formField(c: Context, name: string): Promise<string | undefined> {
  const type = c.req.header('content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded') && !type.startsWith('multipart/form-data')) return undefined;
  const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
  const value = body[name];
  return typeof value === 'string' ? value : undefined;
}

/** Refuses (403) a state-changing call the session's roles do not allow; after the session guard. */
export const roleGuard: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
  const session = c.get('session');
  if (session === undefined || SAFE_METHODS.has(c.req.method)) return next();
  const needed = rolesFor(c.req.path);
  if (needed !== undefined && !needed.some((r) => session.roles.has(r))) {
    return c.json(
      {
        error: 'Forbidden',
        message: `${c.req.method} ${c.req.path} needs the role ${needed.join(' or ')}; ${session.operator} has ${[...session.roles].join(', ') || 'none'}`,
        problems: [],
      },
      403,
    );
  }
  return next();
};
