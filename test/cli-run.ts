import { runCli } from '#functions/cli/main.ts';

/** What one in-process CLI call printed and returned. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process with an empty environment, capturing its output. */
export async function runCliCaptured(argv: readonly string[], cwd: string = process.cwd()): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    cwd,
  });
  return { code, stdout, stderr };
}
