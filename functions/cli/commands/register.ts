import { writeFile } from 'node:fs/promises';
import type { RegisterFormat } from '#shared/domain/public-register/types.ts';
import { ValidationError } from '#shared/errors.ts';
import { renderPublicRegister } from '#shared/use-cases/render-register.ts';
import { optionString } from '../args.ts';
import type { CliCommand } from '../types.ts';

const FORMATS: readonly RegisterFormat[] = ['md', 'html', 'csv'];

export const registerCommand: CliCommand = {
  path: ['register'],
  options: {
    format: { type: 'string', value: 'md|html|csv', description: 'output format (default md)' },
    out: { type: 'string', value: 'FILE', description: 'write it to FILE' },
  },
  examples: ['wasure register', 'wasure register --format csv --out register.csv'],
  usage: 'register [--format md|html|csv] [--out FILE]   public register of held data (APPI Art. 32)',
  async run(ctx) {
    const format = optionString(ctx.args, 'format') ?? 'md';
    if (!(FORMATS as readonly string[]).includes(format)) {
      throw new ValidationError('--format must be md, html or csv', [{ path: '--format', message: `"${format}"` }]);
    }
    const out = optionString(ctx.args, 'out');
    const { deps } = await ctx.runtime();
    const result = await renderPublicRegister(deps, { format: format as RegisterFormat });
    for (const p of result.missing) {
      ctx.progress(`register: ${p.path} ${p.message}`);
    }
    if (out !== undefined) {
      await writeFile(out, result.text, 'utf8');
    }
    if (ctx.json) {
      ctx.out(JSON.stringify({ ...(out === undefined ? {} : { file: out }), register: result.register, missing: result.missing }, null, 2));
    } else if (out === undefined) {
      ctx.out(result.text.trimEnd());
    } else {
      ctx.out(`register written to ${out} (${format}, ${result.register.controllers.length} controllers)`);
    }
    return 0;
  },
};
