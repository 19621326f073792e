import { ConfigError } from '../errors.ts';

/**
 * Environment variable names. infra sets them on each function; handlers
 * read them once at cold start through {@link readConfig}.
 */
export const ENV = {
  recordsTable: 'WASURE_RECORDS_TABLE',
  keysTable: 'WASURE_KEYS_TABLE',
  auditTable: 'WASURE_AUDIT_TABLE',
  requestsTable: 'WASURE_REQUESTS_TABLE',
  documentsBucket: 'WASURE_DOCUMENTS_BUCKET',
  checkpointsBucket: 'WASURE_CHECKPOINTS_BUCKET',
  dataKeyArn: 'WASURE_DATA_KEY_ARN',
  auditSigningKeyArn: 'WASURE_AUDIT_SIGNING_KEY_ARN',
  auditHmacKeyArn: 'WASURE_AUDIT_HMAC_KEY_ARN',
  /** KMS HMAC key with which audit writers prove each event they write. */
  auditMacKeyArn: 'WASURE_AUDIT_MAC_KEY_ARN',
  exportsBucket: 'WASURE_EXPORTS_BUCKET',
  landingBucket: 'WASURE_LANDING_BUCKET',
  auditSigningAlgorithm: 'WASURE_AUDIT_SIGNING_ALGORITHM',
  ttlGraceDays: 'WASURE_TTL_GRACE_DAYS',
  /** Seconds the scheduled verifier may verify before it saves its cursor and stops (resumes next run). */
  verifyBudgetSeconds: 'WASURE_VERIFY_BUDGET_SECONDS',
  /** CloudWatch namespace of the metrics functions publish (embedded metric format). */
  metricsNamespace: 'WASURE_METRICS_NAMESPACE',
} as const;

/** Reads a required variable; throws {@link ConfigError} naming it. */
export function requireEnv(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): string {
  const value = env[name];
  if (value === undefined || value === '') {
    throw new ConfigError(`environment variable ${name} is not set`);
  }
  return value;
}
