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
  sweepStateMachine: 'SweepStateMachineArn',
} as const;

/** Context flag that lets `cdk destroy` remove data (dev teardown only). */
export const DESTROY_DATA_CONTEXT = 'wasure:destroyData';
