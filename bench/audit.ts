/**
 * Audit trail benchmark on the embedded stores (DynamoDB Local in memory,
 * local KMS-protocol key service), all in one run, for issue 13:
 * - append throughput at 1, 4, 16 and 64 concurrent writers, as deployed:
 *   each writer its own clients and a `sequencing: 'deferred'` trail (like
 *   separate Lambda containers; `append` stages and returns) while one
 *   background sequencer (an inline trail calling `sequence()` in a loop,
 *   like the reserved-concurrency-1 sequencer function) chains; raw
 *   PutItem at the same concurrency as baseline;
 * - integration delay (staged → chained) under 16 writers;
 * - full verification (`full: true`) of 100k- and 1M-event trails next to
 *   merely Query-reading the same items, with peak RSS of this process;
 * - the daily incremental verification of 1,000 new events on a 10k and on
 *   the largest trail, after a full run saved the cursor.
 * Results: bench/results/audit.json. Knobs: BENCH_AUDIT_N (events per
 * writer configuration), BENCH_AUDIT_VERIFY (comma-separated trail sizes
 * for the full verification), BENCH_AUDIT_BUDGET_SECS (time the trail
 * phases may take; a size estimated not to fit is replaced by the largest
 * that does, and the notes say so).
 */
import '#shared/adapters/local/node-shims.ts';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  type TransactWriteItem,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { KmsCheckpointSigner } from '#shared/adapters/aws/kms-checkpoint-signer.ts';
import { KmsEventAuthenticator } from '#shared/adapters/aws/kms-event-authenticator.ts';
import { KmsPseudonymizer } from '#shared/adapters/aws/kms-pseudonymizer.ts';
import { S3CheckpointSink } from '#shared/adapters/aws/s3-checkpoint-sink.ts';
import {
  type AuditEvent,
  chainEvent,
  EVENT_VERSION,
  type FrontierState,
  GENESIS,
  macBytes,
  MerkleFrontier,
} from '#shared/domain/audit-chain.ts';
import type { AuditEventInput } from '#shared/ports/index.ts';
import { verifyAudit } from '#shared/use-cases/verify-audit.ts';
import { type Embedded, startEmbedded } from '#functions/local/embedded.ts';
import { uuidIds } from '#functions/runtime.ts';

const N = Number(process.env.BENCH_AUDIT_N ?? 1000);
const WRITERS = [1, 4, 16, 64];
const VERIFY_SIZES = (process.env.BENCH_AUDIT_VERIFY ?? '100000,1000000').split(',').map(Number);
/** The small trail of the incremental comparison. */
const INCREMENTAL_SMALL = 10_000;
/** New events a day's incremental verification reads. */
const INCREMENTAL_NEW = 1000;
/** Seconds the trail phases (seed, verify, read, incremental) may take. */
const BUDGET_SECS = Number(process.env.BENCH_AUDIT_BUDGET_SECS ?? 2400);
/** A fallback size is rounded down to this. */
const FALLBACK_STEP = 50_000;
const MAC_WRITER = 'wasure-local';

const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
const secsSince = (t: number) => (performance.now() - t) / 1000;
const round = (x: number, digits = 0) => Number(x.toFixed(digits));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An event of the size the pipeline writes (sweep deletions carry a pseudonym). */
const event = (i: number): AuditEventInput => ({
  action: 'erasure',
  actor: 'system:sweep',
  recordId: `bench-${i}`,
  subjectPseudonym: `p-${(i % 997).toString(16).padStart(60, '0')}`,
  outcome: 'ok',
});

interface Clients {
  readonly dynamodb: DynamoDBClient;
  readonly kms: KMSClient;
}

/** Separate clients, as a separate Lambda container would have. */
async function clientsLike(e: Embedded): Promise<Clients> {
  const url = async (c: DynamoDBClient | KMSClient) => {
    const ep = await c.config.endpoint?.();
    if (ep === undefined) throw new Error('embedded client has no endpoint');
    return `${ep.protocol}//${ep.hostname}:${ep.port}${ep.path}`;
  };
  const credentials = await e.dynamodb.config.credentials();
  const common = { region: await e.dynamodb.config.region(), credentials: { ...credentials } };
  return {
    dynamodb: new DynamoDBClient({ ...common, endpoint: await url(e.dynamodb) }),
    kms: new KMSClient({ ...common, endpoint: await url(e.kms) }),
  };
}

