/**
 * The console's logins and sessions, held in memory for the server's life:
 * one-time login tokens (32 random bytes, single use, 10 minutes), and
 * sessions (a random 32-byte id in an HttpOnly cookie, the operator named
 * at login, a CSRF token bound to the session, a 30-minute idle timeout).
 * Comparisons of secrets are constant-time.
 */
import { newSecret as random, secretDigest as digest } from '#shared/domain/secrets.ts';
import { CONSOLE_ROLES, type ConsoleRole } from './roles.ts';

/** How long a printed login token may be used. */
export const LOGIN_TOKEN_TTL_MS = 10 * 60 * 1000;

/** A session ends after this long without a request. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;

/** One logged-in operator. */
export interface ConsoleSession {
  readonly id: string;
  readonly operator: string;
  /** Sent back in the `X-CSRF-Token` header (or `_csrf` form field) of every state-changing call. */
  readonly csrf: string;
  /** What the operator may do (locally: every role). */
  readonly roles: ReadonlySet<ConsoleRole>;
  lastSeen: number;
}

/** Login tokens and sessions of one console server. */
export class ConsoleSessions {
  private readonly tokens = new Map<string, number>();
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new single-use login token, valid for {@link LOGIN_TOKEN_TTL_MS}. */
  issueToken(): string {
    const token = random();
    this.tokens.set(digest(token), this.now() + LOGIN_TOKEN_TTL_MS);
    return token;
  }

  /** Spends a login token for `operator`; undefined when it is unknown, used or expired. */
  login(token: string, operator: string): ConsoleSession | undefined {
    const key = digest(token);
    const expires = this.tokens.get(key);
    this.tokens.delete(key);
    if (expires === undefined || this.now() > expires) return undefined;
    const id = random();
    const session: ConsoleSession = { id, operator, csrf: random(), roles: new Set(CONSOLE_ROLES), lastSeen: this.now() };
    this.sessions.set(digest(id), session);
    return session;
  }

  /** The live session of a cookie value, its idle clock restarted; undefined when none. */
  touch(id: string | undefined): ConsoleSession | undefined {
    if (id === undefined || id === '') return undefined;
    const key = digest(id);
    const session = this.sessions.get(key);
    if (session === undefined) return undefined;
    const now = this.now();
    if (now - session.lastSeen > SESSION_IDLE_MS) {
      this.sessions.delete(key);
      return undefined;
    }
    session.lastSeen = now;
    return session;
  }

  /** Ends a session (logout). */
  end(id: string): void {
    this.sessions.delete(digest(id));
  }
}
