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
}

/** One CLI command, e.g. `sweep` or `audit verify`. */
export interface CliCommand {
  /** Words that select it, e.g. ['audit', 'verify']. */
  readonly path: readonly string[];
  /** State directory when `--local` is not given. @default '.wasure' */
  readonly defaultDir?: string;
  /** One-line usage shown in help. */
  readonly usage: string;
  /** Runs; returns the exit code (0 ok, 1 failure, 2 bad input). */
  run(ctx: CliContext): Promise<number>;
}
