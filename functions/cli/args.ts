import { parseArgs as parseNodeArgs } from 'node:util';
import { ValidationError } from '#shared/errors.ts';
import type { OptionSpec, ParsedArgs } from './types.ts';

/** Options every command takes; the runtime reads them before the command runs. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', description: 'print one JSON document on stdout' },
  local: { type: 'string', value: 'DIR', description: 'embedded state directory (default .wasure)' },
  now: { type: 'string', value: 'ISO', description: 'the clock for local runs (tests, demos of retention)' },
  catalogue: { type: 'string', value: 'FILE', description: 'policy catalogue to use instead of the sample' },
  progress: { type: 'boolean', description: 'progress lines on stderr even with --json' },
  stack: { type: 'string', value: 'NAME', description: 'operate a deployed wasure (stacks NAMEStateful/NAMEStateless)' },
  region: { type: 'string', value: 'R', description: 'AWS region of --stack' },
  debug: { type: 'boolean', description: 'print the stack trace of a failure' },
  lang: { type: 'string', value: 'ja|en', description: 'language of refusals and errors (or WASURE_LANG, or the catalogue\'s language)' },
  help: { type: 'boolean', short: 'h', description: 'show this help and exit' },
};

/** Options of `wasure` without a command. */
export const TOP_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  ...GLOBAL_OPTIONS,
  version: { type: 'boolean', description: 'print the version and exit' },
};

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j += 1) {
      const above = row[j] as number;
      row[j] = Math.min(
        above + 1,
        (row[j - 1] as number) + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

function closest(name: string, known: readonly string[]): string | undefined {
  const scored = known
    .map((k) => ({ k, d: distance(name, k) }))
    .filter((s) => s.d <= Math.max(1, Math.floor(s.k.length / 3)))
    .sort((a, b) => a.d - b.d);
  return scored[0]?.k;
}

function invocation(spec: ArgsSpec): string {
  return spec.command === '' ? 'wasure' : `wasure ${spec.command}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** What a command accepts: its options and at most `positionals.length` words. */
export interface ArgsSpec {
  /** Options by name (without the leading `--`). */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Names of the positional words, in order, e.g. ['FILE']. */
  readonly positionals: readonly string[];
  /** How the command is called, for messages, e.g. 'policy check'. */
  readonly command: string;
}

/**
 * Parses argv strictly with `util.parseArgs`: an unknown option, an option
 * without its value, a value given to a flag or a word more than the command
 * takes throws a {@link ValidationError} naming it (exit 2), before anything
 * is opened. A repeatable option (`multiple`) collects into an array.
 */
export function parseArgs(argv: readonly string[], spec: ArgsSpec): ParsedArgs {
  let parsed: ReturnType<typeof parseNodeArgs>;
  try {
    parsed = parseNodeArgs({
      args: [...argv],
      options: Object.fromEntries(
        Object.entries(spec.options).map(([name, o]) => [
          name,
          {
            type: o.type,
            ...(o.multiple === true ? { multiple: true } : {}),
            ...(o.short === undefined ? {} : { short: o.short }),
          },
        ]),
      ),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw argumentError(error, spec);
  }
  const positionals = parsed.positionals;
  if (positionals.length > spec.positionals.length) {
    const stray = positionals[spec.positionals.length] as string;
    throw new ValidationError(`unexpected argument "${stray}" for ${invocation(spec)}`, [
      {
        path: stray,
        message:
          spec.positionals.length === 0
            ? `${invocation(spec)} takes no positional arguments`
            : `${invocation(spec)} takes ${spec.positionals.join(' ')} only`,
      },
    ]);
  }
  const options: Record<string, string | true | readonly string[]> = {};
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === undefined || value === false) {
      continue;
    }
    options[name] = Array.isArray(value)
      ? value.map(String)
      : value === true
        ? true
        : String(value);
  }
  return { positionals, options };
}

function argumentError(error: unknown, spec: ArgsSpec): ValidationError {
  const e = error as { code?: string; message?: string };
  const message = firstLine(String(e.message ?? error));
  const name = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '(arguments)';
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const guess = closest(name.replace(/^-+/, ''), Object.keys(spec.options));
    return new ValidationError(`unknown option ${name} for ${invocation(spec)}`, [
      {
        path: name,
        message: `is not an option of ${invocation(spec)}${guess === undefined ? '' : ` (did you mean --${guess}?)`}; see ${invocation(spec)} --help`,
      },
    ]);
  }
  if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const takesValue = spec.options[name.replace(/^-+/, '')]?.type === 'string';
    return new ValidationError(`bad value for ${name}`, [
      {
        path: name,
        message: takesValue
          ? `needs a value (give it as ${name} VALUE, or ${name}=VALUE for a value starting with "-")`
          : 'takes no value',
      },
    ]);
  }
  return new ValidationError(`cannot parse the arguments of ${invocation(spec)}`, [
    { path: name, message },
  ]);
}

/**
 * The words at the start of argv that may name a command, with their
 * places: global options (and their values) may stand before and between
 * them; the first other option ends them. So a command is found before its
 * own options are known.
 */
export function commandWords(argv: readonly string[]): { word: string; at: number }[] {
  const words: { word: string; at: number }[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const word = argv[i] as string;
    if (word === '--') {
      break;
    }
    if (!word.startsWith('-')) {
      words.push({ word, at: i });
      continue;
    }
    const name = word.replace(/^-+/, '').split('=')[0] as string;
    const spec = TOP_OPTIONS[name];
    if (spec === undefined && word !== '-h') {
      break;
    }
    if (spec?.type === 'string' && !word.includes('=')) {
      i += 1;
    }
  }
  return words;
}

/** A string option, or undefined. */
export function optionString(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  if (v === undefined || v === true) {
    return undefined;
  }
  return typeof v === 'string' ? v : v[v.length - 1];
}

/**
 * The values of a command's required string options, by name. Throws one
 * {@link ValidationError} (exit 2) naming every option missing or empty,
 * each with its hint, before anything is opened.
 *
 * @example
 * const { record, purpose } = requiredOptions(ctx.args, 'read', { record: '', purpose: 'a purpose id of the catalogue' });
 */
export function requiredOptions<K extends string>(
  args: ParsedArgs,
  command: string,
  needed: Readonly<Record<K, string>>,
): Record<K, string> {
  const names = Object.keys(needed) as K[];
  const values = Object.fromEntries(names.map((n) => [n, optionString(args, n)?.trim() ?? ''])) as Record<K, string>;
  const missing = names.filter((n) => values[n] === '');
  if (missing.length > 0) {
    throw new ValidationError(
      `${command} needs ${missing.map((n) => `--${n}`).join(' and ')}`,
      missing.map((n) => ({ path: `--${n}`, message: needed[n] === '' ? 'is required' : `is required (${needed[n]})` })),
    );
  }
  return values;
}

/** All values of a repeatable option. */
export function optionList(args: ParsedArgs, name: string): string[] {
  const v = args.options[name];
  if (v === undefined || v === true) {
    return [];
  }
  return typeof v === 'string' ? [v] : [...v];
}

/** Help text of one command: usage, options, examples. */
export function commandHelp(input: {
  readonly command: string;
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly examples: readonly string[];
}): string {
  const line = (name: string, o: OptionSpec) =>
    `  --${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}${o.multiple === true ? ' …' : ''}`.padEnd(30) +
    ` ${o.description}`;
  const own = Object.entries(input.options).filter(([n]) => GLOBAL_OPTIONS[n] === undefined);
  return [
    `Usage: wasure ${input.usage}`,
    '',
    ...(own.length === 0 ? [] : ['Options:', ...own.map(([n, o]) => line(n, o)), '']),
    'Global options:',
    ...Object.entries(GLOBAL_OPTIONS).map(([n, o]) => line(n, o)),
    ...(input.examples.length === 0 ? [] : ['', 'Examples:', ...input.examples.map((e) => `  ${e}`)]),
    '',
    'Exit codes: 0 ok, 1 failure, 2 bad input.',
  ].join('\n');
}

/**
 * A use case's refusal with its input paths named as the command's options
 * (`operator` → `--operator`); paths not in `optionOf` stay as they are.
 */
export function withOptionPaths<T>(promise: Promise<T>, optionOf: Readonly<Record<string, string>>): Promise<T> {
  return promise.catch((error: unknown) => {
    throw error instanceof ValidationError
      ? new ValidationError(error.message, error.problems.map((p) => ({ ...p, path: optionOf[p.path] ?? p.path })))
      : error;
  });
}
