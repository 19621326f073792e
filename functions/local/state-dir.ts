/**
 * Owner-only state directories for the embedded mode: tightening an
 * existing tree to 0700 directories and 0600-style files, a process umask
 * of 077 while the stand-ins run (the JVM inherits it at spawn; s3rver
 * writes in-process), and the lock that keeps one wasure process, and its
 * one DynamoDB Local JVM, per directory.
 */
import { lstatSync, readFileSync, rmSync } from 'node:fs';
import { chmod, lstat, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '#shared/adapters/local/kms-server.ts';
import { ConfigError } from '#shared/errors.ts';

/**
 * Removes group and other permission bits from `root` and everything
 * under it (directories become 0700). Symbolic links are not followed.
 * Whatever cannot be tightened (another owner, a read-only file system)
 * is reported through `warn` and left as it is.
 */
export async function tightenTree(root: string, warn: (line: string) => void): Promise<void> {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const visit = async (path: string): Promise<void> => {
    let info: Awaited<ReturnType<typeof lstat>>;
    try {
      info = await lstat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') warn(`cannot inspect ${path}: ${(error as Error).message}`);
      return;
    }
    if (info.isSymbolicLink()) {
      warn(`${path} is a symbolic link; its target's permissions are not changed`);
      return;
    }
    const wanted = info.isDirectory() ? 0o700 : Number(info.mode) & 0o700;
    if ((Number(info.mode) & 0o777) !== wanted && (info.isDirectory() || (Number(info.mode) & 0o077) !== 0)) {
      if (uid !== undefined && Number(info.uid) !== uid) {
        warn(`${path} belongs to uid ${info.uid}, not to this user (${uid}): cannot make it owner-only`);
      } else {
        try {
          await chmod(path, wanted);
        } catch (error) {
          warn(`cannot make ${path} owner-only: ${(error as Error).message}`);
        }
      }
    }
    if (info.isDirectory()) {
      let entries: string[] = [];
      try {
        entries = await readdir(path);
      } catch (error) {
        warn(`cannot list ${path}: ${(error as Error).message}`);
      }
      for (const entry of entries) {
        await visit(join(path, entry));
      }
    }
  };
  await visit(root);
}

let umaskHolders = 0;
let umaskBefore: number | undefined;

/** Owned by this user and closed to group and others (a symlink never is). */
export function ownerOnly(path: string, kind: 'dir' | 'file'): boolean {
  const found = lstatSync(path, { throwIfNoEntry: false });
  if (found === undefined) return false;
  if (kind === 'dir' ? !found.isDirectory() : !found.isFile()) return false;
  const uid = process.getuid?.();
  return (uid === undefined || found.uid === uid) && (found.mode & 0o077) === 0;
}

/**
 * Sets the process umask to include 077 until the returned function is
 * called (counted, so nested embedded runs in one process restore it once).
 * Where the umask cannot be set (a worker thread) it warns and relies on
 * the explicit modes and {@link tightenTree}.
 */
export function ownerOnlyUmask(warn: (line: string) => void): () => void {
  if (umaskHolders === 0) {
    try {
      const before = process.umask(0o077);
      umaskBefore = before;
      process.umask(before | 0o077);
    } catch (error) {
      warn(`cannot set umask 077 (${(error as Error).message}); files are tightened after each run instead`);
      return () => undefined;
    }
  }
  umaskHolders += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    umaskHolders -= 1;
    if (umaskHolders === 0 && umaskBefore !== undefined) {
      process.umask(umaskBefore);
      umaskBefore = undefined;
    }
  };
}

/** What the lock file holds. */
export interface LockRecord {
  /** The wasure (Node) process holding the directory. */
  readonly pid: number;
  /** Its DynamoDB Local JVM, once started. */
  readonly jvmPid?: number;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLock(text: string): LockRecord | undefined {
  if (/^\d+$/.test(text.trim())) return { pid: Number(text.trim()) };
  try {
    const value = JSON.parse(text) as { pid?: unknown; jvmPid?: unknown };
    if (typeof value.pid !== 'number') return undefined;
    return typeof value.jvmPid === 'number' ? { pid: value.pid, jvmPid: value.jvmPid } : { pid: value.pid };
  } catch {
    return undefined;
  }
}

/** The marker the launcher's command line carries; see dynamodb-local.ts. */
export const LAUNCHER_MARK = 'dynamodb-local-launcher.java';

/**
 * Whether `pid` is a DynamoDB Local launched by wasure for `dir`: its
 * command line names the launcher and `-Dwasure.state=DIR`. Undefined when
 * this cannot be told (no /proc).
 */
async function isOurJvm(pid: number, dir: string): Promise<boolean | undefined> {
  try {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    return cmdline.some((a) => a.endsWith(LAUNCHER_MARK)) && cmdline.includes(`-Dwasure.state=${dir}`);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' && pidAlive(pid) ? undefined : false;
  }
}

async function endOrphan(pid: number, dir: string, warn: (line: string) => void): Promise<void> {
  const ours = await isOurJvm(pid, dir);
  if (ours === false) return;
  if (ours === undefined) {
    throw new ConfigError(
      `${dir} was held by a wasure process that died; its DynamoDB Local (pid ${pid}) may still be running: end it, then retry`,
    );
  }
  warn(`ending DynamoDB Local pid ${pid}, left running by a wasure process that died`);
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && (await isOurJvm(pid, dir)) !== false; i += 1) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if ((await isOurJvm(pid, dir)) !== false) {
    throw new ConfigError(`DynamoDB Local pid ${pid} left by a dead wasure process does not end; it holds ${dir}`);
  }
}

/** A held directory lock. */
export interface DirLock {
  /** Records the JVM serving this directory, so a later run can end it if this process dies. */
  recordJvm(pid: number): Promise<void>;
  /** Removes the lock if it is still ours. Synchronous: also runs from exit handlers. */
  release(): void;
}

/**
 * Takes `${dir}/lock` for this process. The file is created exclusively,
 * so two processes starting at the same moment cannot both win. A lock
 * left by a live process is refused. A lock left by a dead process is
 * taken over, after ending its DynamoDB Local JVM if that still runs (so
 * two JVMs never open the same database files; the launcher's OS file lock
 * enforces the same inside the JVM).
 */
export async function takeLock(dir: string, warn: (line: string) => void): Promise<DirLock> {
  const path = join(dir, 'lock');
  const mine = (record: LockRecord) => JSON.stringify(record);
  for (let attempt = 0; ; attempt += 1) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(mine({ pid: process.pid }));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) {
        throw error;
      }
    }
    const held = await readFile(path, 'utf8').catch(() => '');
    const record = parseLock(held);
    // An empty file is a lock being written right now by its owner.
    if (held === '' || (record !== undefined && record.pid !== process.pid && pidAlive(record.pid))) {
      throw new ConfigError(
        `${dir} is in use by another wasure process (pid ${record?.pid ?? 'starting'}); wait for it to finish or use --local DIR`,
      );
    }
    if (record?.jvmPid !== undefined && pidAlive(record.jvmPid)) {
      await endOrphan(record.jvmPid, dir, warn);
    }
    rmSync(path, { force: true });
  }
  return {
    recordJvm: async (jvmPid) => {
      await writeFileAtomic(path, mine({ pid: process.pid, jvmPid }));
    },
    release: () => {
      try {
        if (parseLock(readFileSync(path, 'utf8'))?.pid === process.pid) {
          rmSync(path, { force: true });
        }
      } catch {
        // Already gone.
      }
    },
  };
}
