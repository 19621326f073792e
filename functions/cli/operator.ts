/**
 * Who is operating: `--operator ID`, else `WASURE_OPERATOR`, else on a
 * deployed stack the caller's own AWS identity (its ARN, as CloudTrail
 * names it). Locally nothing else identifies a person, so a command that
 * needs an operator refuses without one.
 */
import { OPERATOR_PATTERN } from '#shared/domain/request-approval.ts';
import { type Problem, ValidationError } from '#shared/errors.ts';
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

/**
 * The operator of a command that decides something: as {@link operatorOf},
 * refused (exit 2, naming --operator) when none is given or known.
 */
export async function requiredOperator(
  ctx: CliContext,
  runtime: Runtime,
  refusal: { readonly headline?: string; readonly why?: string } = {},
): Promise<string> {
  const operator = await operatorOf(ctx, runtime);
  if (operator === undefined) {
    throw new ValidationError(refusal.headline ?? 'an operator must be identified', [
      { path: '--operator', message: `is required (or set WASURE_OPERATOR): ${refusal.why ?? 'every decision names who took it'}` },
    ]);
  }
  return operator;
}

/** Problems of `--operator` (or WASURE_OPERATOR), found before any store opens (a stack's caller is asked later). */
export function operatorOptionProblems(ctx: CliContext): Problem[] {
  const given = optionString(ctx.args, 'operator') ?? process.env.WASURE_OPERATOR;
  if (given === undefined || given === '' || OPERATOR_PATTERN.test(given)) return [];
  return [{ path: '--operator', message: `"${given.slice(0, 40)}" is not an operator id (a staff id: letters, digits, ".", "_", "@", ":", "/", "-")` }];
}
