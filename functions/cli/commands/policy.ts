import { checkCatalogue } from '#shared/domain/catalogue.ts';
import { ValidationError } from '#shared/errors.ts';
import { readJsonFile } from '../../io/read-json-file.ts';
import type { CliCommand } from '../types.ts';

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
