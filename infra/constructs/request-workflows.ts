import { Duration } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ERASURE_RECEIPT_STATES } from '#shared/domain/erasure-receipt.ts';
import { REQUEST_FAIL_STATE, REQUEST_TYPES, type RequestType } from '#shared/domain/requests.ts';
import { ERROR_NAMES } from '#shared/errors.ts';
import { REQUEST_STATES, requestWorkflowName } from '#shared/domain/workflow-names.ts';
import { lambdaTask } from './lambda-task.ts';

/** Props of {@link RequestWorkflows}. */
export interface RequestWorkflowsProps {
  /** Loads and checks the request (shared by all types). */
  readonly load: IFunction;
  /** Executes one type of request. */
  readonly execute: Readonly<Record<RequestType, IFunction>>;
  /** Records the outcome and reasons (shared). */
  readonly complete: IFunction;
  /**
   * Ends a request whose execute or complete step failed: status `failed`,
   * freeze released, audited (shared).
   */
  readonly fail: IFunction;
  /**
   * The erase workflow's receipt steps, after the erasure: the audit
   * checkpointer (verifies the trail, then signs a checkpoint; the only
   * role that may sign) and the function that saves the receipt as the
   * request's package.
   */
  readonly erasureReceipt: { readonly checkpointer: IFunction; readonly issue: IFunction };
  /** Log retention. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Key that encrypts the log group. */
  readonly logKey: kms.IKey;
}

/**
 * One Step Functions Standard state machine per subject-request type:
 * LoadRequest → ExecuteRequest → CompleteRequest; an erasure also runs
 * VerifyAudit → IssueErasureReceipt before CompleteRequest (see
 * {@link erasureReceiptSteps}). The input is the request id alone; Lambda
 * tasks only, JSONPath only. Any error of the
 * execute or complete step (after the retries of transient ones) is
 * caught into FailRequest, which ends the request as `failed`, releases
 * its freeze and audits it; the execution then fails, so it shows.
 */
export class RequestWorkflows extends Construct {
  /** State machines by request type. */
  readonly stateMachines: Record<RequestType, sfn.StateMachine>;

  constructor(scope: Construct, id: string, props: RequestWorkflowsProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logKey,
    });
    const machines: Partial<Record<RequestType, sfn.StateMachine>> = {};
    for (const type of REQUEST_TYPES) {
      const scopeForType = new Construct(this, requestWorkflowName(type));
      const failed = new sfn.Fail(scopeForType, REQUEST_STATES.failed, {
        error: 'RequestFailed',
        cause: 'A request task failed with a non-retryable error; see the execution history.',
      });
      const fail = lambdaTask(scopeForType, REQUEST_FAIL_STATE, props.fail, failed, {
        // The workflow's type is a constant of the definition: a request
        // started on another type's workflow is not failed by it.
        payload: sfn.TaskInput.fromObject({
          requestId: sfn.JsonPath.stringAt('$.requestId'),
          type,
          error: sfn.JsonPath.objectAt('$.error'),
        }),
      }).next(failed);
      const toFail = { errors: [sfn.Errors.ALL], resultPath: '$.error' };
      const execute = lambdaTask(scopeForType, REQUEST_STATES.execute, props.execute[type], undefined).addCatch(fail, toFail);
      const complete = lambdaTask(scopeForType, REQUEST_STATES.complete, props.complete, undefined).addCatch(fail, toFail);
      const executed = lambdaTask(scopeForType, REQUEST_STATES.load, props.load, failed).next(execute);
      const definition = (type === 'erase' ? executed.next(erasureReceiptSteps(scopeForType, props.erasureReceipt, complete)) : executed)
        .next(complete)
        .next(new sfn.Succeed(scopeForType, REQUEST_STATES.done));
      machines[type] = new sfn.StateMachine(scopeForType, 'StateMachine', {
        stateMachineType: sfn.StateMachineType.STANDARD,
        definitionBody: sfn.DefinitionBody.fromChainable(definition),
        tracingEnabled: true,
        logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
      });
    }
    this.stateMachines = machines as Record<RequestType, sfn.StateMachine>;
  }
}

/** Retries of a receipt not yet issuable (no signed checkpoint read yet): about 15 minutes in all. */
export const RECEIPT_RETRY = { interval: Duration.seconds(30), backoffRate: 2, maxAttempts: 5 } as const;

/**
 * VerifyAudit (the checkpointer: verify, then sign a checkpoint covering
 * the erasure) → IssueErasureReceipt (the package), the latter retried
 * with backoff while no signed checkpoint covers the erasure. Either
 * failing does not fail the request: the erasure is done, so the request
 * completes with `outcome.erasureReceipt.status` `later`, and
 * `wasure receipt issue` makes the receipt after the next checkpoint.
 */
function erasureReceiptSteps(
  scope: Construct,
  fns: RequestWorkflowsProps['erasureReceipt'],
  complete: sfn.IChainable,
): sfn.Chain {
  const later = new sfn.Pass(scope, ERASURE_RECEIPT_STATES.later, {
    result: sfn.Result.fromObject({ status: 'later' }),
    resultPath: '$.outcome.erasureReceipt',
  }).next(complete);
  const toLater = { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD };
  const checkpoint = lambdaTask(scope, ERASURE_RECEIPT_STATES.checkpoint, fns.checkpointer, undefined, {
    // The erasure's events are staged; the sequencer chains them within
    // seconds, and the checkpointer waits for that before it signs.
    payload: sfn.TaskInput.fromObject({ requestId: sfn.JsonPath.stringAt('$.requestId'), awaitIntegration: true }),
    resultPath: sfn.JsonPath.DISCARD,
  })
    .addRetry({ errors: [ERROR_NAMES.conflict], ...RECEIPT_RETRY, jitterStrategy: sfn.JitterType.FULL })
    .addCatch(later, toLater);
  const issue = lambdaTask(scope, ERASURE_RECEIPT_STATES.issue, fns.issue, undefined)
    .addRetry({ errors: [ERROR_NAMES.notFound], ...RECEIPT_RETRY, jitterStrategy: sfn.JitterType.FULL })
    .addCatch(later, toLater);
  return sfn.Chain.start(checkpoint).next(issue);
}
