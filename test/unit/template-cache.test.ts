import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Template } from '#functions/local/run-state-machine.ts';
import { cachedTemplate, templateKey } from '#functions/local/template-cache.ts';

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

const INPUTS: Record<string, string> = {
  'infra/stack.ts': 'export const a = 1;\n',
  'shared/domain/x.ts': 'export const b = 2;\n',
  'functions/local/y.ts': 'export const c = 3;\n',
  'shared/samples/catalogue.json': '{"version":"1"}\n',
  'package.json': '{"name":"wasure"}\n',
  'node_modules/aws-cdk-lib/package.json': '{"version":"2.0.0"}\n',
};

/** A package root with one file of each kind the key covers. */
async function fakeRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'wasure-tcache-'));
  roots.push(root);
  for (const [path, text] of Object.entries(INPUTS)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

const template = (n: number): Template => ({ Resources: { Machine: { Type: 'AWS::StepFunctions::StateMachine', Properties: { n } } } }) as Template;

/** A synthesizer that counts its calls. */
function counting(t: Template) {
  const calls = { n: 0 };
  return { calls, synthesize: async () => { calls.n += 1; return t; } };
}

const cacheDir = (root: string) => join(root, 'node_modules', '.cache', 'wasure');
const entries = async (root: string) => (await readdir(cacheDir(root))).filter((f) => f.startsWith('template-'));

describe('cachedTemplate', () => {
  it('synthesizes once; a hit returns the identical template without synthesizing', async () => {
    // Prepare
    const root = await fakeRoot();
    const { calls, synthesize } = counting(template(1));
    // Act
    const first = await cachedTemplate(synthesize, { root });
    const second = await cachedTemplate(synthesize, { root });
    // Assess
    expect(calls.n).toBe(1);
    expect(second).toEqual(first);
    expect(second).toEqual(template(1));
  });

  it.each(Object.keys(INPUTS))('changes its key when %s changes, and synthesizes again', async (path) => {
    // Prepare
    const root = await fakeRoot();
    const before = await templateKey({ root });
    await cachedTemplate(counting(template(1)).synthesize, { root });
    // Act
    await writeFile(join(root, path), path.startsWith('node_modules/') ? '{"version":"2.0.1"}\n' : `${INPUTS[path]} `);
    const after = await templateKey({ root });
    const { calls, synthesize } = counting(template(2));
    const got = await cachedTemplate(synthesize, { root });
    // Assess
    expect(after).not.toBe(before);
    expect(calls.n).toBe(1);
    expect(got).toEqual(template(2));
    expect(await entries(root)).toEqual([`template-${after}.json`]);
  });

  it('changes its key when a source file is added or renamed', async () => {
    // Prepare
    const root = await fakeRoot();
    const before = await templateKey({ root });
    // Act
    await writeFile(join(root, 'infra', 'new.ts'), '');
    const added = await templateKey({ root });
    await rm(join(root, 'infra', 'new.ts'));
    await writeFile(join(root, 'infra', 'other.ts'), '');
    const renamed = await templateKey({ root });
    // Assess
    expect(new Set([before, added, renamed]).size).toBe(3);
  });

  it.each([
    ['not JSON', '{"key": "abc", "templ'],
    ['JSON without a template', '{"key": "KEY"}'],
    ['a template under another key', '{"key": "0000", "template": {"Resources": {}}}'],
    ['empty', ''],
  ])('ignores a cache entry that is %s: synthesizes again and rewrites it', async (_name, text) => {
    // Prepare
    const root = await fakeRoot();
    await cachedTemplate(counting(template(1)).synthesize, { root });
    const key = await templateKey({ root });
    const file = join(cacheDir(root), `template-${key}.json`);
    await writeFile(file, text.replace('KEY', key));
    const { calls, synthesize } = counting(template(1));
    // Act
    const got = await cachedTemplate(synthesize, { root });
    const again = await cachedTemplate(synthesize, { root });
    // Assess
    expect(calls.n).toBe(1);
    expect(got).toEqual(template(1));
    expect(again).toEqual(template(1));
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ key, template: template(1) });
  });

  it('keeps the cache owner-only: folder 0700, entry 0600, no temporary file left', async () => {
    // Prepare
    const root = await fakeRoot();
    // Act
    await cachedTemplate(counting(template(1)).synthesize, { root });
    // Assess
    const names = await readdir(cacheDir(root));
    expect(names).toEqual([`template-${await templateKey({ root })}.json`]);
    expect((await stat(cacheDir(root))).mode & 0o777).toBe(0o700);
    expect((await stat(join(cacheDir(root), names[0] as string))).mode & 0o777).toBe(0o600);
  });

  it('does not trust an entry others could have written: an open entry or folder is synthesized again and closed', async () => {
    // Prepare: a cached entry of a forged template, then opened to group and others
    const root = await fakeRoot();
    await cachedTemplate(counting(template(1)).synthesize, { root });
    const file = join(cacheDir(root), `template-${await templateKey({ root })}.json`);
    const key = await templateKey({ root });
    await writeFile(file, JSON.stringify({ key, template: template(666) }));
    for (const [path, mode] of [[file, 0o666], [cacheDir(root), 0o777]] as const) {
      await chmod(path, mode);
      const { calls, synthesize } = counting(template(1));
      // Act
      const got = await cachedTemplate(synthesize, { root });
      // Assess
      expect(got).toEqual(template(1));
      expect(calls.n).toBe(1);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(cacheDir(root))).mode & 0o777).toBe(0o700);
      await writeFile(file, JSON.stringify({ key, template: template(666) }));
    }
  });

  it('returns the template when the cache cannot be written', async () => {
    // Prepare: a file where the cache folder should be
    const root = await fakeRoot();
    await mkdir(join(root, 'node_modules', '.cache'), { recursive: true });
    await writeFile(cacheDir(root), 'not a folder');
    const { calls, synthesize } = counting(template(3));
    // Act
    const got = await cachedTemplate(synthesize, { root });
    // Assess
    expect(got).toEqual(template(3));
    expect(calls.n).toBe(1);
  });
});
