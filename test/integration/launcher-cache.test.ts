import { spawnSync } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compiledLauncher } from '#functions/local/dynamodb-local.ts';

const SOURCE = fileURLToPath(new URL('../../functions/local/dynamodb-local-launcher.java', import.meta.url));
const JAVA = `${spawnSync('java', ['-version'], { encoding: 'utf8' }).stderr}`;

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

/** A cache folder and a copy of the launcher source that a test may change. */
async function fresh(): Promise<{ cacheRoot: string; source: string }> {
  const root = await mkdtemp(join(tmpdir(), 'wasure-lcache-'));
  roots.push(root);
  const source = join(root, 'dynamodb-local-launcher.java');
  await copyFile(SOURCE, source);
  return { cacheRoot: join(root, 'cache'), source };
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('compiledLauncher', () => {
  it('compiles once into an owner-only folder and reuses it', async () => {
    // Prepare
    const { cacheRoot, source } = await fresh();

    // Act
    const dir = compiledLauncher({ source, cacheRoot, javaVersion: JAVA });
    const again = compiledLauncher({ source, cacheRoot, javaVersion: JAVA });

    // Assess
    expect(dir).toBeDefined();
    expect(again).toBe(dir);
    const d = dir as string;
    expect(await mode(cacheRoot)).toBe(0o700);
    expect(await mode(d)).toBe(0o700);
    const files = await readdir(d);
    expect(files).toContain('DynamoDbLocalLauncher.class');
    for (const f of files) expect(await mode(join(d, f))).toBe(0o600);
    expect((await readdir(cacheRoot)).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('compiles again when the source or the JVM changes', async () => {
    // Prepare
    const { cacheRoot, source } = await fresh();
    const first = compiledLauncher({ source, cacheRoot, javaVersion: JAVA });

    // Act
    await writeFile(source, `${await readFile(source, 'utf8')}\n// changed\n`);
    const changed = compiledLauncher({ source, cacheRoot, javaVersion: JAVA });
    const otherJvm = compiledLauncher({ source, cacheRoot, javaVersion: `${JAVA} (another)` });

    // Assess
    expect(changed).toBeDefined();
    expect(changed).not.toBe(first);
    expect(otherJvm).toBeDefined();
    expect(otherJvm).not.toBe(changed);
  });

  it('compiles a corrupt class again instead of running it', async () => {
    // Prepare
    const { cacheRoot, source } = await fresh();
    const dir = compiledLauncher({ source, cacheRoot, javaVersion: JAVA }) as string;
    const cls = join(dir, 'DynamoDbLocalLauncher.class');
    const good = await readFile(cls);
    await writeFile(cls, good.subarray(0, 100));

    // Act
    const again = compiledLauncher({ source, cacheRoot, javaVersion: JAVA });

    // Assess
    expect(again).toBe(dir);
    expect(await readFile(cls)).toEqual(good);
    expect(await mode(cls)).toBe(0o600);
  });

  it('never runs a folder open to others, and gives up when compiling fails', async () => {
    // Prepare
    const { cacheRoot, source } = await fresh();
    const dir = compiledLauncher({ source, cacheRoot, javaVersion: JAVA }) as string;
    await chmod(dir, 0o777);
    const broken = await fresh();
    await writeFile(broken.source, 'this is not java\n');

    // Act
    const open = compiledLauncher({ source, cacheRoot, javaVersion: JAVA });
    const failed = compiledLauncher({ ...broken, javaVersion: JAVA });

    // Assess
    expect(open).toBeUndefined();
    expect(failed).toBeUndefined();
    expect((await readdir(broken.cacheRoot)).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});
