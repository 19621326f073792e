import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SubjectRequest } from '#shared/domain/requests.ts';
import type { RequestDeps, RequestInput } from '#shared/use-cases/subject-requests.ts';

/** What one in-process CLI call printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process with an empty environment, capturing its output. */
export async function runCliCaptured(argv: readonly string[], cwd: string = process.cwd()): Promise<CliRun> {
  // Loaded here, so files that only spawn children do not load the whole CLI.
  const { runCli } = await import('#functions/cli/main.ts');
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    cwd,
  });
  return { code, stdout, stderr };
}

/** The launcher users run (`npx wasure`). */
export const WASURE_BIN = join(process.cwd(), 'bin', 'wasure.mjs');

/** How a child process ended. */
export interface ChildRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The helper's timeout ended it (its whole process group, by SIGKILL). */
  readonly timedOut: boolean;
}

/** A running child, the leader of its own process group. */
export interface GroupChild {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Settles when the child has exited; after a timeout, when its whole group has. */
  readonly done: Promise<ChildRun>;
  /** What it has printed so far (stdout then stderr). */
  output(): string;
  /** Re-arms the timeout to fire `ms` from now. */
  timeoutIn(ms: number): void;
  /** SIGKILLs the child's whole process group (its JVM included) and waits until the group is gone. */
  killGroup(): Promise<ChildRun>;
}

/** Options of {@link spawnGroup}. */
export interface GroupChildOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** After this the group is SIGKILLed and `done` says `timedOut`. @default 150000 (under the test timeout) */
  readonly timeoutMs?: number;
}

const live = new Set<GroupChild>();

const killGroupNow = (pid: number) => {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
};

const groupExists = (pid: number): boolean => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Waits until no process of the group is left, reaped ones included: a
 * killed CLI under bin/wasure.mjs is reparented and reaped by init a moment
 * after the launcher closes, and until then its lock still looks held.
 */
async function groupGone(pid: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (groupExists(pid) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

// A worker that exits with children still running (a test that timed out
// in vitest) must not leave them holding a state directory.
process.once('exit', () => {
  for (const c of live) killGroupNow(c.pid);
});

/**
 * Spawns a child as the leader of a new process group (`detached`), so a
 * timeout or the end of a test ends it with everything it started — the
 * DynamoDB Local JVM and thereby the state directory's lock — instead of
 * only the process the test knows about.
 */
export function spawnGroup(command: string, args: readonly string[], options: GroupChildOptions = {}): GroupChild {
  const child = spawn(command, args, {
    cwd: options.cwd ?? process.cwd(),
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  if (child.pid === undefined) throw new Error(`cannot start ${command}`);
  const pid = child.pid;
  let stdout = '';
  let stderr = '';
  let timedOut = false;
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  let timer: NodeJS.Timeout | undefined;
  const timeoutIn = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = true;
      killGroupNow(pid);
    }, ms);
  };
  const handle: GroupChild = {
    child,
    pid,
    done: new Promise<ChildRun>((resolve) => {
      // The group is not killed here: tests check what a child's own end
      // leaves behind; killCliChildren sweeps the rest.
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        const run = { code, signal, stdout, stderr, timedOut };
        if (timedOut) void groupGone(pid).then(() => resolve(run));
        else resolve(run);
      });
    }),
    output: () => stdout + stderr,
    timeoutIn,
    killGroup: async () => {
      killGroupNow(pid);
      const run = await handle.done;
      await groupGone(pid);
      return run;
    },
  };
  live.add(handle);
  timeoutIn(options.timeoutMs ?? 150_000);
  return handle;
}

/** Starts `bin/wasure.mjs ARGV…` as its own process group (see {@link spawnGroup}). */
export function startCliChild(argv: readonly string[], options: GroupChildOptions = {}): GroupChild {
  return spawnGroup(process.execPath, [WASURE_BIN, ...argv], options);
}

/** Runs `bin/wasure.mjs ARGV…` to its end or the timeout, whichever comes first. */
export function runCliChild(argv: readonly string[], options: GroupChildOptions = {}): Promise<ChildRun> {
  return startCliChild(argv, options).done;
}

/** tsx's loader, found from this package (a child may run in any directory). */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Starts a TypeScript script through tsx as its own process group. */
export function startScriptChild(script: string, options: GroupChildOptions = {}): GroupChild {
  return spawnGroup(process.execPath, ['--import', TSX, script], options);
}

/**
 * SIGKILLs the group of every child started since the last call, running
 * or not (what an exited child left in its group goes too); call it in
 * afterEach or afterAll.
 */
export async function killCliChildren(): Promise<void> {
  const all = [...live];
  live.clear();
  await Promise.all(all.map((c) => c.killGroup()));
}

/** Whether a process with this pid exists (a zombie counts). */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The state directory's lock as written (empty when there is none). */
export const lockOf = async (dir: string): Promise<{ pid?: number; jvmPid?: number }> =>
  JSON.parse(await readFile(join(dir, 'lock'), 'utf8').catch(() => '{}')) as { pid?: number; jvmPid?: number };

/**
 * The two operators of four-eyes approval (決裁) in tests: one files a
 * request, the other approves it. The sample catalogue's public bodies
 * (ibaraki-pref, jlis, saitama-pref) put erasures and corrections under
 * approval; business controllers accept an operator and record it.
 */
export const FILER = 'clerk-1';
export const APPROVER = 'chief-2';

/** Whether a CLI run printed a request filed and awaiting approval; its id when so. */
function pendingRequestOf(printed: CliRun): string | undefined {
  try {
    const filed = JSON.parse(printed.stdout) as { requestId?: string; status?: string; approval?: { state?: string } };
    return filed.status === 'received' && filed.approval?.state === 'pending' ? filed.requestId : undefined;
  } catch {
    return /^request (\S+) \([a-z-]+\): filed by \S+, awaiting approval by a second operator/m.exec(printed.stdout)?.[1];
  }
}

/**
 * Files a request through the CLI as {@link FILER} (`request TYPE …
 * --operator clerk-1`) and, when its controller put it under approval (it
 * comes back filed and pending), approves it as {@link APPROVER}, which
 * carries it out. Returns what the approval printed — what `request TYPE`
 * printed before approval existed (`--json` when the filing had it) — or
 * the filing's own output when it needed no approval or was refused.
 * `run` adds the state options (`--local DIR --now T`) as the caller's
 * other CLI calls do.
 */
export async function fileAndApprove(run: (...argv: string[]) => Promise<CliRun>, ...argv: string[]): Promise<CliRun> {
  const filed = await run(...argv, '--operator', FILER);
  if (filed.code !== 0) return filed;
  const requestId = pendingRequestOf(filed);
  if (requestId === undefined) return filed;
  return run('request', 'approve', requestId, '--operator', APPROVER, ...(argv.includes('--json') ? ['--json'] : []));
}

/**
 * The use-case counterpart of {@link fileAndApprove}: registers the
 * request as filed by {@link FILER} and, when it is pending approval,
 * approves it as {@link APPROVER} (the caller then runs its workflow, as
 * before). Returns the request as approved (or as registered).
 */
export async function registerAndApprove(deps: RequestDeps, input: RequestInput): Promise<SubjectRequest> {
  const { registerRequest } = await import('#shared/use-cases/subject-requests.ts');
  const { decideRequest } = await import('#shared/use-cases/request-decisions.ts');
  const filed = await registerRequest(deps, { operator: FILER, ...input });
  if (filed.status !== 'received' || filed.approval?.state !== 'pending') return filed;
  return decideRequest(deps, { requestId: filed.requestId, operator: APPROVER, decision: 'approve' });
}
