import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AttributeValue, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { DynamoRequestStore } from '#shared/adapters/aws/dynamo-request-store.ts';
import { KmsCheckpointSigner } from '#shared/adapters/aws/kms-checkpoint-signer.ts';
import { KmsPseudonymizer } from '#shared/adapters/aws/kms-pseudonymizer.ts';
import { S3CheckpointSink } from '#shared/adapters/aws/s3-checkpoint-sink.ts';
import type { CheckpointSigner } from '#shared/ports/audit.ts';
import type { LifecycleDeps } from '#shared/use-cases/deps.ts';
import { ingestRecords } from '#shared/use-cases/ingest-records.ts';
import { provide } from '#shared/use-cases/provision-records.ts';
import { readRecord } from '#shared/use-cases/read-record.ts';
import { exportSubject, registerRequest, setRestriction } from '#shared/use-cases/subject-requests.ts';
import { verifyAudit } from '#shared/use-cases/verify-audit.ts';
import { IntegrityError } from '#shared/errors.ts';
import type { LogLine } from '#shared/logging.ts';
import { auditTasks } from '#functions/workflow/audit-tasks.ts';
import { type Embedded, startEmbedded } from '#functions/local/embedded.ts';
import { runSweepLocally } from '#functions/local/local-sweep.ts';
import { clockAt, embeddedDeps, uuidIds } from '#functions/runtime.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const sample = (name: string) =>
  readFileSync(new URL(`../../shared/samples/${name}`, import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((text, i) => ({ line: i + 1, text }));

/** Every string value of the sample records: none may reach the trail. */
function personalValues(): string[] {
  const values = new Set<string>();
  const walk = (v: unknown) => {
    if (typeof v === 'string' && v.length >= 2) values.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  for (const file of ['records.jsonl', 'records-refused.jsonl']) {
    for (const { text } of sample(file)) {
      const o = JSON.parse(text);
      values.add(o.subjectId);
      walk(o.fields);
      walk(o.documents?.map((d: { text?: string }) => d.text));
    }
  }
  return [...values];
}

describe('audit trail on the embedded stores', () => {
  let embedded: Embedded;
  let dir: string;
  let deps: LifecycleDeps;
  let audit: DynamoAuditTrail;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-audit-'));
    embedded = await startEmbedded({ dir, persist: false });
    ({ deps, audit } = embeddedDeps(embedded, sampleCatalogue(), clockAt('2026-11-22T00:00:00Z')));
  });

  afterAll(async () => {
    await embedded?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const writer = (signer: CheckpointSigner = new KmsCheckpointSigner(embedded.kms, embedded.keyIds.signing)) =>
    new DynamoAuditTrail({
      client: embedded.dynamodb,
      table: embedded.names.auditTable,
      pseudonymizer: new KmsPseudonymizer(embedded.kms, embedded.keyIds.hmac),
      signer,
      clock: { now: () => new Date() },
      ids: uuidIds,
      checkpointEvery: 40,
    });

  it('keeps one unbroken chain when several writers append at once', { timeout: 180_000 }, async () => {
    // Prepare: four independent writers, as four Lambda containers would be
    const writers = [writer(), writer(), writer(), writer()];
    // Act
    await Promise.all(
      writers.map(async (w, k) => {
        for (let i = 0; i < 50; i += 1) {
          await w.append([{ action: 'read', actor: `writer-${k}`, recordId: `r-${k}-${i}`, outcome: 'ok' }]);
        }
      }),
    );
    // Assess
    const { events, checkpoints, headSize } = await audit.readAll();
    expect(headSize).toBe(200);
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(new Set(events.map((e) => e.recordId)).size).toBe(200);
    expect(checkpoints).toEqual([]);
    await audit.checkpoint();
    expect(await verifyAudit(audit)).toMatchObject({ ok: true, eventsChecked: 200, checkpointsChecked: 1 });
  });

  it('stores an append that crosses a checkpoint boundary even when the writer may not sign', async () => {
    // Prepare: a writer whose signer is refused, as kms:Sign is on AWS for every function but the checkpointer
    const refused = new Error('User is not authorized to perform: kms:Sign');
    refused.name = 'AccessDeniedException';
    const denied = { keyId: embedded.keyIds.signing, algorithm: 'ED25519_SHA_512', sign: async () => { throw refused; }, verify: async () => false, publicKeyPem: async () => '' };
    const before = (await audit.readAll()).headSize;
    // Act: more events than the old checkpoint interval
    for (let i = 0; i < 45; i += 1) {
      await writer(denied).append([{ action: 'read', actor: 'writer-denied', recordId: `d-${i}`, outcome: 'ok' }]);
    }
    // Assess: every event is there, no checkpoint was attempted, the checkpointer signs it
    const { headSize, checkpoints } = await audit.readAll();
    expect(headSize).toBe(before + 45);
    expect(checkpoints).toHaveLength(1);
    await expect(writer(denied).checkpoint()).rejects.toThrow('not authorized');
    expect((await audit.checkpoint())?.treeSize).toBe(before + 45);
    expect(await verifyAudit(audit)).toMatchObject({ ok: true, eventsChecked: before + 45, checkpointsChecked: 2 });
  });

  it('writes checkpoints to the checkpoint bucket too', async () => {
    const cp = await audit.checkpoint();
    const body = await embedded.s3.send(
      new (await import('@aws-sdk/client-s3')).GetObjectCommand({
        Bucket: embedded.names.checkpointsBucket,
        Key: `checkpoints/${String(cp?.index).padStart(10, '0')}.json`,
      }),
    );
    expect(JSON.parse(await (body.Body as { transformToString(): Promise<string> }).transformToString())).toEqual(cp);
  });

  it('finds the first altered event after someone edits the table directly', async () => {
    const { PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    const { marshall } = await import('@aws-sdk/util-dynamodb');
    const { events } = await audit.readAll();
    const victim = events[17];
    await embedded.dynamodb.send(
      new PutItemCommand({ TableName: embedded.names.auditTable, Item: marshall({ stream: 'events', ...victim, outcome: 'refused' }, { removeUndefinedValues: true }) }),
    );
    const verdict = await verifyAudit(audit);
    expect(verdict.ok).toBe(false);
    expect(verdict.problem).toMatchObject({ kind: 'altered', at: { seq: 17 } });
    // the scheduled verifier fails its invocation (what the alarm counts) and logs where
    const lines: LogLine[] = [];
    await expect(auditTasks({ audit, log: (l) => lines.push(l) }).verify({})).rejects.toBeInstanceOf(IntegrityError);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'error', event: 'audit.tamper', kind: 'altered', seq: 17 }),
      expect.objectContaining({ level: 'error', event: 'audit.verify', error: 'IntegrityError' }),
    ]);
    // restore for the next test
    await embedded.dynamodb.send(
      new PutItemCommand({ TableName: embedded.names.auditTable, Item: marshall({ stream: 'events', ...victim }, { removeUndefinedValues: true }) }),
    );
    expect((await verifyAudit(audit)).ok).toBe(true);
    await expect(auditTasks({ audit }).verify({})).resolves.toMatchObject({ ok: true, eventsChecked: events.length });
  });

  it('finds a trail cut back behind its last checkpoint by comparing with the Object-Lock copies', async () => {
    // Prepare: a checkpoint is written to the table and to the checkpoint bucket
    const { DeleteItemCommand, PutItemCommand } = await import('@aws-sdk/client-dynamodb');
    const { marshall } = await import('@aws-sdk/util-dynamodb');
    const cp = await audit.checkpoint();
    expect(cp).toBeDefined();
    expect((await verifyAudit(audit)).archivedChecked).toBeGreaterThan(0);
    // Act: someone with table access deletes that checkpoint from the table
    const key = marshall({ stream: 'checkpoints', seq: cp?.index });
    await embedded.dynamodb.send(new DeleteItemCommand({ TableName: embedded.names.auditTable, Key: key }));
    // Assess: the table alone still verifies; its locked copy does not let it pass
    const verdict = await verifyAudit(audit);
    expect(verdict.ok).toBe(false);
    expect(verdict.problem).toMatchObject({ kind: 'missing', at: { checkpoint: cp?.index } });
    expect(verdict.problem?.message).toContain('Object-Lock archive');
    // restore for the next tests
    await embedded.dynamodb.send(
      new PutItemCommand({ TableName: embedded.names.auditTable, Item: marshall({ stream: 'checkpoints', seq: cp?.index, ...cp }, { removeUndefinedValues: true }) }),
    );
    expect((await verifyAudit(audit)).ok).toBe(true);
  });

  it('archives on the next checkpoint a checkpoint whose archive write was lost in a crash', async () => {
    // Prepare: the checkpoint's transaction commits, then the process dies before the archive write
    const archive = new S3CheckpointSink(embedded.s3, embedded.names.checkpointsBucket);
    let writes = 0;
    const crashed = new DynamoAuditTrail({
      client: embedded.dynamodb,
      table: embedded.names.auditTable,
      pseudonymizer: audit.pseudonymizer,
      signer: new KmsCheckpointSigner(embedded.kms, embedded.keyIds.signing),
      // The earlier checkpoint's (already archived) write goes through; this one's is lost.
      sink: { put: (name, body) => (writes++ === 0 ? archive.put(name, body) : Promise.reject(new Error('killed before the archive write'))) },
      clock: { now: () => new Date() },
      ids: uuidIds,
    });
    const lost = await crashed.checkpoint().catch(() => undefined);
    expect(lost).toBeUndefined();
    const unarchived = await verifyAudit(audit);
    expect(unarchived.ok).toBe(false);
    expect(unarchived.problem?.message).toContain('has no archived copy');
    // Act
    await audit.checkpoint();
    // Assess
    expect(await verifyAudit(audit)).toMatchObject({ ok: true });
  });

  it('holds no raw subject id and no personal value in any event of a full run', { timeout: 180_000 }, async () => {
    // Prepare: everything that writes audit events
    await ingestRecords(deps, sample('records.jsonl'), { actor: 'test' });
    await ingestRecords(deps, sample('records-refused.jsonl'), { actor: 'test' });
    const requestDeps = { ...deps, requests: new DynamoRequestStore(embedded.dynamodb, embedded.names.requestsTable, audit) };
    await readRecord(deps, { recordId: 'stm-0002', purpose: 'saitama-2', actor: 'test' });
    await readRecord(deps, { recordId: 'stm-0002', purpose: 'saitama-7', actor: 'test' }).catch(() => undefined);
    await provide(requestDeps, { subjectId: 'S-STM-4002', recipientId: 'keio-university', basis: 'academic-research', actor: 'test' });
    const request = await registerRequest(requestDeps, { requestId: 'q-1', type: 'export', subjectId: 'S-TCG-5001', requester: { kind: 'subject' }, verification: { method: 'passport', evidenceRef: 'f-1' } });
    await exportSubject(requestDeps, request);
    const restrict = await registerRequest(requestDeps, { requestId: 'q-2', type: 'restrict', subjectId: 'S-TCG-5002', requester: { kind: 'subject' }, verification: { method: 'passport', evidenceRef: 'f-2' } });
    await setRestriction(requestDeps, restrict, true);
    await runSweepLocally({ ...deps, checkpoint: () => audit.checkpoint() }, { now: '2026-11-22T00:00:00.000Z', dryRun: false });
    // Act: read the raw table, not through the adapter
    const items: Record<string, unknown>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out: ScanCommandOutput = await embedded.dynamodb.send(new ScanCommand({ TableName: embedded.names.auditTable, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []).map((i) => unmarshall(i)));
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    // Assess
    const text = JSON.stringify(items);
    const actions = new Set(items.map((i) => i.action));
    for (const action of ['ingest', 'ingest-refused', 'decrypt', 'read-refused', 'provision', 'request', 'export', 'restriction', 'erasure', 'key-destroyed']) {
      expect(actions, action).toContain(action);
    }
    for (const value of personalValues()) {
      expect(text.includes(value), `audit trail contains "${value}"`).toBe(false);
    }
    expect((await verifyAudit(audit)).ok).toBe(true);
  });
});

describe('policy catalogue versions in the audit trail', () => {
  it('records a change of the catalogue version once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasure-policy-'));
    const embedded = await startEmbedded({ dir, persist: false });
    try {
      const { audit } = embeddedDeps(embedded, sampleCatalogue(), clockAt('2026-11-22T00:00:00Z'));
      expect(await audit.notePolicyVersion('2026.11.1', 'test')).toBe(true);
      expect(await audit.notePolicyVersion('2026.11.1', 'test')).toBe(false);
      expect(await audit.notePolicyVersion('2027.04.1', 'test')).toBe(true);
      const events = (await audit.readEvents()).filter((e) => e.action === 'policy-version');
      expect(events.map((e) => [e.policyVersion, e.details?.previous])).toEqual([
        ['2026.11.1', '(none)'],
        ['2027.04.1', '2026.11.1'],
      ]);
    } finally {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