const destroy = (cs: readonly Clients[]) => {
  for (const c of cs) {
    c.dynamodb.destroy();
    c.kms.destroy();
  }
};

/** The trail as functions/workflow/lambda-deps.ts builds it, over the given clients. */
function trailOver(e: Embedded, c: Clients, sequencing: 'inline' | 'deferred'): DynamoAuditTrail {
  return new DynamoAuditTrail({
    client: c.dynamodb,
    table: e.names.auditTable,
    pseudonymizer: new KmsPseudonymizer(c.kms, e.keyIds.hmac),
    signer: new KmsCheckpointSigner(c.kms, e.keyIds.signing),
    sink: new S3CheckpointSink(e.s3, e.names.checkpointsBucket),
    authenticator: new KmsEventAuthenticator(c.kms, e.keyIds.auditMac, MAC_WRITER),
    clock: { now: () => new Date() },
    ids: uuidIds,
    sequencing,
  });
}

/** Runs `jobs` items of work on `n` workers; returns seconds. */
async function onWorkers(n: number, jobs: number, work: (worker: number, job: number) => Promise<void>): Promise<number> {
  const t = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async (_, w) => {
      for (let j = next++; j < jobs; j = next++) await work(w, j);
    }),
  );
  return secsSince(t);
}

/** Retries a transient failure (the local servers reset connections under load). */
async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= 5) throw error;
      log(`  retrying after ${(error as Error).name}: ${(error as Error).message}`);
      await sleep(500 * attempt);
    }
  }
}

/**
 * Integration delay, measured on the client side of this process with one
 * monotonic clock (performance.now): an event is *staged* when the writer's
 * TransactWriteItems that puts its `pending#` entry returns successfully
 * (from then on it is durable), and *chained* when the sequencer's
 * TransactWriteItems that puts it under `events` returns successfully. A
 * middleware on the writers' and the sequencer's clients reads both off the
 * commands' inputs, keyed by event id. The event's own `time` is not used:
 * it is taken before the KMS MAC and the stage write, so it would add the
 * stage latency to the delay (the sequencer's own `maxDelayMs`, which does
 * use it, is reported next to it).
 */
function delayProbe() {
  const staged = new Map<string, number>();
  const chained = new Map<string, number>();
  const attach = (client: DynamoDBClient) =>
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'TransactWriteItemsCommand') {
          const now = performance.now();
          const items = (args.input as { TransactItems?: TransactWriteItem[] }).TransactItems ?? [];
          for (const item of items) {
            const put = item.Put?.Item;
            const stream = put?.stream?.S;
            if (stream?.startsWith('pending#')) {
              const id = put?.event?.M?.eventId?.S;
              if (id !== undefined) staged.set(id, now);
            } else if (stream === 'events') {
              const id = put?.eventId?.S;
              if (id !== undefined && !chained.has(id)) chained.set(id, now);
            }
          }
        }
        return out;
      },
      { step: 'initialize', name: 'benchAuditDelayProbe' },
    );
  const delays = () => {
    const ms = [...staged].flatMap(([id, t]) => {
      const c = chained.get(id);
      return c === undefined ? [] : [c - t];
    });
    return { ms: ms.sort((a, b) => a - b), staged: staged.size, unchained: staged.size - ms.length };
  };
  const lastChained = () => Math.max(...chained.values());
  return { attach, delays, lastChained };
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;

/**
 * The one background sequencer: an inline trail over its own clients
 * calling `sequence()` until stopped. On AWS the table stream wakes it;
 * here it polls, pausing 10 ms whenever a round found nothing staged.
 */
