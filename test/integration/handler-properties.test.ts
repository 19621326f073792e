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
import { resource } from '#shared/config/resources.ts';
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
import { accessesOf, allowing, type Call, deployedNames, environmentOf, type Grant, grantEntries, grantsOf, LOCAL_EXPORTS_BUCKET, matches, recordCalls, Resolver, type Tpl, toldProblems } from './iam-proof.ts';
import { registerAndApprove } from '../cli-run.ts';

/** The scheduled verifier is no state machine task; its calls run in this scope. */
const VERIFY_SCOPE = { stateMachine: 'schedule', state: 'VerifyAudit' };
/** The audit sequencer runs beside every task, woken by the audit table's stream on AWS. */
const SEQUENCER_SCOPE = { stateMachine: 'stream', state: 'AuditSequencer' };

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
      recordCalls(client, () => {
        const scope = taskScope.getStore();
        return scope === undefined ? undefined : `${scope.stateMachine}/${scope.state}`;
      }, calls);
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
    const resolver = new Resolver(stateless, stateful);
    const names = deployedNames(stateful);
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
        const keys = allowing(grants, access);
        for (const key of keys) used.add(`${fnId}|${key}`);
        if (keys.length === 0) missing.push(`${call.fn} (${fnId}): ${access.action} on ${access.resource}`);
      }
    }
    expect([...new Set(missing)]).toEqual([]);
    // Service-side KMS use: DynamoDB and S3 use the data key for tables and
    // buckets encrypted with it on the caller's behalf.
    const implicitKms = new Set(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']);
    const dataKey = names.key(LOCAL_KEY_IDS.data);
    const unused: string[] = [];
    for (const [fnId, grants] of byFunction) {
      for (const { key, action, resource } of grantEntries(grants)) {
        if (used.has(`${fnId}|${key}`)) continue;
        if (implicitKms.has(action) && resource === dataKey) continue;
        const explained = NOT_EXERCISED_LOCALLY.some(
          (x) => x.fn.test(fnId) && x.action.split('|').some((a) => matches(a, action) || a === action),
        );
        if (!explained) unused.push(`${fnId}: ${action} on ${resource}`);
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
      const variables = environmentOf(stateless, fnId);
      for (const name of ADAPTER_NEEDS[use.adapter]) {
        const variable = resource(name).env as string;
        if (variables[variable] === undefined) missing.add(`${use.fn} (${fnId}) touches ${use.adapter} but is not told ${name} (${variable})`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it('tells each function the resources its role may call, and no other', () => {
    const resolver = new Resolver(stateless, stateful);
    // Grants on a resource a function is deliberately not told of (it
    // learns the key id from its input): the erasure receipt reads the
    // public half of the key that signed the checkpoint.
    const untold = [{ fn: /^IssueErasureReceiptFn/, resource: 'signingKey', action: 'kms:GetPublicKey' }];
    const problems: string[] = [];
    const functionIds = Object.keys(stateless.Resources).filter(
      (id) => stateless.Resources[id]?.Type === 'AWS::Lambda::Function' && !/^(BucketNotificationsHandler|AWS|LogRetention|CustomResource)/.test(id),
    );
    expect(functionIds.length).toBeGreaterThan(15);
    for (const fnId of functionIds) {
      problems.push(...toldProblems(stateless, resolver, stateful, fnId, untold));
    }
    expect(problems).toEqual([]);
  });
});
