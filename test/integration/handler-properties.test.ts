/**
 * What must hold of every Lambda handler on AWS, checked on the embedded
 * stores while the synthesized state machines run: no personal data in
 * Step Functions payloads or in logs, and least privilege.
 *
 * Least privilege, proved: every AWS call each Lambda handler makes while
 * the synthesized state machines run on the embedded stores is recorded,
 * attributed to the function that would make it on AWS, translated to its
 * IAM action and resource ARN, and checked against that function's
 * synthesized role policy. Grants no recorded call uses are flagged too.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DeleteItemCommand, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { KMSClient } from '@aws-sdk/client-kms';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { LANDING_SCOPE, watchLanding } from '#functions/local/landing-watcher.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_KEY_IDS } from '#shared/adapters/local/kms-server.ts';
import { DynamoRequestStore } from '#shared/adapters/aws/dynamo-request-store.ts';
import { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { KmsCheckpointSigner } from '#shared/adapters/aws/kms-checkpoint-signer.ts';
import { KmsEventAuthenticator } from '#shared/adapters/aws/kms-event-authenticator.ts';
import { KmsPseudonymizer } from '#shared/adapters/aws/kms-pseudonymizer.ts';
import { S3CheckpointSink } from '#shared/adapters/aws/s3-checkpoint-sink.ts';
import { S3ExportStore } from '#shared/adapters/aws/s3-export-store.ts';
import type { Pseudonymizer } from '#shared/ports/audit.ts';
import type { LogLine } from '#shared/logging.ts';
import { auditRecordChanges } from '#shared/use-cases/audit-record-changes.ts';
import { type StreamRecord, toChanges } from '#functions/events/records-stream-changes.ts';
import { REQUEST_TYPES, type RequestType } from '#shared/domain/requests.ts';
import { RESOURCE_NAMES, resource } from '#shared/config/resources.ts';
import { ingestRecords } from '#shared/use-cases/ingest-records.ts';
import { addHold } from '#shared/use-cases/manage-holds.ts';
import { provide } from '#shared/use-cases/provision-records.ts';
import { drainRecordsStream, RECORDS_STREAM_SCOPE } from '#functions/local/records-stream-poller.ts';
import { runRequestLocally } from '#functions/local/local-request.ts';
import { runSweepLocally } from '#functions/local/local-sweep.ts';
import { definitionFromTemplate, findStateMachine, type Template, taskScope } from '#functions/local/run-state-machine.ts';
import { requestWorkflowName } from '#shared/domain/workflow-names.ts';
import type { RequestTaskDeps } from '#functions/workflow/request-tasks.ts';
import { auditTasks } from '#functions/workflow/audit-tasks.ts';
import { clockAt, embeddedDeps, uuidIds } from '#functions/runtime.ts';
import { createApp } from '#infra/create-app.ts';
import { ADAPTER_NEEDS } from '#functions/compose.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';
import { withEmbedded } from './harness.ts';
import { registerAndApprove } from '../cli-run.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Resources = Record<string, { Type: string; Properties?: Record<string, Json> }>;
interface Tpl {
  Resources: Resources;
  Outputs?: Record<string, { Value: Json; Export?: { Name: Json } }>;
}

const REGION = 'ap-northeast-1';
const LOCAL_EXPORTS_BUCKET = 'wasure-exports';
/** The scheduled verifier is no state machine task; its calls run in this scope. */
const VERIFY_SCOPE = { stateMachine: 'schedule', state: 'VerifyAudit' };
/** The audit sequencer runs beside every task, woken by the audit table's stream on AWS. */
const SEQUENCER_SCOPE = { stateMachine: 'stream', state: 'AuditSequencer' };
const ACCOUNT = '123456789012';

/** Resolves CloudFormation intrinsics to concrete strings (fake account). */
class Resolver {
  constructor(
    private readonly own: Tpl,
    private readonly other?: Tpl,
  ) {}

