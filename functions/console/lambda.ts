/**
 * The console on AWS: the same Hono app, pages and API as `wasure console`,
 * behind API Gateway (HTTP API, its Lambda authorizer) and CloudFront, over
 * the deployed stores; Cognito sign-in. A request is carried out by
 * starting its state machine's execution (named after the request, so a
 * repeat is the same execution); the page then shows it as it proceeds.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { handle } from 'hono/aws-lambda';
import { ENV, requireEnv } from '#shared/config/env.ts';
import type { RequestType, SubjectRequest } from '#shared/domain/requests.ts';
import { NotFoundError } from '#shared/errors.ts';
import { executionName } from '../deployed-stack.ts';
import { lambdaRequestDeps } from '../workflow/lambda-deps.ts';
import { ConsoleActions } from './actions.ts';
import { consoleApp } from './app.ts';
import type { ConsoleBackend } from './backend.ts';
import { cognitoAuth } from './cognito-auth.ts';
import { consoleClient } from './cognito-verifier.ts';

/** Starts the execution of a request's state machine; an execution of that name already started is the same one. */
export async function startRequestExecution(sfn: SFNClient, workflows: Readonly<Record<string, string>>, request: SubjectRequest): Promise<void> {
  const stateMachineArn = workflows[request.type];
  if (stateMachineArn === undefined) throw new NotFoundError(`no state machine runs ${request.type} requests here`);
  try {
    await sfn.send(new StartExecutionCommand({ stateMachineArn, name: executionName(`request-${request.requestId}`), input: JSON.stringify({ requestId: request.requestId }) }));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ExecutionAlreadyExists')) throw error;
  }
}

/** The deployed backend over the function's environment. */
export function deployedBackend(env: Readonly<Record<string, string | undefined>> = process.env): ConsoleBackend {
  const deps = lambdaRequestDeps(env);
  const workflows = JSON.parse(requireEnv(env, ENV.requestWorkflows)) as Record<RequestType, string>;
  const sfn = new SFNClient({});
  return {
    mode: 'deployed',
    deps,
    requestDeps: deps,
    audit: deps.audit,
    verifier: deps.checkpointer,
    exports: deps.exports,
    run: async (request) => {
      await startRequestExecution(sfn, workflows, request);
      return (await deps.requests.get(request.requestId)) ?? request;
    },
  };
}

/** The console's sign-in over the function's environment. */
function auth(env: Readonly<Record<string, string | undefined>>, actions: ConsoleActions) {
  const { clientId, verify } = consoleClient(env);
  return cognitoAuth({
    domain: requireEnv(env, ENV.consoleAuthDomain),
    clientId,
    verify,
    audit: (operator, step) => actions.auditSession(operator, step),
  });
}

const actions = new ConsoleActions(deployedBackend());
const log = (line: string) => console.log(JSON.stringify({ level: 'error', message: line }));

export const handler = handle(consoleApp({ actions, auth: auth(process.env, actions), log }));
