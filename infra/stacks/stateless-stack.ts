import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Aws, CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import { LANDING_PREFIX, QUARANTINE_PREFIX } from '#shared/domain/landing.ts';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ENV } from '#shared/config/env.ts';
import { INDEX } from '#shared/domain/store-definitions.ts';
import { REQUEST_OVERDUE_GRACE_DAYS, REQUEST_TYPES, type RequestType } from '#shared/domain/requests.ts';
import { requestWorkflowName } from '#shared/domain/workflow-names.ts';
import { RequestWorkflows } from '../constructs/request-workflows.ts';
import type { StageConfig } from '../config.ts';
import { PipelineFunction } from '../constructs/pipeline-function.ts';
import { RetentionSweepWorkflow } from '../constructs/retention-sweep-workflow.ts';
import { checkpointerRoleName, metricsNamespace, OUTPUTS } from '../names.ts';
import { acknowledge } from '../constructs/acknowledge.ts';
import { dataBucketName, type StatefulResourceName, type StatefulStack } from './stateful-stack.ts';
import { RESOURCES } from '#shared/config/resources.ts';

/** Props of {@link StatelessStack}. */
export interface StatelessStackProps extends StackProps {
  /** Stage configuration. */
  readonly config: StageConfig;
  /** The stores the functions work on. */
  readonly stateful: StatefulStack;
}

/** The scheduled verifier's Lambda timeout, and how long it verifies before saving its cursor. */
const VERIFY_TIMEOUT = Duration.minutes(15);
const VERIFY_BUDGET = Duration.minutes(12);

const entry = (name: string) =>
  fileURLToPath(
    new URL(
      `../../functions/${['records-stream', 'landing-tagger', 'audit-sequencer'].includes(name) ? 'events' : 'workflow'}/${name}.ts`,
      import.meta.url,
    ),
  );

/** Functions, state machines, schedules and alarms. */
export class StatelessStack extends Stack {
  /** Where every alarm notifies (subscribe operators to it). */
  readonly alarmTopic: sns.Topic;