async function startSequencer(e: Embedded, probe?: ReturnType<typeof delayProbe>) {
  const clients = await clientsLike(e);
  probe?.attach(clients.dynamodb);
  const trail = trailOver(e, clients, 'inline');
  await trail.pendingCount();
  let stopping = false;
  let integrated = 0;
  let rounds = 0;
  let failed: unknown;
  const loop = (async () => {
    while (!stopping) {
      const k = await retrying(() => trail.sequence());
      integrated += k;
      rounds += 1;
      if (k === 0) await sleep(10);
    }
  })().catch((error: unknown) => {
    failed = error;
  });
  return {
    trail,
    /** Waits until nothing is staged (a pending entry is deleted in the transaction that chains it). */
    async drained(): Promise<void> {
      while ((await trail.pendingCount()) > 0) {
        if (failed !== undefined) throw failed;
        await sleep(20);
      }
    },
    async stop() {
      stopping = true;
      await loop;
      destroy([clients]);
      return { integrated, rounds, maxDelayMs: trail.maxDelayMs };
    },
  };
}

/** Deferred writers, each over its own warm clients, with request counters. */
async function deferredWriters(e: Embedded, n: number, probe?: ReturnType<typeof delayProbe>) {
  const made = await Promise.all(Array.from({ length: n }, () => clientsLike(e)));
  const calls = { dynamodb: 0, kms: 0 };
  const trails = made.map((c) => {
    probe?.attach(c.dynamodb);
    c.dynamodb.middlewareStack.add(
      (next) => (args) => {
        calls.dynamodb += 1;
        return next(args);
      },
      { step: 'initialize', name: 'benchAuditCountDynamo' },
    );
    c.kms.middlewareStack.add(
      (next) => (args) => {
        calls.kms += 1;
        return next(args);
      },
      { step: 'initialize', name: 'benchAuditCountKms' },
    );
    return trailOver(e, c, 'deferred');
  });
  // Warm each container's connections, as a warm Lambda would be.
  await Promise.all(trails.map((t) => t.pendingCount()));
  await Promise.all(made.map((c) => new KmsEventAuthenticator(c.kms, e.keyIds.auditMac, MAC_WRITER).mac(Buffer.from('warm'))));
  Object.assign(calls, { dynamodb: 0, kms: 0 });
  return { made, trails, calls, destroy: () => destroy(made) };
}

async function writersRow(e: Embedded, n: number) {
  const probe = delayProbe();
  const w = await deferredWriters(e, n, probe);
  const sequencer = await startSequencer(e, probe);
  try {
    const t0 = performance.now();
    const appendSecs = await onWorkers(n, N, async (k, j) => {
      await (w.trails[k] as DynamoAuditTrail).append([event(j)]);
    });
    const perEvent = { dynamodb: w.calls.dynamodb / N, kms: w.calls.kms / N };
    await sequencer.drained();
    const chainedSecs = (probe.lastChained() - t0) / 1000;
    const seq = await sequencer.stop();
    const d = probe.delays();
    if (d.unchained !== 0 || d.staged !== N) throw new Error(`${d.unchained} of ${d.staged} staged events not seen chained`);
    const pad = 'x'.repeat(420); // a staged event item is about this much larger than the key
    const rawSecs = await onWorkers(n, N, async (k, j) => {
      await (w.made[k] as Clients).dynamodb.send(
        new PutItemCommand({
          TableName: e.names.auditTable,
          Item: marshall({ stream: `raw#${n}#${j % 8}`, seq: j, pad }),
          ConditionExpression: 'attribute_not_exists(seq)',
        }),
      );
    });
    return {
      row: {
        n,
        events: N,
        eventsPerSec: round(N / appendSecs),
        rawPutPerSec: round(N / rawSecs),
        vsRaw: round(rawSecs / appendSecs, 3),
        chainedPerSec: round(N / chainedSecs),
        chainedVsRaw: round(rawSecs / chainedSecs, 3),
        delayP50Ms: round(quantile(d.ms, 0.5), 1),
        delayP99Ms: round(quantile(d.ms, 0.99), 1),
        dynamoCallsPerEvent: round(perEvent.dynamodb, 2),
        kmsCallsPerEvent: round(perEvent.kms, 2),
        sequencerRounds: seq.rounds,
      },
      delay: {
        writers: n,
        events: d.ms.length,
        p50Ms: round(quantile(d.ms, 0.5), 1),
        p99Ms: round(quantile(d.ms, 0.99), 1),
        maxMs: round(quantile(d.ms, 1), 1),
        sequencerMaxDelayMs: seq.maxDelayMs,
        unchained: d.unchained,
      },
    };
  } finally {
    await sequencer.stop().catch(() => undefined);
    w.destroy();
  }
}

