/**
 * Least privilege of the console function (ConsoleFn), proved as the
 * state-machine functions' is (handler-properties.test.ts): the console's
 * app, composed as deployed (writers only stage audit events) over the
 * resources ConsoleFn is told, is driven through its HTTP API on the
 * embedded stores; every AWS call it makes is recorded, translated to its
 * IAM action and resource ARN, and checked against ConsoleFn's synthesized
 * role policy. What the request workflows and the sweep do when the
 * console carries a request out or runs a sweep is theirs, not the
 * console's: on AWS the console only starts the request's execution.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConsoleActions } from '#functions/console/actions.ts';
import { consoleApp } from '#functions/console/app.ts';
import type { ConsoleBackend } from '#functions/console/backend.ts';
import { localAuth } from '#functions/console/local-auth.ts';
import { ConsoleSessions } from '#functions/console/sessions.ts';
import { ADAPTER_NEEDS, composeDeps } from '#functions/compose.ts';
import { runRequestLocally } from '#functions/local/local-request.ts';
import { runSweepLocally } from '#functions/local/local-sweep.ts';
import { clockAt, embeddedDeps, uuidIds } from '#functions/runtime.ts';
import { auditTasks } from '#functions/workflow/audit-tasks.ts';
import type { RequestTaskDeps } from '#functions/workflow/request-tasks.ts';
import { createApp } from '#infra/create-app.ts';
import { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { DynamoRequestStore } from '#shared/adapters/aws/dynamo-request-store.ts';
import { KmsCheckpointSigner } from '#shared/adapters/aws/kms-checkpoint-signer.ts';
import { KmsEventAuthenticator } from '#shared/adapters/aws/kms-event-authenticator.ts';
import { S3CheckpointSink } from '#shared/adapters/aws/s3-checkpoint-sink.ts';
import { S3ExportStore } from '#shared/adapters/aws/s3-export-store.ts';
import { LOCAL_KEY_IDS } from '#shared/adapters/local/kms-server.ts';
import { ENV } from '#shared/config/env.ts';
import { RESOURCE_NAMES, type ResourceNames, resource } from '#shared/config/resources.ts';
import { ingestRecords } from '#shared/use-cases/ingest-records.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';
import { APPROVER, FILER } from '../cli-run.ts';
import { withEmbedded } from './harness.ts';
import {
  type Access,
  accessesOf,
  allowing,
  type Call,
  deployedNames,
  environmentOf,
  grantEntries,
  grantsOf,
  type Json,
  LOCAL_EXPORTS_BUCKET,
  matches,
  recordCalls,
  Resolver,
  type Tpl,
  toldProblems,
} from './iam-proof.ts';

const NOW = '2026-11-22T00:00:00Z';
const CONSOLE = 'ConsoleFn';
/** Whose calls these are: the console's, or a workflow's or the sweep's it set off. */
const scope = new AsyncLocalStorage<'console' | 'elsewhere'>();
/** Subjects of jlis (a public body: an erasure waits for approval, 決裁). */
const ERASE_SUBJECT = 'S-JLIS-3002';
const OPEN_SUBJECT = 'S-JLIS-3001';
/** A subject of gunma-yorozu (a business: a disclosure is carried out at once). */
const EXPORT_SUBJECT = 'S-GNM-2001';
const PORT = 8787;

/**
 * Grants no local run exercises, each with why ConsoleFn needs it on AWS.
 * Anything else granted but unused fails the test.
 */
const NOT_EXERCISED_LOCALLY: { action: string; why: string }[] = [
  { action: 'logs:*', why: 'Lambda writes its own log group' },
  { action: 'xray:*', why: 'active tracing' },
  { action: 'cognito-idp:ListUserPoolClients', why: 'the Cognito sign-in finds its app client\'s id by name; the local sign-in is a printed one-time token' },
  {
    action: 'states:StartExecution',
    why: 'one state machine a request type; the run carries out an erasure and a disclosure, and startRequestExecution picks the others\' by type the same way (the last test proves the startable ones are the told ones)',
  },
];

interface Reply {
  readonly status: number;
  readonly text: string;
  json<T = Record<string, unknown>>(): T;
}

