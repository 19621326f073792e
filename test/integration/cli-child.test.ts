import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '#functions/local/embedded.ts';
import { alive, killCliChildren, lockOf, runCliChild, startScriptChild } from '../cli-run.ts';

const dirs: string[] = [];
afterAll(async () => {
  await killCliChildren();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wasure-child-'));
  dirs.push(dir);
  return dir;
};

describe('a CLI child run by the test helper', () => {
  it('that hangs holding a state directory is ended by the timeout with its JVM, and the next command opens the directory', async () => {
    // Prepare: a wasure process (bin/wasure.mjs → node → java, one group)
    // that takes the directory and then never ends.
    const base = await tempDir();
    const dir = join(base, 'state');
    const script = join(base, 'hang.mts');
    const module = pathToFileURL(join(process.cwd(), 'functions/local/embedded.ts')).href;
    await writeFile(
      script,
      `import { startEmbedded } from ${JSON.stringify(module)};
await startEmbedded({ dir: ${JSON.stringify(dir)}, persist: true });
console.log('HOLDING');
setInterval(() => undefined, 1000);
`,
    );
    const hung = startScriptChild(script);
    await new Promise<void>((resolve, reject) => {
      hung.child.stdout?.on('data', () => {
        if (hung.output().includes('HOLDING')) resolve();
      });
      hung.child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${hung.output()}`)));
    });
    const held = await lockOf(dir);
    // Act: the helper's timeout fires (re-armed now the directory is held,
    // so no machine is too slow for the test).
    hung.timeoutIn(0);
    const ended = await hung.done;
    const next = await startEmbedded({ dir, persist: true, warn: () => undefined });
    const nextLock = await lockOf(dir);
    await next.stop();
    // Assess
    expect(held.pid).toBe(hung.pid);
    expect(held.jvmPid).toBeTypeOf('number');
    expect(ended).toMatchObject({ timedOut: true, signal: 'SIGKILL' });
    expect(alive(held.jvmPid as number)).toBe(false);
    expect(nextLock.pid).toBe(process.pid);
  });

  it('cut short by its timeout while it opens the stores, leaves the directory to the next command', async () => {
    // Prepare
    const dir = join(await tempDir(), 'state');
    // Act: a real CLI command cut short while it starts the stores, then the next one.
    const cut = await runCliChild(['audit', 'verify', '--local', dir], { timeoutMs: 1500 });
    const next = await runCliChild(['audit', 'verify', '--local', dir]);
    // Assess
    expect(cut.timedOut).toBe(true);
    expect(next.timedOut).toBe(false);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toContain('audit trail verified');
  });
});
