import '#shared/adapters/local/node-shims.ts';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  LifecycleError,
  RefusedError,
  ValidationError,
  assertIsError,
} from '#shared/errors.ts';
import { type RuntimeOptions, openRuntime, type Runtime } from '../runtime.ts';
import { optionString, parseArgs } from './args.ts';
import { COMMANDS } from './commands/index.ts';
import type { CliCommand, CliContext } from './types.ts';

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

function usage(): string {
  const lines = COMMANDS.map((c) => `  wasure ${c.usage}`);
  return [
    'wasure — tag, retain, delete, encrypt and audit personal data (APPI)',
    '',
    'Usage:',
    ...lines,
    '',
    'Global options: --json  --local DIR (default .wasure)  --now ISO  --catalogue FILE  --progress',
    '                --stack NAME [--region R]  operate a deployed wasure (stacks NAMEStateful/NAMEStateless, e.g. Wasure)',
    'Exit codes: 0 ok, 1 failure, 2 bad input.',
  ].join('\n');
}

function findCommand(words: readonly string[]): CliCommand | undefined {
  return [...COMMANDS]
    .sort((a, b) => b.path.length - a.path.length)
    .find((c) => c.path.every((w, i) => words[i] === w));
}

/** Maps an error to an exit code and a message: the CLI's one error map. */
export function describeError(error: Error): { code: number; lines: string[] } {
  if (error instanceof ValidationError) {
    return {
      code: 2,
      lines: [
        error.message,
        ...error.problems.map((p) => `  ${p.path}: ${p.message}`),
      ],
    };
  }
  if (error instanceof RefusedError) {
    return { code: 2, lines: [error.message, ...error.reasons.map((r) => `  ${r}`)] };
  }
  if (error instanceof ConfigError || error instanceof LifecycleError) {
    return { code: 1, lines: [`${error.name}: ${error.message}`] };
  }
  return { code: 1, lines: [`unexpected error: ${error.message}`] };
}

/** Runs the CLI; returns the exit code. */
export async function runCli(
  argv: readonly string[],
  io: CliIo = defaultIo,
): Promise<number> {
  const args = parseArgs(argv);
  const json = args.options.json === true;
  const command = findCommand(args.positionals);
  if (command === undefined || args.options.help === true) {
    (command === undefined && args.options.help !== true ? io.stderr : io.stdout)(
      `${usage()}\n`,
    );
    return command === undefined && args.options.help !== true ? 2 : 0;
  }
  const rest = { ...args, positionals: args.positionals.slice(command.path.length) };
  let runtime: Runtime | undefined;
  const stateDir = resolve(
    io.cwd,
    optionString(args, 'local') ?? command.defaultDir ?? '.wasure',
  );
  const options: RuntimeOptions = {
    cwd: io.cwd,
    env: io.env,
    dir: stateDir,
    now: optionString(args, 'now'),
    catalogueFile: optionString(args, 'catalogue'),
    stack: optionString(args, 'stack'),
    region: optionString(args, 'region'),
    log: (line) => io.stderr(`${line}\n`),
  };
  const ctx: CliContext = {
    args: rest,
    stateDir,
    json,
    runtime: async () => {
      runtime ??= await openRuntime(options);
      return runtime;
    },
    out: (line) => io.stdout(`${line}\n`),
    progress: (line) => {
      if (!json || args.options.progress === true) {
        io.stderr(`${line}\n`);
      }
    },
  };
  try {
    return await command.run(ctx);
  } catch (error) {
    assertIsError(error);
    const { code, lines } = describeError(error);
    if (json) {
      io.stdout(
        `${JSON.stringify({ ok: false, error: error.name, message: error.message, problems: error instanceof ValidationError ? error.problems : undefined }, null, 2)}\n`,
      );
    }
    io.stderr(`${lines.join('\n')}\n`);
    if (args.options.debug === true && error.stack !== undefined) {
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
