import type { ParsedArgs } from './types.ts';

/** Options that take no value. */
const FLAGS = new Set([
  'json',
  'dry-run',
  'progress',
  'help',
  'debug',
  'improper-purpose',
  'key-exposed',
  'public-exposure',
  'my-number-system',
]);

/**
 * Parses `words --opt value --flag -- rest`. Repeated options collect into
 * arrays (`--set a=1 --set b=2`).
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options: Record<string, string | true | string[]> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const word = argv[i] as string;
    if (word === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!word.startsWith('--')) {
      positionals.push(word);
      continue;
    }
    const eq = word.indexOf('=');
    const name = eq > 0 ? word.slice(2, eq) : word.slice(2);
    let value: string | true;
    if (eq > 0) {
      value = word.slice(eq + 1);
    } else if (FLAGS.has(name) || i + 1 >= argv.length || argv[i + 1]?.startsWith('--')) {
      value = true;
    } else {
      i += 1;
      value = argv[i] as string;
    }
    const prior = options[name];
    if (prior === undefined) {
      options[name] = value;
    } else if (Array.isArray(prior)) {
      prior.push(String(value));
    } else {
      options[name] = [String(prior), String(value)];
    }
  }
  return { positionals, options };
}

/** A string option, or undefined. */
export function optionString(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  if (v === undefined || v === true) {
    return undefined;
  }
  return typeof v === 'string' ? v : v[v.length - 1];
}

/** All values of a repeatable option. */
export function optionList(args: ParsedArgs, name: string): string[] {
  const v = args.options[name];
  if (v === undefined || v === true) {
    return [];
  }
  return typeof v === 'string' ? [v] : [...v];
}
