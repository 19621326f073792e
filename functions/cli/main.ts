import '#shared/adapters/local/node-shims.ts';
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  LifecycleError,
  RefusedError,
  ValidationError,
  assertIsError,
} from '#shared/errors.ts';
import { chooseLang, LANGS, type Lang, message } from '#shared/i18n/messages.ts';
import type { Runtime, RuntimeOptions } from '../runtime.ts';
import {
  GLOBAL_OPTIONS,
  TOP_OPTIONS,
  commandHelp,
  commandWords,
  optionString,
  parseArgs,
} from './args.ts';
import { COMMANDS, type CommandEntry, loadAllCommands } from './commands/index.ts';
import type { CliContext } from './types.ts';

/** Where the CLI writes; injectable so tests run it in-process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  env: process.env,
  cwd: process.cwd(),
};

async function usage(): Promise<string> {
  const lines = (await loadAllCommands()).map((c) => `  wasure ${c.usage}`);
  return [
    'wasure — tag, retain, delete, encrypt and audit personal data (APPI)',
    '',
    'Usage:',
    ...lines,
    '',
    'Global options: --json  --local DIR (default .wasure)  --now ISO  --catalogue FILE  --progress  --debug  --lang ja|en',
    '                --stack NAME [--region R]  operate a deployed wasure (stacks NAMEStateful/NAMEStateless, e.g. Wasure)',
    '                --help (also after a command: wasure ingest --help)  --version',
    'Exit codes: 0 ok, 1 failure, 2 bad input.',
  ].join('\n');
}

/** The version in package.json. */
export function cliVersion(): string {
  const pkg = JSON.parse(
    readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
  ) as { version?: string };
  return pkg.version ?? 'unknown';
}

function findCommand(words: readonly string[]): CommandEntry | undefined {
  return [...COMMANDS]
    .sort((a, b) => b.path.length - a.path.length)
    .find((c) => c.path.every((w, i) => words[i] === w));
}

/** Refuses a --local that exists but is not a directory, before any store opens. */
async function checkStateDir(dir: string, given: string | undefined): Promise<void> {
  const found = await stat(dir).catch(() => undefined);
  if (found !== undefined && !found.isDirectory()) {
    throw new ValidationError(`${given ?? dir} is not a directory`, [
      { path: '--local', message: `${dir} exists and is not a directory; give a directory (it is created if missing)` },
    ]);
  }
}

/** Maps an error to an exit code and a message: the CLI's one error map, in `lang`. */
export function describeError(error: Error, lang: Lang = 'en'): { code: number; lines: string[] } {
  const t = (text: string) => message(text, lang);
  if (error instanceof ValidationError) {
    return {
      code: 2,
      lines: [
        t(error.message),
        ...error.problems.map((p) => `  ${p.path}: ${t(p.message)}`),
      ],
    };
  }
  if (error instanceof RefusedError) {
    return { code: 2, lines: [t(error.message), ...error.reasons.map((r) => `  ${t(r)}`)] };
  }
  if (error instanceof ConfigError || error instanceof LifecycleError) {
    return { code: 1, lines: [`${error.name}: ${t(error.message)}`] };
  }
  return { code: 1, lines: [t(`unexpected error: ${error.message}`)] };
}

/**
 * The language of this run: `--lang`, else `WASURE_LANG`, else the
 * `language` of the catalogue in use (read from its file without opening
 * any store), else English. An unknown `--lang` is refused.
 */
function languageOf(argv: readonly string[], env: CliIo['env'], cwd: string): Lang {
  const at = argv.findIndex((a) => a === '--lang' || a.startsWith('--lang='));
  const given = at < 0 ? undefined : argv[at]?.startsWith('--lang=') ? argv[at]?.slice(7) : argv[at + 1];
  if (given !== undefined && !(LANGS as readonly string[]).includes(given)) {
    throw new ValidationError('unknown language', [{ path: '--lang', message: `must be one of ${LANGS.join(', ')}` }]);
  }
  const fileAt = argv.indexOf('--catalogue');
  const file = fileAt < 0 ? fileURLToPath(new URL('../../shared/samples/catalogue.json', import.meta.url)) : resolve(cwd, argv[fileAt + 1] ?? '');
  let catalogue: string | undefined;
  try {
    const language = (JSON.parse(readFileSync(file, 'utf8')) as { language?: unknown }).language;
    catalogue = typeof language === 'string' ? language : undefined;
  } catch {
    // A catalogue that cannot be read is refused with its reasons when the runtime opens.
  }
  return chooseLang(given, env.WASURE_LANG, catalogue);
}

