/** Per-stage configuration: one typed record (region, schedules, retention). */
import { fileURLToPath } from 'node:url';
import { DEFAULT_REGION } from '#shared/config/stack.ts';

/** Settings of one deployment stage. */
export interface StageConfig {
  /** Stage name, used in stack names. */
  readonly stage: string;
  /** AWS account; the CLI's default account when absent. */
  readonly account?: string;
  /** AWS region. @default 'ap-northeast-1' */
  readonly region: string;
  /** EventBridge Scheduler expression of the retention sweep. @default 'rate(1 hour)' */
  readonly sweepSchedule: string;
  /** EventBridge Scheduler expression of the audit-trail verification. @default 'rate(1 day)' */
  readonly auditVerifySchedule: string;
  /** TTL backstop grace after the due time, in days. @default 30 */
  readonly ttlGraceDays: number;
  /** Object Lock (compliance) retention of audit checkpoints, in days. @default 2555 (7 years) */
  readonly checkpointRetentionDays: number;
  /** Retention of disclosure packages, in days. @default 7 */
  readonly exportRetentionDays: number;
  /** Keep data-bearing resources when a stack is deleted. @default true */
  readonly retainData: boolean;
  /** CloudWatch Logs retention of function and state machine logs, in days. @default 365 */
  readonly logRetentionDays: number;
  /** Quarantined bytes (refused landing data kept for its retention) at which an alarm fires. @default 100 MiB */
  readonly quarantineAlarmBytes: number;
  /** E-mail address subscribed to the alarm topic (confirm the subscription mail). */
  readonly alarmEmail?: string;
  /** Path of the policy catalogue bundled into the functions. */
  readonly catalogueFile: string;
  /** The administrators' web console (the console stack). */
  readonly console: ConsoleConfig;
}

/** Settings of the console on AWS. */
export interface ConsoleConfig {
  /** Deploy the console stack. @default true */
  readonly enabled: boolean;
  /** Prefix of the Cognito sign-in domain (`{prefix}.auth.{region}.amazoncognito.com`). @default wasure-{stage}-{account} */
  readonly domainPrefix?: string;
  /** A custom domain of the console (with `certificateArn`); TLS 1.2 minimum then applies. @default the CloudFront domain */
  readonly domainName?: string;
  /** ACM certificate of `domainName`, in us-east-1 (CloudFront's). */
  readonly certificateArn?: string;
  /** A CloudFront-scope AWS WAF web ACL (made in us-east-1) to attach. @default none */
  readonly webAclArn?: string;
}

/** Defaults. */
export const DEFAULT_CONFIG: StageConfig = {
  stage: 'prod',
  region: DEFAULT_REGION,
  sweepSchedule: 'rate(1 hour)',
  auditVerifySchedule: 'rate(1 day)',
  ttlGraceDays: 30,
  checkpointRetentionDays: 2555,
  exportRetentionDays: 7,
  retainData: true,
  logRetentionDays: 365,
  quarantineAlarmBytes: 100 * 1024 * 1024,
  // Resolved from this file, so the app synthesizes from any working
  // directory (the local runner synthesizes inside a CLI run anywhere).
  catalogueFile: fileURLToPath(new URL('../shared/samples/catalogue.json', import.meta.url)),
  console: { enabled: true },
};
