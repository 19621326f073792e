import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandWords, parseArgs, requiredOptions } from '#functions/cli/args.ts';
import { assertDemoMayEmpty, DEMO_MARKER } from '#functions/cli/commands/demo.ts';
import { COMMANDS } from '#functions/cli/commands/index.ts';
import { runCliCaptured } from '../cli-run.ts';
import { ValidationError } from '#shared/errors.ts';

describe('strict argument parsing', () => {
  let dir: string;
  const run = (...argv: string[]) => runCliCaptured(argv, dir);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-args-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [['sweep', '--dryrun'], '--dryrun', 'did you mean --dry-run?'],
    [['policy', 'check', 'F', '--frobnicate'], '--frobnicate', 'is not an option of wasure policy check'],
    [['read', '--record'], '--record', 'needs a value'],
    [['read', '--record', '--purpose', 'p'], '--record', 'needs a value'],
    [['sweep', '--json=yes'], '--json', 'takes no value'],
    [['policy', 'check', 'a', 'b'], 'b', 'takes FILE only'],
    [['sweep', 'now'], 'now', 'takes no positional arguments'],
    [['audit', 'verify', '--subject', 'S-1'], '--subject', 'is not an option of wasure audit verify'],
    [['--frobnicate'], '--frobnicate', 'is not an option'],
  ])('refuses %j with exit 2 naming %s, and opens no store', async (argv, name, why) => {
    // Prepare
    const state = join(dir, `state-${argv.join('_').replace(/\W/g, '')}`);

    // Act
    const result = await run(...argv, '--local', state);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(name);
    expect(result.stderr).toContain(why);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    await expect(readdir(state)).rejects.toThrow(/ENOENT/);
  });

  it('names the unknown command and prints the usage on stderr', async () => {
    // Act
    const result = await run('frobnicate');

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "frobnicate"');
    expect(result.stderr).toContain('Usage:');
  });

  it('answers --json with the refusal as JSON', async () => {
    // Act
    const result = await run('sweep', '--dryrun', '--json');

    // Assess
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: false,
      error: 'ValidationError',
      problems: [{ path: '--dryrun' }],
    });
  });

  it.each(COMMANDS.map((c) => [c.path.join(' ')]))(
    'gives `wasure %s --help`: its usage, options and exit 0',
    async (name) => {
      // Act
      const result = await run(...name.split(' '), '--help');

      // Assess
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: wasure ${name}`);
      expect(result.stdout).toContain('Global options:');
      expect(result.stdout).toContain('--local DIR');
    },
  );

  it('lists each command option in its help, with examples', async () => {
    // Act
    const result = await run('sweep', '--help');

    // Assess
    expect(result.stdout).toContain('--dry-run');
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('wasure sweep --dry-run');
  });

  it('prints the version of package.json', async () => {
    // Act
    const result = await run('--version');

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^wasure \d+\.\d+\.\d+\n$/);
  });

  it('refuses --local naming a regular file with exit 2, before any store starts', async () => {
    // Prepare
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');

    // Act
    const result = await run('audit', 'verify', '--local', file);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file} is not a directory`);
  });
});

describe('parseArgs', () => {
  const spec = {
    command: 'provide',
    positionals: [],
    options: {
      record: { type: 'string', multiple: true, description: 'r' },
      subject: { type: 'string', description: 's' },
      json: { type: 'boolean', description: 'j' },
    },
  } as const;

  it('collects a repeatable option and keeps flags and values apart', () => {
    // Act
    const args = parseArgs(['--record', 'a', '--record=b', '--subject', 'S', '--json'], spec);

    // Assess
    expect(args.options).toEqual({ record: ['a', 'b'], subject: 'S', json: true });
  });

  it('throws a ValidationError, never a raw parse error', () => {
    // Act / Assess
    expect(() => parseArgs(['--subject'], spec)).toThrow(ValidationError);
    expect(() => parseArgs(['--nope'], spec)).toThrow(ValidationError);
    expect(() => parseArgs(['stray'], spec)).toThrow(ValidationError);
  });

  it.each([
    [['sweep', '--dry-run'], ['sweep']],
    [['--json', 'audit', 'log', '--subject', 'S'], ['audit', 'log']],
    [['--local', 'd', 'policy', 'check', 'F'], ['policy', 'check', 'F']],
    [['hold', 'add', '--record', 'x'], ['hold', 'add']],
  ])('finds the command words of %j', (argv, words) => {
    // Act / Assess
    expect(commandWords(argv).map((w) => w.word)).toEqual(words);
  });
});

describe('the demo state directory', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-demo-dir-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a non-empty directory without the marker, exit 2, and leaves its files alone', async () => {
    // Prepare
    const mine = join(dir, 'my-documents');
    await mkdir(mine);
    await writeFile(join(mine, 'thesis.txt'), 'precious');

    // Act
    const { code, stderr } = await runCliCaptured(['demo', '--local', mine], dir);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(`${mine} is not empty and is not a demo directory`);
    expect(await readdir(mine)).toEqual(['thesis.txt']);
  });

  it.each([
    ['a missing directory', async () => join(dir, 'new'), false, true],
    ['an empty directory', async () => mkdtemp(join(dir, 'empty-')), false, true],
    [
      'a directory with the demo marker',
      async () => {
        const d = await mkdtemp(join(dir, 'marked-'));
        await writeFile(join(d, DEMO_MARKER), '');
        await mkdir(join(d, 'dynamodb'));
        return d;
      },
      false,
      true,
    ],
    [
      'a directory with other files',
      async () => {
        const d = await mkdtemp(join(dir, 'other-'));
        await writeFile(join(d, 'a.txt'), '');
        return d;
      },
      false,
      false,
    ],
    [
      'the default directory, whatever it holds',
      async () => {
        const d = await mkdtemp(join(dir, 'default-'));
        await writeFile(join(d, 'a.txt'), '');
        return d;
      },
      true,
      true,
    ],
  ])('%s: may be emptied = %s', async (_name, make, isDefault, allowed) => {
    // Prepare
    const target = await make();

    // Act
    const outcome = assertDemoMayEmpty(target, isDefault);

    // Assess
    if (allowed) {
      await expect(outcome).resolves.toBeUndefined();
    } else {
      await expect(outcome).rejects.toThrow(ValidationError);
    }
  });
});

describe('required options', () => {
  const args = (options: Record<string, string>) => ({ positionals: [], options });

  it('returns the values when every required option is given', () => {
    expect(requiredOptions(args({ record: 'r-1', purpose: 'p' }), 'read', { record: '', purpose: 'a purpose id' })).toEqual({ record: 'r-1', purpose: 'p' });
  });

  it('names every missing or blank option at once, with its hint', () => {
    const call = () => requiredOptions(args({ purpose: '  ' }), 'read', { record: '', purpose: 'a purpose id' });
    expect(call).toThrow(ValidationError);
    expect(call).toThrow('read needs --record and --purpose');
    try {
      call();
    } catch (error) {
      expect((error as ValidationError).problems).toEqual([
        { path: '--record', message: 'is required' },
        { path: '--purpose', message: 'is required (a purpose id)' },
      ]);
    }
  });

  it('refuses before opening the stores: exit 2 naming the option', async () => {
    const result = await runCliCaptured(['provide', '--to', 'x', '--basis', 'y'], await mkdtemp(join(tmpdir(), 'wasure-req-')));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--subject');
  });
});
