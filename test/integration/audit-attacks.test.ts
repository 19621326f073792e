import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteItemCommand, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { KmsPseudonymizer } from '#shared/adapters/aws/kms-pseudonymizer.ts';
import { S3CheckpointSink } from '#shared/adapters/aws/s3-checkpoint-sink.ts';
import { IntegrityError } from '#shared/errors.ts';
import type { LogLine } from '#shared/logging.ts';
import type { AuditEventInput } from '#shared/ports/index.ts';
import { type ChainedEvent, chainEvent, EVENT_VERSION, MerkleFrontier } from '#shared/domain/audit-chain.ts';
import { verifyAudit } from '#shared/use-cases/verify-audit.ts';
import { auditTasks } from '#functions/workflow/audit-tasks.ts';
import { clockAt, embeddedDeps, openEmbeddedRuntime, uuidIds } from '#functions/runtime.ts';
import { runCliCaptured } from '../cli-run.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';
import { withEmbedded } from './harness.ts';

const events = (n: number, tag: string): AuditEventInput[] =>
  Array.from({ length: n }, (_, i) => ({ action: 'read', actor: 'attack-test', recordId: `${tag}-${i}`, outcome: 'ok' }));

/** A refusal reads the head, the tail events and the policy note (14 calls here); the retry loop would make at least one call per attempt, 50 attempts. */
const MAX_CALLS_AT_ONCE = 20;

describe('audit trail under attack on the embedded stores', () => {
  const env = withEmbedded();

  const trail = (): DynamoAuditTrail => embeddedDeps(env(), sampleCatalogue(), clockAt('2026-11-22T00:00:00Z')).audit;
  /** Store calls the writer made: "at once" is a handful of calls, not the retry loop (a count, which load cannot break). */
  let writerCalls = 0;
  const writer = (log: (line: LogLine) => void) =>
    new DynamoAuditTrail({
      client: {
        send: (command: unknown) => {
          writerCalls += 1;
          return env().dynamodb.send(command as never);
        },
      } as unknown as DynamoDBClient,
      table: env().names.auditTable,
      pseudonymizer: new KmsPseudonymizer(env().kms, env().keyIds.hmac),
      clock: clockAt('2026-11-22T00:00:00Z'),
      ids: uuidIds,
      log,
    });
  const item = async (stream: string, seq: number) => {
    const out = await env().dynamodb.send(new GetItemCommand({ TableName: env().names.auditTable, Key: marshall({ stream, seq }), ConsistentRead: true }));
    return unmarshall(out.Item ?? {});
  };
  const put = (value: Record<string, unknown>) =>
    env().dynamodb.send(new PutItemCommand({ TableName: env().names.auditTable, Item: marshall(value, { removeUndefinedValues: true }) }));
  const remove = (stream: string, seq: number) =>
    env().dynamodb.send(new DeleteItemCommand({ TableName: env().names.auditTable, Key: marshall({ stream, seq }) }));

  it('finds a trail cut back behind an archived checkpoint, writes nothing over it, and refuses to re-archive that index', async () => {
    // Prepare: two checkpoints, both archived
    const audit = trail();
    await audit.append(events(10, 'a'));
    await audit.checkpoint();
    const headAtFirst = await item('head', 0);
    await audit.append(events(10, 'b'));
    await audit.checkpoint();
    expect(await verifyAudit(audit)).toMatchObject({ ok: true, eventsChecked: 20, checkpointsChecked: 2, archivedChecked: 2 });
    // Act: with DeleteItem and PutItem on the table and no key, delete the tail and its checkpoint, reset the head
    for (let seq = 10; seq < 20; seq += 1) await remove('events', seq);
    await remove('checkpoints', 1);
    await put(headAtFirst);
    // Assess: the archive holds a checkpoint beyond the trail
    const verdict = await verifyAudit(audit);
    expect(verdict.ok).toBe(false);
    expect(verdict.problem).toMatchObject({ kind: 'missing', at: { checkpoint: 1 } });
    expect(verdict.problem?.message).toContain('the trail was cut back');
    // the verifier checkpoints only a trail that verified
    let signed = 0;
    const verify = auditTasks({ audit, checkpoint: async () => { signed += 1; } }).verify({});
    await expect(verify).rejects.toBeInstanceOf(IntegrityError);
    expect(signed).toBe(0);
    // a checkpointer that signs anyway cannot reuse the archived name, and the trail still fails
    await expect(audit.checkpoint()).rejects.toThrow('checkpoint 1 already archived: refusing to overwrite');
    expect((await verifyAudit(audit)).ok).toBe(false);
  });

  it('stops appends at once, with a clear error and an audit.head-broken line, when the head does not match the events', async () => {
    // Prepare
    const lines: LogLine[] = [];
    const appender = writer((line) => lines.push(line));
    const head = await item('head', 0);
    const size = Number(head.size);
    const refusal = (seq: number) => `audit head does not match event ${seq}: the trail was written outside wasure; run \`wasure audit verify\``;
    // Act: a foreign head (another chain hash), then a head left behind a forged event
    await put({ ...head, chainHash: 'ab'.repeat(32) });
    writerCalls = 0;
    const foreign = appender.notePolicyVersion('2099.1.1', 'attack-test');
    // Assess
    await expect(foreign).rejects.toBeInstanceOf(IntegrityError);
    await expect(foreign).rejects.toThrow(refusal(size - 1));
    expect(writerCalls).toBeLessThanOrEqual(MAX_CALLS_AT_ONCE);
    expect(lines).toEqual([{ level: 'error', event: 'audit.head-broken', seq: size - 1, headSize: size }]);
    await put(head);
    const last = await item('events', size - 1);
    await put({ ...last, seq: size, eventId: 'forged', prevHash: last.chainHash });
    writerCalls = 0;
    await expect(appender.append(events(1, 'c'))).rejects.toThrow(refusal(size));
    expect(writerCalls).toBeLessThanOrEqual(MAX_CALLS_AT_ONCE);
  });

  const readArchived = async (key: string) => {
    const out = await env().s3.send(new GetObjectCommand({ Bucket: env().names.checkpointsBucket, Key: key }));
    return out.Body?.transformToString('utf8');
  };

  it('archives a checkpoint once: a second write of the same name fails and the first stays', async () => {
    // Prepare
    const embedded = env();
    const sink = new S3CheckpointSink(embedded.s3, embedded.names.checkpointsBucket);
    const key = 'checkpoints/0000000777.json';
    await sink.put(key, Buffer.from('{"index":777,"first":true}'));
    // Act
    const second = sink.put(key, Buffer.from('{"index":777,"first":false}'));
    // Assess
    await expect(second).rejects.toBeInstanceOf(IntegrityError);
    await expect(second).rejects.toThrow('checkpoint 777 already archived: refusing to overwrite');
    // a plain PutObject or a DELETE, as a role with those rights would send, is refused too
    await expect(
      embedded.s3.send(new PutObjectCommand({ Bucket: embedded.names.checkpointsBucket, Key: key, Body: 'forged' })),
    ).rejects.toThrow(/create-only/);
    await expect(
      embedded.s3.send(new DeleteObjectCommand({ Bucket: embedded.names.checkpointsBucket, Key: key })),
    ).rejects.toThrow(/create-only/);
    expect(await readArchived(key)).toBe('{"index":777,"first":true}');
  });
});