  /** A KMS-encrypted, TLS-only dead-letter queue keeping failures 14 days. */
  private deadLetterQueue(id: string, key: kms.IKey, of: string): sqs.Queue {
    const queue = new sqs.Queue(this, id, {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(queue, ['AwsSolutions-SQS3'], `This queue is itself the dead-letter queue of ${of}.`);
    return queue;
  }

  /** An alarm that fires when the metric reaches 1 in one period (no data = fine), notifying the alarm topic. */
  private alarmOnAny(id: string, description: string, metric: cloudwatch.IMetric): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.alarmTopic));
    return alarm;
  }

  /**
   * EventBridge Scheduler invokes `fn` on `schedule` through a role of its
   * own (`{name}ScheduleRole`) that may invoke that function only.
   */
  private invokeOnSchedule(
    name: string,
    fn: IFunction,
    schedule: scheduler.ScheduleExpression,
    text: { readonly role: string; readonly schedule: string; readonly maxEventAge: Duration },
  ): void {
    const role = new iam.Role(this, `${name}ScheduleRole`, {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: `wasure: EventBridge Scheduler invokes ${text.role}`,
    });
    new scheduler.Schedule(this, `${name}Schedule`, {
      schedule,
      description: text.schedule,
      target: new targets.LambdaInvoke(fn, { role, retryAttempts: 2, maxEventAge: text.maxEventAge }),
    });
    acknowledge(
      role,
      [`AwsSolutions-IAM5[Resource::<${this.getLogicalId(fn.node.defaultChild as CfnFunction)}.Arn>:*]`],
      `The schedule may invoke ${text.role} and its versions (<function ARN>:*), as the Lambda target grants; nothing else.`,
    );
  }

  readonly sweep: RetentionSweepWorkflow;
  readonly requests: RequestWorkflows;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const s = props.stateful;
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'wasure alarms',
      masterKey: s.keys.operationsKey,
      enforceSSL: true,
    });
    if (props.config.alarmEmail !== undefined) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.config.alarmEmail));
    }
    new CfnOutput(this, OUTPUTS.alarmTopic, { value: this.alarmTopic.topicArn });
    // Settings only: a function is told a resource's name by `use`, with
    // the grant, so it is told exactly the resources it may call.
    const environment = {
      [ENV.ttlGraceDays]: String(props.config.ttlGraceDays),
      [ENV.metricsNamespace]: metricsNamespace(props.config.stage),
    };
    const fn = (fid: string, file: string) =>
      new PipelineFunction(this, fid, {
        entry: entry(file),
        environment,
        catalogueFile: props.config.catalogueFile,
        logKey: s.keys.operationsKey,
      }).fn;
    const functions = {
      start: fn('StartSweepFn', 'start-sweep'),
      plan: fn('PlanSweepFn', 'plan-sweep'),
      purge: fn('PurgeBatchFn', 'purge-batch'),
      report: fn('ReportPageFn', 'report-page'),
      continueAsNew: fn('ContinueSweepFn', 'continue-sweep'),
      finish: fn('FinishSweepFn', 'finish-sweep'),
    };
    // Least privilege: each function gets exactly the calls its code makes,
    // on exactly its resources (indexes and object prefixes named). `use`
    // binds a resource and grants in one call: the function is told the
    // resource's name (its manifest variable) where its role may call it,
    // and nowhere else. `grant` alone is for a call on a resource the
    // function is not told of (it learns it from its input).
    const bind = (f: IFunction, name: StatefulResourceName) =>
      (f as lambda.Function).addEnvironment(RESOURCES[name].env, s.named[name].name);
    const grant = (f: IFunction, actions: string[], resources: string[]) =>
      f.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
    const use = (f: IFunction, name: StatefulResourceName, actions: string[], resources: string[] = [s.named[name].arn]) => {
      bind(f, name);
      grant(f, actions, resources);
    };
    const index = (t: { tableArn: string }, name: string) => `${t.tableArn}/index/${name}`;
    // The audit table is split by partition (`stream`) between duties, with
    // dynamodb:LeadingKeys: event writers only stage `pending#*` entries;
    // the one sequencer (AuditSequencerFn) chains them into `events` and
    // moves the `head`, and makes no MAC; only the checkpointer writes
    // `checkpoints`, the head's checkpoint count and its `verified` cursor,
    // and it cannot write an event. Reading is not split.
    const auditWrites = (f: IFunction, actions: string[], partitions: string[]) => {
      bind(f, 'auditTable');
      f.addToRolePolicy(
        new iam.PolicyStatement({
          actions,
          resources: [s.auditTable.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions } },
        }),
      );
    };
    const auditWriter = (f: IFunction, duty: 'stage' | 'read') => {
      // Each event carries its writer's MAC, made when it is staged.
      use(f, 'auditMacKey', ['kms:GenerateMac']);
      auditWrites(f, ['dynamodb:PutItem'], ['pending#*']);
      if (duty === 'read') {
        use(f, 'auditTable', ['dynamodb:GetItem', 'dynamodb:Query']);
      }
    };
    const tableKms = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];
    use(functions.plan, 'recordsTable', ['dynamodb:Query'], [index(s.recordsTable, INDEX.byDue)]);
    use(functions.plan, 'dataKey', ['kms:Decrypt', 'kms:DescribeKey']);
    use(functions.purge, 'recordsTable', ['dynamodb:BatchGetItem', 'dynamodb:PutItem']);
    use(functions.purge, 'recordsTable', ['dynamodb:Query'], [index(s.recordsTable, INDEX.bySubject)]);
    use(functions.purge, 'keysTable', ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:DeleteItem']);
    // Audit writers stage events (the sequencer chains them); the sweep's
    // start first finishes what a crash left: documents of a line whose
    // record never committed (document intents in the records table).
    use(functions.start, 'recordsTable', ['dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:DeleteItem']);
    auditWriter(functions.start, 'stage');
    use(functions.start, 'dataKey', tableKms);
    auditWriter(functions.purge, 'stage');
    // FinishSweep audits what it removes (expired exports, quarantine); it
    // does not sign: the checkpointer (below) alone does.
    auditWriter(functions.finish, 'stage');
    for (const f of [functions.purge, functions.finish]) {
      use(f, 'dataKey', tableKms);
    }
    use(functions.purge, 'documentsBucket', ['s3:ListBucket', 's3:ListBucketVersions']);
    const objects = (bucketId: string, prefix: string) =>
      `arn:${Aws.PARTITION}:s3:::${dataBucketName(props.config.stage, bucketId)}/${prefix}`;
    const documentObjects = objects('Documents', 'records/*');
    // Quarantine (refused landing data) is listed, read and cleaned by the
    // sweep's finish (retention) and by export and erase requests.
    const allowQuarantine = (f: IFunction, actions: string[]) => {
      use(f, 'landingBucket', ['s3:ListBucket', 's3:ListBucketVersions']);
      use(f, 'landingBucket', actions, [objects('Landing', `${QUARANTINE_PREFIX}*`)]);
      acknowledge(
        f.role as iam.IRole,
        [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::wasure-${props.config.stage}-landing-<AWS::AccountId>-<AWS::Region>/${QUARANTINE_PREFIX}*]`],
        'Quarantined objects are named after the landed objects, not known in advance; the statement names the quarantine/ prefix only.',
      );
    };
    allowQuarantine(functions.finish, ['s3:GetObject', 's3:DeleteObject', 's3:DeleteObjectVersion']);
    use(functions.purge, 'documentsBucket', ['s3:DeleteObject', 's3:DeleteObjectVersion'], [documentObjects]);
    const checkpointObjects = objects('AuditCheckpoints', 'checkpoints/*');
    acknowledge(functions.purge.role as iam.IRole, [
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::wasure-' +
        `${props.config.stage}-documents-<AWS::AccountId>-<AWS::Region>/records/*]`,
    ], 'Erasure deletes every object version under records/ of the documents bucket; object keys are not known in advance, so the statement names the prefix.');
    // The sweep reports how much refused data quarantine holds after its
    // purge (embedded metrics of the FinishSweep log line): refused data is
    // personal data too, and a growing quarantine means a feed keeps failing.
    new cloudwatch.Alarm(this, 'QuarantineSizeAlarm', {
      alarmDescription: `The landing quarantine holds more than ${props.config.quarantineAlarmBytes} bytes of refused data: see the .reasons.json beside each object under quarantine/ and fix the feed.`,
      metric: new cloudwatch.Metric({
        namespace: metricsNamespace(props.config.stage),
        metricName: 'quarantineBytes',
        statistic: 'Maximum',
        period: Duration.hours(6),
      }),
      threshold: props.config.quarantineAlarmBytes,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(new cloudwatchActions.SnsAction(this.alarmTopic));
    // Any writer that finds the audit head not matching the stored events
    // stops appending and logs audit.head-broken (published as a metric).
    this.alarmOnAny(
      'AuditHeadBrokenAlarm',
      'An audit writer found the trail head not matching its events (written outside wasure?): appends stop until it is resolved. Run the verifier (wasure --stack … audit verify) and see the writer\'s log.',
      new cloudwatch.Metric({
        namespace: metricsNamespace(props.config.stage),
        metricName: 'headSize',
        statistic: 'SampleCount',
        period: Duration.minutes(5),
      }),
    );
    const stateMachineName = `${this.stackName}-RetentionSweep`;
    this.sweep = new RetentionSweepWorkflow(this, 'RetentionSweep', {
      functions,
      stateMachineName,
      logKey: s.keys.operationsKey,
    });
    acknowledge(
      this.sweep.stateMachine,
      [
        'AwsSolutions-IAM5[Resource::*]',
        ...Object.values(functions).map(
          (f) => `AwsSolutions-IAM5[Resource::<${this.getLogicalId(f.node.defaultChild as CfnFunction)}.Arn>:*]`,
        ),
      ],
      'The state machine may invoke its own task functions and their versions (<function ARN>:*), as LambdaInvoke grants; X-Ray and CloudWatch Logs delivery do not support resource-level permissions.',
    );
    functions.continueAsNew.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [RetentionSweepWorkflow.arnFor(this, stateMachineName)],
      }),
    );
    new scheduler.Schedule(this, 'SweepSchedule', {
      schedule: scheduler.ScheduleExpression.expression(props.config.sweepSchedule),
      description: 'wasure retention sweep',
      target: new targets.StepFunctionsStartExecution(this.sweep.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ dryRun: false }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });
    this.alarmOnAny('SweepFailedAlarm', 'A retention sweep failed, timed out or was aborted: expired personal data may still be held.', new cloudwatch.MathExpression({
        expression: 'failed + timedOut + aborted',
        usingMetrics: {
          failed: this.sweep.stateMachine.metricFailed({ period: Duration.hours(1) }),
          timedOut: this.sweep.stateMachine.metricTimedOut({ period: Duration.hours(1) }),
          aborted: this.sweep.stateMachine.metricAborted({ period: Duration.hours(1) }),
        },
        period: Duration.hours(1),
      }));
    // Stream of the records table → audit of changes that bypassed wasure and
    // completion of TTL-backstop deletions. Failed batches go to a DLQ.
    const streamFn = fn('RecordsStreamFn', 'records-stream');
    const dlq = this.deadLetterQueue('RecordsStreamDlq', s.keys.dataKey, 'the records-stream trigger');
    streamFn.addEventSource(
      new DynamoEventSource(s.recordsTable, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        bisectBatchOnError: true,
        retryAttempts: 5,
        reportBatchItemFailures: false,
        onFailure: new SqsDlq(dlq),
      }),
    );
    use(streamFn, 'recordsTable', ['dynamodb:PutItem']);
    use(streamFn, 'recordsTable', ['dynamodb:Query'], [index(s.recordsTable, INDEX.bySubject)]);
    use(streamFn, 'keysTable', ['dynamodb:GetItem', 'dynamodb:DeleteItem']);
    auditWriter(streamFn, 'stage');
    use(streamFn, 'dataKey', tableKms);
    use(streamFn, 'documentsBucket', ['s3:ListBucket', 's3:ListBucketVersions']);
    use(streamFn, 'documentsBucket', ['s3:DeleteObject', 's3:DeleteObjectVersion'], [documentObjects]);
    acknowledge(streamFn.role as iam.IRole, [
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::wasure-' +
        `${props.config.stage}-documents-<AWS::AccountId>-<AWS::Region>/records/*]`,
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
    ], 'Finishing a TTL deletion removes every object version under records/ of the documents bucket (keys not known in advance); reading a DynamoDB stream needs dynamodb:ListStreams on *; sending to the KMS-encrypted dead-letter queue needs the KMS data-key actions CDK grants for it, on the data key only.');
    this.alarmOnAny('RecordsStreamDlqAlarm', 'Records-table changes could not be audited or TTL deletions not finished: see the dead-letter queue.', dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }));
    // Landing bucket → EventBridge → tagger: objects under landing/ are
    // tagged into the stores or moved to quarantine/ with their reasons.
    const landingFn = new PipelineFunction(this, 'LandingTaggerFn', {
      entry: entry('landing-tagger'),
      environment,
      catalogueFile: props.config.catalogueFile,
      logKey: s.keys.operationsKey,
    }).fn;
    const landingDlq = this.deadLetterQueue('LandingDlq', s.keys.operationsKey, 'the landing rule');
    new events.Rule(this, 'LandingRule', {
      description: 'wasure: objects created under landing/ of the landing bucket',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [s.landingBucket.bucketName] }, object: { key: [{ prefix: LANDING_PREFIX }] } },
      },
      targets: [new eventTargets.LambdaFunction(landingFn, { deadLetterQueue: landingDlq, retryAttempts: 8, maxEventAge: Duration.hours(6) })],
    });
    this.alarmOnAny(
      'LandingDlqAlarm',
      'Landed objects could not be tagged (they are still in the landing bucket): see the landing dead-letter queue and the tagger log.',
      landingDlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
    );
    const landingObjects = (prefix: string) => objects('Landing', `${prefix}*`);
    use(landingFn, 'landingBucket', ['s3:GetObject'], [landingObjects(LANDING_PREFIX)]);
    use(landingFn, 'landingBucket', ['s3:PutObject'], [landingObjects(QUARANTINE_PREFIX)]);
    use(landingFn, 'landingBucket', ['s3:ListBucket', 's3:ListBucketVersions']);
    use(landingFn, 'landingBucket', ['s3:DeleteObject', 's3:DeleteObjectVersion'], [landingObjects(LANDING_PREFIX)]);
    use(landingFn, 'documentsBucket', ['s3:PutObject'], [documentObjects]);
    use(landingFn, 'documentsBucket', ['s3:ListBucket', 's3:ListBucketVersions']);
    use(landingFn, 'documentsBucket', ['s3:DeleteObject', 's3:DeleteObjectVersion'], [documentObjects]);
    use(landingFn, 'recordsTable', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem']);
    use(landingFn, 'keysTable', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    auditWriter(landingFn, 'stage');
    use(landingFn, 'dataKey', tableKms);
    use(landingFn, 'pseudonymKey', ['kms:GenerateMac']);
    acknowledge(
      landingFn.role as iam.IRole,
      [
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::wasure-${props.config.stage}-landing-<AWS::AccountId>-<AWS::Region>/${LANDING_PREFIX}*]`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::wasure-${props.config.stage}-landing-<AWS::AccountId>-<AWS::Region>/${QUARANTINE_PREFIX}*]`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::wasure-${props.config.stage}-documents-<AWS::AccountId>-<AWS::Region>/records/*]`,
      ],
      'The tagger reads and removes what lands under landing/, writes refused objects under quarantine/ and documents under records/ (removing them again when a record cannot be written); object keys are not known in advance.',
    );
    // The checkpointer: scheduled, it verifies the trail (before writing
    // anything) and then signs and archives a checkpoint of it. A failed
    // verification fails the invocation, and the alarm fires on any failed
    // invocation. Its role is the only one the signing key lets sign and
    // the checkpoints bucket lets archive; it cannot write an event.
    const verifyFn = new PipelineFunction(this, 'VerifyAuditFn', {
      entry: entry('verify-audit'),
      // Only the checkpointer is told the signing key (its `use` below).
      environment: {
        ...environment,
        [ENV.auditSigningAlgorithm]: 'ECDSA_SHA_256',
        // It stops well inside its timeout, its signed cursor saved, and the
        // next run goes on from there: the trail never outgrows one run.
        [ENV.verifyBudgetSeconds]: String(VERIFY_BUDGET.toSeconds()),
      },
      timeout: VERIFY_TIMEOUT,
      catalogueFile: props.config.catalogueFile,
      logKey: s.keys.operationsKey,
      roleName: checkpointerRoleName(props.config.stage),
    }).fn;
    use(verifyFn, 'auditTable', ['dynamodb:GetItem', 'dynamodb:Query']);
    // It looks new events' ids up, to find a copy of an earlier event.
    use(verifyFn, 'auditTable', ['dynamodb:Query'], [index(s.auditTable, INDEX.byEventId)]);
    // `verified` holds its signed cursor (where the last run stopped).
    auditWrites(verifyFn, ['dynamodb:PutItem'], ['checkpoints', 'head', 'verified']);
    use(verifyFn, 'dataKey', ['kms:Decrypt', 'kms:DescribeKey']);
    use(verifyFn, 'signingKey', ['kms:Verify', 'kms:Sign']);
    // It checks each event's writer MAC; it cannot make one.
    use(verifyFn, 'auditMacKey', ['kms:VerifyMac']);
    // It compares the trail with the Object-Locked checkpoint copies (every
    // version: a second version of a checkpoint is tampering) and archives
    // new checkpoints, create-only (the bucket policy denies overwrites).
    use(verifyFn, 'checkpointsBucket', ['s3:ListBucket', 's3:ListBucketVersions']);
    use(verifyFn, 'checkpointsBucket', ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'], [checkpointObjects]);
    acknowledge(
      verifyFn.role as iam.IRole,
      [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::wasure-${props.config.stage}-auditcheckpoints-<AWS::AccountId>-<AWS::Region>/checkpoints/*]`],
      'The checkpointer reads every archived checkpoint version under checkpoints/ of the Object-Lock bucket and adds one per checkpoint; their names are not known in advance.',
    );
    this.invokeOnSchedule('AuditVerify', verifyFn, scheduler.ScheduleExpression.expression(props.config.auditVerifySchedule), {
      role: 'the audit verifier',
      schedule: 'wasure audit-trail verification',
      maxEventAge: Duration.hours(1),
    });
    this.alarmOnAny('AuditVerifyFailedAlarm', 'The audit trail did not verify (an event or checkpoint was altered, removed, reordered or inserted, or a signature is bad), or the verifier failed: see the VerifyAudit function log.', verifyFn.metricErrors({ period: Duration.days(1) }));
    // The audit sequencer: woken by the audit table's stream on each staged
    // entry (and every 5 minutes as a backstop), it chains everything
    // pending in batches. Reserved concurrency 1: one sequencer, so the head
    // is never contended. It writes `events`, the `head` and deletes
    // `pending#*` entries; it makes no writer MAC and cannot sign, so it
    // cannot forge an event's content or a checkpoint.
    const sequencerFn = new PipelineFunction(this, 'AuditSequencerFn', {
      entry: entry('audit-sequencer'),
      environment,
      catalogueFile: props.config.catalogueFile,
      logKey: s.keys.operationsKey,
      reservedConcurrentExecutions: 1,
      timeout: Duration.minutes(1),
    }).fn;
    const sequencerDlq = this.deadLetterQueue('AuditSequencerDlq', s.keys.dataKey, 'the audit-sequencer trigger');
    sequencerFn.addEventSource(
      new DynamoEventSource(s.auditTable, {
        startingPosition: lambda.StartingPosition.LATEST,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(1),
        retryAttempts: 5,
        onFailure: new SqsDlq(sequencerDlq),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('INSERT'),
            dynamodb: { Keys: { stream: { S: lambda.FilterRule.beginsWith('pending#') } } },
          }),
        ],
      }),
    );
    use(sequencerFn, 'auditTable', ['dynamodb:GetItem', 'dynamodb:Query']);
    auditWrites(sequencerFn, ['dynamodb:PutItem', 'dynamodb:DeleteItem'], ['pending#*', 'events', 'head']);
    use(sequencerFn, 'dataKey', tableKms);
    acknowledge(
      sequencerFn.role as iam.IRole,
      ['AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]', 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]'],
      'Reading a DynamoDB stream needs dynamodb:ListStreams on *; sending to the KMS-encrypted dead-letter queue needs the KMS data-key actions CDK grants for it, on the data key only.',
    );
    this.invokeOnSchedule('AuditSequence', sequencerFn, scheduler.ScheduleExpression.rate(Duration.minutes(5)), {
      role: 'the audit sequencer (backstop of its stream trigger)',
      schedule: 'wasure audit sequencer backstop: chains whatever its stream trigger left staged',
      maxEventAge: Duration.minutes(10),
    });
    this.alarmOnAny('AuditSequencerDlqAlarm', 'Staged audit events could not be chained by the sequencer (its backstop schedule retries): see the dead-letter queue and the AuditSequencer function log.', sequencerDlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }));
    // Subject requests: one state machine per type over shared load and
    // complete functions and one execute function per type.
    const requestFn = (fid: string, file: string) =>
      new PipelineFunction(this, fid, {
        entry: entry(file),
        environment,
        catalogueFile: props.config.catalogueFile,
        logKey: s.keys.operationsKey,
      }).fn;
    const load = requestFn('LoadRequestFn', 'load-request');
    const complete = requestFn('CompleteRequestFn', 'complete-request');
    // Ends a request whose handling failed; it does what complete does.
    const fail = requestFn('FailRequestFn', 'fail-request');
    // The scheduled overdue check also ends (lapses) requests.
    const check = requestFn('CheckRequestsFn', 'check-requests');
    const execute = Object.fromEntries(
      REQUEST_TYPES.map((type) => [type, requestFn(`${requestWorkflowName(type)}Fn`, `execute-${type}`)]),
    ) as unknown as Record<RequestType, IFunction>;
    use(load, 'requestsTable', ['dynamodb:GetItem']);
    use(load, 'dataKey', ['kms:Decrypt', 'kms:DescribeKey']);
    const exportObjects = objects('Exports', 'exports/*');
    // What every request function does: read the request, list the
    // subject's records, and (complete, and the types that change records)
    // write records and audit events.
    const ending: IFunction[] = [complete, fail, check];
    const auditing = [...ending, execute.export, execute.correct, execute.erase, execute.restrict, execute['lift-restriction']];
    const writingRecords = [...ending, execute.correct, execute.erase, execute.restrict, execute['lift-restriction']];
    for (const f of ending) use(f, 'requestsTable', ['dynamodb:GetItem', 'dynamodb:PutItem']);
    use(check, 'requestsTable', ['dynamodb:Query'], [index(s.requestsTable, INDEX.openByDeadline)]);
    // Completing a correction or erasure drafts its onward notices from the
    // subject's provision events, then publishes the outcome for other systems.
    use(complete, 'auditTable', ['dynamodb:Query'], [index(s.auditTable, INDEX.bySubject)]);
    use(complete, 'eventBus', ['events:PutEvents']);
    for (const f of [...ending, ...Object.values(execute)]) {
      if (!ending.includes(f)) use(f, 'requestsTable', ['dynamodb:GetItem']);
      use(f, 'recordsTable', ['dynamodb:Query'], [index(s.recordsTable, INDEX.bySubject)]);
      use(f, 'dataKey', tableKms);
    }
    for (const f of writingRecords) {
      use(f, 'recordsTable', ['dynamodb:PutItem']);
    }
    // Records carry the subject's pseudonym, so only the functions that
    // pseudonymise a raw subject id call the HMAC key; every request
    // function stages its events (the sequencer chains them).
    for (const f of auditing) {
      auditWriter(f, 'stage');
    }
    for (const f of [fail, check]) {
      use(f, 'pseudonymKey', ['kms:GenerateMac']);
    }
    // Opening sealed fields (export, correction) and destroying the key (erasure).
    use(execute.export, 'keysTable', ['dynamodb:GetItem']);
    use(execute.correct, 'keysTable', ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    use(execute.erase, 'keysTable', ['dynamodb:GetItem', 'dynamodb:DeleteItem']);
    use(execute.export, 'documentsBucket', ['s3:GetObject'], [documentObjects]);
    // Quarantined landing lines are the subject's data too: exported, and
    // blanked (old versions deleted) on erasure.
    allowQuarantine(execute.export, ['s3:GetObject']);
    allowQuarantine(execute.erase, ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion']);
    // Erasure also removes every disclosure package made for the subject
    // (found through the subject's export requests), every version.
    use(execute.erase, 'requestsTable', ['dynamodb:Query'], [index(s.requestsTable, INDEX.bySubject)]);
    use(execute.erase, 'exportsBucket', ['s3:ListBucket', 's3:ListBucketVersions']);
    use(execute.erase, 'exportsBucket', ['s3:DeleteObject', 's3:DeleteObjectVersion'], [exportObjects]);
    use(execute.erase, 'documentsBucket', ['s3:ListBucket', 's3:ListBucketVersions']);
    use(execute.erase, 'documentsBucket', ['s3:DeleteObject', 's3:DeleteObjectVersion'], [documentObjects]);
    use(execute.export, 'exportsBucket', ['s3:PutObject', 's3:GetObject'], [exportObjects]);
    acknowledge(
      execute.export.role as iam.IRole,
      [
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::wasure-${props.config.stage}-documents-<AWS::AccountId>-<AWS::Region>/records/*]`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::wasure-${props.config.stage}-exports-<AWS::AccountId>-<AWS::Region>/exports/*]`,
      ],
      'A disclosure reads the documents of the subject\'s records under records/ and writes its package under exports/{requestId}/; object keys are not known in advance.',
    );
    acknowledge(
      execute.erase.role as iam.IRole,
      [
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::wasure-${props.config.stage}-documents-<AWS::AccountId>-<AWS::Region>/records/*]`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::wasure-${props.config.stage}-exports-<AWS::AccountId>-<AWS::Region>/exports/*]`,
      ],
      'Erasure deletes every object version under records/ of the subject\'s records and every version of the disclosure packages made for the subject under exports/{requestId}/; object keys are not known in advance.',
    );
    // The erase request's receipt: after the erasure the state machine
    // invokes the checkpointer (above; it alone signs), then this function
    // saves the receipt as the request's package. It reads the request and
    // the trail, asks for the signing key's public half and writes
    // exports/{requestId}/ (read back through the presigned URL); it is not
    // told the signing key (it takes the key id from the checkpoint), writes
    // no audit event and cannot sign.
    const issueReceipt = requestFn('IssueErasureReceiptFn', 'issue-erasure-receipt');
    use(issueReceipt, 'requestsTable', ['dynamodb:GetItem']);
    use(issueReceipt, 'auditTable', ['dynamodb:GetItem', 'dynamodb:Query']);
    use(issueReceipt, 'dataKey', ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']);
    grant(issueReceipt, ['kms:GetPublicKey'], [s.named.signingKey.arn]);
    use(issueReceipt, 'exportsBucket', ['s3:PutObject', 's3:GetObject'], [exportObjects]);
    acknowledge(
      issueReceipt.role as iam.IRole,
      [`AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::wasure-${props.config.stage}-exports-<AWS::AccountId>-<AWS::Region>/exports/*]`],
      'The erasure receipt is written under exports/{requestId}/ of the exports bucket (and fetched through a presigned URL); the request id is not known in advance.',
    );
    this.requests = new RequestWorkflows(this, 'Requests', {
      load,
      execute,
      complete,
      fail,
      erasureReceipt: { checkpointer: verifyFn, issue: issueReceipt },
      logKey: s.keys.operationsKey,
    });
    for (const [type, machine] of Object.entries(this.requests.stateMachines)) {
      acknowledge(
        machine,
        [
          'AwsSolutions-IAM5[Resource::*]',
          ...[load, complete, fail, execute[type as RequestType], ...(type === 'erase' ? [verifyFn, issueReceipt] : [])].map(
            (f) => `AwsSolutions-IAM5[Resource::<${this.getLogicalId(f.node.defaultChild as CfnFunction)}.Arn>:*]`,
          ),
        ],
        'The state machine may invoke its own task functions and their versions (<function ARN>:*), as LambdaInvoke grants; X-Ray and CloudWatch Logs delivery do not support resource-level permissions.',
      );
      new CfnOutput(this, `${requestWorkflowName(type)}StateMachineArn`, { value: machine.stateMachineArn });
    }
    this.alarmOnAny('RequestFailedAlarm', 'A subject request failed (ended as failed, its freeze released): it must be answered again before its deadline; see the request in the requests table and its execution.', new cloudwatch.MathExpression({
      expression: Object.keys(this.requests.stateMachines).map((_, i) => `m${i}`).join(' + '),
      usingMetrics: Object.fromEntries(
        Object.values(this.requests.stateMachines).map((m, i) => [`m${i}`, m.metricFailed({ period: Duration.hours(1) })]),
      ),
      period: Duration.hours(1),
    }));
    // Overdue check: hourly, so a freeze lapses within the hour after the
    // deadline plus the grace, before the next sweep; a lapse fails the
    // invocation, which the alarm watches (as the verifier's).
    this.invokeOnSchedule('RequestCheck', check, scheduler.ScheduleExpression.rate(Duration.hours(1)), {
      role: 'the overdue-request check',
      schedule: 'wasure overdue subject-request check',
      maxEventAge: Duration.hours(1),
    });
    // Past its deadline at all (not only past the grace): the check
    // publishes how many open requests are overdue (a paused one is not).
    this.alarmOnAny(
      'RequestPastDeadlineAlarm',
      'A subject request is open past its statutory deadline (a paused one is not counted): decide it or extend it with a written reason (wasure request list --overdue; request extend). See the CheckRequests function log.',
      new cloudwatch.Metric({
        namespace: metricsNamespace(props.config.stage),
        metricName: 'overdue',
        statistic: 'Maximum',
        period: Duration.hours(1),
      }),
    );
    this.alarmOnAny(
      'RequestOverdueAlarm',
      `A subject request stayed open past its deadline plus ${REQUEST_OVERDUE_GRACE_DAYS} days: it was ended as failed and its freeze of the subject's records lapsed; answer it again. See the CheckRequests function log.`,
      check.metricErrors({ period: Duration.hours(1) }),
    );
    new CfnOutput(this, RESOURCES.sweepStateMachine.output, { value: this.sweep.stateMachine.stateMachineArn });
    // The catalogue version compiled into the functions: the CLI refuses to
    // work on the stack with another one.
    const catalogue = JSON.parse(readFileSync(props.config.catalogueFile, 'utf8')) as { version?: unknown };
    new CfnOutput(this, OUTPUTS.catalogueVersion, { value: String(catalogue.version) });
  }
}