  resolve(value: Json): string {
    if (typeof value === 'string') return value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new Error(`cannot resolve ${JSON.stringify(value)}`);
    }
    if ('Fn::Join' in value) {
      const [sep, parts] = value['Fn::Join'] as [string, Json[]];
      return parts.map((p) => this.resolve(p)).join(sep);
    }
    if ('Ref' in value) {
      const ref = String(value.Ref);
      const pseudo: Record<string, string> = {
        'AWS::Partition': 'aws',
        'AWS::Region': REGION,
        'AWS::AccountId': ACCOUNT,
        'AWS::URLSuffix': 'amazonaws.com',
      };
      if (pseudo[ref] !== undefined) return pseudo[ref];
      const r = this.own.Resources[ref];
      if (r === undefined) throw new Error(`unknown Ref ${ref}`);
      if (r.Type === 'AWS::S3::Bucket' && r.Properties?.BucketName !== undefined) {
        return this.resolve(r.Properties.BucketName);
      }
      return ref;
    }
    if ('Fn::GetAtt' in value) {
      const [id, attr] = value['Fn::GetAtt'] as [string, string];
      const r = this.own.Resources[id];
      if (r?.Type === 'AWS::DynamoDB::Table' && attr === 'StreamArn') return `${arnOf(r.Type, id, this)}/stream/local`;
      if (r === undefined || attr !== 'Arn') throw new Error(`cannot resolve GetAtt ${id}.${attr}`);
      return arnOf(r.Type, id, this);
    }
    if ('Fn::ImportValue' in value) {
      const name = this.resolve(value['Fn::ImportValue'] as Json);
      const exporter = this.other;
      const output = Object.values(exporter?.Outputs ?? {}).find(
        (o) => o.Export !== undefined && new Resolver(exporter as Tpl).resolve(o.Export.Name) === name,
      );
      if (exporter === undefined || output === undefined) throw new Error(`no export ${name}`);
      return new Resolver(exporter).resolve(output.Value);
    }
    throw new Error(`cannot resolve ${JSON.stringify(value)}`);
  }
}

function arnOf(type: string, id: string, resolver: Resolver): string {
  switch (type) {
    case 'AWS::DynamoDB::Table':
      return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${id}`;
    case 'AWS::KMS::Key':
      return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${resolver.resolve({ Ref: id })}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${id}`;
    case 'AWS::SQS::Queue':
      return `arn:aws:sqs:${REGION}:${ACCOUNT}:${id}`;
    case 'AWS::Logs::LogGroup':
      return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}`;
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${id}`;
    default:
      throw new Error(`no ARN form for ${type}`);
  }
}

/** An IAM action on a resource ARN. */
interface Access {
  readonly action: string;
  readonly resource: string;
}

