/**
 * Who is operating: `--operator ID`, else `WASURE_OPERATOR`, else on a
 * deployed stack the caller's own AWS identity (its ARN, as CloudTrail
 * names it). Locally nothing else identifies a person, so a command that
 * needs an operator refuses without one.
 */
import type { Runtime } from '../runtime.ts';
import { optionString } from './args.ts';
import type { CliContext } from './types.ts';

/** The operator id of this command, or undefined when none is given or known. */
export async function operatorOf(ctx: CliContext, runtime: Runtime): Promise<string | undefined> {
  const given = optionString(ctx.args, 'operator') ?? process.env.WASURE_OPERATOR;
  if (given !== undefined && given !== '') return given;
  if (runtime.mode !== 'stack') return undefined;
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const sts = new STSClient({});
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn;
  } finally {
    sts.destroy();
  }
}
