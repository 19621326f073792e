import { readFile } from 'node:fs/promises';
import { checkCatalogue } from '#shared/domain/catalogue.ts';
import { ValidationError } from '#shared/errors.ts';
import type { CliCommand } from '../types.ts';

/** Reads and parses a JSON file, naming the file in every error. */
export async function readJsonFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ValidationError(`cannot read ${path}`, [
      { path, message: (error as Error).message },
    ]);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${path} is not valid JSON`, [
      { path, message: (error as Error).message },
    ]);
  }
}

export const policyCheckCommand: CliCommand = {
  path: ['policy', 'check'],
  positionals: ['FILE'],
  examples: ['wasure policy check shared/samples/catalogue.json'],
  usage: 'policy check FILE               validate a policy catalogue',
  async run(ctx) {
    const file = ctx.args.positionals[0];
    if (file === undefined) {
      throw new ValidationError('policy check needs a FILE', [
        { path: 'FILE', message: 'missing' },
      ]);
    }
    const problems = checkCatalogue(await readJsonFile(file));
    if (ctx.json) {
      ctx.out(JSON.stringify({ ok: problems.length === 0, file, problems }, null, 2));
    } else if (problems.length === 0) {
      ctx.out(`${file}: valid`);
    } else {
      ctx.out(`${file}: ${problems.length} problem(s)`);
      for (const p of problems) {
        ctx.out(`  ${p.path}: ${p.message}`);
      }
    }
    return problems.length === 0 ? 0 : 2;
  },
};
