import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { GenerateMacCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import type { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { KmsCheckpointSigner } from '#shared/adapters/aws/kms-checkpoint-signer.ts';
import { KmsEventAuthenticator } from '#shared/adapters/aws/kms-event-authenticator.ts';
import { S3CheckpointSink } from '#shared/adapters/aws/s3-checkpoint-sink.ts';
import {
  type ChainedEvent,
  type Checkpoint,
  chainEvent,
  checkpointBytes,
  checkpointKey,
  macBytes,
  MerkleFrontier,
} from '#shared/domain/audit-chain.ts';
import { verifyAudit } from '#shared/use-cases/verify-audit.ts';
import { clockAt, embeddedDeps } from '#functions/runtime.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';
import { withEmbedded } from './harness.ts';

/** The calls a role's IAM policy allows, as the recommended policies grant them. */
interface Role {
  readonly name: string;
  readonly dynamodb: ReadonlySet<string>;
  readonly kms: ReadonlySet<string>;
  readonly s3: ReadonlySet<string>;
  /** Partition keys (`stream`) it may write: the dynamodb:LeadingKeys condition. */
  readonly writes?: ReadonlySet<string>;
}

const WRITER: Role = {
  name: 'event writer',
  dynamodb: new Set([PutItemCommand.name, QueryCommand.name, GetItemCommand.name, TransactWriteItemsCommand.name]),
  kms: new Set([GenerateMacCommand.name]),
  s3: new Set(),
  writes: new Set(['pending#*']),
};
const SEQUENCER: Role = {
  name: 'sequencer',
  dynamodb: new Set([PutItemCommand.name, DeleteItemCommand.name, QueryCommand.name, GetItemCommand.name, TransactWriteItemsCommand.name]),
  kms: new Set(),
  s3: new Set(),
  writes: new Set(['pending#*', 'events', 'head']),
};
const CHECKPOINTER: Role = {
  name: 'checkpointer',
  dynamodb: new Set([PutItemCommand.name, QueryCommand.name, GetItemCommand.name, TransactWriteItemsCommand.name]),
  kms: new Set([SignCommand.name]),
  s3: new Set([PutObjectCommand.name]),
  writes: new Set(['checkpoints', 'head', 'verified']),
};

/** Streams (partition keys) a DynamoDB write command touches. */
function streamsOf(command: { input: Record<string, unknown> }): string[] {
  const transact = command.input.TransactItems as { Put?: { Item: unknown }; Delete?: { Key: unknown } }[] | undefined;
  const items = transact?.map((t) => t.Put?.Item ?? t.Delete?.Key) ?? [command.input.Item ?? command.input.Key];
  return items.map((i) => String((unmarshall((i ?? {}) as never) as { stream?: unknown }).stream));
}

/** The dynamodb:LeadingKeys condition: exact names and `prefix*` patterns. */
const mayWrite = (writes: ReadonlySet<string>, stream: string) =>
  writes.has(stream) || [...writes].some((w) => w.endsWith('*') && stream.startsWith(w.slice(0, -1)));

/** A client that refuses, as IAM would, every call the role is not granted. */
function as<T extends DynamoDBClient | KMSClient | S3Client>(client: T, allowed: ReadonlySet<string>, writes?: ReadonlySet<string>): T {
  const send = async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
    const name = command.constructor.name;
    const denied =
      !allowed.has(name) ||
      (writes !== undefined &&
        [PutItemCommand.name, DeleteItemCommand.name, TransactWriteItemsCommand.name].includes(name) &&
        streamsOf(command).some((s) => !mayWrite(writes, s)));
    if (denied) {
      throw Object.assign(new Error(`not authorized to perform ${name}`), { name: 'AccessDeniedException' });
    }
    return (client.send as (c: unknown) => Promise<unknown>).call(client, command);
  };
  return { send } as unknown as T;
}

describe('no single role rewrites the audit trail undetected', () => {
  const env = withEmbedded();
  const verifier = (): DynamoAuditTrail => embeddedDeps(env(), sampleCatalogue(), clockAt('2026-11-22T00:00:00Z')).audit;
  const table = () => env().names.auditTable;

  /** Every audit-table item, to put the trail back after each attack. */
  const snapshot = async () => {
    const out = await env().dynamodb.send(new ScanCommand({ TableName: table(), ConsistentRead: true }));
    return out.Items ?? [];
  };
  const restore = async (items: Awaited<ReturnType<typeof snapshot>>) => {
    for (const item of await snapshot()) {
      await env().dynamodb.send(new DeleteItemCommand({ TableName: table(), Key: { stream: item.stream as never, seq: item.seq as never } }));
    }
    for (const item of items) {
      await env().dynamodb.send(new PutItemCommand({ TableName: table(), Item: item }));
    }
  };

  type Clients = { dynamodb: DynamoDBClient; kms: KMSClient; s3: S3Client };
  const query = async (c: Clients, stream: string) =>
    ((await c.dynamodb.send(new QueryCommand({ TableName: table(), KeyConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'stream' }, ExpressionAttributeValues: marshall({ ':s': stream }), ConsistentRead: true }))).Items ?? []).map((i) => {
      const { stream: _s, ...rest } = unmarshall(i);
      return rest;
    });
  const put = (c: Clients, value: Record<string, unknown>) =>
    c.dynamodb.send(new PutItemCommand({ TableName: table(), Item: marshall(value, { removeUndefinedValues: true }) }));

  /**
   * Re-chains events from `from` on and moves the head: each event MACed
   * again with the role's key, or, with `keepMacs`, keeping the MAC it
   * carries (a copy needs no key).
   */
  const rechain = async (c: Clients, events: ChainedEvent[], from: number, keepMacs = false) => {
    const mac = new KmsEventAuthenticator(c.kms, env().keyIds.auditMac, 'wasure-local');
    const head = (await query(c, 'head'))[0] as Record<string, unknown>;
    const frontier = new MerkleFrontier();
    let prev = from === 0 ? '0'.repeat(64) : (events[from - 1] as ChainedEvent).chainHash;
    for (const e of events.slice(0, from)) frontier.append(Buffer.from(e.leafHash, 'hex'));
    for (const e of events.slice(from)) {
      const { leafHash: _l, prevHash: _p, chainHash: _c, ...plain } = e;
      const proven = keepMacs && plain.mac !== undefined ? plain : { ...plain, mac: Buffer.from(await mac.mac(macBytes(plain))).toString('base64') };
      const c2 = chainEvent(proven, prev);
      await put(c, { stream: 'events', ...c2 });
      frontier.append(Buffer.from(c2.leafHash, 'hex'));
      prev = c2.chainHash;
    }
    await put(c, { stream: 'head', ...head, size: events.length, chainHash: prev, frontier: frontier.toState() });
  };

  const attacks: Record<string, (c: Clients) => Promise<unknown>> = {
    'rewrite a signed event': async (c) => {
      const events = (await query(c, 'events')) as ChainedEvent[];
      events[3] = { ...(events[3] as ChainedEvent), outcome: 'refused' };
      await rechain(c, events, 3);
    },
    'rewrite one event in place, the rest untouched': async (c) => {
      const events = (await query(c, 'events')) as ChainedEvent[];
      const e = events[5] as ChainedEvent;
      const { leafHash: _l, prevHash: _p, chainHash: _c, mac: _m, ...plain } = e;
      const changed = { ...plain, outcome: 'refused' as const };
      const mac = Buffer.from(await new KmsEventAuthenticator(c.kms, env().keyIds.auditMac, 'wasure-local').mac(macBytes(changed))).toString('base64');
      await put(c, { stream: 'events', ...chainEvent({ ...changed, mac }, e.prevHash) });
    },
    'cut back the tail behind a checkpoint': async (c) => {
      const head = (await query(c, 'head'))[0] as Record<string, unknown>;
      const events = (await query(c, 'events')) as ChainedEvent[];
      for (const e of events.slice(6)) {
        await c.dynamodb.send(new DeleteItemCommand({ TableName: table(), Key: marshall({ stream: 'events', seq: e.seq }) }));
      }
      await c.dynamodb.send(new DeleteItemCommand({ TableName: table(), Key: marshall({ stream: 'checkpoints', seq: 0 }) }));
      const frontier = new MerkleFrontier();
      for (const e of events.slice(0, 6)) frontier.append(Buffer.from(e.leafHash, 'hex'));
      await put(c, { stream: 'head', ...head, size: 6, chainHash: (events[5] as ChainedEvent).chainHash, frontier: frontier.toState(), checkpoints: 0 });
    },
    'delete the events after the last checkpoint and wind the head back': async (c) => {
      const head = (await query(c, 'head'))[0] as Record<string, unknown>;
      const events = (await query(c, 'events')) as ChainedEvent[];
      for (const e of events.slice(8)) {
        await c.dynamodb.send(new DeleteItemCommand({ TableName: table(), Key: marshall({ stream: 'events', seq: e.seq }) }));
      }
      const frontier = new MerkleFrontier();
      for (const e of events.slice(0, 8)) frontier.append(Buffer.from(e.leafHash, 'hex'));
      await put(c, { stream: 'head', ...head, size: 8, chainHash: (events[7] as ChainedEvent).chainHash, frontier: frontier.toState() });
    },
    'reset the head behind the events': async (c) => {
      const head = (await query(c, 'head'))[0] as Record<string, unknown>;
      const events = (await query(c, 'events')) as ChainedEvent[];
      const frontier = new MerkleFrontier();
      for (const e of events.slice(0, 9)) frontier.append(Buffer.from(e.leafHash, 'hex'));
      await put(c, { stream: 'head', ...head, size: 9, chainHash: (events[8] as ChainedEvent).chainHash, frontier: frontier.toState() });
    },
    'forge an append without the writer path': async (c) => {
      const events = (await query(c, 'events')) as ChainedEvent[];
      const last = events[events.length - 1] as ChainedEvent;
      const { leafHash: _l, prevHash: _p, chainHash: _c, mac: _m, ...plain } = last;
      // A role without GenerateMac copies a MAC it can read: the replay is named.
      await rechain(c, [...events, { ...plain, seq: last.seq + 1, leafHash: '', prevHash: '', chainHash: '', ...(last.mac === undefined ? {} : { mac: last.mac }) } as ChainedEvent], events.length, true);
    },
    'overwrite a checkpoint': async (c) => {
      const [cp] = (await query(c, 'checkpoints')) as (Checkpoint & { seq: number })[];
      const { seq: _s, signature: _g, ...unsigned } = cp as Checkpoint & { seq: number };
      const forged = { ...unsigned, treeSize: 4 };
      const signature = Buffer.from(await new KmsCheckpointSigner(c.kms, env().keyIds.signing).sign(checkpointBytes(forged))).toString('base64');
      const doc = { ...forged, signature };
      await new S3CheckpointSink(c.s3, env().names.checkpointsBucket).put(checkpointKey(doc.index), Buffer.from(JSON.stringify(doc)));
    },
  };

  // What each attempt runs into: a refusal (IAM, create-only) or the
  // finding of the full verifier and of the incremental one (from the
  // signed cursor the scheduled verifier saves).
  const expected: [Role, string, string, string][] = [
    [WRITER, 'rewrite a signed event', 'AccessDeniedException', 'AccessDeniedException'],
    [WRITER, 'rewrite one event in place, the rest untouched', 'AccessDeniedException', 'AccessDeniedException'],
    [WRITER, 'cut back the tail behind a checkpoint', 'AccessDeniedException', 'AccessDeniedException'],
    [WRITER, 'delete the events after the last checkpoint and wind the head back', 'AccessDeniedException', 'AccessDeniedException'],
    [WRITER, 'reset the head behind the events', 'AccessDeniedException', 'AccessDeniedException'],
    [WRITER, 'forge an append without the writer path', 'AccessDeniedException', 'AccessDeniedException'],
    [WRITER, 'overwrite a checkpoint', 'AccessDeniedException', 'AccessDeniedException'],
    // The sequencer chains, so it may delete and move events, but it has no
    // MAC key to change one and cannot touch checkpoints.
    [SEQUENCER, 'rewrite a signed event', 'AccessDeniedException', 'AccessDeniedException'],
    [SEQUENCER, 'rewrite one event in place, the rest untouched', 'AccessDeniedException', 'AccessDeniedException'],
    [SEQUENCER, 'cut back the tail behind a checkpoint', 'AccessDeniedException', 'AccessDeniedException'],
    // Nothing signed covers the tail yet: only the signed cursor of the
    // last verification shows it gone (the residual trust the README names).
    [SEQUENCER, 'delete the events after the last checkpoint and wind the head back', 'undetected', 'missing'],
    [SEQUENCER, 'reset the head behind the events', 'inserted', 'missing'],
    [SEQUENCER, 'forge an append without the writer path', 'inserted', 'inserted'],
    [SEQUENCER, 'overwrite a checkpoint', 'AccessDeniedException', 'AccessDeniedException'],
    [CHECKPOINTER, 'rewrite a signed event', 'AccessDeniedException', 'AccessDeniedException'],
    [CHECKPOINTER, 'rewrite one event in place, the rest untouched', 'AccessDeniedException', 'AccessDeniedException'],
    [CHECKPOINTER, 'cut back the tail behind a checkpoint', 'AccessDeniedException', 'AccessDeniedException'],
    [CHECKPOINTER, 'delete the events after the last checkpoint and wind the head back', 'AccessDeniedException', 'AccessDeniedException'],
    [CHECKPOINTER, 'reset the head behind the events', 'inserted', 'missing'],
    [CHECKPOINTER, 'forge an append without the writer path', 'AccessDeniedException', 'AccessDeniedException'],
    [CHECKPOINTER, 'overwrite a checkpoint', 'IntegrityError', 'IntegrityError'],
  ];

  it.each(expected.map(([role, attack, full, incremental]) => [role.name, attack, full, incremental, role] as const))(
    '%s: %s runs into %s (full) and %s (incremental)',
    async (_name, attack, full, incremental, role) => {
      // Prepare: a trail of 12 MACed events, the first 8 under an archived
      // checkpoint (made once), verified with the cursor saved
      const audit = verifier();
      if ((await audit.readAll()).headSize === 0) {
        await audit.append(Array.from({ length: 8 }, (_, i) => ({ action: 'read' as const, actor: 'roles-test', recordId: `r-${i}`, outcome: 'ok' as const })));
        await audit.checkpoint();
        await audit.append(Array.from({ length: 4 }, (_, i) => ({ action: 'read' as const, actor: 'roles-test', recordId: `t-${i}`, outcome: 'ok' as const })));
        expect(await verifyAudit(audit, { persist: true })).toMatchObject({ ok: true, eventsChecked: 12 });
      }
      expect(await verifyAudit(audit)).toMatchObject({ ok: true, mode: 'incremental', eventsChecked: 12 });
      const before = await snapshot();
      const clients = {
        dynamodb: as(env().dynamodb, role.dynamodb, role.writes),
        kms: as(env().kms, role.kms),
        s3: as(env().s3, role.s3),
      };
      // Act
      const refused = await (attacks[attack] as (c: Clients) => Promise<unknown>)(clients).then(
        () => undefined,
        (e: Error) => e.name,
      );
      // Assess
      const verdicts = await Promise.all([verifyAudit(audit, { full: true }), verifyAudit(audit)]).finally(() => restore(before));
      expect(refused ?? verdicts[0].problem?.kind ?? 'undetected').toBe(full);
      expect(refused ?? verdicts[1].problem?.kind ?? 'undetected').toBe(incremental);
    },
  );
});
