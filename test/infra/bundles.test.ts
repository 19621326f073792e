/**
 * What gets deployed loads: every function is bundled by the local esbuild
 * exactly as `cdk deploy` bundles it, then each bundle is loaded alone (as
 * Lambda would, outside this package) with its environment, and must
 * export its handler. This catches a missing export, a module that fails
 * at init, or a catalogue that was not compiled in.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '#shared/config/env.ts';
import { createApp } from '#infra/create-app.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };

describe('deployable bundles', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'wasure-bundles-'));
  let functions: [string, Resource][] = [];

  beforeAll(() => {
    const { app, stateless, console: consoleStack } = createApp({ nag: false, outdir });
    const assembly = app.synth();
    functions = [stateless.stackName, consoleStack?.stackName ?? ''].flatMap((name) =>
      Object.entries((assembly.getStackByName(name).template as { Resources: Record<string, Resource> }).Resources).filter(
        ([, r]) => r.Type === 'AWS::Lambda::Function' && String(r.Properties.Runtime).startsWith('nodejs') && typeof (r.Properties.Code as { S3Key?: unknown }).S3Key === 'string',
      ),
    );
  }, 300_000);

  afterAll(() => {
    rmSync(outdir, { recursive: true, force: true });
  });

  it('bundles every function, and each bundle loads alone and exports its handler', () => {
    expect(functions.length).toBeGreaterThanOrEqual(20);
    expect(functions.map(([id]) => id)).toEqual(expect.arrayContaining([expect.stringMatching(/^ConsoleFn/), expect.stringMatching(/^ConsoleAuthorizerFn/)]));
    const failures: string[] = [];
    for (const [id, fn] of functions) {
      const asset = join(outdir, `asset.${String((fn.Properties.Code as { S3Key: string }).S3Key).split('.')[0]}`);
      // Outside this package: its package.json would make Node read the bundle as ESM.
      const alone = mkdtempSync(join(tmpdir(), 'wasure-fn-'));
      try {
        copyFileSync(join(asset, 'index.js'), join(alone, 'index.js'));
        const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        const env: Record<string, string> = { PATH: process.env.PATH ?? '', AWS_REGION: 'ap-northeast-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' };
        for (const name of Object.keys(variables)) {
          if (name !== 'NODE_OPTIONS') env[name] = typeof variables[name] === 'string' ? (variables[name] as string) : name === ENV.requestWorkflows ? '{}' : `resolved-${name}`;
        }
        const out = execFileSync(process.execPath, ['-e', "const m = require('./index.js'); process.stdout.write(typeof m.handler)"], { cwd: alone, env, encoding: 'utf8' });
        if (out !== 'function') failures.push(`${id}: handler is ${out}`);
      } catch (error) {
        failures.push(`${id}: ${(error as Error).message.split('\n')[0]}`);
      } finally {
        rmSync(alone, { recursive: true, force: true });
      }
    }
    expect(failures).toEqual([]);
  });
});
