import { readFileSync } from 'node:fs';
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { CHECKPOINT_PREFIX } from '#shared/domain/store-definitions.ts';
import type { StageConfig } from '../config.ts';
import { acknowledge } from '../constructs/acknowledge.ts';
import { DataBucket } from '../constructs/data-bucket.ts';
import { DataKeys } from '../constructs/data-keys.ts';
import { DefinedTable } from '../constructs/defined-table.ts';
import { QUARANTINE_PREFIX } from '#shared/domain/landing.ts';
import { parseCatalogue, quarantineRetentionDays } from '#shared/domain/catalogue.ts';
import { checkpointerRoleName } from '../names.ts';
import { RESOURCE_NAMES, RESOURCES, type ResourceName, type ResourceNameOf, resource, TABLE_RESOURCES } from '#shared/config/resources.ts';

/** The manifest's resources the stateful stack holds (all but the state machine). */
export type StatefulResourceName = Exclude<ResourceName, ResourceNameOf<'state-machine'>>;
type TableResourceName = ResourceNameOf<'table'>;
type BucketResourceName = ResourceNameOf<'bucket'>;

/** A resource's name (what a function is told) and ARN (what its role is granted). */
export interface Named {
  readonly name: string;
  readonly arn: string;
}

/** ARN of the account's `default` EventBridge bus, where request outcomes are published. */
const DEFAULT_EVENT_BUS_ARN = `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:event-bus/default`;

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
  /** Each resource of the manifest this stack holds: its name (the functions' variable) and ARN (their grants). */
  readonly named: Record<StatefulResourceName, Named>;

  /** The data key (convenience). */
  get dataKey(): kms.Key {
    return this.keys.dataKey;
  }

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const removalPolicy = props.destroyData === true ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
    const checkpointer = checkpointerRoleArn(props.config.stage);
    this.keys = new DataKeys(this, 'Keys', { removalPolicy, checkpointerRoleArn: checkpointer });
    // Every table of the resource manifest, from its one definition.
    const tables = Object.fromEntries(
      TABLE_RESOURCES.map(({ name, table: definition, construct }) => [
        name,
        new DefinedTable(this, construct, { definition, encryptionKey: this.keys.dataKey, removalPolicy }).table,
      ]),
    ) as Record<TableResourceName, dynamodb.Table>;
    this.recordsTable = tables.recordsTable;
    this.keysTable = tables.keysTable;
    this.auditTable = tables.auditTable;
    this.requestsTable = tables.requestsTable;
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
    // Every bucket of the resource manifest; these three have more than the
    // defaults (a new plain bucket needs no line here).
    const bucketOptions: Partial<Record<ResourceName, Partial<ConstructorParameters<typeof DataBucket>[2]>>> = {
      checkpointsBucket: { objectLockRetention: Duration.days(props.config.checkpointRetentionDays) },
      exportsBucket: { expireAfter: Duration.days(props.config.exportRetentionDays) },
      landingBucket: { eventBridgeEnabled: true },
    };
    const buckets = Object.fromEntries(
      RESOURCE_NAMES.filter((n) => resource(n).kind === 'bucket').map((n) => [
        n,
        bucket(resource(n).construct ?? n, bucketOptions[n] ?? {}),
      ]),
    ) as Record<BucketResourceName, s3.Bucket>;
    this.documentsBucket = buckets.documentsBucket;
    this.checkpointsBucket = buckets.checkpointsBucket;
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
    this.exportsBucket = buckets.exportsBucket;
    // Other systems drop data under landing/; the tagger moves it into the
    // stores or to quarantine/ (see the stateless stack).
    this.landingBucket = buckets.landingBucket;
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

    const table = (t: dynamodb.Table) => ({ name: t.tableName, arn: t.tableArn });
    const bucketOf = (b: s3.Bucket) => ({ name: b.bucketName, arn: b.bucketArn });
    const key = (k: kms.Key) => ({ name: k.keyArn, arn: k.keyArn });
    this.named = {
      ...(Object.fromEntries(Object.entries(tables).map(([n, t]) => [n, table(t)])) as Record<TableResourceName, Named>),
      ...(Object.fromEntries(Object.entries(buckets).map(([n, b]) => [n, bucketOf(b)])) as Record<BucketResourceName, Named>),
      dataKey: key(this.keys.dataKey),
      pseudonymKey: key(this.keys.pseudonymKey),
      signingKey: key(this.keys.signingKey),
      auditMacKey: key(this.keys.auditMacKey),
      // The account's `default` bus: not created here, only named (by ARN, as keys are) for the functions told it.
      eventBus: { name: DEFAULT_EVENT_BUS_ARN, arn: DEFAULT_EVENT_BUS_ARN },
    };
    // Each resource's name or ARN under its manifest output (`--stack` reads them).
    for (const [n, r] of Object.entries(this.named)) {
      new CfnOutput(this, RESOURCES[n as StatefulResourceName].output, { value: r.name });
    }
  }
}
