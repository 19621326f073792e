/**
 * Serves the console on 127.0.0.1 only, over one open embedded runtime
 * (warm stores for the server's life), and hands out one-time login URLs.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { ValidationError } from '#shared/errors.ts';
import type { EmbeddedRuntime } from '../runtime.ts';
import { ConsoleActions } from './actions.ts';
import { consoleApp } from './app.ts';
import { embeddedBackend } from './embedded-backend.ts';
import { localAuth } from './local-auth.ts';
import { ConsoleSessions } from './sessions.ts';

/** The only address the console listens on. */
export const CONSOLE_HOST = '127.0.0.1';

/** How to start a console. */
export interface ConsoleOptions {
  readonly runtime: EmbeddedRuntime;
  /** The state directory (exports are written under it). */
  readonly stateDir: string;
  /** Port; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Milliseconds clock of tokens and sessions (not the runtime's, which `--now` may fix). @default Date.now */
  readonly now?: () => number;
  /** Diagnostics (error names only). @default nothing */
  readonly log?: (line: string) => void;
}

/** A running console. */
export interface RunningConsole {
  readonly port: number;
  /** A new one-time login URL (token in the fragment, valid 10 minutes). */
  loginUrl(): string;
  /** Stops listening and ends every connection; the runtime stays open (its owner closes it). */
  close(): Promise<void>;
}

/** Refuses a port that is not 0–65535. */
export function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ValidationError('the port is not usable', [{ path: '--port', message: 'must be a whole number from 0 to 65535' }]);
  }
}

/** Starts the console; resolves once it listens. */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  if (options.runtime.mode !== 'embedded') {
    throw new ValidationError('the console runs over the embedded stores only', [{ path: '--stack', message: 'is not supported by wasure console' }]);
  }
  const port = options.port ?? 0;
  checkPort(port);
  const sessions = new ConsoleSessions(options.now);
  let bound = port;
  const app = consoleApp({
    actions: new ConsoleActions(embeddedBackend(options.runtime, options.stateDir)),
    auth: localAuth(sessions, () => bound),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: CONSOLE_HOST, port }, () => resolve(s));
    s.once('error', reject);
  });
  bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    loginUrl: () => `http://${CONSOLE_HOST}:${bound}/login#token=${sessions.issueToken()}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
