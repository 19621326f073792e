import { ConfigError } from '../errors.ts';

/**
 * Names of the settings' environment variables (the resources' variables
 * are in the resource manifest, `resources.ts`). infra sets them; handlers
 * read them once at cold start.
 */
export const ENV = {
  auditSigningAlgorithm: 'WASURE_AUDIT_SIGNING_ALGORITHM',
  ttlGraceDays: 'WASURE_TTL_GRACE_DAYS',
  /** Seconds the scheduled verifier may verify before it saves its cursor and stops (resumes next run). */
  verifyBudgetSeconds: 'WASURE_VERIFY_BUDGET_SECONDS',
  /** CloudWatch namespace of the metrics functions publish (embedded metric format). */
  metricsNamespace: 'WASURE_METRICS_NAMESPACE',
  /** The console's Cognito user pool id. */
  consoleUserPoolId: 'WASURE_CONSOLE_USER_POOL_ID',
  /** The console's app client name (its id is looked up by name: the client names the console's URL, which names the function). */
  consoleClientName: 'WASURE_CONSOLE_CLIENT_NAME',
  /** The hosted sign-in's base URL. */
  consoleAuthDomain: 'WASURE_CONSOLE_AUTH_DOMAIN',
  /** JSON object: request type → ARN of its state machine (the console starts executions). */
  requestWorkflows: 'WASURE_REQUEST_WORKFLOWS',
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
