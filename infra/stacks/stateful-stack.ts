import { readFileSync } from 'node:fs';
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import {
  AUDIT_TABLE,
  CHECKPOINT_PREFIX,
  KEYS_TABLE,
  RECORDS_TABLE,
  REQUESTS_TABLE,
} from '#shared/domain/store-definitions.ts';
import type { StageConfig } from '../config.ts';
import { acknowledge } from '../constructs/acknowledge.ts';
import { DataBucket } from '../constructs/data-bucket.ts';
import { DataKeys } from '../constructs/data-keys.ts';
import { DefinedTable } from '../constructs/defined-table.ts';
import { QUARANTINE_PREFIX } from '#shared/domain/landing.ts';
import { parseCatalogue, quarantineRetentionDays } from '#shared/domain/catalogue.ts';
import { checkpointerRoleName, OUTPUTS } from '../names.ts';

/** ARN of the checkpointer role of a stage (see {@link checkpointerRoleName}). */
export function checkpointerRoleArn(stage: string): string {
  return `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/${checkpointerRoleName(stage)}`;
}

/**
 * Days quarantined landing objects are kept: the catalogue's own rule
 * (`quarantine.retentionDays`, default 30), read from the catalogue the
 * functions are built with. The sweep deletes them, audited, when they
 * fall due; the bucket's lifecycle rule is the backstop a day later.
 */
function quarantineDaysOf(catalogueFile: string): number {
  return quarantineRetentionDays(parseCatalogue(JSON.parse(readFileSync(catalogueFile, 'utf8'))));
}

/**
 * Physical name of a data bucket: stage, purpose, account and region make it
 * globally unique, and let IAM statements in the stateless stack name the
 * bucket's object prefixes without a cross-stack reference.
 */
