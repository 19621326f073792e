import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '#functions/local/embedded.ts';
import { alive, type GroupChild, killCliChildren, lockOf, spawnGroup, startCliChild, startScriptChild } from '../cli-run.ts';

const root = process.cwd();
const bin = join(root, 'bin/wasure.mjs');
const dirs: string[] = [];
const children: ChildProcess[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wasure-life-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  await killCliChildren();
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const until = async (check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
};

/** A wasure process holding `dir` (as the CLI does), started with tsx. */
const holder = async (dir: string): Promise<GroupChild> => {
  const script = join(dir, '..', `hold-${Date.now()}.mts`);
  const module = pathToFileURL(join(root, 'functions/local/embedded.ts')).href;
  await writeFile(
    script,
    `import { startEmbedded } from ${JSON.stringify(module)};
await startEmbedded({ dir: ${JSON.stringify(dir)}, persist: true });
console.log('READY');
setInterval(() => undefined, 1000);
`,
  );
  const held = startScriptChild(script, { cwd: root });
  await new Promise<void>((resolve, reject) => {
    held.child.stdout?.on('data', () => {
      if (held.output().includes('READY')) resolve();
    });
    held.child.once('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
  });
  return held;
};

describe('DynamoDB Local lives and dies with wasure', () => {
  it('ends the JVM within seconds when the wasure process is killed with SIGKILL, and the next run takes the directory', async () => {
    // Prepare
    const dir = join(await tempDir(), 'state');
    const child = await holder(dir);
    const { jvmPid } = await lockOf(dir);
    // Act: the wasure process alone, not its group
    child.child.kill('SIGKILL');
    const gone = await until(() => jvmPid !== undefined && !alive(jvmPid), 30_000);
    const next = await startEmbedded({ dir, persist: true });
    const nextLock = await lockOf(dir);
    await next.stop();
    // Assess
    expect(jvmPid).toBeTypeOf('number');
    expect(gone).toBe(true);
    expect(nextLock.pid).toBe(process.pid);
  });

  it('SIGTERM to bin/wasure.mjs ends the CLI and its JVM', async () => {
    // Prepare: a long command, watched until its JVM is recorded in the lock.
    const dir = join(await tempDir(), 'state');
    const { child: launcher } = startCliChild(['demo', '--local', dir], { cwd: await tempDir() });
    const started = await until(async () => (await lockOf(dir)).jvmPid !== undefined, 60_000);
    const { pid: cliPid, jvmPid } = await lockOf(dir);
    // Act
    const exited = new Promise((r) => launcher.once('exit', r));
    launcher.kill('SIGTERM');
    await exited;
    const cliGone = await until(() => cliPid !== undefined && !alive(cliPid), 30_000);
    const jvmGone = await until(() => jvmPid !== undefined && !alive(jvmPid), 30_000);
    // Assess
    expect(started).toBe(true);
    expect(cliPid).not.toBe(launcher.pid);
    expect(cliGone).toBe(true);
    expect(jvmGone).toBe(true);
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });

  it('ends an orphan DynamoDB Local left in a stale lock before reusing the directory, and spares an unrelated process', async () => {
    // Prepare: stand-ins whose command lines look like (or unlike) this directory's JVM.
    const dir = join(await tempDir(), 'state');
    const orphan = spawn(
      process.execPath,
      ['-e', 'setInterval(() => undefined, 1000)', '--', `-Dwasure.state=${dir}`, 'dynamodb-local-launcher.java'],
      { stdio: 'ignore' },
    );
    const unrelated = spawn(process.execPath, ['-e', 'setInterval(() => undefined, 1000)'], { stdio: 'ignore' });
    children.push(orphan, unrelated);
    const other = join(await tempDir(), 'state');
    await startEmbedded({ dir, persist: true }).then((e) => e.stop());
    await startEmbedded({ dir: other, persist: true }).then((e) => e.stop());
    await writeFile(join(dir, 'lock'), JSON.stringify({ pid: 4194303, jvmPid: orphan.pid }));
    await writeFile(join(other, 'lock'), JSON.stringify({ pid: 4194303, jvmPid: unrelated.pid }));
    // Act
    const warnings: string[] = [];
    const first = await startEmbedded({ dir, persist: true, warn: (l) => warnings.push(l) });
    await first.stop();
    const second = await startEmbedded({ dir: other, persist: true });
    await second.stop();
    // Assess
    expect(await until(() => orphan.exitCode !== null || orphan.signalCode !== null, 30_000)).toBe(true);
    expect(orphan.signalCode).toBe('SIGKILL');
    expect(warnings.join('\n')).toContain(`ending DynamoDB Local pid ${orphan.pid}`);
    expect(unrelated.exitCode === null && unrelated.signalCode === null).toBe(true);
  });

  it('refuses a second JVM on the database of a running one (OS file lock in the launcher)', async () => {
    // Prepare
    const dir = join(await tempDir(), 'state');
    const running = await startEmbedded({ dir, persist: true });
    try {
      const { jvmPid } = await lockOf(dir);
      const cmdline = (await readFile(`/proc/${jvmPid}/cmdline`, 'utf8')).split('\0').filter((a) => a !== '');
      const port = cmdline.indexOf('-port');
      cmdline[port + 1] = '0';
      // Act
      const second = spawn(cmdline[0] as string, cmdline.slice(1), { cwd: dir, stdio: ['pipe', 'ignore', 'pipe'] });
      children.push(second);
      let stderr = '';
      second.stderr?.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      const code = await new Promise<number | null>((r) => second.once('exit', r));
      // Assess
      expect(code).toBe(3);
      expect(stderr).toContain('another DynamoDB Local holds');
    } finally {
      await running.stop();
    }
  });
});

describe('bin/wasure.mjs', () => {
  const run = (file: string, cwd: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawnGroup(process.execPath, [file, '--help'], { cwd });
      void child.done.then((r) => resolve({ code: r.code, out: r.stdout + r.stderr }));
    });

  it('finds tsx from its own package when run from another directory and through an npm-link-style symlink', async () => {
    // Prepare
    const elsewhere = await tempDir();
    const link = join(elsewhere, 'wasure');
    await symlink(bin, link);
    // Act
    const direct = await run(bin, elsewhere);
    const linked = await run(link, elsewhere);
    // Assess
    expect(direct.out).not.toContain('ERR_MODULE_NOT_FOUND');
    expect(direct.code).toBe(0);
    expect(direct.out).toContain('Usage:');
    expect(linked.code).toBe(0);
    expect(linked.out).toContain('Usage:');
  });
});
