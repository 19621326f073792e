/**
 * Separation of duties over the audit trail, as synthesized: no single role
 * of the stack can rewrite signed history. Event writers cannot sign nor
 * write checkpoints; the checkpointer signs and archives but cannot write an
 * event; the signing key gives the account no blanket `kms:*`; archived
 * checkpoints are create-only. Also: quarantined landing data expires.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '#infra/create-app.ts';
import { checkpointerRoleName } from '#infra/names.ts';
import { DEFAULT_CONFIG } from '#infra/config.ts';

type Json = Record<string, any>;
interface Statement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Json;
  readonly Principal?: unknown;
}

const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const mentions = (value: unknown, text: string) => (JSON.stringify(value) ?? '').includes(text);
const CHECKPOINTER = checkpointerRoleName(DEFAULT_CONFIG.stage);

describe('separation of duties over the audit trail', () => {
  let stateful: Template;
  let stateless: Template;
  /** Every IAM statement of the stateless stack with the logical id of its role. */
  let grants: { role: string; statement: Statement }[];
  let roleNames: Record<string, string | undefined>;

  beforeAll(() => {
    const app = createApp({ nag: false, context: { 'aws:cdk:bundling-stacks': [] } });
    stateful = Template.fromStack(app.stateful);
    stateless = Template.fromStack(app.stateless);
    grants = Object.values(stateless.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (p.Properties.Roles as { Ref: string }[]).flatMap((r) =>
        (p.Properties.PolicyDocument.Statement as Statement[]).map((statement) => ({ role: r.Ref, statement })),
      ),
    );
    roleNames = Object.fromEntries(
      Object.entries(stateless.findResources('AWS::IAM::Role')).map(([id, r]) => [id, r.Properties.RoleName as string | undefined]),
    );
  });

  const rolesWith = (action: string, resource: string) =>
    [...new Set(grants.filter((g) => actions(g.statement).includes(action) && mentions(g.statement.Resource, resource)).map((g) => g.role))];

  it('lets exactly one role sign checkpoints: the named checkpointer', () => {
    const signers = rolesWith('kms:Sign', 'AuditSigningKey');
    expect(signers).toHaveLength(1);
    expect(roleNames[signers[0] as string]).toBe(CHECKPOINTER);
    // …and no role may sign through a wildcard action.
    expect(grants.filter((g) => actions(g.statement).some((a) => a === 'kms:*' || a === 'kms:Sign*'))).toEqual([]);
  });

  it('lets exactly one role archive checkpoints, and it cannot write an event', () => {
    const archivers = rolesWith('s3:PutObject', 'auditcheckpoints');
    expect(archivers.map((r) => roleNames[r])).toEqual([CHECKPOINTER]);
    const checkpointerWrites = grants.filter(
      (g) => roleNames[g.role] === CHECKPOINTER && mentions(g.statement.Resource, 'AuditTable') && actions(g.statement).some((a) => /Put|Delete|Update|BatchWrite/.test(a)),
    );
    expect(checkpointerWrites.length).toBeGreaterThan(0);
    for (const { statement } of checkpointerWrites) {
      expect(actions(statement)).toEqual(['dynamodb:PutItem']);
      expect(statement.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['checkpoints', 'head', 'verified'] } });
    }
  });

  const isSequencer = (role: string) => role.startsWith('AuditSequencerFn');
  const auditWritesOf = (pick: (role: string) => boolean) =>
    grants.filter((g) => pick(g.role) && mentions(g.statement.Resource, 'AuditTable') && actions(g.statement).some((a) => /Put|Delete|Update|BatchWrite/.test(a)));
  const partitionsOf = (statement: Statement) => statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] as string[] | undefined;

  it('lets event writers only stage: PutItem on pending entries, never events, the head or checkpoints', () => {
    const writes = auditWritesOf((r) => roleNames[r] !== CHECKPOINTER && !isSequencer(r));
    expect(writes.length).toBeGreaterThan(5);
    for (const { statement } of writes) {
      expect(actions(statement)).toEqual(['dynamodb:PutItem']);
      expect(partitionsOf(statement)).toEqual(['pending#*']);
    }
  });

  it('lets exactly one role chain events: the sequencer, which can neither make a writer MAC nor sign', () => {
    const chainers = [...new Set(auditWritesOf(() => true).filter((g) => partitionsOf(g.statement)?.includes('events')).map((g) => g.role))];
    expect(chainers).toHaveLength(1);
    expect(isSequencer(chainers[0] as string)).toBe(true);
    for (const { statement } of auditWritesOf(isSequencer)) {
      expect(actions(statement).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:PutItem']);
      expect(partitionsOf(statement)).toEqual(['pending#*', 'events', 'head']);
    }
    expect(rolesWith('kms:GenerateMac', 'AuditMacKey').filter(isSequencer)).toEqual([]);
    expect(rolesWith('kms:Sign', 'AuditSigningKey').filter(isSequencer)).toEqual([]);
  });

  it('lets every event writer prove its events (GenerateMac) and the checkpointer only check them', () => {
    const macMakers = rolesWith('kms:GenerateMac', 'AuditMacKey');
    const writers = [...new Set(grants.filter((g) => mentions(g.statement.Resource, 'AuditTable') && actions(g.statement).includes('dynamodb:PutItem')).map((g) => g.role))];
    expect(writers.filter((r) => roleNames[r] !== CHECKPOINTER && !isSequencer(r)).sort()).toEqual(macMakers.sort());
    expect(macMakers.map((r) => roleNames[r])).not.toContain(CHECKPOINTER);
    expect(rolesWith('kms:VerifyMac', 'AuditMacKey').map((r) => roleNames[r])).toEqual([CHECKPOINTER]);
  });

  it('wakes the one sequencer (reserved concurrency 1) on staged entries of the audit table, with a backstop schedule', () => {
    const mappings = Object.values(stateless.findResources('AWS::Lambda::EventSourceMapping')).filter((m) => mentions(m.Properties.FunctionName, 'AuditSequencerFn'));
    expect(mappings).toHaveLength(1);
    expect(mentions(mappings[0]?.Properties.EventSourceArn, 'AuditTable')).toBe(true);
    expect(mentions(mappings[0]?.Properties.FilterCriteria, 'pending#')).toBe(true);
    const fn = Object.entries(stateless.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith('AuditSequencerFn'));
    expect(fn?.[1].Properties.ReservedConcurrentExecutions).toBe(1);
    const schedules = Object.values(stateless.findResources('AWS::Scheduler::Schedule')).filter((x) => mentions(x.Properties.Target, 'AuditSequencerFn'));
    expect(schedules).toHaveLength(1);
  });

  it('tells only the checkpointer function which key signs', () => {
    const functions = Object.values(stateless.findResources('AWS::Lambda::Function'));
    const told = functions.filter((f) => f.Properties.Environment?.Variables?.WASURE_AUDIT_SIGNING_KEY_ARN !== undefined);
    expect(told).toHaveLength(1);
    expect(mentions(told[0]?.Properties.Role, Object.keys(roleNames).find((r) => roleNames[r] === CHECKPOINTER) ?? '?')).toBe(true);
  });

  it('gives the account no blanket kms:* on the signing key and denies Sign to every other principal', () => {
    const keys = Object.values(stateful.findResources('AWS::KMS::Key')).filter((k) => k.Properties.KeyUsage === 'SIGN_VERIFY');
    expect(keys).toHaveLength(1);
    const statements = keys[0]?.Properties.KeyPolicy.Statement as Statement[];
    expect(statements.filter((s) => s.Effect === 'Allow' && actions(s).some((a) => a === 'kms:*' || a.startsWith('kms:Sign')) && s.Condition === undefined)).toEqual([]);
    const allowSign = statements.filter((s) => s.Effect === 'Allow' && actions(s).includes('kms:Sign'));
    expect(allowSign).toHaveLength(1);
    expect(mentions(allowSign[0]?.Condition?.ArnEquals?.['aws:PrincipalArn'], `:role/${CHECKPOINTER}`)).toBe(true);
    const denySign = statements.filter((s) => s.Effect === 'Deny' && actions(s).includes('kms:Sign'));
    expect(denySign).toHaveLength(1);
    expect(denySign[0]?.Principal).toEqual({ AWS: '*' });
    expect(mentions(denySign[0]?.Condition?.ArnNotEquals?.['aws:PrincipalArn'], `:role/${CHECKPOINTER}`)).toBe(true);
  });

  it('makes archived checkpoints create-only, checkpointer-only and undeletable by bucket policy', () => {
    const policies = Object.values(stateful.findResources('AWS::S3::BucketPolicy')).filter((p) => mentions(p.Properties.Bucket, 'AuditCheckpoints'));
    expect(policies).toHaveLength(1);
    const denies = (policies[0]?.Properties.PolicyDocument.Statement as Statement[]).filter((s) => s.Effect === 'Deny' && mentions(s.Resource, 'checkpoints/*'));
    const find = (action: string, condition: string) => denies.find((s) => actions(s).includes(action) && mentions(s.Condition ?? {}, condition));
    expect(find('s3:PutObject', 's3:if-none-match')?.Condition).toEqual({ Null: { 's3:if-none-match': 'true' } });
    expect(mentions(find('s3:PutObject', 'ArnNotEquals')?.Condition, `:role/${CHECKPOINTER}`)).toBe(true);
    expect(denies.find((s) => actions(s).includes('s3:DeleteObjectVersion') && s.Condition === undefined)).toBeDefined();
  });

  it('expires quarantined landing objects a day after the catalogue quarantine retention, every version', () => {
    const landing = Object.values(stateful.findResources('AWS::S3::Bucket')).find((b) => mentions(b.Properties.BucketName, '-landing-'));
    expect(landing?.Properties.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({ Id: 'QuarantineRetention', Prefix: 'quarantine/', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 1 } }),
    );
    const rule = (landing?.Properties.LifecycleConfiguration.Rules as Json[]).find((r) => r.Id === 'QuarantineRetention');
    expect(rule?.ExpirationInDays).toBeGreaterThanOrEqual(2);
  });

  it('alarms on any broken-head report of an audit writer', () => {
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: `wasure/${DEFAULT_CONFIG.stage}`,
      MetricName: 'headSize',
      Statistic: 'SampleCount',
      Threshold: 1,
    });
  });

  it('alarms when the sweep reports quarantine holding more than the configured bytes', () => {
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: `wasure/${DEFAULT_CONFIG.stage}`,
      MetricName: 'quarantineBytes',
      Threshold: DEFAULT_CONFIG.quarantineAlarmBytes,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [{ Ref: Object.keys(stateless.findResources('AWS::SNS::Topic'))[0] }],
    });
  });
});
