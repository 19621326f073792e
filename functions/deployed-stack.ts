/**
 * `--stack NAME`: a deployed wasure, found by its CloudFormation outputs.
 * NAME is the stacks' common prefix (`Wasure` for `WasureStateful` and
 * `WasureStateless`); the outputs name the tables, buckets, keys and state
 * machines. Executions are started with the SFN client and awaited with
 * progress, as the scheduler would start them.
 */
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import {
  DescribeExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { namesFromOutputs, RESOURCE_NAMES, RESOURCES, type ResourceNames } from '#shared/config/resources.ts';
import { ConfigError, LifecycleError } from '#shared/errors.ts';

/** The outputs of a deployed wasure (both stacks). */
export interface DeployedStack {
  /** The prefix given with --stack. */
  readonly name: string;
  readonly region: string;
  /** Output key → value, from both stacks. */
  readonly outputs: Readonly<Record<string, string>>;
}

/**
 * The stack names for a `--stack` value: a prefix (`Wasure` names the
 * default `WasureStateful` and `WasureStateless`), or either full name.
 */
export function stackNames(name: string): { stateful: string; stateless: string } {
  const prefix = name.replace(/(Stateful|Stateless)$/, '');
  return { stateful: `${prefix}Stateful`, stateless: `${prefix}Stateless` };
}

/** Reads the outputs of both stacks; a missing stack or output is a ConfigError naming it. */
export async function describeDeployedStack(
  cfn: CloudFormationClient,
  name: string,
  region: string,
): Promise<DeployedStack> {
  const outputs: Record<string, string> = {};
  for (const stackName of Object.values(stackNames(name))) {
    let found: Stack | undefined;
    try {
      found = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    } catch (error) {
      // Only a missing stack is a configuration problem; credentials,
      // permissions and throttling errors keep their own names.
      if (error instanceof Error && /does not exist/.test(error.message)) {
        throw new ConfigError(
          `stack ${stackName} was not found in ${region}; deploy with \`npx cdk deploy --all\` or pass --region`,
          { cause: error },
        );
      }
      throw error;
    }
    if (found === undefined) {
      throw new ConfigError(`stack ${stackName} was not found in ${region}`);
    }
    for (const o of found.Outputs ?? []) {
      if (o.OutputKey !== undefined && o.OutputValue !== undefined) {
        outputs[o.OutputKey] = o.OutputValue;
      }
    }
  }
  return { name, region, outputs };
}

/** An output's value, or a ConfigError naming the output and the stacks. */
export function output(stack: DeployedStack, key: string): string {
  const value = stack.outputs[key];
  if (value === undefined) {
    const { stateful, stateless } = stackNames(stack.name);
    throw new ConfigError(
      `output ${key} is missing from ${stateful}/${stateless}: the stacks were deployed by another wasure version; deploy this one`,
    );
  }
  return value;
}

/**
 * The resources' names the outputs give, every output this CLI needs
 * checked first (a stack deployed by another wasure version is named as
 * such, not found wanting at the first call). The landing bucket is
 * optional: without it, sweep, export and erase leave quarantine alone.
 * The audit MAC key is not: this CLI writes audit events, and an event
 * without its writer's MAC would not verify.
 */
export function resourceNames(stack: DeployedStack): ResourceNames {
  for (const name of RESOURCE_NAMES) {
    if (name !== 'landingBucket') output(stack, RESOURCES[name].output);
  }
  return namesFromOutputs(stack.outputs);
}

/** A finished execution. */
export interface ExecutionResult {
  readonly executionArn: string;
  readonly output: unknown;
}

/** How to run an execution. */
export interface RunExecutionOptions {
  readonly stateMachineArn: string;
  /** Execution name: a rerun with the same name and input is the same execution. */
  readonly name: string;
  readonly input: Record<string, unknown>;
  /** Progress lines. */
  readonly progress: (line: string) => void;
  /** First poll interval in ms (doubles up to 10 s). @default 1000 */
  readonly pollMs?: number;
  /** Sleeps between polls (tests pass a fake). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** An execution name Step Functions accepts (1–80 of [A-Za-z0-9-_]). */
export function executionName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
}

/** Starts an execution and waits for its end; a failed end is a LifecycleError with its error and cause. */
export async function runExecution(sfn: SFNClient, options: RunExecutionOptions): Promise<ExecutionResult> {
  const started = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: options.stateMachineArn,
      name: options.name,
      input: JSON.stringify(options.input),
    }),
  );
  const executionArn = started.executionArn;
  if (executionArn === undefined) {
    throw new LifecycleError(`Step Functions returned no execution for ${options.name}`);
  }
  options.progress(`started ${executionArn}`);
  return waitForExecution(sfn, executionArn, options);
}

/** Waits for an execution to end, with progress. */
export async function waitForExecution(
  sfn: SFNClient,
  executionArn: string,
  options: Pick<RunExecutionOptions, 'progress' | 'pollMs' | 'sleep'>,
): Promise<ExecutionResult> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const begun = Date.now();
  let pause = options.pollMs ?? 1000;
  for (;;) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const name = executionArn.split(':').pop();
    switch (d.status) {
      case 'SUCCEEDED':
        options.progress(`${name}: succeeded after ${Math.round((Date.now() - begun) / 1000)} s`);
        return { executionArn, output: d.output === undefined ? undefined : JSON.parse(d.output) };
      case 'RUNNING':
      case 'PENDING_REDRIVE':
        options.progress(`${name}: running, ${Math.round((Date.now() - begun) / 1000)} s`);
        await sleep(pause);
        pause = Math.min(pause * 2, 10_000);
        break;
      default:
        throw new LifecycleError(
          `execution ${name} ${String(d.status ?? 'ended').toLowerCase()}: ${d.error ?? 'no error name'}${d.cause === undefined ? '' : ` — ${d.cause}`}`,
        );
    }
  }
}

/** The ARN of a state machine's execution of that name. */
export function executionArn(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/** Opens a CloudFormation client and reads the stack. */
export async function openDeployedStack(name: string, region: string): Promise<DeployedStack> {
  const cfn = new CloudFormationClient({ region });
  try {
    return await describeDeployedStack(cfn, name, region);
  } finally {
    cfn.destroy();
  }
}
