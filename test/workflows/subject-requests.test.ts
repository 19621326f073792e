import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryExportStore } from '#shared/adapters/local/directory-export-store.ts';
import { DynamoRequestStore } from '#shared/adapters/aws/dynamo-request-store.ts';
import { REQUEST_TYPES, type RequestType } from '#shared/domain/requests.ts';
import { KeyUnavailableError, RefusedError, ValidationError } from '#shared/errors.ts';
import { ingestRecords } from '#shared/use-cases/ingest-records.ts';
import { provide } from '#shared/use-cases/provision-records.ts';
import { addHold } from '#shared/use-cases/manage-holds.ts';
import { openRequestValues, registerRequest } from '#shared/use-cases/subject-requests.ts';
import type { SubjectRequest } from '#shared/domain/requests.ts';
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { readRecord } from '#shared/use-cases/read-record.ts';
import { type Embedded, startEmbedded } from '#functions/local/embedded.ts';
import { runRequestLocally } from '#functions/local/local-request.ts';
import { synthesizedTemplate } from '#functions/local/local-sweep.ts';
import { findStateMachine } from '#functions/local/run-state-machine.ts';
import { type RequestTaskDeps, requestTasks } from '#functions/workflow/request-tasks.ts';
import { erasureReceiptTasks } from '#functions/workflow/erasure-receipt-tasks.ts';
import { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { KmsCheckpointSigner } from '#shared/adapters/aws/kms-checkpoint-signer.ts';
import { S3ExportStore } from '#shared/adapters/aws/s3-export-store.ts';
import { clockAt, embeddedDeps } from '#functions/runtime.ts';
import { requestWorkflowName } from '#shared/domain/workflow-names.ts';
import { type ErasureReceipt, verifyReceipt } from '#shared/domain/erasure-receipt.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';
import { registerAndApprove } from '../cli-run.ts';

const verification = { method: 'driver-licence' as const, evidenceRef: 'case-1' };
/** The exports bucket, as the receipt function writes it on AWS (s3rver: unversioned). */
const EXPORTS_BUCKET = 'wasure-exports';

/** The part of an SDK client's middleware stack used to record calls. */
interface Recordable {
  readonly middlewareStack: {
    add(
      middleware: (next: (args: { input: object }) => Promise<unknown>, context: { commandName?: string }) => (args: { input: object }) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
    remove(name: string): boolean;
  };
}

describe('subject-request state machines, executed locally', () => {
  let embedded: Embedded;
  let dir: string;
  let deps: RequestTaskDeps;
  let audit: DynamoAuditTrail;
  const line = (recordId: string, subjectId: string) => ({
    recordId,
    subjectId,
    dataset: 'saitama-covid-line',
    purposes: ['saitama-2'],
    acquiredAt: '2026-01-10T10:00:00+09:00',
    consent: { refs: ['c'], sensitive: true },
    fields: { ageBand: '40代', medicalHistory: `喘息-${subjectId}` },
  });
  const scanItems = async () => {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await embedded.dynamodb.send(new ScanCommand({ TableName: embedded.names.requestsTable, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  };
  const scanRequests = async () => JSON.stringify(await scanItems());
  // Every request is filed by an operator; saitama-pref (the records here)
  // has erasures and corrections approved by a second one (決裁) first.
  const run = async (type: RequestType, requestId: string, subjectId: string, params: Record<string, unknown> = {}) => {
    await registerAndApprove(deps, { requestId, type, subjectId, requester: { kind: 'subject' }, verification, params });
    return runRequestLocally(deps, type, requestId);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-requests-'));
    embedded = await startEmbedded({ dir, persist: false, extraBuckets: [EXPORTS_BUCKET] });
    const composed = embeddedDeps(embedded, sampleCatalogue(), clockAt('2026-11-22T00:00:00Z'));
    const base = composed.deps;
    audit = composed.audit;
    deps = {
      ...base,
      requests: new DynamoRequestStore(embedded.dynamodb, embedded.names.requestsTable, composed.audit),
      exports: new DirectoryExportStore(join(dir, 'exports'), base.clock),
      checkpointer: audit,
    };
    await ingestRecords(deps, [line('w-1', 'S-W1'), line('w-2', 'S-W2'), line('w-3', 'S-W3')].map((o, i) => ({ line: i + 1, text: JSON.stringify(o) })), { actor: 'test' });
  });

  afterAll(async () => {
    await embedded?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('synthesizes one state machine per request type', async () => {
    const template = await synthesizedTemplate();
    for (const type of REQUEST_TYPES) {
      expect(findStateMachine(template, `${requestWorkflowName(type)}StateMachine`)).toBeDefined();
    }
  });

  it('export delivers the package with a manifest and a BOM-prefixed CSV', async () => {
    const done = await run('export', 'wq-export', 'S-W1');
    expect(done.status).toBe('completed');
    const manifest = JSON.parse(await readFile(join(String(done.outcome?.location), 'manifest.json'), 'utf8'));
    expect(manifest.files.map((f: { name: string }) => f.name)).toEqual(['data.json', 'data.csv', 'summary.html']);
    const csv = await readFile(join(String(done.outcome?.location), 'data.csv'));
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8')).toContain('喘息-S-W1');
    expect(csv.toString('utf8')).not.toContain('S-W2');
  });

  it('correct, restrict, lift-restriction, stop-provision, purposes and erase each complete end to end', async () => {
    expect((await run('correct', 'wq-correct', 'S-W2', { recordId: 'w-2', set: { ageBand: '50代' } })).status).toBe('completed');
    expect((await readRecord(deps, { recordId: 'w-2', purpose: 'saitama-2', actor: 't' })).fields.ageBand).toBe('50代');
    await expect(run('correct', 'wq-correct-bad', 'S-W2', { recordId: 'w-2', set: { hobby: 'golf' } })).rejects.toThrow(ValidationError);
    expect(await deps.requests.get('wq-correct-bad')).toBeUndefined();
    expect((await run('restrict', 'wq-restrict', 'S-W2')).status).toBe('completed');
    await expect(readRecord(deps, { recordId: 'w-2', purpose: 'saitama-2', actor: 't' })).rejects.toBeInstanceOf(RefusedError);
    expect((await run('lift-restriction', 'wq-lift', 'S-W2')).status).toBe('completed');
    expect((await run('stop-provision', 'wq-stop', 'S-W3')).status).toBe('completed');
    await expect(provide(deps, { subjectId: 'S-W3', recipientId: 'keio-university', basis: 'academic-research', actor: 't' })).rejects.toBeInstanceOf(RefusedError);
    const purposes = await run('purposes', 'wq-purposes', 'S-W3');
    expect(JSON.stringify(purposes.outcome)).toContain('saitama-2');
    const erased = await run('erase', 'wq-erase', 'S-W1');
    expect(erased).toMatchObject({ status: 'completed', outcome: { erased: ['w-1'], keyDestroyed: true } });
    expect(await deps.records.get('w-1')).toMatchObject({ status: 'erased', cause: 'request:wq-erase' });
  });

  it('erase checkpoints the trail and saves the request\'s receipt as its package', async () => {
    // Prepare
    await ingestRecords(deps, [{ line: 1, text: JSON.stringify(line('w-6', 'S-W6-RECEIPT')) }], { actor: 'test' });
    // Act
    const done = await run('erase', 'wq-erase-receipt', 'S-W6-RECEIPT');
    // Assess
    expect(done).toMatchObject({ status: 'completed', outcome: { erasureReceipt: { status: 'issued', file: 'erasure-receipt.json', events: 2 } } });
    const location = String((done.outcome?.erasureReceipt as { location: string }).location);
    expect(location).toBe(join(dir, 'exports', 'wq-erase-receipt'));
    const receipt = JSON.parse(await readFile(join(location, 'erasure-receipt.json'), 'utf8')) as ErasureReceipt;
    expect(verifyReceipt(receipt)).toMatchObject({ ok: true, eventsProved: 2 });
    expect(receipt.events.every((e) => e.details?.cause === 'request:wq-erase-receipt')).toBe(true);
    const manifest = JSON.parse(await readFile(join(location, 'manifest.json'), 'utf8'));
    expect(manifest.files.map((f: { name: string }) => f.name)).toEqual(['erasure-receipt.json', 'HOW-TO-VERIFY.txt']);
    const guide = await readFile(join(location, 'HOW-TO-VERIFY.txt'), 'utf8');
    expect(guide).toContain('wasure receipt verify erasure-receipt.json');
    expect(guide).toContain('verify-receipt.sh');
    expect(`${guide}${JSON.stringify(receipt)}`).not.toMatch(/S-W6-RECEIPT|喘息/);
  });

  it('the receipt task, wired as on AWS, only reads the request and the trail, fetches the signing key\'s public half and writes its package', async () => {
    // Prepare: an erasure executed and checkpointed, the request not yet completed
    await ingestRecords(deps, [{ line: 1, text: JSON.stringify(line('w-9', 'S-W9-AWS')) }], { actor: 'test' });
    await registerAndApprove(deps, { requestId: 'wq-erase-aws', type: 'erase', subjectId: 'S-W9-AWS', requester: { kind: 'subject' }, verification });
    const executed = await requestTasks(deps).execute('erase')({ requestId: 'wq-erase-aws' });
    expect(await audit.pendingCount()).toBe(0);
    await audit.checkpoint();
    const clock = deps.clock;
    const asDeployed = {
      trail: new DynamoAuditTrail({
        client: embedded.dynamodb,
        table: embedded.names.auditTable,
        pseudonymizer: { pseudonym: () => Promise.reject(new Error('not asked')) },
        clock,
        ids: deps.ids,
      }),
      signer: { publicKeyPem: (keyId: string) => new KmsCheckpointSigner(embedded.kms, keyId).publicKeyPem() },
      requests: new DynamoRequestStore(embedded.dynamodb, embedded.names.requestsTable),
      exports: new S3ExportStore(embedded.s3, EXPORTS_BUCKET, clock, 7, 3600, false),
      clock,
    };
    const calls: string[] = [];
    const clients = [embedded.dynamodb, embedded.kms, embedded.s3] as unknown as Recordable[];
    for (const client of clients) {
      client.middlewareStack.add(
        (next, context) => async (args) => {
          const i = args.input as { TableName?: string; KeyId?: string; Bucket?: string; Key?: string };
          calls.push(`${context.commandName} ${i.TableName ?? i.KeyId ?? `${i.Bucket}/${String(i.Key).split('/').slice(0, 2).join('/')}`}`);
          return next(args);
        },
        { step: 'initialize', name: 'recordReceiptCalls' },
      );
    }
    // Act
    let out: Awaited<ReturnType<ReturnType<typeof erasureReceiptTasks>['receipt']>>;
    try {
      out = await erasureReceiptTasks(asDeployed).receipt(executed);
    } finally {
      for (const client of clients) client.middlewareStack.remove('recordReceiptCalls');
    }
    // Assess
    expect(out.outcome.erasureReceipt).toMatchObject({ status: 'issued', events: 2, location: expect.stringContaining('/exports/wq-erase-aws/manifest.json') });
    expect([...new Set(calls)].sort()).toEqual(
      [
        `GetItemCommand ${embedded.names.requestsTable}`,
        `GetItemCommand ${embedded.names.auditTable}`,
        `QueryCommand ${embedded.names.auditTable}`,
        `GetPublicKeyCommand ${embedded.keyIds.signing}`,
        `PutObjectCommand ${EXPORTS_BUCKET}/exports/wq-erase-aws`,
        // Presigned (not sent): the URL is used with the function's s3:GetObject.
        `GetObjectCommand ${EXPORTS_BUCKET}/exports/wq-erase-aws`,
      ].sort(),
    );
  });

  it('completes an erase that erased nothing with no receipt, and one with no checkpoint signer with the receipt left for later', async () => {
    // Prepare: one subject's only record under a legal hold, another subject erasable
    await ingestRecords(deps, [line('w-7', 'S-W7-HELD'), line('w-8', 'S-W8-UNSIGNED')].map((o, i) => ({ line: i + 1, text: JSON.stringify(o) })), { actor: 'test' });
    await addHold(deps, { target: { recordId: 'w-7' }, reason: 'litigation', actor: 'test' });
    await registerAndApprove(deps, { requestId: 'wq-erase-unsigned', type: 'erase', subjectId: 'S-W8-UNSIGNED', requester: { kind: 'subject' }, verification });
    const { checkpointer: _signer, ...unsigned } = deps;
    // Act
    const nothing = await run('erase', 'wq-erase-nothing', 'S-W7-HELD');
    const later = await runRequestLocally(unsigned, 'erase', 'wq-erase-unsigned');
    // Assess
    expect(nothing).toMatchObject({ status: 'partially-completed', outcome: { erased: [], kept: ['w-7'], erasureReceipt: { status: 'nothing-erased' } } });
    expect(later).toMatchObject({ status: 'completed', outcome: { erased: ['w-8'], erasureReceipt: { status: 'later' } } });
    await expect(readFile(join(dir, 'exports', 'wq-erase-nothing', 'erasure-receipt.json'))).rejects.toThrow();
    await expect(readFile(join(dir, 'exports', 'wq-erase-unsigned', 'erasure-receipt.json'))).rejects.toThrow();
  });

  it('ends a failed export (a document missing from the bucket) as failed, audited, its freeze released', async () => {
    // Prepare: a record with a document, the document then lost
    await ingestRecords(deps, [{ line: 1, text: JSON.stringify({ ...line('w-4', 'S-W4'), documents: [{ name: 'note.txt', contentType: 'text/plain', text: '経過メモ' }] }) }], { actor: 'test' });
    const stored = await deps.records.get('w-4');
    const documentKey = stored !== undefined && 'documents' in stored ? stored.documents[0]?.key : undefined;
    expect(documentKey).toMatch(/^records\/w-4\//);
    await embedded.s3.send(new DeleteObjectCommand({ Bucket: embedded.names.documentsBucket, Key: documentKey }));
    await registerRequest(deps, { requestId: 'wq-export-lost', type: 'export', subjectId: 'S-W4', requester: { kind: 'subject' }, verification });
    const subject = await deps.pseudonyms.pseudonym('S-W4');
    expect((await deps.records.listBySubject(subject))[0]?.pendingRequests).toEqual(['wq-export-lost']);
    // Act
    const done = await runRequestLocally(deps, 'export', 'wq-export-lost');
    // Assess
    expect(done).toMatchObject({ status: 'failed', outcome: { error: 'NotFoundError' } });
    expect(done.reasons).toEqual([expect.stringContaining('NotFoundError')]);
    expect(JSON.stringify(done)).not.toMatch(/S-W4|喘息|経過メモ|note\.txt/);
    expect((await deps.records.listBySubject(subject))[0]?.pendingRequests).toEqual([]);
    const events = await audit.readEvents({ subjectPseudonym: subject });
    expect(events.filter((e) => e.action === 'request').map((e) => [e.outcome, e.details?.status])).toEqual([
      ['ok', undefined],
      ['failed', 'failed'],
    ]);
    expect(await runRequestLocally(deps, 'export', 'wq-export-lost')).toMatchObject({ status: 'failed', version: done.version });
  });

  it('leaves a request started on another type\'s workflow as it is', async () => {
    // Prepare
    await registerRequest(deps, { requestId: 'wq-wrong-workflow', type: 'export', subjectId: 'S-W3', requester: { kind: 'subject' }, verification });
    // Act
    const run = runRequestLocally(deps, 'erase', 'wq-wrong-workflow');
    // Assess
    await expect(run).rejects.toThrow(ValidationError);
    expect(await deps.requests.get('wq-wrong-workflow')).toMatchObject({ status: 'received' });
    expect((await deps.records.get('w-3'))?.status).toBe('active');
  });

  it('keeps neither the subject id nor a corrected value in clear in the requests table once the subject is erased', async () => {
    // Prepare: an export, a correction and an erasure of one subject
    await ingestRecords(deps, [{ line: 1, text: JSON.stringify(line('w-5', 'S-W5-CLEAR')) }], { actor: 'test' });
    await run('export', 'wq-clear-export', 'S-W5-CLEAR');
    expect((await run('correct', 'wq-clear-correct', 'S-W5-CLEAR', { recordId: 'w-5', set: { medicalHistory: '花粉症-W5-CLEAR' } })).status).toBe('completed');
    const before = await scanRequests();
    expect(before).toContain('wse1.');
    // Act
    const erased = await run('erase', 'wq-clear-erase', 'S-W5-CLEAR');
    // Assess
    expect(erased).toMatchObject({ status: 'completed', outcome: { keyDestroyed: true } });
    const after = await scanRequests();
    expect(after).toContain('wq-clear-correct');
    expect(after).not.toContain('S-W5-CLEAR');
    expect(after).not.toContain('花粉症-W5-CLEAR');
    const correct = await deps.requests.get('wq-clear-correct');
    await expect(openRequestValues(deps, correct as SubjectRequest)).rejects.toThrow(KeyUnavailableError);
  });

  it('gives every finished request a TTL of three years, except a standing stop of provision', async () => {
    // Act
    const items = await scanItems();
    // Assess
    const ttl = (id: string) => items.find((i) => i.requestId?.S === id)?.expiresAt?.N;
    const completedAt = (await deps.requests.get('wq-clear-erase'))?.completedAt as string;
    expect(Number(ttl('wq-clear-erase'))).toBe(Date.parse(completedAt.replace(/^2026/, '2029')) / 1000);
    expect(ttl('wq-export-lost')).toBeDefined();
    expect(ttl('wq-stop')).toBeUndefined();
    expect(ttl('wq-wrong-workflow')).toBeUndefined();
  });

  it('answers a repeated request id with the first outcome (idempotent)', async () => {
    const again = await run('erase', 'wq-erase', 'S-W1');
    expect(again).toMatchObject({ requestId: 'wq-erase', status: 'completed', outcome: { erased: ['w-1'] } });
  });
});