/** Appends `count` events through 16 deferred writers and the background sequencer; returns when all are chained. */
async function appendDeferred(e: Embedded, count: number, from: number): Promise<number> {
  const w = await deferredWriters(e, 16);
  const sequencer = await startSequencer(e);
  try {
    const t = performance.now();
    await onWorkers(16, count, async (k, j) => {
      await retrying(() => (w.trails[k] as DynamoAuditTrail).append([event(from + j)]));
    });
    await sequencer.drained();
    return secsSince(t);
  } finally {
    await sequencer.stop();
    w.destroy();
  }
}

interface HeadItem {
  size: number;
  chainHash: string;
  frontier: FrontierState;
  checkpoints: number;
  lastCheckpointHash: string;
}

async function readHead(e: Embedded): Promise<HeadItem> {
  const out = await e.dynamodb.send(
    new GetItemCommand({ TableName: e.names.auditTable, Key: marshall({ stream: 'head', seq: 0 }), ConsistentRead: true }),
  );
  if (out.Item === undefined) {
    return { size: 0, chainHash: GENESIS, frontier: { size: 0, nodes: [] }, checkpoints: 0, lastCheckpointHash: GENESIS };
  }
  const { stream: _s, seq: _q, ...head } = unmarshall(out.Item);
  return head as HeadItem;
}

/**
 * Seeds the trail to `target` events by bulk writes, as the sequencer
 * would have left it: each event MACed by the embedded key service's
 * audit-MAC key (KmsEventAuthenticator, 32 in flight), chained with the
 * product's chainEvent after the current head, written by BatchWriteItem
 * (8 in flight, unprocessed items retried), then the head item (size,
 * chain hash, Merkle frontier) moved in one conditional put. MACs of the
 * next chunk are made while the current one is written.
 */
async function seed(e: Embedded, target: number): Promise<{ seeded: number; seconds: number }> {
  const t = performance.now();
  const head = await readHead(e);
  if (head.size >= target) return { seeded: 0, seconds: 0 };
  const auth = new KmsEventAuthenticator(e.kms, e.keyIds.auditMac, MAC_WRITER);
  const frontier = MerkleFrontier.fromState(head.frontier);
  let prev = head.chainHash;
  const CHUNK = 2000;
  const macced = async (from: number, count: number) => {
    const events: Omit<AuditEvent, 'seq'>[] = Array.from({ length: count }, (_, i) => ({
      ...event(from + i),
      eventId: uuidIds.next(),
      time: new Date().toISOString(),
      v: EVENT_VERSION,
      writer: MAC_WRITER,
    }));
    const macs: string[] = new Array(count);
    await onWorkers(32, count, async (_w, i) => {
      const mac = await retrying(() => auth.mac(macBytes(events[i] as Omit<AuditEvent, 'seq'>)));
      macs[i] = Buffer.from(mac).toString('base64');
    });
    return events.map((ev, i) => ({ ...ev, mac: macs[i] as string }));
  };
  let next = macced(head.size, Math.min(CHUNK, target - head.size));
  for (let at = head.size; at < target; ) {
    const events = await next;
    const following = at + events.length;
    if (following < target) next = macced(following, Math.min(CHUNK, target - following));
    const puts: WriteRequest[] = events.map((ev, i) => {
      const c = chainEvent({ ...ev, seq: at + i } as AuditEvent, prev);
      prev = c.chainHash;
      frontier.append(Buffer.from(c.leafHash, 'hex'));
      return { PutRequest: { Item: marshall({ stream: 'events', ...c }, { removeUndefinedValues: true }) } };
    });
    await onWorkers(8, Math.ceil(puts.length / 25), async (_w, b) => {
      let batch = puts.slice(b * 25, b * 25 + 25);
      while (batch.length > 0) {
        const out = await retrying(() =>
          e.dynamodb.send(new BatchWriteItemCommand({ RequestItems: { [e.names.auditTable]: batch } })),
        );
        batch = out.UnprocessedItems?.[e.names.auditTable] ?? [];
      }
    });
    at = following;
    if (Math.floor(at / 50_000) !== Math.floor((at - events.length) / 50_000)) log(`  seeded to ${at} of ${target}`);
  }
  await e.dynamodb.send(
    new PutItemCommand({
      TableName: e.names.auditTable,
      Item: marshall({ ...head, stream: 'head', seq: 0, size: target, chainHash: prev, frontier: frontier.toState() }),
      ConditionExpression: '#size = :size AND #cps = :cps',
      ExpressionAttributeNames: { '#size': 'size', '#cps': 'checkpoints' },
      ExpressionAttributeValues: marshall({ ':size': head.size, ':cps': head.checkpoints }),
    }),
  );
  return { seeded: target - head.size, seconds: secsSince(t) };
}

