import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_FAIL_STATE, REQUEST_OVERDUE_GRACE_DAYS, REQUEST_TYPES } from '#shared/domain/requests.ts';
import { INDEX, REQUESTS_TABLE } from '#shared/domain/store-definitions.ts';
import { REQUEST_STATES, requestWorkflowName } from '#shared/domain/workflow-names.ts';
import { ERASURE_RECEIPT_STATES } from '#shared/domain/erasure-receipt.ts';
import { ERROR_NAMES } from '#shared/errors.ts';
import { createApp } from '#infra/create-app.ts';
import { definitionFromTemplate, findStateMachine, type Template as Tpl } from '#functions/local/run-state-machine.ts';
import { METRICS } from '#functions/workflow/lambda-deps.ts';

type State = Record<string, unknown> & {
  Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string | null }[];
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number; IntervalSeconds?: number; BackoffRate?: number }[];
};

describe('request workflows, overdue check and alarms', () => {
  let stateful: Template;
  let stateless: Template;

  beforeAll(() => {
    const { stateful: a, stateless: b } = createApp({ nag: false, context: { 'aws:cdk:bundling-stacks': [] } });
    stateful = Template.fromStack(a);
    stateless = Template.fromStack(b);
  });

  const logicalIdOf = (prefix: string, type: string) =>
    Object.keys(stateless.findResources(type)).find((id) => id.startsWith(prefix)) as string;

  it.each(REQUEST_TYPES.map((t) => [t]))('%s: execute and complete failures end the request in FailRequest, then fail the execution', (type) => {
    // Act
    const template = stateless.toJSON() as Tpl;
    const states = definitionFromTemplate(template, findStateMachine(template, `${requestWorkflowName(type)}StateMachine`)).States as unknown as Record<string, State>;
    // Assess
    for (const name of [REQUEST_STATES.execute, REQUEST_STATES.complete]) {
      expect(states[name]?.Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], Next: REQUEST_FAIL_STATE, ResultPath: '$.error' }]);
    }
    expect(states[REQUEST_STATES.load]?.Catch?.[0]?.Next).toBe(REQUEST_STATES.failed);
    const fail = states[REQUEST_FAIL_STATE] as State;
    expect(fail).toMatchObject({
      Type: 'Task',
      Next: REQUEST_STATES.failed,
      Parameters: { 'requestId.$': '$.requestId', type, 'error.$': '$.error' },
    });
    expect(String(fail.Resource)).toContain('FailRequestFn');
    expect(fail.Catch?.[0]?.Next).toBe(REQUEST_STATES.failed);
  });

  const statesOf = (type: string) => {
    const template = stateless.toJSON() as Tpl;
    return definitionFromTemplate(template, findStateMachine(template, `${requestWorkflowName(type)}StateMachine`)).States as unknown as Record<string, State>;
  };

  it('erase: checkpoints with the checkpointer, then issues the receipt (retried while not checkpointed), and completes either way', () => {
    // Act
    const states = statesOf('erase');
    // Assess
    const checkpoint = states[ERASURE_RECEIPT_STATES.checkpoint] as State;
    const issue = states[ERASURE_RECEIPT_STATES.issue] as State;
    expect(states[REQUEST_STATES.execute]?.Next).toBe(ERASURE_RECEIPT_STATES.checkpoint);
    expect(checkpoint).toMatchObject({ Type: 'Task', Next: ERASURE_RECEIPT_STATES.issue, ResultPath: null, Parameters: { 'requestId.$': '$.requestId' } });
    expect(String(checkpoint.Resource)).toContain('VerifyAuditFn');
    expect(issue).toMatchObject({ Type: 'Task', Next: REQUEST_STATES.complete });
    expect(issue.ResultPath).toBeUndefined();
    expect(String(issue.Resource)).toContain('IssueErasureReceiptFn');
    for (const state of [checkpoint, issue]) {
      expect(state.Catch).toEqual([{ ErrorEquals: ['States.ALL'], Next: ERASURE_RECEIPT_STATES.later, ResultPath: null }]);
    }
    const notYet = issue.Retry?.find((r) => r.ErrorEquals.includes(ERROR_NAMES.notFound));
    expect(notYet).toMatchObject({ ErrorEquals: [ERROR_NAMES.notFound], IntervalSeconds: 30, BackoffRate: 2, MaxAttempts: 5 });
    expect(states[ERASURE_RECEIPT_STATES.later]).toEqual({
      Type: 'Pass',
      Result: { status: 'later' },
      ResultPath: '$.outcome.erasureReceipt',
      Next: REQUEST_STATES.complete,
    });
  });

  it.each(REQUEST_TYPES.filter((t) => t !== 'erase').map((t) => [t]))('%s: has no receipt steps', (type) => {
    // Act
    const states = statesOf(type);
    // Assess
    expect(states[REQUEST_STATES.execute]?.Next).toBe(REQUEST_STATES.complete);
    expect(states[ERASURE_RECEIPT_STATES.checkpoint]).toBeUndefined();
  });

  it('runs the overdue check hourly and alarms on a lapse, notifying the alarm topic', () => {
    // Prepare
    const check = logicalIdOf('CheckRequestsFn', 'AWS::Lambda::Function');
    const topic = logicalIdOf('AlarmTopic', 'AWS::SNS::Topic');
    // Assess
    stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [check, 'Arn'] } }),
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp(`deadline plus ${REQUEST_OVERDUE_GRACE_DAYS} days`),
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: check } }],
      Threshold: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: topic }],
    });
    stateless.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', Match.arrayWith([`/index/${INDEX.openByDeadline}`])] } }),
        ]),
      },
    });
  });

  it('alarms on any open request past its deadline, from the overdue count the hourly check publishes', () => {
    // Prepare
    const topic = logicalIdOf('AlarmTopic', 'AWS::SNS::Topic');
    // Assess
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('past its statutory deadline'),
      MetricName: 'overdue',
      Statistic: 'Maximum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: topic }],
    });
    expect(METRICS['request.checkOverdue']).toEqual(['overdue']);
  });

  it('alarms when any request execution fails', () => {
    // Act
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm')) as { Properties: { AlarmDescription: string; Metrics?: { Expression?: string }[] } }[];
    // Assess
    const failed = alarms.find((a) => a.Properties.AlarmDescription.startsWith('A subject request failed'));
    expect(failed?.Properties.Metrics?.find((m) => m.Expression !== undefined)?.Expression?.split(' + ')).toHaveLength(REQUEST_TYPES.length);
  });

  it('gives the requests table a TTL and a sparse index of open requests by deadline, indexing subjects by pseudonym', () => {
    // Assess
    expect(REQUESTS_TABLE.ttlAttribute).toBe('expiresAt');
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({ IndexName: INDEX.bySubject, KeySchema: Match.arrayWith([{ AttributeName: 'subjectPseudonym', KeyType: 'HASH' }]) }),
        Match.objectLike({
          IndexName: INDEX.openByDeadline,
          KeySchema: [
            { AttributeName: 'openState', KeyType: 'HASH' },
            { AttributeName: 'deadline', KeyType: 'RANGE' },
          ],
        }),
      ]),
    });
  });
});
