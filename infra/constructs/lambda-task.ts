import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { ERROR_NAMES } from '#shared/errors.ts';

/** Errors a task retries: throttling and lost optimistic-lock races. */
export const RETRIED_ERRORS = [ERROR_NAMES.transient, ERROR_NAMES.conflict];

/** Errors that end an execution in its Fail state at once. */
export const FATAL_ERRORS = [
  ERROR_NAMES.validation,
  ERROR_NAMES.config,
  ERROR_NAMES.integrity,
  ERROR_NAMES.notFound,
  ERROR_NAMES.lifecycle,
];

/** Catches the fatal named errors into `failed`. */
export function catchFatal(state: sfn.TaskStateBase | sfn.Map, failed: sfn.IChainable): void {
  state.addCatch(failed, { errors: FATAL_ERRORS, resultPath: '$.error' });
}

/**
 * A Lambda task as every wasure state machine uses it: the payload is the
 * function's response only (the same shape locally and on AWS), named
 * transient errors are retried with backoff, named fatal errors go to
 * `failed` (omitted inside a Map, whose states cannot leave it).
 */
export function lambdaTask(
  scope: Construct,
  name: string,
  fn: IFunction,
  failed: sfn.IChainable | undefined,
  extra: Partial<tasks.LambdaInvokeProps> = {},
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(scope, name, {
    stateName: name,
    lambdaFunction: fn,
    payloadResponseOnly: true,
    ...extra,
  });
  task.addRetry({
    errors: RETRIED_ERRORS,
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 6,
    jitterStrategy: sfn.JitterType.FULL,
  });
  if (failed !== undefined) {
    catchFatal(task, failed);
  }
  return task;
}
