import { writeFile } from 'node:fs/promises';
import { buildFileRegister } from '#shared/domain/public-register/file-register.ts';
import { renderFileRegister } from '#shared/domain/public-register/file-register-render.ts';
import type { RegisterFormat } from '#shared/domain/public-register/types.ts';
import { ValidationError } from '#shared/errors.ts';
import { renderPublicRegister } from '#shared/use-cases/render-register.ts';
import { optionString } from '../args.ts';
import type { CliCommand, CliContext } from '../types.ts';

const FORMATS: readonly RegisterFormat[] = ['md', 'html', 'csv'];
const KINDS = ['public', 'file-register'] as const;

export const registerCommand: CliCommand = {
  path: ['register'],
  options: {
    kind: { type: 'string', value: 'public|file-register', description: 'public: the public register of held data (APPI Art. 32, default); file-register: the 個人情報ファイル簿 of public bodies (Art. 75)' },
    controller: { type: 'string', value: 'ID', description: 'file-register: only this public body (a business has none: exit 2)' },
    format: { type: 'string', value: 'md|html|csv', description: 'output format (default md)' },
    out: { type: 'string', value: 'FILE', description: 'write it to FILE' },
  },
  examples: [
    'wasure register',
    'wasure register --format csv --out register.csv',
    'wasure register --kind file-register --controller ibaraki-pref --format html --out file-register.html',
  ],
  usage: 'register [--kind public|file-register] [--controller ID] [--format md|html|csv] [--out FILE]   public register of held data (APPI Art. 32), or the 個人情報ファイル簿 of public bodies (Art. 75)',
  async run(ctx) {
    const format = optionString(ctx.args, 'format') ?? 'md';
    if (!(FORMATS as readonly string[]).includes(format)) {
      throw new ValidationError('--format must be md, html or csv', [{ path: '--format', message: `"${format}"` }]);
    }
    const kind = optionString(ctx.args, 'kind') ?? 'public';
    if (!(KINDS as readonly string[]).includes(kind)) {
      throw new ValidationError('--kind must be public or file-register', [{ path: '--kind', message: `"${kind}"` }]);
    }
    if (kind === 'file-register') {
      return fileRegister(ctx, format as RegisterFormat);
    }
    if (optionString(ctx.args, 'controller') !== undefined) {
      throw new ValidationError('--controller is for --kind file-register', [
        { path: '--controller', message: 'the public register lists every controller' },
      ]);
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

async function fileRegister(ctx: CliContext, format: RegisterFormat): Promise<number> {
  const controller = optionString(ctx.args, 'controller');
  const out = optionString(ctx.args, 'out');
  const { deps } = await ctx.runtime();
  const register = buildFileRegister(deps.catalogue, deps.clock.now(), controller);
  const text = renderFileRegister(register, format);
  if (out !== undefined) {
    await writeFile(out, text, 'utf8');
  }
  if (ctx.json) {
    ctx.out(JSON.stringify({ ...(out === undefined ? {} : { file: out }), fileRegister: register }, null, 2));
  } else if (out === undefined) {
    ctx.out(text.trimEnd());
  } else {
    ctx.out(`file register written to ${out} (${format}, ${register.files.length} files)`);
  }
  return 0;
}
