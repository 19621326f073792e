import { ValidationError } from '#shared/errors.ts';
import { optionString } from '../args.ts';
import type { CliCommand } from '../types.ts';

const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export const consoleCommand: CliCommand = {
  path: ['console'],
  options: {
    port: { type: 'string', value: 'N', description: 'port on 127.0.0.1 (default: a free one)' },
    host: { type: 'string', value: '127.0.0.1', description: 'only 127.0.0.1 is accepted: the console never listens on another address' },
  },
  examples: ['wasure console', 'wasure console --port 8484 --local .wasure'],
  usage: 'console [--port N]   the local web console on 127.0.0.1: prints a one-time login URL (Enter prints another, one per operator); serves until interrupted',
  async run(ctx) {
    const problems = [];
    const host = optionString(ctx.args, 'host');
    if (host !== undefined && host !== '127.0.0.1') problems.push({ path: '--host', message: 'the console listens on 127.0.0.1 only (a login token is all that guards it)' });
    if (optionString(ctx.args, 'stack') !== undefined) problems.push({ path: '--stack', message: 'the console runs over the embedded stores only' });
    const port = optionString(ctx.args, 'port');
    if (port !== undefined && !/^\d{1,5}$/.test(port)) problems.push({ path: '--port', message: 'must be a whole number from 0 to 65535' });
    if (problems.length > 0) throw new ValidationError('the console cannot start', problems);
    const { startConsole } = await import('../../console/server.ts');
    const runtime = await ctx.runtime();
    if (runtime.mode !== 'embedded') throw new ValidationError('the console cannot start', [{ path: '--stack', message: 'the console runs over the embedded stores only' }]);
    const server = await startConsole({
      runtime,
      stateDir: ctx.stateDir,
      ...(port === undefined ? {} : { port: Number(port) }),
      log: ctx.progress,
    });
    ctx.out(`wasure console on http://127.0.0.1:${server.port}/ — open this one-time login URL (valid 10 minutes, single use):`);
    ctx.out(`  ${server.loginUrl()}`);
    if (process.stdin.isTTY) ctx.out('press Enter for another login URL (one per operator); Ctrl-C stops the console');
    await new Promise<void>((resolve) => {
      const onLine = () => ctx.out(`  ${server.loginUrl()}`);
      const stop = () => {
        for (const s of STOP_SIGNALS) process.removeListener(s, stop);
        process.stdin.removeListener('data', onLine);
        process.stdin.pause();
        resolve();
      };
      for (const s of STOP_SIGNALS) process.once(s, stop);
      if (process.stdin.isTTY) process.stdin.on('data', onLine);
    });
    await server.close();
    ctx.progress('console stopped');
    return 0;
  },
};
