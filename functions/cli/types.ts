import type { Lang } from '#shared/i18n/messages.ts';
import type { Runtime } from '../runtime.ts';

/** Parsed command line: positionals and `--flag value` / `--flag` options. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly options: Readonly<Record<string, string | true | readonly string[]>>;
}

/** What a command gets: parsed args, the runtime and output helpers. */
export interface CliContext {
  readonly args: ParsedArgs;
  /** Opens the runtime (embedded stores or a deployed stack) lazily. */
  readonly runtime: () => Promise<Runtime>;
  /** The embedded state directory this command uses. */
  readonly stateDir: string;
  /** True when `--json` was given: print one JSON document on stdout. */
  readonly json: boolean;
  /** Human output (stdout). */
  readonly out: (line: string) => void;
  /** Progress and diagnostics (stderr); silent with --json unless --progress. */
  readonly progress: (line: string) => void;
  /** Language of refusals and errors. @default 'en' */
  readonly lang?: Lang;
}

/** One option a command declares, for strict parsing and its help. */
export interface OptionSpec {
  /** `boolean` is a flag; `string` takes a value. */
  readonly type: 'string' | 'boolean';
  /** May be given more than once; the values collect into an array. @default false */
  readonly multiple?: boolean;
  /** One-letter alias, e.g. `h`. @default none */
  readonly short?: string;
  /** Placeholder of the value in help, e.g. `ID`. @default 'VALUE' */
  readonly value?: string;
  /** One line for the help. */
  readonly description: string;
}

/** One CLI command, e.g. `sweep` or `audit verify`. */
export interface CliCommand {
  /** Words that select it, e.g. ['audit', 'verify']. */
  readonly path: readonly string[];
  /** State directory when `--local` is not given. @default '.wasure' */
  readonly defaultDir?: string;
  /** One-line usage shown in help. */
  readonly usage: string;
  /**
   * Options the command takes besides the global ones; anything else is
   * refused with exit 2 before the command runs. @default {}
   */
  readonly options?: Readonly<Record<string, OptionSpec>>;
  /** Names of the positional words it takes, e.g. ['FILE']; more are refused. @default [] */
  readonly positionals?: readonly string[];
  /** Example command lines for `--help`. @default [] */
  readonly examples?: readonly string[];
  /** Runs; returns the exit code (0 ok, 1 failure, 2 bad input). */
  run(ctx: CliContext): Promise<number>;
}
