/**
 * `wasure request` in embedded mode: the synthesized state machine of the
 * request's type, executed by aws-local-stepfunctions over the embedded
 * stores with the same task handlers as the Lambda functions.
 */
import { REQUEST_FAIL_STATE, type RequestType, type SubjectRequest } from '#shared/domain/requests.ts';
import { REQUEST_STATES, requestWorkflowName } from '#shared/domain/workflow-names.ts';
import { localErasureReceiptHandlers } from '../workflow/erasure-receipt-tasks.ts';
import { type RequestTaskDeps, requestTasks } from '../workflow/request-tasks.ts';
import { synthesizedTemplate } from './local-sweep.ts';
import { join } from 'node:path';
import { DirectoryExportStore } from '#shared/adapters/local/directory-export-store.ts';
import { assertIsError, NotFoundError } from '#shared/errors.ts';
import type { EmbeddedRuntime } from '../runtime.ts';
import { definitionFromTemplate, findStateMachine, type LocalRunOptions, runLocally } from './run-state-machine.ts';

/**
 * Runs a registered request through its state machine; returns it as it
 * ended (read back from the requests table): completed, refused, or
 * failed by the definition's catch, whose execution fails after it.
 */
export async function runRequestLocally(
  deps: RequestTaskDeps,
  type: RequestType,
  requestId: string,
  onTask?: LocalRunOptions['onTask'],
): Promise<SubjectRequest> {
  const template = await synthesizedTemplate();
  const definition = definitionFromTemplate(template, findStateMachine(template, `${requestWorkflowName(type)}StateMachine`));
  const tasks = requestTasks(deps);
  try {
    await runLocally(
      definition,
      { requestId },
      {
        [REQUEST_STATES.load]: tasks.load,
        [REQUEST_STATES.execute]: tasks.execute(type),
        [REQUEST_STATES.complete]: tasks.complete,
        [REQUEST_FAIL_STATE]: tasks.fail,
        // An erasure then checkpoints the trail and saves its receipt.
        ...(type === 'erase' ? localErasureReceiptHandlers(deps) : {}),
      },
      { name: `request-${requestId}`, stateMachineName: `WasureStateless-${requestWorkflowName(type)}`, ...(onTask === undefined ? {} : { onTask }) },
    );
  } catch (error) {
    assertIsError(error);
    if ((await deps.requests.get(requestId))?.status !== 'failed') {
      throw error;
    }
  }
  const done = await deps.requests.get(requestId);
  if (done === undefined) {
    throw new NotFoundError(`request ${requestId} does not exist`);
  }
  return done;
}

/**
 * Runs a registered (and, where asked, approved) request over the embedded
 * stores of `stateDir`: disclosure packages in its `exports/`, and this
 * process as the checkpointer (an erasure signs the checkpoint its receipt
 * needs). The one wiring `wasure request`, the demo and the console share.
 */
export function runEmbeddedRequest(runtime: EmbeddedRuntime, stateDir: string, request: Pick<SubjectRequest, 'type' | 'requestId'>): Promise<SubjectRequest> {
  return runRequestLocally(
    { ...runtime.requestDeps, exports: new DirectoryExportStore(join(stateDir, 'exports'), runtime.deps.clock), checkpointer: runtime.audit },
    request.type,
    request.requestId,
  );
}
