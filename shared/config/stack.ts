/**
 * What the deployed stacks and the code that reads them agree on: stack
 * ids, output names and the default region. Infra declares the outputs;
 * the CLI (`--stack`) and functions read them by these names, without
 * importing infra.
 */

/** Region of a deployment that names none (Tokyo). */
export const DEFAULT_REGION = 'ap-northeast-1';

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
