/**
 * What every route needs of an HTTP call: the viewer (language from
 * `?lang=` or its cookie, the session's operator and CSRF token), the
 * session's operator, and a JSON or form body (a wrong content type or
 * bad JSON is a ValidationError naming the body).
 */
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { LifecycleError, ValidationError } from '#shared/errors.ts';
import type { ConsoleEnv } from './guards.ts';
import type { ConsoleLang } from './labels.ts';
import type { PageViewer } from './pages.ts';

const LANG_COOKIE = 'wasure_lang';

export function langOf(c: Context): ConsoleLang {
  const asked = c.req.query('lang');
  if (asked === 'ja' || asked === 'en') {
    setCookie(c, LANG_COOKIE, asked, { path: '/', sameSite: 'Strict', httpOnly: true });
    return asked;
  }
  return getCookie(c, LANG_COOKIE) === 'en' ? 'en' : 'ja';
}

export function viewer(c: Context<ConsoleEnv>): PageViewer {
  const s = c.get('session');
  return { lang: langOf(c), ...(s === undefined ? {} : { operator: s.operator, csrf: s.csrf }) };
}

/** The session's operator (the guard has made sure there is one). */
export function operatorOf(c: Context<ConsoleEnv>): string {
  const s = c.get('session');
  if (s === undefined) throw new LifecycleError('no session');
  return s.operator;
}

export async function jsonBody(c: Context): Promise<unknown> {
  if (!(c.req.header('content-type') ?? '').startsWith('application/json')) {
    throw new ValidationError('the body must be JSON', [{ path: '(body)', message: 'send Content-Type: application/json' }]);
  }
  return c.req.json().catch(() => {
    throw new ValidationError('the body is not valid JSON', [{ path: '(body)', message: 'is not valid JSON' }]);
  });
}

export async function formBody(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  return Object.fromEntries(Object.entries(body).flatMap(([k, v]) => (typeof v === 'string' && k !== '_csrf' ? [[k, v]] : [])));
}