/** Runs the CLI; returns the exit code. */
export async function runCli(
  argv: readonly string[],
  io: CliIo = defaultIo,
): Promise<number> {
  let json = argv.includes('--json');
  let debug = argv.includes('--debug');
  let runtime: Runtime | undefined;
  let lang: Lang = 'en';
  try {
    lang = languageOf(argv, io.env, io.cwd);
    const words = commandWords(argv);
    const entry = findCommand(words.map((w) => w.word));
    if (entry === undefined) {
      const top = parseArgs(argv, { options: TOP_OPTIONS, positionals: words.map((w) => w.word), command: '' });
      if (top.options.version === true) {
        io.stdout(`wasure ${cliVersion()}\n`);
        return 0;
      }
      if (top.options.help === true && top.positionals.length === 0) {
        io.stdout(`${await usage()}\n`);
        return 0;
      }
      const first = top.positionals[0];
      io.stderr(
        `${first === undefined ? 'wasure needs a command' : `unknown command "${top.positionals.join(' ')}"`}\n\n${await usage()}\n`,
      );
      return 2;
    }
    const command = await entry.load();
    const at = new Set(words.slice(0, command.path.length).map((w) => w.at));
    const name = command.path.join(' ');
    const options = { ...GLOBAL_OPTIONS, ...(command.options ?? {}) };
    const args = parseArgs(
      argv.filter((_, i) => !at.has(i)),
      { options, positionals: command.positionals ?? [], command: name },
    );
    json = args.options.json === true;
    debug = args.options.debug === true;
    if (args.options.help === true) {
      io.stdout(
        `${commandHelp({ command: name, usage: command.usage, options, examples: command.examples ?? [] })}\n`,
      );
      return 0;
    }
    const given = optionString(args, 'local');
    const stateDir = resolve(io.cwd, given ?? command.defaultDir ?? '.wasure');
    const stack = optionString(args, 'stack');
    if (stack === undefined) {
      await checkStateDir(stateDir, given);
    }
    const runtimeOptions: RuntimeOptions = {
      cwd: io.cwd,
      env: io.env,
      dir: stateDir,
      now: optionString(args, 'now'),
      catalogueFile: optionString(args, 'catalogue'),
      stack,
      region: optionString(args, 'region'),
      log: (line) => io.stderr(`${line}\n`),
    };
    const ctx: CliContext = {
      args,
      stateDir,
      json,
      runtime: async () => {
        // Loaded here: commands that open no store never pay for it.
        const { openRuntime } = await import('../runtime.ts');
        runtime ??= await openRuntime(runtimeOptions);
        return runtime;
      },
      lang,
      out: (line) => io.stdout(`${line}\n`),
      progress: (line) => {
        if (!json || args.options.progress === true) {
          io.stderr(`${line}\n`);
        }
      },
    };
    return await command.run(ctx);
  } catch (error) {
    assertIsError(error);
    const { code, lines } = describeError(error, lang);
    if (json) {
      // Machine output keeps the English message and adds the chosen language's.
      const localized = (text: string) => (lang === 'en' ? {} : { localizedMessage: message(text, lang) });
      io.stdout(
        `${JSON.stringify(
          {
            ok: false,
            error: error.name,
            message: error.message,
            ...localized(error.message),
            problems: error instanceof ValidationError ? error.problems.map((p) => ({ ...p, ...localized(p.message) })) : undefined,
          },
          null,
          2,
        )}\n`,
      );
    }
    io.stderr(`${lines.join('\n')}\n`);
    if (debug && error.stack !== undefined) {
      io.stderr(`${error.stack}\n`);
    }
    return code;
  } finally {
    await runtime?.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
