import { Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { catchFatal, lambdaTask } from './lambda-task.ts';
import { SWEEP_STATES } from '#shared/domain/workflow-names.ts';

/** The Lambda function behind each Task state. */
export interface SweepFunctions {
  readonly start: IFunction;
  readonly plan: IFunction;
  readonly purge: IFunction;
  readonly report: IFunction;
  readonly continueAsNew: IFunction;
  readonly finish: IFunction;
}

/** Props of {@link RetentionSweepWorkflow}. */
export interface RetentionSweepWorkflowProps {
  /** Task handlers. */
  readonly functions: SweepFunctions;
  /** Physical name (known in advance so the continuation may start it). */
  readonly stateMachineName: string;
  /** Purge batches in flight at once. @default 4 */
  readonly maxConcurrency?: number;
  /** Log retention. @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
  /** Key that encrypts the log group. */
  readonly logKey: kms.IKey;
}

/**
 * The retention sweep: StartSweep → PlanSweep → Map(PurgeBatch) →
 * ReportPage → more pages? (loop, or past the page budget continue as a
 * new execution) → FinishSweep. Lambda tasks only, JSONPath only, payload
 * responses only, so the same definition runs in aws-local-stepfunctions.
 */
export class RetentionSweepWorkflow extends Construct {
  /** The state machine. */
  readonly stateMachine: sfn.StateMachine;

  /** ARN of the state machine, computed from its name (no reference cycle). */
  static arnFor(scope: Construct, name: string): string {
    return Stack.of(scope).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: name,
      arnFormat: undefined,
    });
  }

  constructor(scope: Construct, id: string, props: RetentionSweepWorkflowProps) {
    super(scope, id);
    const f = props.functions;
    const failed = new sfn.Fail(this, SWEEP_STATES.failed, {
      error: 'SweepFailed',
      cause: 'A sweep task failed with a non-retryable error; see the execution history.',
    });
    const task = (name: string, fn: IFunction, extra: Partial<tasks.LambdaInvokeProps> = {}, inMap = false) =>
      // A state inside the Map cannot catch to a state outside it; the Map
      // itself catches instead.
      lambdaTask(this, name, fn, inMap ? undefined : failed, extra);
    const start = task(SWEEP_STATES.start, f.start, {
      payload: sfn.TaskInput.fromObject({
        'input.$': '$',
        'executionId.$': '$$.Execution.Id',
        'stateMachineArn.$': '$$.StateMachine.Id',
      }),
    });
    const plan = task(SWEEP_STATES.plan, f.plan);
    const purge = task(SWEEP_STATES.purge, f.purge, {}, true);
    const map = new sfn.Map(this, SWEEP_STATES.purgeMap, {
      stateName: SWEEP_STATES.purgeMap,
      itemsPath: '$.batches',
      itemSelector: {
        'recordIds.$': '$$.Map.Item.Value',
        'now.$': '$.now',
        'dryRun.$': '$.dryRun',
        'sweepId.$': '$.sweepId',
      },
      maxConcurrency: props.maxConcurrency ?? 4,
      resultPath: '$.results',
    });
    map.itemProcessor(purge);
    catchFatal(map, failed);
    const report = task(SWEEP_STATES.report, f.report);
    const continueAsNew = task(SWEEP_STATES.continueAsNew, f.continueAsNew);
    const finish = task(SWEEP_STATES.finish, f.finish);
    const done = new sfn.Succeed(this, SWEEP_STATES.done);
    const budgetLeft = new sfn.Choice(this, SWEEP_STATES.budgetLeft)
      .when(sfn.Condition.numberLessThanJsonPath('$.pages', '$.pageBudget'), plan)
      .otherwise(continueAsNew.next(done));
    const morePages = new sfn.Choice(this, SWEEP_STATES.morePages)
      .when(sfn.Condition.isPresent('$.next'), budgetLeft)
      .otherwise(finish.next(done));
    const definition = start.next(plan).next(map).next(report).next(morePages);
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'Logs', {
          retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
          encryptionKey: props.logKey,
        }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
    });
  }
}
