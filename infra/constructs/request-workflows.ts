import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { REQUEST_TYPES, type RequestType } from '#shared/domain/requests.ts';
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
  /** Log retention. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Key that encrypts the log group. */
  readonly logKey: kms.IKey;
}

/**
 * One Step Functions Standard state machine per subject-request type:
 * LoadRequest → ExecuteRequest → CompleteRequest. The input is the
 * request id alone; Lambda tasks only, JSONPath only.
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
      const definition = lambdaTask(scopeForType, REQUEST_STATES.load, props.load, failed)
        .next(lambdaTask(scopeForType, REQUEST_STATES.execute, props.execute[type], failed))
        .next(lambdaTask(scopeForType, REQUEST_STATES.complete, props.complete, failed))
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
