import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_FAIL_STATE, REQUEST_OVERDUE_GRACE_DAYS, REQUEST_TYPES } from '#shared/domain/requests.ts';
import { INDEX, REQUESTS_TABLE } from '#shared/domain/store-definitions.ts';
import { REQUEST_STATES, requestWorkflowName } from '#shared/domain/workflow-names.ts';
import { createApp } from '#infra/create-app.ts';
import { definitionFromTemplate, findStateMachine, type Template as Tpl } from '#functions/local/run-state-machine.ts';

type State = Record<string, unknown> & { Catch?: { ErrorEquals: string[]; Next: string; ResultPath?: string }[] };

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