export function dataBucketName(stage: string, id: string): string {
  return `wasure-${stage}-${id.toLowerCase()}-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
}

/** Props of {@link StatefulStack}. */
export interface StatefulStackProps extends StackProps {
  /** Stage configuration. */
  readonly config: StageConfig;
  /** Let stack deletion remove data (dev teardown). @default false */
  readonly destroyData?: boolean;
}

/** Keys, tables and buckets: everything that holds data or evidence. */
export class StatefulStack extends Stack {
  readonly keys: DataKeys;
  readonly recordsTable: dynamodb.Table;
  readonly keysTable: dynamodb.Table;
  readonly auditTable: dynamodb.Table;
  readonly requestsTable: dynamodb.Table;
  readonly documentsBucket: s3.Bucket;
  readonly checkpointsBucket: s3.Bucket;
  readonly exportsBucket: s3.Bucket;
  readonly landingBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;

  /** The data key (convenience). */
  get dataKey(): kms.Key {
    return this.keys.dataKey;
  }

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const removalPolicy = props.destroyData === true ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const checkpointer = checkpointerRoleArn(props.config.stage);
    this.keys = new DataKeys(this, 'Keys', { removalPolicy, checkpointerRoleArn: checkpointer });
    const table = (tid: string, definition: typeof RECORDS_TABLE) =>
      new DefinedTable(this, tid, { definition, encryptionKey: this.keys.dataKey, removalPolicy }).table;
    this.recordsTable = table('RecordsTable', RECORDS_TABLE);
    this.keysTable = table('DataKeysTable', KEYS_TABLE);
    this.auditTable = table('AuditTable', AUDIT_TABLE);
    this.requestsTable = table('RequestsTable', REQUESTS_TABLE);
    Validations.of(this.keysTable).acknowledge({
      id: 'AwsSolutions-DDB3',
      reason:
        'Point-in-time recovery is off on purpose for the data-key table: erasing a subject destroys its key (crypto-shredding), and a restorable backup would bring destroyed keys back. Record data stays recoverable by PITR on the records table, but its sensitive fields stay unreadable once the key is gone.',
    });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      // S3 server access logs can only be delivered to SSE-S3 buckets.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      versioned: true,
      lifecycleRules: [{ expiration: Duration.days(props.config.logRetentionDays) }],
      removalPolicy,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });
    const bucket = (bid: string, extra: Partial<ConstructorParameters<typeof DataBucket>[2]>) =>
      new DataBucket(this, bid, {
        bucketName: dataBucketName(props.config.stage, bid),
        encryptionKey: this.keys.dataKey,
        accessLogs: this.accessLogsBucket,
        accessLogsPrefix: `${bid.toLowerCase()}/`,
        removalPolicy,
        ...extra,
      }).bucket;
    this.documentsBucket = bucket('Documents', {});
    this.checkpointsBucket = bucket('AuditCheckpoints', {
      objectLockRetention: Duration.days(props.config.checkpointRetentionDays),
    });
    // Checkpoints are create-only, and only the checkpointer archives them:
    // no overwrite (a new current version would hide the signed one from
    // a reader of current objects), no delete marker, no other writer.
    const checkpointObjects = this.checkpointsBucket.arnForObjects(`${CHECKPOINT_PREFIX}*`);
    const denyAll = (sid: string, actions: string[], conditions: Record<string, Record<string, string>>) =>
      this.checkpointsBucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid,
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions,
          resources: [checkpointObjects],
          conditions,
        }),
      );
    denyAll('CheckpointsAreCreateOnly', ['s3:PutObject'], { Null: { 's3:if-none-match': 'true' } });
    denyAll('OnlyTheCheckpointerArchives', ['s3:PutObject'], { ArnNotEquals: { 'aws:PrincipalArn': checkpointer } });
    this.checkpointsBucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CheckpointsAreNeverDeleted',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:PutObjectRetention', 's3:PutObjectLegalHold'],
        resources: [checkpointObjects],
      }),
    );
    this.exportsBucket = bucket('Exports', {
      expireAfter: Duration.days(props.config.exportRetentionDays),
    });
    // Other systems drop data under landing/; the tagger moves it into the
    // stores or to quarantine/ (see the stateless stack).
    this.landingBucket = bucket('Landing', { eventBridgeEnabled: true });
    // Refused data is personal data too: kept for the catalogue's quarantine
    // retention, then gone (every version).
    this.landingBucket.addLifecycleRule({
      id: 'QuarantineRetention',
      prefix: QUARANTINE_PREFIX,
      expiration: Duration.days(quarantineDaysOf(props.config.catalogueFile) + 1),
      noncurrentVersionExpiration: Duration.days(1),
    });
    // CDK turns EventBridge delivery on with a deployment-time custom resource.
    const notifications = this.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (notifications !== undefined) {
      acknowledge(
        notifications,
        ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]'],
        'CDK\'s own deployment-time function that enables EventBridge notifications on the landing bucket; it runs only while deploying, sees no data and logs through the basic execution role.',
      );
    }

    const output = (key: string, value: string) => new CfnOutput(this, key, { value });
    output(OUTPUTS.recordsTable, this.recordsTable.tableName);
    output(OUTPUTS.keysTable, this.keysTable.tableName);
    output(OUTPUTS.auditTable, this.auditTable.tableName);
    output(OUTPUTS.requestsTable, this.requestsTable.tableName);
    output(OUTPUTS.documentsBucket, this.documentsBucket.bucketName);
    output(OUTPUTS.checkpointsBucket, this.checkpointsBucket.bucketName);
    output(OUTPUTS.dataKey, this.keys.dataKey.keyArn);
    output(OUTPUTS.pseudonymKey, this.keys.pseudonymKey.keyArn);
    output(OUTPUTS.signingKey, this.keys.signingKey.keyArn);
    output(OUTPUTS.auditMacKey, this.keys.auditMacKey.keyArn);
    output(OUTPUTS.exportsBucket, this.exportsBucket.bucketName);
    output(OUTPUTS.landingBucket, this.landingBucket.bucketName);
  }
}
