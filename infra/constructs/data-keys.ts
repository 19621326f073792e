import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Props of {@link DataKeys}. */
export interface DataKeysProps {
  /** Removal policy of the keys. @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** ARN of the only role that may sign audit checkpoints. */
  readonly checkpointerRoleArn: string;
}

/** What key administrators may do: manage, never use, the signing key. */
const KEY_ADMIN_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
];

/**
 * The KMS keys: one symmetric key that wraps per-subject data keys and
 * encrypts every table and bucket, one asymmetric key that signs audit
 * checkpoints, one HMAC key for subject pseudonyms in the audit trail, and
 * one operations key for log groups, the alarm topic and the landing
 * dead-letter queue (kept apart from the data key so that log, alarm and
 * event delivery never get to use it).
 */
export class DataKeys extends Construct {
  /** Wraps data keys; encrypts tables and buckets. Rotates yearly. */
  readonly dataKey: kms.Key;
  /** Signs audit checkpoints (ECDSA P-256). */
  readonly signingKey: kms.Key;
  /** Computes subject pseudonyms (HMAC-SHA-256). */
  readonly pseudonymKey: kms.Key;
  /** Writers' proof on each audit event (HMAC-SHA-256): GenerateMac for writers, VerifyMac for the checkpointer. */
  readonly auditMacKey: kms.Key;
  /** Encrypts log groups and the alarm topic. Rotates yearly. */
  readonly operationsKey: kms.Key;

  constructor(scope: Construct, id: string, props: DataKeysProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.dataKey = new kms.Key(this, 'DataKey', {
      description: 'wasure: wraps per-subject data keys and encrypts tables and buckets',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      alias: 'alias/wasure-data',
      removalPolicy,
    });
    // Separation of duties: the account administers the signing key and
    // may let roles verify with it, but only the checkpointer role signs.
    // No `kms:*` for the account (which would let any role granted
    // kms:Sign by IAM re-sign a rewritten history), and an explicit deny
    // for every other principal, whatever their IAM policies say.
    const account = new iam.AccountRootPrincipal();
    this.signingKey = new kms.Key(this, 'AuditSigningKey', {
      description: 'wasure: signs audit-trail checkpoints (the checkpointer role only)',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy,
      policy: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: 'Administer',
            principals: [account],
            actions: KEY_ADMIN_ACTIONS,
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            sid: 'VerifyThroughIam',
            principals: [account],
            actions: ['kms:Verify', 'kms:GetPublicKey', 'kms:DescribeKey'],
            resources: ['*'],
          }),
          new iam.PolicyStatement({
            sid: 'CheckpointerSigns',
            principals: [account],
            actions: ['kms:Sign'],
            resources: ['*'],
            conditions: { ArnEquals: { 'aws:PrincipalArn': props.checkpointerRoleArn } },
          }),
          new iam.PolicyStatement({
            sid: 'NobodyElseSigns',
            effect: iam.Effect.DENY,
            principals: [new iam.AnyPrincipal()],
            actions: ['kms:Sign'],
            resources: ['*'],
            conditions: { ArnNotEquals: { 'aws:PrincipalArn': props.checkpointerRoleArn } },
          }),
        ],
      }),
    });
    this.pseudonymKey = new kms.Key(this, 'AuditPseudonymKey', {
      description: 'wasure: HMAC key for subject pseudonyms in the audit trail',
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy,
    });
    this.auditMacKey = new kms.Key(this, 'AuditMacKey', {
      description: 'wasure: HMAC key with which audit writers prove each event they write',
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy,
    });
    this.operationsKey = new kms.Key(this, 'OperationsKey', {
      description: 'wasure: encrypts log groups and the alarm topic',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      alias: 'alias/wasure-operations',
      removalPolicy,
    });
    // CloudWatch Logs may use it for this account's log groups only.
    this.operationsKey.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*` },
        },
      }),
    );
    // EventBridge delivers failed landing events to the encrypted DLQ;
    // CloudWatch alarms publish to the encrypted alarm topic.
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      this.operationsKey.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal(service)],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
        }),
      );
    }
  }
}