describe('ConsoleFn: least privilege over the console\'s HTTP API', () => {
  const env = withEmbedded({ extraBuckets: [LOCAL_EXPORTS_BUCKET] });
  const calls: Call[] = [];
  const adapterUses = new Set<keyof typeof ADAPTER_NEEDS>();
  const replies: { what: string; status: number }[] = [];
  let stateful: Tpl;
  let stateless: Tpl;
  let consoleTpl: Tpl;
  let consoleId: string;

  beforeAll(async () => {
    // Prepare: the synthesized stacks (ConsoleFn's variables say what the console is composed over).
    const { app, stateful: a, stateless: b, console: c } = createApp({ nag: false, context: { 'aws:cdk:bundling-stacks': [] } });
    const assembly = app.synth();
    stateful = assembly.getStackByName(a.stackName).template as Tpl;
    stateless = assembly.getStackByName(b.stackName).template as Tpl;
    consoleTpl = assembly.getStackByName(c?.stackName as string).template as Tpl;
    consoleId = Object.keys(consoleTpl.Resources).find((id) => id.startsWith(CONSOLE) && consoleTpl.Resources[id]?.Type === 'AWS::Lambda::Function') as string;
    const embedded = env();
    for (const client of [embedded.dynamodb, embedded.s3, embedded.kms]) {
      recordCalls(client, () => (scope.getStore() === 'console' ? CONSOLE : undefined), calls);
    }
    const clock = clockAt(NOW);
    const catalogue = sampleCatalogue();
    // The workflows' side, as in handler-properties: writers stage, one
    // sequencer chains, the checkpointer signs; none of it is recorded.
    const authenticator = new KmsEventAuthenticator(embedded.kms, embedded.keyIds.auditMac, 'wasure-test');
    const base = embeddedDeps(embedded, catalogue, clock).deps;
    const trail = { client: embedded.dynamodb, table: embedded.names.auditTable, pseudonymizer: base.pseudonyms, clock, ids: uuidIds };
    const audit = new DynamoAuditTrail({ ...trail, authenticator, sequencing: 'deferred' });
    const sequencer = new DynamoAuditTrail(trail);
    const checkpointer = new DynamoAuditTrail({
      ...trail,
      sequencing: 'deferred',
      authenticator,
      signer: new KmsCheckpointSigner(embedded.kms, embedded.keyIds.signing),
      sink: new S3CheckpointSink(embedded.s3, embedded.names.checkpointsBucket),
    });
    let sequencing = true;
    const sequenced = (async () => {
      while (sequencing) {
        await sequencer.sequence();
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const workflowDeps: RequestTaskDeps = {
      ...base,
      audit,
      checkpointer,
      requests: new DynamoRequestStore(embedded.dynamodb, embedded.names.requestsTable, audit),
      exports: new S3ExportStore(embedded.s3, LOCAL_EXPORTS_BUCKET, clock, 7, 3600, false),
    };
    const samples = await readFile(fileURLToPath(new URL('../../shared/samples/records.jsonl', import.meta.url)), 'utf8');
    const lines = samples.split('\n').filter((t) => t.trim() !== '').map((text, n) => ({ line: n + 1, text }));
    expect((await ingestRecords(workflowDeps, lines, { actor: 'test' })).rejected).toEqual([]);

    // The console, composed as lambdaRequestDeps composes it: deployed,
    // over exactly the resources ConsoleFn is told (local names).
    const told = environmentOf(consoleTpl, consoleId);
    const local: Record<string, string> = { ...embedded.names, exportsBucket: LOCAL_EXPORTS_BUCKET };
    const names = Object.fromEntries(
      RESOURCE_NAMES.filter((n) => told[resource(n).env ?? ''] !== undefined && local[n] !== undefined).map((n) => [n, local[n]]),
    ) as ResourceNames;
    const composed = composeDeps(
      names,
      { dynamodb: embedded.dynamodb, s3: embedded.s3, kms: embedded.kms },
      {
        mode: 'deployed',
        writer: 'wasure-test',
        catalogue,
        clock,
        ids: uuidIds,
        // The local key service signs with Ed25519 (ECDSA on AWS): the same calls.
        signingAlgorithm: 'ED25519_SHA_512',
        // The deployed store over a bucket s3rver keeps unversioned (its listing is translated below).
        ...(names.exportsBucket === undefined ? {} : { exports: new S3ExportStore(embedded.s3, LOCAL_EXPORTS_BUCKET, clock, 7, 3600, false) }),
      },
    );
    // Each adapter notes the console's use of it (any property).
    const deps = { ...composed };
    for (const adapter of Object.keys(ADAPTER_NEEDS) as (keyof typeof ADAPTER_NEEDS)[]) {
      const target = composed[adapter];
      if (target === undefined) continue;
      Object.assign(deps, {
        [adapter]: new Proxy(target, {
          get: (t, property) => {
            if (scope.getStore() === 'console') adapterUses.add(adapter);
            const value = Reflect.get(t, property, t);
            return typeof value === 'function' ? value.bind(t) : value;
          },
        }),
      });
    }
    // As functions/console/lambda.ts deployedBackend(): a request is carried out by
    // starting its state machine (recorded here; the run is the
    // workflow's), then read back. The sweep runs are embedded-only (on
    // AWS the console refuses them), so theirs are not the console's.
    const backend: ConsoleBackend = {
      mode: 'deployed',
      deps,
      requestDeps: deps,
      audit: deps.audit,
      verifier: deps.checkpointer,
      ...(deps.exports === undefined ? {} : { exports: deps.exports }),
      run: async (request) => {
        calls.push({ fn: CONSOLE, client: 'SFNClient', command: 'StartExecutionCommand', input: { type: request.type } });
        await scope.run('elsewhere', () => runRequestLocally(workflowDeps, request.type, request.requestId));
        return (await deps.requests.get(request.requestId)) ?? request;
      },
      sweep: (options) => scope.run('elsewhere', () => runSweepLocally({ ...workflowDeps, checkpoint: () => checkpointer.checkpoint() }, options)),
    };
    const sessions = new ConsoleSessions();
    const consoleHttp = consoleApp({ actions: new ConsoleActions(backend), auth: localAuth(sessions, () => PORT) });

    // Act: every console action, through the HTTP API, as the function.
    const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> => {
      const res = await scope.run('console', () => consoleHttp.request(`http://127.0.0.1:${PORT}${path}`, { method, headers: { host: `127.0.0.1:${PORT}`, ...headers }, ...(body === undefined ? {} : { body }) }));
      const text = await res.text();
      replies.push({ what: `${method} ${path.replace(/\/exports\/.*/, '/exports/…')}`, status: res.status });
      return { status: res.status, text, json: () => JSON.parse(text) };
    };
    const sessionOf = async (operator: string) => {
      const token = sessions.issueToken();
      const res = await scope.run('console', () =>
        consoleHttp.request(`http://127.0.0.1:${PORT}/api/login`, {
          method: 'POST',
          headers: { host: `127.0.0.1:${PORT}`, 'content-type': 'application/json' },
          body: JSON.stringify({ token, operator }),
        }),
      );
      expect(res.status).toBe(200);
      const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      return { cookie, csrf: ((await res.json()) as { csrfToken: string }).csrfToken };
    };
    const filer = await sessionOf(FILER);
    const approver = await sessionOf(APPROVER);
    const get = (s: { cookie: string }, path: string) => call('GET', path, { cookie: s.cookie });
    const post = (s: { cookie: string; csrf: string }, path: string, body: unknown = {}) =>
      call('POST', path, { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/json' }, JSON.stringify(body));
    const request = (type: string, subjectId: string) => ({ type, subjectId, requester: { kind: 'subject' }, verification: { method: 'passport', evidenceRef: 'desk-1' } });

    const erase = await post(filer, '/api/requests', request('erase', ERASE_SUBJECT));
    expect(erase.json()).toMatchObject({ status: 'received', approval: { state: 'pending' } });
    const eraseId = erase.json<{ requestId: string }>().requestId;
    await get(filer, '/api/requests');
    await get(filer, `/api/requests/${eraseId}`);
    await get(filer, `/api/requests/${eraseId}/preview`);
    const approved = await post(approver, `/api/requests/${eraseId}/approve`);
    expect(approved.json()).toMatchObject({ status: 'completed' });
    await get(filer, `/api/requests/${eraseId}/notice`);
    const exported = await post(filer, '/api/requests', request('export', EXPORT_SUBJECT));
    expect(exported.json()).toMatchObject({ type: 'export', status: 'completed' });
    const exportId = exported.json<{ requestId: string }>().requestId;
    const link = await post(filer, `/api/requests/${exportId}/export-link`);
    const download = await get(filer, link.json<{ url: string }>().url);
    expect(download.status, download.text).toBe(200);
    // A subject of whom nothing is kept yet: the request's sealed values need a new key.
    const unknown = await post(filer, '/api/requests', { ...request('export', 'S-GNM-9999'), controllerId: 'gunma-yorozu' });
    expect(unknown.status, unknown.text).toBe(201);
    const open = await post(filer, '/api/requests', request('erase', OPEN_SUBJECT));
    const openId = open.json<{ requestId: string }>().requestId;
    await post(filer, `/api/requests/${openId}/extend`, { days: 14, reason: '資料の確認' });
    await get(filer, `/api/requests/${openId}/notice?occasion=extension`);
    await post(filer, `/api/requests/${openId}/pause`, { reason: '本人確認の追加書類待ち' });
    await post(filer, `/api/requests/${openId}/resume`);
    await post(approver, `/api/requests/${openId}/reject`, { reason: '対象外' });
    const hold = await post(filer, '/api/holds/add', { target: { recordId: 'ibk-0001' }, reason: 'case 2026-17' });
    await post(filer, '/api/holds/remove', { target: { recordId: 'ibk-0001' }, holdId: hold.json<{ hold: { id: string } }>().hold.id });
    await post(approver, '/api/audit/verify', { full: true });
    // The scheduled verifier signs a checkpoint and saves its cursor; the
    // console checks both signatures (kms:Verify) and goes on from the
    // cursor (looking its event up in the byEventId index).
    await scope.run('elsewhere', () => auditTasks({ audit: checkpointer, checkpoint: () => checkpointer.checkpoint() }).verify({ awaitIntegration: true }));
    await post(approver, '/api/audit/log', { limit: 5 });
    expect((await post(approver, '/api/audit/verify', {})).json()).toMatchObject({ ok: true, mode: 'incremental' });
    await post(approver, '/api/audit/log', { subjectId: ERASE_SUBJECT });
    await get(approver, '/api/audit/receipts');
    for (const format of ['md', 'html', 'csv']) await get(filer, `/api/register?format=${format}`);
    await post(filer, '/api/breach/assess', { records: ['stm-0001', 'stm-0002'] });
    await get(filer, '/api/sweeps');
    await get(filer, '/api/sweeps/orders');
    await post(filer, '/api/sweeps/dry-run');
    await post(filer, '/api/sweeps/orders');
    for (const page of ['/', '/requests', `/requests/${exportId}`, '/requests/new', '/holds', '/register', '/audit', '/sweeps', '/breach']) await get(approver, page);
    await post(filer, '/api/logout');
    sequencing = false;
    await sequenced;
  }, 240_000);

  it('drives every console action, each answered as the API promises', () => {
    const refused = replies.filter((r) => r.status >= 400).map((r) => `${r.what}: ${r.status}`);
    // No controller of the sample catalogue puts manual sweeps under approval: an order is refused (400).
    expect(refused).toEqual(['POST /api/sweeps/orders: 400']);
    expect(calls.length).toBeGreaterThan(50);
  });

  it('grants every recorded call of ConsoleFn and uses every grant', () => {
    const resolver = new Resolver(consoleTpl, stateful, stateless);
    const names = deployedNames(stateful);
    const grants = grantsOf(consoleTpl, resolver, consoleId);
    const workflows = JSON.parse(resolver.resolve(environmentOf(consoleTpl, consoleId)[ENV.requestWorkflows] as Json)) as Record<string, string>;
    const exportsBucket = `arn:aws:s3:::${names.bucket(LOCAL_EXPORTS_BUCKET)}`;
    const accesses = (call: Call): Access[] => {
      if (call.client === 'SFNClient') return [{ action: 'states:StartExecution', resource: workflows[String(call.input.type)] as string }];
      // The exports bucket is versioned on AWS: the deployed store lists
      // a package's versions (ListObjectVersions); s3rver has none, so
      // the local store lists current objects.
      return accessesOf(call, names).map((a) => (a.action === 's3:ListBucket' && a.resource === exportsBucket ? { ...a, action: 's3:ListBucketVersions' } : a));
    };
    const missing = new Set<string>();
    const used = new Set<string>();
    for (const call of calls) {
      for (const access of accesses(call)) {
        const keys = allowing(grants, access);
        for (const key of keys) used.add(key);
        if (keys.length === 0) missing.add(`${call.command}: ${access.action} on ${access.resource}`);
      }
    }
    expect([...missing]).toEqual([]);
    // Service-side KMS use: DynamoDB uses the data key for the tables encrypted with it, on the caller's behalf.
    const implicitKms = new Set(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']);
    const dataKey = names.key(LOCAL_KEY_IDS.data);
    const unused = grantEntries(grants)
      .filter((e) => !used.has(e.key))
      .filter((e) => !(implicitKms.has(e.action) && e.resource === dataKey))
      .filter((e) => !NOT_EXERCISED_LOCALLY.some((x) => matches(x.action, e.action) || x.action === e.action))
      .map((e) => `${e.action} on ${e.resource}`);
    expect(unused).toEqual([]);
  });

  it('tells ConsoleFn every resource of each adapter it touches', () => {
    const variables = environmentOf(consoleTpl, consoleId);
    expect(adapterUses.size).toBeGreaterThan(3);
    const missing = [...adapterUses].flatMap((adapter) =>
      ADAPTER_NEEDS[adapter].filter((name) => variables[resource(name).env as string] === undefined).map((name) => `touches ${adapter} but is not told ${name}`),
    );
    expect(missing).toEqual([]);
  });

  it('tells ConsoleFn the resources its role may call, and no other', () => {
    const resolver = new Resolver(consoleTpl, stateful, stateless);
    expect(toldProblems(consoleTpl, resolver, stateful, consoleId)).toEqual([]);
    // The state machines it may start are the ones it is told, one a request type.
    const workflows = JSON.parse(resolver.resolve(environmentOf(consoleTpl, consoleId)[ENV.requestWorkflows] as Json)) as Record<string, string>;
    const startable = grantsOf(consoleTpl, resolver, consoleId).filter((g) => g.actions.includes('states:StartExecution')).flatMap((g) => g.resources);
    expect(startable.sort()).toEqual(Object.values(workflows).sort());
  });
});
