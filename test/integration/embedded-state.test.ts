import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../cli-run.ts';
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { startEmbedded } from '#functions/local/embedded.ts';
import { STATE_TABLE } from '#functions/local/state-manifest.ts';
import { ConfigError } from '#shared/errors.ts';

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wasure-state-'));
  dirs.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const cli = (local: string, ...argv: string[]) => runCliCaptured([...argv, '--local', local]);

/** Every path under `root` whose mode gives group or others any access. */
const loose = async (root: string): Promise<string[]> => {
  const found: string[] = [];
  const visit = async (path: string) => {
    const info = await lstat(path);
    if ((info.mode & 0o077) !== 0) found.push(`${path} ${(info.mode & 0o777).toString(8)}`);
    if (info.isDirectory()) {
      for (const entry of await readdir(path)) await visit(join(path, entry));
    }
  };
  await visit(root);
  return found;
};

/** A state directory made by one command: the stores are bound by its manifest. */
const madeState = async (): Promise<string> => {
  const dir = join(await tempDir(), 'state');
  await startEmbedded({ dir, persist: true }).then((e) => e.stop());
  return dir;
};

describe('owner-only state directory', () => {
  it('leaves no group or other permission anywhere after a CLI command', async () => {
    // Prepare
    const dir = join(await tempDir(), 'state');
    // Act
    const result = await cli(dir, 'ingest', fileURLToPath(new URL('../../shared/samples/records.jsonl', import.meta.url)));
    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(await loose(dir)).toEqual([]);
    expect((await stat(join(dir, 'state.json'))).mode & 0o777).toBe(0o600);
  });

  it('tightens an existing --local directory made with loose permissions', async () => {
    // Prepare
    const dir = await madeState();
    await chmod(dir, 0o755);
    await chmod(join(dir, 'kms'), 0o755);
    await chmod(join(dir, 'kms', 'data.key'), 0o644);
    await chmod(join(dir, 'state.json'), 0o666);
    await mkdir(join(dir, 'exports'), { mode: 0o777 });
    await chmod(join(dir, 'exports'), 0o777);
    await writeFile(join(dir, 'exports', 'old.csv'), 'x', { mode: 0o644 });
    await chmod(join(dir, 'exports', 'old.csv'), 0o644);
    const before = await loose(dir);
    // Act
    const result = await cli(dir, 'audit', 'verify');
    // Assess
    expect(before.length).toBeGreaterThanOrEqual(6);
    expect(result.code, result.stderr).toBe(0);
    expect(await loose(dir)).toEqual([]);
  });
});

describe('stores out of step are refused', () => {
  let base: string;
  beforeAll(async () => {
    base = await madeState();
  });
  const copy = async () => {
    const dir = join(await tempDir(), 'state');
    const { cp } = await import('node:fs/promises');
    await cp(base, dir, { recursive: true });
    await rm(join(dir, 'lock'), { force: true });
    return dir;
  };

  it('exits 1 naming the DynamoDB store when its state was deleted, instead of audit verify passing', async () => {
    // Prepare
    const dir = await copy();
    await rm(join(dir, 'dynamodb'), { recursive: true });
    // Act
    const result = await cli(dir, 'audit', 'verify');
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ConfigError: the DynamoDB store');
    expect(result.stderr).toContain('is missing');
  });

  it('refuses, and makes no new master keys, when the key state was deleted', async () => {
    // Prepare
    const dir = await copy();
    await rm(join(dir, 'kms'), { recursive: true });
    // Act
    const result = await cli(dir, 'audit', 'verify');
    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ConfigError: the key store');
    await expect(stat(join(dir, 'kms', 'data.key'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses when one key file is missing, unreadable or replaced, and never overwrites it', async () => {
    // Prepare
    const missing = await copy();
    await rm(join(missing, 'kms', 'hmac.key'));
    const unreadable = await copy();
    await rm(join(unreadable, 'kms', 'data.key'));
    await mkdir(join(unreadable, 'kms', 'data.key'));
    const replaced = await copy();
    await writeFile(join(replaced, 'kms', 'data.key'), Buffer.alloc(32, 7));
    // Act
    const results = await Promise.all(
      [missing, unreadable, replaced].map((dir) => startEmbedded({ dir, persist: true }).catch((e: unknown) => e)),
    );
    // Assess
    for (const result of results) {
      expect(result).toBeInstanceOf(ConfigError);
      expect((result as Error).message).toMatch(/key store|key file/);
    }
    await expect(stat(join(missing, 'kms', 'hmac.key'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await stat(join(unreadable, 'kms', 'data.key'))).isDirectory()).toBe(true);
    expect(await readFile(join(replaced, 'kms', 'data.key'))).toEqual(Buffer.alloc(32, 7));
  });

  it('refuses naming the S3 store when its state was deleted or swapped for another state\'s', async () => {
    // Prepare
    const deleted = await copy();
    await rm(join(deleted, 's3'), { recursive: true });
    const swapped = await copy();
    const other = await madeState();
    await rm(join(swapped, 's3'), { recursive: true });
    const { cp } = await import('node:fs/promises');
    await cp(join(other, 's3'), join(swapped, 's3'), { recursive: true });
    // Act
    const gone = await startEmbedded({ dir: deleted, persist: true }).catch((e: unknown) => e);
    const foreign = await startEmbedded({ dir: swapped, persist: true }).catch((e: unknown) => e);
    // Assess
    expect(gone).toBeInstanceOf(ConfigError);
    expect((gone as Error).message).toContain('the S3 store');
    expect(foreign).toBeInstanceOf(ConfigError);
    expect((foreign as Error).message).toContain('the S3 store');
    expect((foreign as Error).message).toContain('belongs to another state');
  });

  it('refuses naming the DynamoDB store when its state id was removed, asking again before it does', async () => {
    // Prepare
    const dir = await copy();
    const open = await startEmbedded({ dir, persist: true });
    await open.dynamodb.send(new DeleteItemCommand({ TableName: STATE_TABLE, Key: { id: { S: 'state' } } }));
    await open.stop();
    // Act
    const result = await startEmbedded({ dir, persist: true }).catch((e: unknown) => e);
    // Assess
    expect(result).toBeInstanceOf(ConfigError);
    expect((result as Error).message).toContain('the DynamoDB store');
    expect((result as Error).message).toContain('carries no state id');
  });

  it('refuses a directory whose manifest is gone but whose stores hold data', async () => {
    // Prepare
    const dir = await copy();
    await rm(join(dir, 'state.json'));
    // Act
    const result = await startEmbedded({ dir, persist: true }).catch((e: unknown) => e);
    // Assess
    expect(result).toBeInstanceOf(ConfigError);
    expect((result as Error).message).toContain('no state manifest');
  });

  it('opens the intact directory again, and writes key files and manifest without leftovers', async () => {
    // Prepare
    const dir = await copy();
    // Act
    const again = await startEmbedded({ dir, persist: true });
    await again.stop();
    // Assess
    expect((await readdir(join(dir, 'kms'))).sort()).toEqual(['audit-mac.key', 'data.key', 'hmac.key', 'signing.pem']);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(JSON.parse(await readFile(join(dir, 'state.json'), 'utf8'))).toMatchObject({ format: 1, complete: true });
  });
});
