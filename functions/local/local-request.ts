/**
 * `wasure request` in embedded mode: the synthesized state machine of the
 * request's type, executed by aws-local-stepfunctions over the embedded
 * stores with the same task handlers as the Lambda functions.
 */
import type { RequestType, SubjectRequest } from '#shared/domain/requests.ts';
import { REQUEST_STATES, requestWorkflowName } from '#shared/domain/workflow-names.ts';
import { type RequestTaskDeps, requestTasks } from '../workflow/request-tasks.ts';
import { synthesizedTemplate } from './local-sweep.ts';
import { definitionFromTemplate, findStateMachine, runLocally } from './run-state-machine.ts';

/** Runs a registered request through its state machine; returns it completed. */
export async function runRequestLocally(
  deps: RequestTaskDeps,
  type: RequestType,
  requestId: string,
): Promise<SubjectRequest> {
  const template = synthesizedTemplate();
  const definition = definitionFromTemplate(template, findStateMachine(template, `${requestWorkflowName(type)}StateMachine`));
  const tasks = requestTasks(deps);
  return (await runLocally(
    definition,
    { requestId },
    {
      [REQUEST_STATES.load]: tasks.load,
      [REQUEST_STATES.execute]: tasks.execute(type),
      [REQUEST_STATES.complete]: tasks.complete,
    },
    { name: `request-${requestId}`, stateMachineName: `WasureStateless-${requestWorkflowName(type)}` },
  )) as SubjectRequest;
}