/** The part of an SDK client's middleware stack used to record calls. */
interface Recordable {
  readonly middlewareStack: {
    add(
      middleware: (
        next: (args: { input: object }) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: { input: object }) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

/** One recorded SDK call, in local names. */
interface Call {
  readonly fn: string;
  readonly client: string;
  readonly command: string;
  readonly input: Record<string, unknown>;
}

/** Local store names / key ids → deployed ARNs. */
interface Names {
  table(local: string): string;
  bucket(local: string): string;
  key(local: string): string;
}

/** The IAM actions (and resources) an SDK command needs. */
function accessesOf(call: Call, names: Names): Access[] {
  const op = call.command.replace(/Command$/, '');
  const i = call.input as Record<string, any>;
  if (call.client === 'DynamoDBClient') {
    const table = (t: string) => names.table(t);
    switch (op) {
      case 'Query':
      case 'Scan':
        return [{ action: `dynamodb:${op}`, resource: i.IndexName === undefined ? table(i.TableName) : `${table(i.TableName)}/index/${i.IndexName}` }];
      case 'BatchGetItem':
      case 'BatchWriteItem':
        return Object.keys(i.RequestItems).map((t) => ({ action: `dynamodb:${op}`, resource: table(t) }));
      case 'TransactWriteItems':
      case 'TransactGetItems':
        return (i.TransactItems as Record<string, { TableName: string }>[]).map((item) => {
          const [kind, body] = Object.entries(item)[0] as [string, { TableName: string }];
          const action = { Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', ConditionCheck: 'ConditionCheckItem', Get: 'GetItem' }[kind];
          return { action: `dynamodb:${action}`, resource: table(body.TableName) };
        });
      default:
        return [{ action: `dynamodb:${op}`, resource: table(i.TableName) }];
    }
  }
  if (call.client === 'S3Client') {
    const bucket = (b: string) => `arn:aws:s3:::${names.bucket(b)}`;
    const object = (b: string, k: string) => `${bucket(b)}/${k}`;
    const versioned = (base: string, v: unknown) => (v === undefined ? base : `${base}Version`);
    switch (op) {
      case 'ListObjectsV2':
      case 'ListObjects':
        return [{ action: 's3:ListBucket', resource: bucket(i.Bucket) }];
      case 'ListObjectVersions':
        return [{ action: 's3:ListBucketVersions', resource: bucket(i.Bucket) }];
      case 'GetObject':
      case 'HeadObject':
        return [{ action: versioned('s3:GetObject', i.VersionId), resource: object(i.Bucket, i.Key) }];
      case 'DeleteObject':
        return [{ action: versioned('s3:DeleteObject', i.VersionId), resource: object(i.Bucket, i.Key) }];
      case 'DeleteObjects':
        return (i.Delete.Objects as { Key: string; VersionId?: string }[]).map((o) => ({
          action: versioned('s3:DeleteObject', o.VersionId),
          resource: object(i.Bucket, o.Key),
        }));
      default:
        return [{ action: `s3:${op}`, resource: object(i.Bucket, i.Key) }];
    }
  }
  if (call.client === 'KMSClient') {
    return [{ action: `kms:${op}`, resource: names.key(i.KeyId) }];
  }
  throw new Error(`no IAM mapping for ${call.client}.${call.command}`);
}

/** Subject ids and string field values (4+ characters) of an input record. */
function collectPersonal(record: { subjectId: string; fields: Record<string, unknown>; documents?: { text?: string }[] }, into: Set<string>): void {
  into.add(record.subjectId);
  const walk = (v: unknown) => {
    if (typeof v === 'string' && v.length >= 4) into.add(v);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(record.fields);
  for (const d of record.documents ?? []) walk(d.text);
}

/** IAM wildcard match (`*` and `?`). */
function matches(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(value);
}

interface Grant {
  readonly actions: string[];
  readonly resources: string[];
}

/** The Allow statements of a function's role, resolved. */
function grantsOf(template: Tpl, resolver: Resolver, functionId: string): Grant[] {
  const role = (template.Resources[functionId]?.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const list = (v: Json | undefined): Json[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && list(r.Properties?.Roles).some((x) => JSON.stringify(x) === JSON.stringify({ Ref: role })))
    .flatMap((r) => list((r.Properties?.PolicyDocument as { Statement: Json }).Statement) as Record<string, Json>[])
    .filter((s) => s.Effect === 'Allow')
    .map((s) => ({ actions: list(s.Action).map(String), resources: list(s.Resource).map((x) => resolver.resolve(x)) }));
}

/** (state machine, Task state) → the logical id of the function that runs it, from the synthesized definitions. */
function functionsOfStates(stateless: Tpl): Map<string, string> {
  const stateToFunction = new Map<string, string>();
  const walk = (machine: string, node: unknown) => {
    const states = (node as { States?: Record<string, Record<string, unknown>> }).States ?? {};
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Task') {
        stateToFunction.set(`${machine}/${name}`, String(state.Resource).split(':function:')[1] as string);
      }
      if (state.ItemProcessor !== undefined) walk(machine, state.ItemProcessor);
    }
  };
  const machines = ['RetentionSweep', ...REQUEST_TYPES.map(requestWorkflowName)];
  for (const machine of machines) {
    const id = findStateMachine(stateless as Template, machine === 'RetentionSweep' ? machine : `${machine}StateMachine`);
    walk(`WasureStateless-${machine}`, definitionFromTemplate(stateless as Template, id));
  }
  const streamFn = Object.values(stateless.Resources).find(
    (r) => r.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(r.Properties?.FunctionName).includes('RecordsStreamFn'),
  )?.Properties?.FunctionName as { Ref: string };
  stateToFunction.set(`${RECORDS_STREAM_SCOPE.stateMachine}/${RECORDS_STREAM_SCOPE.state}`, streamFn.Ref);
  const tagger = Object.keys(stateless.Resources).find((id) => id.startsWith('LandingTaggerFn') && stateless.Resources[id]?.Type === 'AWS::Lambda::Function');
  stateToFunction.set(`${LANDING_SCOPE.stateMachine}/${LANDING_SCOPE.state}`, tagger as string);
  const verifier = Object.keys(stateless.Resources).find((id) => id.startsWith('VerifyAuditFn') && stateless.Resources[id]?.Type === 'AWS::Lambda::Function');
  stateToFunction.set(`${VERIFY_SCOPE.stateMachine}/${VERIFY_SCOPE.state}`, verifier as string);
  const sequencerFn = Object.keys(stateless.Resources).find((id) => id.startsWith('AuditSequencerFn') && stateless.Resources[id]?.Type === 'AWS::Lambda::Function');
  stateToFunction.set(`${SEQUENCER_SCOPE.stateMachine}/${SEQUENCER_SCOPE.state}`, sequencerFn as string);
  return stateToFunction;
}

/**
 * Grants that no local run can exercise, each with why it is needed on AWS.
 * Anything else granted but unused fails the test.
 */
const NOT_EXERCISED_LOCALLY: { fn: RegExp; action: string; why: string }[] = [
  { fn: /.*/, action: 'logs:*', why: 'Lambda writes its own log group' },
  { fn: /.*/, action: 'xray:*', why: 'active tracing' },
  { fn: /PurgeBatch|RecordsStream|RequestErase|RequestExport|LandingTagger|FinishSweep/, action: 's3:ListBucketVersions', why: 'the documents, landing and exports buckets are versioned on AWS; s3rver has no versioning, so locally the adapter lists plain objects (the versioned path is covered by the adapter test)' },
  { fn: /PurgeBatch|RecordsStream|RequestErase|LandingTagger|FinishSweep/, action: 's3:DeleteObjectVersion', why: 'idem: every version is deleted by VersionId on AWS' },
  { fn: /VerifyAudit/, action: 's3:ListBucketVersions|s3:GetObjectVersion', why: 'the checkpoints bucket is versioned (Object Lock) on AWS and the checkpointer reads the oldest version of each checkpoint; s3rver has no versions (the versioned read is covered by test/adapters/s3-checkpoint-sink.test.ts)' },
  { fn: /RequestErase/, action: 's3:GetObject|s3:PutObject|s3:DeleteObject', why: 'the erased subject has no quarantined line in this run (on the landing bucket\'s quarantine/ only); test/integration/quarantine.test.ts erases one' },
  { fn: /FinishSweep/, action: 'dynamodb:GetItem|dynamodb:Query|dynamodb:PutItem|dynamodb:DeleteItem|kms:GenerateMac|s3:GetObject|s3:DeleteObject', why: 'quarantine holds nothing past its retention in this run, so there is nothing to delete and audit; test/integration/quarantine.test.ts drives the purge' },
  { fn: /RequestExport/, action: 's3:GetObject', why: 'the package is delivered as a URL presigned with the function\'s credentials: the download is the function\'s s3:GetObject on exports/*' },
  { fn: /RequestCorrect/, action: 'dynamodb:PutItem', why: 'a correction that gives a subject its first sensitive field creates the subject\'s data key' },
  { fn: /LandingTagger/, action: 's3:ListBucket|s3:DeleteObject', why: 'documents of a line whose record write then fails (a concurrent writer took the id) are removed again; no sequential run reaches it' },
  { fn: /StartSweep/, action: 'dynamodb:GetItem|dynamodb:PutItem|dynamodb:DeleteItem|kms:GenerateMac|kms:Decrypt|kms:Encrypt|kms:GenerateDataKey|kms:DescribeKey', why: 'recovery chains events and removes document intents that a crash left; a run without a crash leaves none (the crash-point test drives both)' },
  { fn: /ContinueSweep/, action: 'states:StartExecution', why: 'locally a continuation is a new local execution; on AWS the function starts it' },
  { fn: /CompleteRequest/, action: 'events:PutEvents', why: 'locally a request\'s outcome event is appended to events.jsonl; on AWS the function puts it on the default bus (the call is covered by the adapter test)' },
  { fn: /RecordsStream|AuditSequencer/, action: 'dynamodb:DescribeStream|dynamodb:GetRecords|dynamodb:GetShardIterator|dynamodb:ListStreams', why: 'the event-source mapping reads the stream with the function role; locally the poller (records) or the process itself (audit sequencer) runs it' },
  { fn: /RecordsStream|AuditSequencer/, action: 'sqs:*', why: 'the event-source mapping sends failed batches to the dead-letter queue' },
  { fn: /RecordsStream|AuditSequencer/, action: 'kms:Encrypt|kms:ReEncrypt*|kms:GenerateDataKey*', why: 'the dead-letter queue is encrypted with the data key' },
];

describe('handlers: least privilege, and no personal data in payloads or logs', () => {
  const env = withEmbedded({ extraBuckets: [LOCAL_EXPORTS_BUCKET] });
  const calls: Call[] = [];
  const payloads: { state: string; json: string }[] = [];
  const logLines: LogLine[] = [];
  const onTask = (state: string, input: unknown, output: unknown) => {
    payloads.push({ state, json: JSON.stringify({ input, output }) });
  };
  /** Subject ids and field values of every record the run handles. */
  const personal = new Set<string>();
  let stateful: Tpl;
  let stateless: Tpl;
  let audit: DynamoAuditTrail;
  /** Which task touched which composed adapter (any property of it). */
  const adapterUses: { fn: string; adapter: keyof typeof ADAPTER_NEEDS }[] = [];
  let checkpointer: DynamoAuditTrail;
  let stopSequencer = async () => {};

  beforeAll(async () => {
    const embedded = env();
    const record = (client: DynamoDBClient | S3Client | KMSClient) => {
      (client as unknown as Recordable).middlewareStack.add(
        (next, context) => async (args) => {
          const scope = taskScope.getStore();
          if (scope !== undefined) {
            calls.push({ fn: `${scope.stateMachine}/${scope.state}`, client: String(context.clientName), command: String(context.commandName), input: args.input as Record<string, unknown> });
          }
          return next(args);
        },
        { step: 'initialize', name: 'recordIamUse' },
      );
    };
    record(embedded.dynamodb);
    record(embedded.s3);
    record(embedded.kms);
    // Each Lambda container has its own pseudonym cache; one local process
    // would hide the MAC calls of every function after the first, so here
    // every pseudonym is asked of the key service.
    const pseudonymizer: Pseudonymizer = {
      pseudonym: (id) => new KmsPseudonymizer(embedded.kms, embedded.keyIds.hmac).pseudonym(id),
    };
    const clock = clockAt('2040-01-01T00:00:00Z');
    // As deployed: writers prove their events and are not told the signing
    // key; the checkpointer (the scheduled verifier) alone signs.
    const trail = { client: embedded.dynamodb, table: embedded.names.auditTable, pseudonymizer, clock, ids: uuidIds };
    const authenticator = new KmsEventAuthenticator(embedded.kms, embedded.keyIds.auditMac, 'wasure-test');
    // Writers only stage and the checkpointer only signs; the one sequencer
    // chains what they stage, in its own scope, all through the run.
    audit = new DynamoAuditTrail({ ...trail, authenticator, sequencing: 'deferred' });
    const sequencer = new DynamoAuditTrail(trail);
    let sequencing = true;
    const sequenced = (async () => {
      while (sequencing) {
        await taskScope.run(SEQUENCER_SCOPE, () => sequencer.sequence());
        await new Promise((r) => setTimeout(r, 100));
      }
      await taskScope.run(SEQUENCER_SCOPE, () => sequencer.sequence());
    })();
    stopSequencer = async () => {
      sequencing = false;
      await sequenced;
    };
    checkpointer = new DynamoAuditTrail({
      ...trail,
      sequencing: 'deferred',
      authenticator,
      signer: new KmsCheckpointSigner(embedded.kms, embedded.keyIds.signing),
      sink: new S3CheckpointSink(embedded.s3, embedded.names.checkpointsBucket),
    });
    const base = { ...embeddedDeps(embedded, sampleCatalogue(), clock).deps, audit, log: (line: LogLine) => logLines.push(line) };
    // The S3 export store, as deployed, on a local bucket (unversioned, as s3rver is).
    // Each adapter notes the task that touches it, so the test below can
    // check the deployed function is told every resource the adapter needs.
    const attributed = <T extends object>(adapter: keyof typeof ADAPTER_NEEDS, target: T): T =>
      new Proxy(target, {
        get: (t, property) => {
          const scope = taskScope.getStore();
          if (scope !== undefined) adapterUses.push({ fn: `${scope.stateMachine}/${scope.state}`, adapter });
          const value = Reflect.get(t, property, t);
          return typeof value === 'function' ? value.bind(t) : value;
        },
      });
    const unwrapped: RequestTaskDeps = {
      ...base,
      // The erase request's receipt steps run as VerifyAuditFn does: the
      // deferred checkpointer, which waits for the sequencer and signs.
      checkpointer,
      requests: new DynamoRequestStore(embedded.dynamodb, embedded.names.requestsTable, audit),
      exports: new S3ExportStore(embedded.s3, LOCAL_EXPORTS_BUCKET, clock, 7, 3600, false),
    };
    const deps: RequestTaskDeps = { ...unwrapped };
    for (const adapter of Object.keys(ADAPTER_NEEDS) as (keyof typeof ADAPTER_NEEDS)[]) {
      const value = unwrapped[adapter];
      if (value !== undefined) Object.assign(deps, { [adapter]: attributed(adapter, value) });
    }
    const samples = await readFile(fileURLToPath(new URL('../../shared/samples/records.jsonl', import.meta.url)), 'utf8');
    const lines = samples.split('\n').filter((t) => t.trim() !== '').map((text, n) => ({ line: n + 1, text }));
    for (const { text } of lines) {
      collectPersonal(JSON.parse(text), personal);
    }
    const ingested = await ingestRecords(deps, lines, { actor: 'test' });
    expect(ingested.rejected).toEqual([]);
    // Requests on subjects the sweep will not reach first (acquired recently).
    const fresh = (recordId: string, subjectId: string) => ({
      line: 1,
      text: JSON.stringify({
        recordId,
        subjectId,
        dataset: 'saitama-covid-line',
        purposes: ['saitama-2'],
        acquiredAt: '2039-12-01T10:00:00+09:00',
        consent: { refs: ['c'], sensitive: true },
        fields: { ageBand: '40代', medicalHistory: '喘息' },
        documents: [{ name: 'note.txt', contentType: 'text/plain', text: '経過メモ' }],
      }),
    });
    for (const t of REQUEST_TYPES) collectPersonal(JSON.parse(fresh(`iam-${t}`, `S-IAM-${REQUEST_TYPES.indexOf(t)}`).text), personal);
    personal.add('花粉症');
    await ingestRecords(deps, [...REQUEST_TYPES.map((t, n) => fresh(`iam-${t}`, `S-IAM-${n}`)), fresh('iam-ttl', 'S-IAM-TTL')], { actor: 'test' });
    // A TTL expiry as DynamoDB streams it, through the stream function's logic.
    const expiring = await embedded.dynamodb.send(new GetItemCommand({ TableName: embedded.names.recordsTable, Key: { recordId: { S: 'iam-ttl' } } }));
    await embedded.dynamodb.send(new DeleteItemCommand({ TableName: embedded.names.recordsTable, Key: { recordId: { S: 'iam-ttl' } } }));
    const ttl = [{ eventName: 'REMOVE', userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' }, dynamodb: { OldImage: expiring.Item as Record<string, unknown> } }];
    await taskScope.run(RECORDS_STREAM_SCOPE, () => auditRecordChanges(deps, toChanges(ttl as StreamRecord[])));
    await provide(deps, { subjectId: 'S-IAM-0', recipientId: 'keio-university', basis: 'academic-research', actor: 'test' }).catch(() => undefined);
    await addHold(deps, { target: { recordId: 'stm-0001' }, reason: 'litigation', actor: 'test' });
    // Each type on its own subject, except lift-restriction, which lifts the
    // restriction placed by restrict. The erased subject is exported first,
    // so the erasure removes a package.
    const subjectOf = (type: RequestType) => `S-IAM-${REQUEST_TYPES.indexOf(type === 'lift-restriction' ? 'restrict' : type)}`;
    const runs: { type: RequestType; requestId: string; subjectId: string }[] = REQUEST_TYPES.flatMap((type) => [
      ...(type === 'erase' ? [{ type: 'export' as const, requestId: 'iam-req-erase-export', subjectId: subjectOf(type) }] : []),
      { type, requestId: `iam-req-${type}`, subjectId: subjectOf(type) },
    ]);
    for (const { type, requestId, subjectId } of runs) {
      const params: Record<string, Record<string, unknown>> = { correct: { recordId: 'iam-correct', set: { medicalHistory: '花粉症' } } };
      // Filed by one operator; the erasure and the correction (saitama-pref's
      // records) are approved by a second (決裁) before the workflow runs. The
      // decision is the operator's CLI call, outside every task scope.
      await registerAndApprove(deps, {
        requestId,
        type,
        subjectId,
        requester: { kind: 'subject' },
        verification: { method: 'driver-licence', evidenceRef: 'case' },
        params: params[type] ?? {},
      });
      const done = await runRequestLocally(deps, type, requestId, onTask);
      expect(done.status, type).toBe('completed');
    }
    await runSweepLocally({ ...deps, checkpoint: () => audit.checkpoint() }, {
      now: '2040-01-01T00:00:00Z',
      dryRun: false,
      pageSize: 3,
      pageBudget: 1,
      onTask,
    });
    // The stream function's logic over the real stream of the records table.
    // Writes that bypass wasure: an untagged item and a direct delete.
    await embedded.dynamodb.send(new PutItemCommand({ TableName: embedded.names.recordsTable, Item: { recordId: { S: 'iam-untagged' } } }));
    await embedded.dynamodb.send(new DeleteItemCommand({ TableName: embedded.names.recordsTable, Key: { recordId: { S: 'jlis-0002' } } }));
    await drainRecordsStream(embedded, deps);
    // The landing tagger, fed by s3rver's events: a batch with a refused line and a document.
    const watcher = watchLanding(embedded, deps);
    await embedded.s3.send(new PutObjectCommand({ Bucket: embedded.names.landingBucket, Key: 'landing/batch.jsonl', Body: `${fresh('iam-land-1', 'S-IAM-L1').text}\n{"recordId":"x"}\n` }));
    await embedded.s3.send(
      new PutObjectCommand({
        Bucket: embedded.names.landingBucket,
        Key: 'landing/memo.txt',
        Body: '相談メモ',
        ContentType: 'text/plain',
        Metadata: { 'wasure-dataset': 'gunma-consultations', 'wasure-subject': 'S-IAM-L2', 'wasure-purposes': 'gunma-consult' },
      }),
    );
    const landed = await watcher.idle();
    watcher.stop();
    expect(landed.map((l) => [l.stored, l.refused])).toEqual([[1, 1], [1, 0]]);
    // The scheduled audit verification.
    // Twice: the first run signs the first checkpoint, the second verifies
    // it (signature, archived copy) before signing the next.
    // Between them an event is written, so the second, incremental run
    // reads a new event and looks its id up (a copy of an earlier one?).
    for (let run = 0; run < 2; run += 1) {
      await taskScope.run(VERIFY_SCOPE, () => auditTasks({ audit: checkpointer, checkpoint: () => checkpointer.checkpoint() }).verify({ awaitIntegration: true }));
      await audit.append([{ action: 'read', actor: 'system:test', outcome: 'ok', reason: 'between two verifications' }]);
    }
    await stopSequencer();
    const { app, stateful: a, stateless: b } = createApp({ nag: false, context: { 'aws:cdk:bundling-stacks': [] } });
    const assembly = app.synth();
    stateful = assembly.getStackByName(a.stackName).template as Tpl;
    stateless = assembly.getStackByName(b.stackName).template as Tpl;
  }, 240_000);

  it('keeps subject ids and field values out of every Step Functions payload', () => {
    expect(payloads.length).toBeGreaterThan(20);
    const leaks = payloads.flatMap((p) => [...personal].filter((v) => p.json.includes(v)).map((v) => `${p.state}: ${v}`));
    expect(leaks).toEqual([]);
  });

  it('logs one structured line per task, with no subject id or field value', () => {
    const events = new Set(logLines.map((l) => l.event));
    expect([...events]).toEqual(expect.arrayContaining(['sweep.plan', 'sweep.purge', 'sweep.finish', 'request.load', 'request.execute', 'request.complete']));
    expect(logLines.find((l) => l.event === 'sweep.finish')).toMatchObject({ level: 'info', dryRun: false, purged: expect.any(Number) });
    const text = logLines.map((l) => JSON.stringify(l)).join('\n');
    expect([...personal].filter((v) => text.includes(v))).toEqual([]);
  });

  it('records the calls of every task function', () => {
    const fns = new Set(calls.map((c) => c.fn.split('/')[1]));
    expect([...fns]).toEqual(expect.arrayContaining(['PlanSweep', 'PurgeBatch', 'FinishSweep', 'LoadRequest', 'CompleteRequest', 'RecordsStream', 'VerifyAudit', 'LandingTagger', 'AuditSequencer']));
  });

  it('grants every recorded call and uses every grant', () => {
    const statefulResolver = new Resolver(stateful);
    const resolver = new Resolver(stateless, stateful);
    const output = (key: string) => statefulResolver.resolve((stateful.Outputs?.[key] as { Value: Json }).Value);
    const tableArn = (logical: string) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${logical}`;
    const keyById = (construct: string) =>
      Object.entries(stateful.Resources).find(([id, r]) => r.Type === 'AWS::KMS::Key' && id.startsWith(`Keys${construct}`))?.[0] as string;
    // A local table or bucket name → the manifest entry → its stack output.
    const outputOfLocal = (kind: 'table' | 'bucket', local: string) => {
      const name = RESOURCE_NAMES.find((n) => resource(n).kind === kind && resource(n).local === local);
      if (name === undefined) throw new Error(`unknown ${kind} ${local}`);
      return output(resource(name).output);
    };
    const names: Names = {
      table: (t) => tableArn(outputOfLocal('table', t)),
      bucket: (b) => {
        if (b === LOCAL_EXPORTS_BUCKET) {
          const id = Object.keys(stateful.Resources).find((k) => stateful.Resources[k]?.Type === 'AWS::S3::Bucket' && statefulResolver.resolve({ Ref: k }).includes('-exports-'));
          return statefulResolver.resolve({ Ref: id as string });
        }
        return outputOfLocal('bucket', b);
      },
      key: (k) => {
        const construct = {
          [LOCAL_KEY_IDS.data]: 'DataKey',
          [LOCAL_KEY_IDS.hmac]: 'AuditPseudonymKey',
          [LOCAL_KEY_IDS.signing]: 'AuditSigningKey',
          [LOCAL_KEY_IDS.auditMac]: 'AuditMacKey',
        }[k];
        if (construct === undefined) throw new Error(`unknown key ${k}`);
        return `arn:aws:kms:${REGION}:${ACCOUNT}:key/${keyById(construct)}`;
      },
    };
    const stateToFunction = functionsOfStates(stateless);
    const missing: string[] = [];
    const used = new Set<string>();
    const byFunction = new Map<string, Grant[]>();
    for (const call of calls) {
      const fnId = stateToFunction.get(call.fn);
      if (fnId === undefined) throw new Error(`no function for state ${call.fn}`);
      const grants = byFunction.get(fnId) ?? grantsOf(stateless, resolver, fnId);
      byFunction.set(fnId, grants);
      for (const access of accessesOf(call, names)) {
        let granted = false;
        for (const [g, grant] of grants.entries()) {
          for (const action of grant.actions) {
            for (const resource of grant.resources) {
              if (matches(action, access.action) && matches(resource, access.resource)) {
                granted = true;
                used.add(`${fnId}|${g}|${action}|${resource}`);
              }
            }
          }
        }
        if (!granted) missing.push(`${call.fn} (${fnId}): ${access.action} on ${access.resource}`);
      }
    }
    expect([...new Set(missing)]).toEqual([]);
    // Service-side KMS use: DynamoDB and S3 use the data key for tables and
    // buckets encrypted with it on the caller's behalf.
    const implicitKms = new Set(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']);
    const dataKey = names.key(LOCAL_KEY_IDS.data);
    const unused: string[] = [];
    for (const [fnId, grants] of byFunction) {
      for (const [g, grant] of grants.entries()) {
        for (const action of grant.actions) {
          for (const resource of grant.resources) {
            if (used.has(`${fnId}|${g}|${action}|${resource}`)) continue;
            if (implicitKms.has(action) && resource === dataKey) continue;
            const explained = NOT_EXERCISED_LOCALLY.some(
              (x) => x.fn.test(fnId) && x.action.split('|').some((a) => matches(a, action) || a === action),
            );
            if (!explained) unused.push(`${fnId}: ${action} on ${resource}`);
          }
        }
      }
    }
    if (unused.length > 0) console.error(unused.join('\n'));
    expect(unused).toEqual([]);
  });

  it('tells each function every resource of each adapter its task touches', () => {
    // Locally the sweep removes expired disclosure packages itself; on AWS
    // the exports bucket's lifecycle rule expires them, and FinishSweep is
    // not bound to the bucket (the composed sweep has no exports store).
    const localOnly = [{ fn: /RetentionSweep\/FinishSweep$/, adapter: 'exports' }];
    const stateToFunction = functionsOfStates(stateless);
    expect(adapterUses.length).toBeGreaterThan(50);
    const missing = new Set<string>();
    for (const use of adapterUses) {
      if (localOnly.some((l) => l.fn.test(use.fn) && l.adapter === use.adapter)) continue;
      const fnId = stateToFunction.get(use.fn);
      if (fnId === undefined) throw new Error(`no function for state ${use.fn}`);
      const variables = (stateless.Resources[fnId]?.Properties?.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {};
      for (const name of ADAPTER_NEEDS[use.adapter]) {
        const variable = resource(name).env as string;
        if (variables[variable] === undefined) missing.add(`${use.fn} (${fnId}) touches ${use.adapter} but is not told ${name} (${variable})`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it('tells each function the resources its role may call, and no other', () => {
    const resolver = new Resolver(stateless, stateful);
    // A resource (its resolved name or ARN) is covered by a granted ARN.
    const covers = (arn: string, value: string) =>
      arn === value ||
      arn.endsWith(`:table/${value}`) ||
      arn.includes(`:table/${value}/`) ||
      arn === `arn:aws:s3:::${value}` ||
      arn.startsWith(`arn:aws:s3:::${value}/`);
    // Grants on a resource a function is deliberately not told of (it
    // learns the key id from its input): the erasure receipt reads the
    // public half of the key that signed the checkpoint.
    const untold = [{ fn: /^IssueErasureReceiptFn/, resource: 'signingKey', action: 'kms:GetPublicKey' }];
    const statefulResolver = new Resolver(stateful);
    const deployedValue = (name: (typeof RESOURCE_NAMES)[number]) =>
      statefulResolver.resolve((stateful.Outputs?.[resource(name).output] as { Value: Json }).Value);
    const problems: string[] = [];
    const functionIds = Object.keys(stateless.Resources).filter(
      (id) => stateless.Resources[id]?.Type === 'AWS::Lambda::Function' && !/^(BucketNotificationsHandler|AWS|LogRetention|CustomResource)/.test(id),
    );
    expect(functionIds.length).toBeGreaterThan(15);
    for (const fnId of functionIds) {
      const variables = ((stateless.Resources[fnId]?.Properties?.Environment as { Variables?: Record<string, Json> } | undefined)?.Variables ?? {});
      const grants = grantsOf(stateless, resolver, fnId);
      for (const name of RESOURCE_NAMES) {
        const variable = resource(name).env;
        if (variable === undefined || stateful.Outputs?.[resource(name).output] === undefined) continue;
        const value = deployedValue(name);
        const grantsOn = grants.filter((g) => g.resources.some((r) => covers(r, value)));
        const told = variables[variable] !== undefined;
        if (told && resolver.resolve(variables[variable] as Json) !== value) problems.push(`${fnId}: ${variable} is not ${name}`);
        if (told && grantsOn.length === 0) problems.push(`${fnId}: told ${name} (${variable}) without a grant on it`);
        const untoldOk = grantsOn.every((g) => untold.some((u) => u.fn.test(fnId) && u.resource === name && g.actions.every((a) => a === u.action)));
        if (!told && grantsOn.length > 0 && !untoldOk) problems.push(`${fnId}: granted on ${name} but not told it (${variable})`);
      }
    }
    expect(problems).toEqual([]);
  });
});
