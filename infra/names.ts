/** Stack ids and output names shared by infra, the CLI and tests. */

/** Stack ids. */
export const STACK_IDS = {
  stateful: 'WasureStateful',
  stateless: 'WasureStateless',
} as const;

/** CloudFormation output keys the CLI reads with `--stack`. */
export const OUTPUTS = {
  recordsTable: 'RecordsTableName',
  keysTable: 'DataKeysTableName',
  auditTable: 'AuditTableName',
  requestsTable: 'RequestsTableName',
  documentsBucket: 'DocumentsBucketName',
  checkpointsBucket: 'CheckpointsBucketName',
  dataKey: 'DataKeyArn',
  pseudonymKey: 'AuditPseudonymKeyArn',
  signingKey: 'AuditSigningKeyArn',
  auditMacKey: 'AuditMacKeyArn',
  exportsBucket: 'ExportsBucketName',
  landingBucket: 'LandingBucketName',
  catalogueVersion: 'CatalogueVersion',
  sweepStateMachine: 'SweepStateMachineArn',
  alarmTopic: 'AlarmTopicArn',
} as const;

/**
 * The audit checkpointer's role name. The signing key's policy and the
 * checkpoints bucket's policy name this role (by ARN, built from the name,
 * so the stateful stack need not depend on the stateless one): no other
 * role may sign a checkpoint or archive one.
 */
export function checkpointerRoleName(stage: string): string {
  return `wasure-${stage}-audit-checkpointer`;
}

/** CloudWatch namespace of a stage's own metrics. */
export function metricsNamespace(stage: string): string {
  return `wasure/${stage}`;
}

/** Context flag that lets `cdk destroy` remove data (dev teardown only). */
export const DESTROY_DATA_CONTEXT = 'wasure:destroyData';

/** Context value: the e-mail address subscribed to the alarm topic (`-c wasure:alarmEmail=ops@example.jp`). */
export const ALARM_EMAIL_CONTEXT = 'wasure:alarmEmail';
