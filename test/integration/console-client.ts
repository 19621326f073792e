/**
 * A console over the embedded stores for the console's API tests: the
 * sample records ingested at `now`, the server started, and calls made as
 * a browser or a script would (node:http, so the Host header is ours).
 */
import { request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { type RunningConsole, startConsole } from '#functions/console/server.ts';
import { type EmbeddedRuntime, openEmbeddedRuntime } from '#functions/runtime.ts';
import { runCliCaptured } from '../cli-run.ts';

/** One HTTP answer. */
export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly bytes: Buffer;
  json<T = Record<string, unknown>>(): T;
}

/** A session's cookie and CSRF token. */
export interface ConsoleLogin {
  readonly cookie: string;
  readonly csrf: string;
}

/** A started console and how to call it. */
export interface ConsoleClient {
  readonly dir: string;
  readonly runtime: EmbeddedRuntime;
  readonly server: RunningConsole;
  call(method: string, path: string, options?: { headers?: Record<string, string>; body?: string }): Promise<Reply>;
  login(operator: string): Promise<ConsoleLogin>;
  /** A JSON POST with the session's cookie and CSRF token. */
  post(session: ConsoleLogin, path: string, body: unknown): Promise<Reply>;
  /** A GET with the session's cookie. */
  get(session: ConsoleLogin, path: string): Promise<Reply>;
  close(): Promise<void>;
}

const sample = (name: string) => fileURLToPath(new URL(`../../shared/samples/${name}`, import.meta.url));

/** Ingests the sample records at `now` and starts a console over them (under `catalogueFile`, by default the sample catalogue). */
export async function startConsoleClient(now: string, options: { readonly catalogueFile?: string } = {}): Promise<ConsoleClient> {
  const dir = await mkdtemp(join(tmpdir(), 'wasure-console-'));
  const catalogue = options.catalogueFile === undefined ? [] : ['--catalogue', options.catalogueFile];
  const ingest = await runCliCaptured(['ingest', sample('records.jsonl'), '--local', dir, '--now', now, ...catalogue, '--json']);
  expect(ingest.code, ingest.stderr).toBe(0);
  const runtime = await openEmbeddedRuntime({ cwd: process.cwd(), env: {}, dir, now, catalogueFile: options.catalogueFile });
  const server = await startConsole({ runtime, stateDir: dir });
  const host = `127.0.0.1:${server.port}`;
  const call: ConsoleClient['call'] = (method, path, options = {}) =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, method, path, headers: { host, ...options.headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, bytes, json: () => JSON.parse(text) });
        });
      });
      req.on('error', reject);
      req.end(options.body);
    });
  const login = async (operator: string) => {
    const token = /#token=([A-Za-z0-9_-]+)$/.exec(server.loginUrl())?.[1] ?? '';
    const res = await call('POST', '/api/login', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, operator }) });
    expect(res.status, res.text).toBe(200);
    return { cookie: String(res.headers['set-cookie']).split(';')[0] ?? '', csrf: res.json<{ csrfToken: string }>().csrfToken };
  };
  return {
    dir,
    runtime,
    server,
    call,
    login,
    post: (session, path, body) =>
      call('POST', path, { headers: { cookie: session.cookie, 'x-csrf-token': session.csrf, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    get: (session, path) => call('GET', path, { headers: { cookie: session.cookie } }),
    close: async () => {
      await server.close();
      await runtime.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
