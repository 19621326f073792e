/**
 * How a console knows who calls it: guards that run before every route
 * (set the session, or refuse), and its own sign-in and sign-out routes.
 * Locally a one-time token printed in the terminal (local-auth.ts); on AWS
 * the Cognito user pool's hosted sign-in (cognito-auth.ts).
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import type { ConsoleActions } from './actions.ts';
import type { ConsoleEnv } from './guards.ts';
import type { PageViewer } from './pages.ts';

/** What sign-in routes get from the app. */
export interface AuthRouteContext {
  readonly actions: ConsoleActions;
  /** Who is looking (language, operator, CSRF token), for pages. */
  readonly viewer: (c: Context<ConsoleEnv>) => PageViewer;
}

/** One way of signing in. */
export interface ConsoleAuth {
  /** Run in order after the security headers and body limit. */
  readonly guards: readonly MiddlewareHandler<ConsoleEnv>[];
  /** Registers the sign-in and sign-out routes (pages and API). */
  routes(app: Hono<ConsoleEnv>, context: AuthRouteContext): void;
}
