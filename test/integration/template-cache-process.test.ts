import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { killCliChildren, startScriptChild } from '../cli-run.ts';

const dirs: string[] = [];
afterAll(async () => {
  await killCliChildren();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const module = (path: string) => JSON.stringify(pathToFileURL(join(process.cwd(), path)).href);

describe('the synthesized-template cache across processes', () => {
  it('a process started elsewhere synthesizes and fills it; the next reads the identical template without loading aws-cdk-lib', async () => {
    // Prepare: a cache of its own, and processes whose working directory is not the package root
    const work = await mkdtemp(join(tmpdir(), 'wasure-tcache-proc-'));
    dirs.push(work);
    const script = join(work, 'template.mts');
    await writeFile(
      script,
      `import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { synthesizeTemplate } from ${module('functions/local/local-sweep.ts')};
import { cachedTemplate } from ${module('functions/local/template-cache.ts')};
const template = await cachedTemplate(synthesizeTemplate, { dir: ${JSON.stringify(join(work, 'cache'))} });
const cdk = Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/aws-cdk-lib/'));
console.log(JSON.stringify({ cdk, hash: createHash('sha256').update(JSON.stringify(template)).digest('hex') }));
`,
    );
    const run = async () => {
      const r = await startScriptChild(script, { cwd: work }).done;
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { cdk: boolean; hash: string };
    };
    // Act
    const miss = await run();
    const hit = await run();
    // Assess
    expect(miss.cdk).toBe(true);
    expect(hit.cdk).toBe(false);
    expect(hit.hash).toBe(miss.hash);
  });
});
