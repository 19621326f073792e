/** Stack ids and output names shared by infra, the CLI and tests. */

export { OUTPUTS, STACK_IDS } from '#shared/config/stack.ts';

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

/** Outputs of the console stack. */
export const CONSOLE_OUTPUTS = {
  url: 'ConsoleUrl',
  userPoolId: 'ConsoleUserPoolId',
} as const;
