#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `npx wasure` works without a build step.
// tsx is resolved from this package's own location, not the working
// directory, so `npm link` and global installs find it; signals are passed
// on to the CLI, so ending this launcher ends the CLI (which ends its JVM).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsx = import.meta.resolve('tsx');
const child = spawn(process.execPath, ['--import', tsx, join(root, 'functions/cli/main.ts'), ...process.argv.slice(2)], {
  stdio: 'inherit',
});
const forward = (signal) => {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward);
child.on('error', (error) => {
  process.stderr.write(`wasure: cannot start the CLI: ${error.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (signal !== null) {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.removeAllListeners(s);
    process.kill(process.pid, signal);
    return;
  }
  process.exit(code ?? 1);
});