/** Reads the events stream as the verifier pages it (1000 items a Query), without unmarshalling. */
async function rawRead(e: Embedded): Promise<number> {
  let items = 0;
  let start: QueryCommandInput['ExclusiveStartKey'];
  do {
    const out = await e.dynamodb.send(
      new QueryCommand({
        TableName: e.names.auditTable,
        KeyConditionExpression: '#s = :s',
        ExpressionAttributeNames: { '#s': 'stream' },
        ExpressionAttributeValues: marshall({ ':s': 'events' }),
        ConsistentRead: true,
        Limit: 1000,
        ExclusiveStartKey: start,
      }),
    );
    items += out.Count ?? 0;
    start = out.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** Full verification (saving the cursor, as the checkpointer does) with this process's RSS sampled every 20 ms. */
async function verifyRow(e: Embedded, trail: DynamoAuditTrail) {
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t = performance.now();
  const verdict = await verifyAudit(trail, { full: true, persist: true }).finally(() => clearInterval(sampler));
  const verifySecs = secsSince(t);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (!verdict.ok || !verdict.complete) throw new Error(`full verification failed: ${verdict.problem?.message ?? 'incomplete'}`);
  const r = performance.now();
  const read = await rawRead(e);
  const readSecs = secsSince(r);
  if (read !== verdict.eventsChecked) throw new Error(`read ${read} events, verified ${verdict.eventsChecked}`);
  return {
    events: verdict.eventsChecked,
    seconds: round(verifySecs, 1),
    eventsPerSec: round(verdict.eventsChecked / verifySecs),
    rssBeforeMb: round(rssBefore / 2 ** 20),
    peakRssMb: round(peak / 2 ** 20),
    rawReadPerSec: round(read / readSecs),
    rawReadSeconds: round(readSecs, 1),
    vsRawRead: round(readSecs / verifySecs, 3),
    checkpointsChecked: verdict.checkpointsChecked,
  };
}

/** A day's new events through the deployed path, a checkpoint, then the incremental run from the saved cursor. */
async function incrementalRow(e: Embedded, trail: DynamoAuditTrail) {
  const before = await trail.headSize();
  const appendSecs = await appendDeferred(e, INCREMENTAL_NEW, before);
  await trail.checkpoint();
  const t = performance.now();
  const verdict = await verifyAudit(trail, { persist: true });
  const secs = secsSince(t);
  if (!verdict.ok || verdict.mode !== 'incremental' || verdict.newEvents !== INCREMENTAL_NEW) {
    throw new Error(`incremental run: ok ${verdict.ok}, mode ${verdict.mode}, ${verdict.newEvents} new: ${verdict.problem?.message ?? ''}`);
  }
  return {
    trail: before,
    newEvents: verdict.newEvents,
    seconds: round(secs, 2),
    recheckedEvents: verdict.recheckedEvents,
    from: verdict.from,
    appendSeconds: round(appendSecs, 1),
  };
}

const target = (name: string, measured: number, wanted: string, met: boolean, basis: string) => ({
  name,
  measured: round(measured, 3),
  target: wanted,
  met,
  basis,
});

/** How each figure was measured (written into the results). */
const METHOD_NOTES = [
  'Writers: each writer has its own DynamoDB and KMS clients and a `sequencing: \'deferred\'` DynamoAuditTrail (append = KMS GenerateMac + one TransactWriteItems staging a pending entry, then returns). One background sequencer (an inline trail over its own clients, calling sequence() in a loop, pausing 10 ms after an empty round; on AWS the table stream wakes it) chains meanwhile, as the reserved-concurrency-1 sequencer function does.',
  'eventsPerSec: events / time until the last append() returned; chainedPerSec: events / time from the first append to the last event chained by the sequencer (the stricter reading); dynamoCallsPerEvent / kmsCallsPerEvent: requests the writers\' clients sent during the appends, per event.',
  'rawPutPerSec: conditional PutItem (~450-byte item) at the same concurrency, each worker its own client, measured right after the same configuration\'s appends once the sequencer was stopped; vsRaw = eventsPerSec / rawPutPerSec.',
  'Integration delay (integrationDelay, delayP50Ms/delayP99Ms): per event, from the moment the writer\'s stage TransactWriteItems returned (durable) to the moment the sequencer\'s TransactWriteItems that chained it returned, both taken by a middleware on the writers\' and the sequencer\'s clients in this process with one monotonic clock (see delayProbe). sequencerMaxDelayMs is the product\'s own DynamoAuditTrail.maxDelayMs (chained time minus the event\'s `time`, taken before its MAC and stage write).',
  'Seeding: trails beyond the writers\' events were bulk-written, not appended: each event MACed through the embedded key service (KmsEventAuthenticator, the audit-MAC key, 32 in flight), chained with the product\'s chainEvent after the current head, written by BatchWriteItem (8 in flight), then the head item (size, chain hash, Merkle frontier) moved; one checkpoint signed by trail.checkpoint() after each seeding. The writers\' events and the incremental runs\' events (appended through deferred writers + sequencer) are part of the same trail. See seeding for the rates.',
  'verify: verifyAudit(trail, { full: true, persist: true }) (streaming, one KMS VerifyMac per event at 16 in flight, 1000 events a page); rawReadPerSec: paginated Query of the same events stream, 1000 items a page, without unmarshalling. peakRssMb: this process (node, bench + verifier) sampled every 20 ms; DynamoDB Local and the key service run in other processes and are not counted.',
  `incremental: ${INCREMENTAL_NEW} events appended through 16 deferred writers + the background sequencer, then a checkpoint signed, then verifyAudit(trail, { persist: true }) from the cursor the full run before saved, including the rolling re-check (default recheckEvents 10,000); seconds is the verification only (appendSeconds is the appending).`,
  'All servers run on the same 2 cores as the benchmark, and the machine was shared with other work (see machine.loadAverage*): absolute rates vary run to run; the ratios measured in the same run are the figures to compare.',
];

async function main(): Promise<void> {
  const began = performance.now();
  const loadStart = loadavg().map((x) => round(x, 2));
  const notes: string[] = [];
  const writers: Awaited<ReturnType<typeof writersRow>>['row'][] = [];
  let delay: Awaited<ReturnType<typeof writersRow>>['delay'] | undefined;
  const verify: Awaited<ReturnType<typeof verifyRow>>[] = [];
  const incremental: Awaited<ReturnType<typeof incrementalRow>>[] = [];
  const seeding: { to: number; seeded: number; seconds: number; eventsPerSec: number }[] = [];
  const at = (n: number) => writers.find((w) => w.n === n);
  /** Writes the results so far (after each phase, so a run stopped at the deadline leaves what it measured). */
  const save = async (unfinished?: string) => {
    const one = at(1);
    const sixteen = at(16);
    const targets = [];
    const caveats: string[] = [];
    if (one !== undefined && sixteen !== undefined) {
      targets.push(
        target('writers16VsRawPut16', sixteen.eventsPerSec / sixteen.rawPutPerSec, '>= 0.5', sixteen.eventsPerSec >= 0.5 * sixteen.rawPutPerSec, 'append() returns at 16 deferred writers vs raw PutItem at 16'),
        target('writers16VsOne', sixteen.eventsPerSec / one.eventsPerSec, '>= 4', sixteen.eventsPerSec >= 4 * one.eventsPerSec, 'append() returns at 16 deferred writers vs at 1'),
        target('chained16VsRawPut16', sixteen.chainedPerSec / sixteen.rawPutPerSec, '>= 0.5 (stricter reading: until the sequencer chained all)', sixteen.chainedPerSec >= 0.5 * sixteen.rawPutPerSec, 'events/s from the first append to the last chained, 16 writers, vs raw PutItem at 16'),
        target('chained16VsOne', sixteen.chainedPerSec / one.chainedPerSec, '>= 4 (stricter reading: until the sequencer chained all)', sixteen.chainedPerSec >= 4 * one.chainedPerSec, 'events/s until chained, 16 writers vs 1'),
      );
    }
    const base = verify.find((v) => v.events >= 100_000) ?? verify[0];
    const largest = verify[verify.length - 1];
    if (base !== undefined && largest !== undefined && largest !== base) {
      const ratio = largest.peakRssMb / base.peakRssMb;
      targets.push(target('verifyPeakRssFlat', ratio, `${largest.events} vs ${base.events} events within 20% (0.8..1.2)`, ratio >= 0.8 && ratio <= 1.2, 'peak RSS of this process, full verification'));
    } else {
      caveats.push('verifyPeakRssFlat: only one trail size of at least 100k events was verified, so memory flatness could not be compared.');
    }
    for (const v of verify) {
      targets.push(target(`verify${v.events}VsRawRead`, v.vsRawRead, '>= 0.5', v.vsRawRead >= 0.5, `full verification of ${v.events} events vs Query-reading them`));
    }
    const incSmall = incremental[0];
    const incBig = incremental[incremental.length - 1];
    if (incSmall !== undefined && incBig !== undefined && incBig !== incSmall) {
      const ratio = incBig.seconds / incSmall.seconds;
      targets.push(target('incrementalFlat', ratio, `${incBig.trail} vs ${incSmall.trail} trail within 50% (<= 1.5)`, ratio <= 1.5, `incremental run over ${INCREMENTAL_NEW} new events`));
    }
    const result = {
      measuredAt: new Date().toISOString(),
      ...(unfinished === undefined ? {} : { incomplete: `written ${unfinished}: the run had not finished when this file was written` }),
      eventsPerWriterConfiguration: N,
      writers,
      integrationDelay: delay ?? null,
      verify,
      incremental,
      seeding,
      targets,
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        loadAverageStart: loadStart,
        loadAverageEnd: loadavg().map((x) => round(x, 2)),
        node: process.version,
        seconds: round(secsSince(began)),
      },
      notes: [...notes, ...caveats, ...METHOD_NOTES],
    };
    await mkdir('bench/results', { recursive: true });
    await writeFile('bench/results/audit.json', `${JSON.stringify(result, null, 2)}\n`);
    return result;
  };
  const dir = await mkdtemp(join(tmpdir(), 'wasure-bench-audit-'));
  const e = await startEmbedded({ dir, persist: false, heapMb: 6144 });
  try {
    for (const n of WRITERS) {
      log(`writers: ${n} deferred × ${Math.ceil(N / n)} appends with the background sequencer, then raw PutItem …`);
      const { row, delay: d } = await writersRow(e, n);
      writers.push(row);
      if (n === 16) delay = d;
      await save(`after ${n} writers`);
      log(
        `  ${row.eventsPerSec} events/s (chained ${row.chainedPerSec}/s) vs raw ${row.rawPutPerSec} puts/s (${row.vsRaw}×); delay p50 ${row.delayP50Ms} ms p99 ${row.delayP99Ms} ms`,
      );
    }

    const trail = trailOver(e, { dynamodb: e.dynamodb, kms: e.kms }, 'inline');
    const grow = async (to: number) => {
      log(`seeding the trail to ${to} events …`);
      const s = await seed(e, to);
      await trail.checkpoint();
      seeding.push({ to, seeded: s.seeded, seconds: round(s.seconds, 1), eventsPerSec: round(s.seeded / s.seconds) });
      log(`  seeded ${s.seeded} in ${s.seconds.toFixed(0)} s`);
      return s;
    };
    let rates = { seed: 0, verify: 0, read: 0, incrementalSecs: 0 };
    try {
      await grow(INCREMENTAL_SMALL);
      log(`full verification of ${INCREMENTAL_SMALL} (saves the cursor) …`);
      const small = await verifyRow(e, trail);
      verify.push(small);
      log(`  ${small.eventsPerSec} events/s vs raw read ${small.rawReadPerSec}/s`);
      log(`incremental: ${INCREMENTAL_NEW} new events on the ${INCREMENTAL_SMALL} trail …`);
      const inc = await incrementalRow(e, trail);
      incremental.push(inc);
      await save(`after the ${INCREMENTAL_SMALL}-event trail`);
      log(`  ${inc.seconds} s, ${inc.recheckedEvents} re-checked`);
      const first = seeding[0];
      rates = {
        seed: first === undefined ? 1 : first.eventsPerSec,
        verify: small.eventsPerSec,
        read: small.rawReadPerSec,
        incrementalSecs: inc.seconds + inc.appendSeconds,
      };
      const sizes = VERIFY_SIZES.filter((s) => s > INCREMENTAL_SMALL);
      for (let k = 0; k < sizes.length; k += 1) {
        const wanted = sizes[k] as number;
        const size = await trail.headSize();
        const isLast = k === sizes.length - 1;
        const left = BUDGET_SECS - secsSince(began);
        const cost = (to: number) =>
          (to - size) / rates.seed + to / rates.verify + to / rates.read + (isLast ? rates.incrementalSecs : 0);
        let to = wanted;
        if (cost(to) > left) {
          while (to > size + FALLBACK_STEP && cost(to) > left) to -= FALLBACK_STEP;
          to = Math.floor(to / FALLBACK_STEP) * FALLBACK_STEP;
          if (to <= size || cost(to) > left) {
            notes.push(`The ${wanted}-event trail was not measured: estimated ${cost(wanted).toFixed(0)} s (seed + full verification + raw read) from this run's rates, ${left.toFixed(0)} s of the ${BUDGET_SECS} s budget left.`);
            log(`  skipping ${wanted}: no size fits the budget`);
            break;
          }
          notes.push(`FALLBACK: the ${wanted}-event trail was estimated at ${cost(wanted).toFixed(0)} s (seed + full verification + raw read${isLast ? ' + incremental' : ''}) from this run's rates, over the ${left.toFixed(0)} s left of the BENCH_AUDIT_BUDGET_SECS=${BUDGET_SECS} budget; ${to} events were measured instead. No figure for ${wanted} events is given.`);
          log(`  ${wanted} does not fit the budget: measuring ${to} instead`);
        }
        await grow(to);
        log(`full verification of ${to} (saves the cursor) …`);
        const row = await verifyRow(e, trail);
        verify.push(row);
        await save(`after the full verification of ${to} events`);
        rates = { ...rates, seed: seeding[seeding.length - 1]?.eventsPerSec ?? rates.seed, verify: row.eventsPerSec, read: row.rawReadPerSec };
        log(`  ${row.eventsPerSec} events/s vs raw read ${row.rawReadPerSec}/s, peak RSS ${row.peakRssMb} MB`);
        if (isLast) {
          log(`incremental: ${INCREMENTAL_NEW} new events on the ${to} trail …`);
          const big = await incrementalRow(e, trail);
          incremental.push(big);
          log(`  ${big.seconds} s, ${big.recheckedEvents} re-checked`);
        }
      }
    } catch (error) {
      // Keep what was measured: the writers' figures do not depend on it.
      notes.push(`The trail phases stopped at ${await trail.headSize()} events: ${(error as Error).message}`);
      log(`trail phase failed: ${(error as Error).message}`);
    }

    const { targets } = await save();
    console.log('writers (n: events/s, chained/s vs raw PutItem/s)');
    for (const w of writers) console.log(`  ${w.n}: ${w.eventsPerSec}, ${w.chainedPerSec} vs ${w.rawPutPerSec}`);
    if (delay !== undefined) console.log(`integration delay at 16 writers: p50 ${delay.p50Ms} ms, p99 ${delay.p99Ms} ms`);
    for (const v of verify) console.log(`verify ${v.events}: ${v.eventsPerSec}/s vs raw read ${v.rawReadPerSec}/s, ${v.peakRssMb} MB`);
    for (const i of incremental) console.log(`incremental on ${i.trail}: ${i.seconds} s (${i.recheckedEvents} re-checked)`);
    for (const t of targets) console.log(`target ${t.name}: ${t.measured} (${t.target}) ${t.met ? 'met' : 'NOT met'}`);
    console.log('results: bench/results/audit.json');
  } finally {
    await e.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
