import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_NAMES } from '#shared/errors.ts';
import { SWEEP_STATES } from '#shared/domain/workflow-names.ts';
import { AUDIT_TABLE, KEYS_TABLE, RECORDS_TABLE, REQUESTS_TABLE } from '#shared/domain/store-definitions.ts';
import { TABLES } from '#shared/config/resources.ts';
import { createApp } from '#infra/create-app.ts';
import { DESTROY_DATA_CONTEXT } from '#infra/names.ts';
import { definitionFromTemplate, findStateMachine } from '#functions/local/run-state-machine.ts';

type Props = Record<string, any>;

describe('stacks', () => {
  let stateful: Template;
  let stateless: Template;

  beforeAll(() => {
    const { stateful: a, stateless: b } = createApp({ nag: false, context: { 'aws:cdk:bundling-stacks': [] } });
    stateful = Template.fromStack(a);
    stateless = Template.fromStack(b);
  });

  const tables = () => Object.values(stateful.findResources('AWS::DynamoDB::Table')) as { Properties: Props; DeletionPolicy: string }[];
  const tableWithKey = (name: string, sort?: string) =>
    tables().find(
      (t) =>
        t.Properties.KeySchema[0].AttributeName === name &&
        (sort === undefined || t.Properties.KeySchema[1]?.AttributeName === sort),
    );

  it('rotates the data key and keeps every key on stack deletion', () => {
    stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, KeySpec: Match.absent() });
    stateful.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    stateful.hasResourceProperties('AWS::KMS::Key', { KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    for (const key of Object.values(stateful.findResources('AWS::KMS::Key'))) {
      expect(key.DeletionPolicy).toBe('Retain');
    }
  });

  it('builds one table per shared definition, encrypted with the customer key, retained', () => {
    expect(tables()).toHaveLength(TABLES.length);
    for (const t of tables()) {
      expect(t.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: expect.anything() });
      expect(t.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      expect(t.Properties.DeletionProtectionEnabled).toBe(true);
      expect(t.DeletionPolicy).toBe('Retain');
    }
  });

  it('gives the records table PITR, TTL, a stream and the subject, due and dataset indexes', () => {
    const records = tableWithKey(RECORDS_TABLE.partitionKey.name)?.Properties;
    expect(records?.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(records?.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(records?.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(records?.GlobalSecondaryIndexes.map((g: Props) => [g.IndexName, g.Projection.ProjectionType])).toEqual([
      ['bySubject', 'ALL'],
      ['byDue', 'KEYS_ONLY'],
      ['byDataset', 'KEYS_ONLY'],
    ]);
  });

  it('keeps no point-in-time backups of destroyed data keys, but of audit and requests', () => {
    expect(tableWithKey(KEYS_TABLE.partitionKey.name)?.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: false });
    expect(tableWithKey(AUDIT_TABLE.partitionKey.name, 'seq')?.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(tableWithKey(REQUESTS_TABLE.partitionKey.name)?.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
  });

  it('encrypts, versions, access-logs and locks down every data bucket', () => {
    const buckets = Object.values(stateful.findResources('AWS::S3::Bucket')) as { Properties: Props; DeletionPolicy: string }[];
    const data = buckets.filter((b) => b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm === 'aws:kms');
    expect(data).toHaveLength(4);
    for (const b of buckets) {
      expect(b.Properties.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      expect(b.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
      expect(b.DeletionPolicy).toBe('Retain');
    }
    for (const b of data) {
      expect(b.Properties.LoggingConfiguration).toBeDefined();
      expect(b.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].BucketKeyEnabled).toBe(true);
    }
    const documents = data.find((b) => JSON.stringify(b.Properties.BucketName).includes('-documents-'));
    expect(documents?.Properties.LifecycleConfiguration).toBeUndefined();
    stateful.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('locks audit checkpoints in compliance mode for seven years', () => {
    stateful.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2555 } } },
    });
  });

  it('lets data be destroyed only with the dev-teardown context flag', () => {
    const { stateful: s } = createApp({ nag: false, context: { [DESTROY_DATA_CONTEXT]: true, 'aws:cdk:bundling-stacks': [] } });
    const t = Template.fromStack(s);
    for (const r of Object.values(t.findResources('AWS::DynamoDB::Table'))) {
      expect(r.DeletionPolicy).toBe('Delete');
    }
  });

  it('runs the sweep on Step Functions Standard with logging and no execution data in logs', () => {
    stateless.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false, Destinations: Match.anyValue() },
      TracingConfiguration: { Enabled: true },
    });
  });

  it('retries named transient errors and catches named fatal ones in every task', () => {
    const template = stateless.toJSON() as Parameters<typeof findStateMachine>[0];
    const definition = definitionFromTemplate(template, findStateMachine(template, 'RetentionSweep')) as { States: Record<string, Props> };
    const tasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([n]) => n).sort()).toEqual(
      [SWEEP_STATES.start, SWEEP_STATES.plan, SWEEP_STATES.report, SWEEP_STATES.continueAsNew, SWEEP_STATES.finish].sort(),
    );
    for (const [, state] of tasks) {
      expect(state.Retry).toEqual(expect.arrayContaining([expect.objectContaining({ ErrorEquals: [ERROR_NAMES.transient, ERROR_NAMES.conflict] })]));
      expect(state.Catch[0].ErrorEquals).toContain(ERROR_NAMES.validation);
      // payloadResponseOnly: the Lambda ARN is the resource, no Payload wrapper
      expect(state.Resource).toMatch(/^arn:aws:lambda:/);
      expect(state.ResultSelector).toBeUndefined();
    }
    const map = definition.States[SWEEP_STATES.purgeMap] as Props;
    expect(map.MaxConcurrency).toBe(4);
    expect(map.ItemProcessor.ProcessorConfig?.Mode ?? 'INLINE').toBe('INLINE');
    expect(map.ItemProcessor.States[SWEEP_STATES.purge].Retry[1].ErrorEquals).toEqual([ERROR_NAMES.transient, ERROR_NAMES.conflict]);
    expect(map.Catch[0].ErrorEquals).toContain(ERROR_NAMES.config);
  });

  it('schedules the sweep hourly with EventBridge Scheduler and alarms on failed sweeps', () => {
    stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: Match.objectLike({ Arn: Match.anyValue(), RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 } }),
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', { Threshold: 1, TreatMissingData: 'notBreaching' });
  });

  it('verifies the audit trail daily and alarms when a verification fails', () => {
    const verifier = Object.entries(stateless.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('VerifyAuditFn'));
    expect(verifier).toBeDefined();
    stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 day)',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [verifier?.[0], 'Arn'] } }),
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: verifier?.[0] } }],
      Threshold: 1,
      Period: 86400,
    });
  });

  it('encrypts every log group with the operations key and sends every alarm to the encrypted alarm topic', () => {
    const opsKey = Object.entries(stateful.findResources('AWS::KMS::Key')).find(([id]) => id.includes('OperationsKey'));
    expect(opsKey?.[1].Properties.EnableKeyRotation).toBe(true);
    const groups = Object.values(stateless.findResources('AWS::Logs::LogGroup')) as { Properties: Props }[];
    expect(groups.length).toBeGreaterThanOrEqual(19);
    for (const g of groups) {
      expect(JSON.stringify(g.Properties.KmsKeyId)).toContain('OperationsKey');
    }
    const topic = Object.entries(stateless.findResources('AWS::SNS::Topic'));
    expect(topic).toHaveLength(1);
    expect(JSON.stringify(topic[0]?.[1].Properties.KmsMasterKeyId)).toContain('OperationsKey');
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm')) as { Properties: Props }[];
    expect(alarms.length).toBeGreaterThanOrEqual(3);
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual([{ Ref: topic[0]?.[0] }]);
    }
  });

  it('subscribes the alarm e-mail given as context', () => {
    const { stateless: b } = createApp({ nag: false, context: { 'aws:cdk:bundling-stacks': [], 'wasure:alarmEmail': 'dpo@example.jp' } });
    Template.fromStack(b).hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'dpo@example.jp' });
  });

  it('routes objects created under landing/ to the tagger, with a dead-letter queue and an alarm', () => {
    const tagger = Object.keys(stateless.findResources('AWS::Lambda::Function')).find((id) => id.startsWith('LandingTaggerFn'));
    stateless.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: Match.anyValue() }, object: { key: [{ prefix: 'landing/' }] } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [tagger, 'Arn'] }, DeadLetterConfig: { Arn: Match.anyValue() }, RetryPolicy: { MaximumRetryAttempts: 8 } })],
    });
    stateful.hasResourceProperties('Custom::S3BucketNotifications', { NotificationConfiguration: { EventBridgeConfiguration: {} } });
  });

  it('runs functions on Node 22 ARM64 with JSON logs and tracing, each with its own role', () => {
    const fns = Object.values(stateless.findResources('AWS::Lambda::Function')) as { Properties: Props }[];
    expect(fns.length).toBeGreaterThanOrEqual(17);
    const roles = new Set(fns.map((f) => JSON.stringify(f.Properties.Role)));
    expect(roles.size).toBe(fns.length);
    for (const f of fns) {
      expect(f.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, LoggingConfig: expect.objectContaining({ LogFormat: 'JSON' }) });
    }
    for (const role of Object.values(stateless.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('feeds the records-table stream to a function with a dead-letter queue and an alarm on it', () => {
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    stateless.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue() });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
  });

  it('lets the erasure-receipt function read the request and the trail, fetch the signing key\'s public half and write exports/ only', () => {
    // Prepare
    const [, fn] = Object.entries(stateless.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('IssueErasureReceiptFn')) ?? [];
    const role = fn?.Properties.Role['Fn::GetAtt'][0];
    // Act
    const grants = Object.values(stateless.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: Props) => r.Ref === role))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Props[])
      .filter((st) => ![st.Action].flat().some((a: string) => /^(logs|xray):/.test(a)))
      .map((st) => [[st.Action].flat().join(' '), JSON.stringify(st.Resource).replace(/[0-9A-F]{8}/g, '')]);
    // Assess
    expect(grants).toEqual([
      ['dynamodb:GetItem', expect.stringContaining('RequestsTable')],
      ['dynamodb:GetItem dynamodb:Query', expect.stringContaining('AuditTable')],
      ['kms:Decrypt kms:GenerateDataKey kms:DescribeKey', expect.stringContaining('KeysDataKey')],
      ['kms:GetPublicKey', expect.stringContaining('KeysAuditSigningKey')],
      ['s3:PutObject s3:GetObject', expect.stringMatching(/-exports-.*\/exports\/\*/)],
    ]);
    expect(fn?.Properties.Environment.Variables.WASURE_AUDIT_SIGNING_KEY_ARN).toBeUndefined();
  });

  it('has zero unacknowledged AwsSolutions findings, and every acknowledgement has a reason', () => {
    // Prepare
    const { app } = createApp({ nag: false, context: { 'aws:cdk:bundling-stacks': [] } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    // Act: synthesis fails when a plugin reports an unacknowledged violation
    let error: unknown;
    let assembly: ReturnType<typeof app.synth> | undefined;
    try {
      assembly = app.synth();
    } catch (e) {
      error = e;
    }
    // Assess
    expect(error).toBeUndefined();
    for (const stack of assembly?.stacks ?? []) {
      for (const [path, entries] of Object.entries(stack.manifest.metadata ?? {})) {
        for (const entry of entries) {
          if (entry.type === 'aws:cdk:acknowledged-rules') {
            for (const [id, reason] of Object.entries(entry.data as unknown as Record<string, string>)) {
              expect(String(reason).length, `${path} ${id}`).toBeGreaterThan(40);
            }
          }
        }
      }
    }
  });
});
