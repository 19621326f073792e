/**
 * The local console's sign-in: the one-time login URL the terminal prints
 * (token in the fragment), the operator named at login, an HttpOnly
 * SameSite=Strict session cookie; only 127.0.0.1/localhost on the
 * console's own port are answered (DNS rebinding). Logins, refused logins
 * and logouts are audited.
 */
import type { Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { ConsoleActions } from './actions.ts';
import { formBody, jsonBody } from './http.ts';
import type { ConsoleAuth } from './auth.ts';
import { hostGuard, localSessions, loopbackNames, SESSION_COOKIE, sessionGuard } from './guards.ts';
import { loginPage } from './pages.ts';
import { loginSchema, parseInput } from './schemas.ts';
import type { ConsoleSessions } from './sessions.ts';

/** Local sign-in over `sessions`, for a server on `port`. */
export function localAuth(sessions: ConsoleSessions, port: () => number): ConsoleAuth {
  const names = loopbackNames(port);
  const startSession = async (actions: ConsoleActions, c: Context, token: string, operator: string) => {
    const session = sessions.login(token, operator);
    await actions.auditSession(operator, session === undefined ? 'login-refused' : 'login');
    if (session === undefined) return undefined;
    setCookie(c, SESSION_COOKIE, session.id, { httpOnly: true, sameSite: 'Strict', path: '/' });
    return session;
  };
  const endSession = async (actions: ConsoleActions, c: Context) => {
    const id = getCookie(c, SESSION_COOKIE) ?? '';
    const operator = sessions.touch(id)?.operator;
    sessions.end(id);
    if (operator !== undefined) await actions.auditSession(operator, 'logout');
    setCookie(c, SESSION_COOKIE, '', { httpOnly: true, sameSite: 'Strict', path: '/', maxAge: 0 });
  };
  return {
    guards: [hostGuard(names.hosts), sessionGuard(localSessions(sessions, names.origins))],
    routes(app, { actions, viewer }) {
      app.post('/api/login', async (c) => {
        const input = parseInput(loginSchema, await jsonBody(c), 'login');
        const session = await startSession(actions, c, input.token, input.operator);
        if (session === undefined) return c.json({ error: 'Unauthenticated', message: 'the login token is unknown, used or expired', problems: [] }, 401);
        return c.json({ operator: session.operator, csrfToken: session.csrf });
      });
      app.post('/api/logout', async (c) => {
        await endSession(actions, c);
        return c.json({ ok: true });
      });
      app.get('/login', (c) => c.html(loginPage(viewer(c), false)));
      app.post('/login', async (c) => {
        const f = await formBody(c);
        const input = parseInput(loginSchema, { token: f.token ?? '', operator: f.operator ?? '' }, 'login');
        return (await startSession(actions, c, input.token, input.operator)) === undefined ? c.html(loginPage(viewer(c), true), 401) : c.redirect('/', 303);
      });
      app.post('/logout', async (c) => {
        await endSession(actions, c);
        return c.redirect('/login', 303);
      });
    },
  };
}