/** Appends an event hash-chained after the last one, and moves the head, with PutItem alone (no writer key). */
async function forgeAppend(dynamodb: DynamoDBClient, table: string): Promise<number> {
  const get = async (stream: string, seq: number) =>
    unmarshall((await dynamodb.send(new GetItemCommand({ TableName: table, Key: marshall({ stream, seq }), ConsistentRead: true }))).Item ?? {});
  const head = await get('head', 0);
  const last = (await get('events', head.size - 1)) as ChainedEvent;
  const forged = chainEvent(
    { eventId: 'forged-1', seq: head.size, time: last.time, actor: 'system:sweep', action: 'erasure', recordId: 'stm-0001', outcome: 'ok', v: EVENT_VERSION, writer: 'wasure-local', mac: randomBytes(32).toString('base64') },
    last.chainHash,
  );
  const frontier = MerkleFrontier.fromState(head.frontier);
  frontier.append(Buffer.from(forged.leafHash, 'hex'));
  const put = (value: Record<string, unknown>) => dynamodb.send(new PutItemCommand({ TableName: table, Item: marshall(value, { removeUndefinedValues: true }) }));
  await put({ stream: 'events', ...forged });
  await put({ ...head, size: head.size + 1, chainHash: forged.chainHash, frontier: frontier.toState() });
  return forged.seq;
}

describe('wasure audit verify after a forged append', () => {
  it('fails, naming the event written straight into the table by someone without a writer key', { timeout: 300_000 }, async () => {
    // Prepare: a state whose trail holds MACed events
    const dir = await mkdtemp(join(tmpdir(), 'wasure-forged-'));
    const run = (...argv: string[]) => runCliCaptured([...argv, '--local', dir]);
    try {
      const first = await run('audit', 'verify');
      expect(first.code, first.stderr).toBe(0);
      // Act
      const runtime = await openEmbeddedRuntime({ cwd: process.cwd(), env: {}, dir });
      const seq = await forgeAppend(runtime.embedded.dynamodb, runtime.embedded.names.auditTable).finally(() => runtime.close());
      const verify = await run('audit', 'verify');
      // Assess
      expect(verify.code).toBe(1);
      expect(verify.stdout).toContain(`event ${seq} has no valid writer MAC: written by someone without a writer key`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
