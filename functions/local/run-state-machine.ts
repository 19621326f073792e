/**
 * Runs a state machine exactly as synthesized: the DefinitionString is
 * taken from the CloudFormation template, its ARN tokens are resolved, and
 * aws-local-stepfunctions executes it with every Task state mapped, by
 * state name, to the same handler code the Lambda functions run. Features
 * the local engine silently ignores are refused before anything runs.
 */
import '#shared/adapters/local/node-shims.ts';
import { AsyncLocalStorage } from 'node:async_hooks';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { ConfigError, LifecycleError } from '#shared/errors.ts';

/** A JSON value of a template. */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A synthesized CloudFormation template (the parts needed here). */
export interface Template {
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, Json> }>;
}

const REGION = 'ap-northeast-1';
const ACCOUNT = '000000000000';

function resolveToken(token: Json, logicalId: string): string {
  if (typeof token === 'string') {
    return token;
  }
  if (token !== null && typeof token === 'object' && !Array.isArray(token)) {
    const getAtt = token['Fn::GetAtt'];
    if (Array.isArray(getAtt) && getAtt[1] === 'Arn') {
      return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${String(getAtt[0])}`;
    }
    const ref = token.Ref;
    if (ref === 'AWS::Partition') return 'aws';
    if (ref === 'AWS::Region') return REGION;
    if (ref === 'AWS::AccountId') return ACCOUNT;
    if (ref === 'AWS::URLSuffix') return 'amazonaws.com';
  }
  throw new ConfigError(`cannot resolve a token in the definition of ${logicalId}: ${JSON.stringify(token)}`);
}

/** The definition of a state machine resource, tokens resolved. */
export function definitionFromTemplate(
  template: Template,
  logicalId: string,
): StateMachineDefinition {
  const resource = template.Resources[logicalId];
  if (resource?.Type !== 'AWS::StepFunctions::StateMachine') {
    throw new ConfigError(`${logicalId} is not a state machine in the template`);
  }
  const body = resource.Properties?.DefinitionString;
  let text: string;
  if (typeof body === 'string') {
    text = body;
  } else if (body !== null && typeof body === 'object' && !Array.isArray(body) && Array.isArray(body['Fn::Join'])) {
    const [sep, parts] = body['Fn::Join'] as [string, Json[]];
    text = parts.map((p) => resolveToken(p, logicalId)).join(sep);
  } else {
    throw new ConfigError(`unsupported DefinitionString in ${logicalId}`);
  }
  const definition = JSON.parse(text) as StateMachineDefinition;
  assertLocallySupported(definition as unknown as Json);
  return definition;
}

/** The logical id of the one state machine whose name contains `hint`. */
export function findStateMachine(template: Template, hint: string): string {
  const ids = Object.entries(template.Resources)
    .filter(([id, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && id.includes(hint))
    .map(([id]) => id);
  if (ids.length !== 1) {
    throw new ConfigError(`expected one state machine matching ${hint}, found ${ids.length}`);
  }
  return ids[0] as string;
}

/**
 * Throws when a definition uses what aws-local-stepfunctions ignores or
 * does not support, so a local run never silently differs from AWS.
 */
export function assertLocallySupported(node: Json, path = '$'): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => {
      assertLocallySupported(n, `${path}[${i}]`);
    });
    return;
  }
  if (node === null || typeof node !== 'object') {
    return;
  }
  const refuse = (what: string) => {
    throw new ConfigError(`the local runner cannot execute ${what} at ${path}; the definition must stay within Lambda tasks and JSONPath`);
  };
  if (node.QueryLanguage === 'JSONata') refuse('JSONata');
  if ('Assign' in node) refuse('Assign (variables)');
  for (const key of ['ItemReader', 'ItemBatcher', 'ResultWriter', 'ToleratedFailureCount', 'ToleratedFailurePercentage', 'HeartbeatSeconds', 'Credentials']) {
    if (key in node) refuse(key);
  }
  const mode = (node.ProcessorConfig as { Mode?: string } | undefined)?.Mode;
  if (mode === 'DISTRIBUTED') refuse('a Distributed Map');
  if (typeof node.Resource === 'string' && node.Resource.includes('.waitForTaskToken')) refuse('a task token');
  if (node.ResultPath === '$') refuse('an explicit ResultPath "$"');
  for (const [key, value] of Object.entries(node)) {
    assertLocallySupported(value, `${path}.${key}`);
  }
}

/** The Task state a local handler call runs for. */
export interface TaskScope {
  /** State machine name. */
  readonly stateMachine: string;
  /** Task state name. */
  readonly state: string;
}

/**
 * The Task state whose handler is running, visible to everything the
 * handler awaits. On AWS each task is its own function with its own role;
 * locally all tasks share one process, so this is how a call made by a
 * handler is attributed to the function (and role) that would make it.
 */
export const taskScope = new AsyncLocalStorage<TaskScope>();

/** Task handlers keyed by state name. */
export type LocalHandlers = Record<string, (input: never) => Promise<unknown>>;

/** Options of {@link runLocally}. */
export interface LocalRunOptions {
  /** Execution name (becomes the execution id). */
  readonly name: string;
  /** State machine name. */
  readonly stateMachineName: string;
  /** Pause of every Retry in ms (real intervals are meant for AWS). @default 50 */
  readonly retryPauseMs?: number;
  /** Sees every task's input and output (what Step Functions would store in the execution history). */
  readonly onTask?: (state: string, input: unknown, output: unknown) => void;
}

/** Runs one execution; rethrows a task's own error when the execution fails on it. */
export async function runLocally(
  definition: StateMachineDefinition,
  input: Record<string, unknown>,
  handlers: LocalHandlers,
  options: LocalRunOptions,
): Promise<unknown> {
  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const taskStates = Object.entries(collectStates(definition as unknown as Json)).filter(([, s]) => s === 'Task');
  const missing = taskStates.filter(([name]) => handlers[name] === undefined).map(([n]) => n);
  if (missing.length > 0) {
    throw new ConfigError(`no local handler for Task state(s): ${missing.join(', ')}`);
  }
  const retryIntervalOverrides = Object.fromEntries(
    Object.keys(collectStates(definition as unknown as Json)).map((n) => [n, options.retryPauseMs ?? 50]),
  );
  const lastTaskError: { error?: Error } = {};
  const wrapped = Object.fromEntries(
    Object.entries(handlers).map(([name, fn]) => [
      name,
      async (event: unknown) => {
        try {
          const output = await taskScope.run({ stateMachine: options.stateMachineName, state: name }, () => fn(event as never));
          options.onTask?.(name, event, output);
          return output;
        } catch (error) {
          lastTaskError.error = error as Error;
          throw error;
        }
      },
    ]),
  );
  const executionId = `arn:aws:states:${REGION}:${ACCOUNT}:execution:${options.stateMachineName}:${options.name}`;
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers: wrapped as never, retryIntervalOverrides },
    context: {
      Execution: { Id: executionId, Name: options.name, Input: input, StartTime: new Date().toISOString() },
      StateMachine: { Id: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${options.stateMachineName}`, Name: options.stateMachineName },
    } as never,
  });
  try {
    return await execution.result;
  } catch (error) {
    if (error instanceof ExecutionError && lastTaskError.error instanceof LifecycleError) {
      throw lastTaskError.error;
    }
    if (error instanceof ExecutionError && lastTaskError.error !== undefined) {
      throw new LifecycleError(`execution ${options.name} failed: ${lastTaskError.error.message}`, { cause: lastTaskError.error });
    }
    throw error;
  }
}

function collectStates(node: Json, found: Record<string, string> = {}): Record<string, string> {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) {
    return found;
  }
  const states = node.States;
  if (states !== null && typeof states === 'object' && !Array.isArray(states)) {
    for (const [name, state] of Object.entries(states)) {
      if (state !== null && typeof state === 'object' && !Array.isArray(state)) {
        found[name] = String(state.Type);
        collectStates(state.ItemProcessor ?? state.Iterator ?? null, found);
        for (const branch of (state.Branches as Json[] | undefined) ?? []) {
          collectStates(branch, found);
        }
      }
    }
  }
  return found;
}
