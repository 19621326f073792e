/**
 * The audit trail on DynamoDB. Writers never touch a shared item: each
 * event is first *staged* as a pending entry (`pending#N`, a random key),
 * either on its own or inside the same transaction as the business write
 * it records, so a record, a tombstone or a destroyed key exists if and
 * only if its event does, whatever the process dies at. A sequencer
 * (`integrate`) then moves pending entries into the hash chain in
 * batches: one transaction writes the chained events (each only if its
 * seq is free), deletes their pending entries (only if still there) and
 * advances the head item (size, chain hash, Merkle frontier) only if it is
 * unchanged. Whatever a crash leaves pending is integrated by the next run.
 */
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { randomInt } from 'node:crypto';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type AuditEvent,
  type ChainedEvent,
  type Checkpoint,
  signCheckpoint,
  checkpointHash,
  checkpointKey,
  chainEvent,
  EVENT_VERSION,
  type FrontierState,
  GENESIS,
  macBytes,
  MerkleFrontier,
} from '../../domain/audit-chain.ts';
import { assertNoPersonalData } from '../../domain/audit-event.ts';
import { INDEX } from '../../domain/store-definitions.ts';
import { ConflictError, IntegrityError } from '../../errors.ts';
import type { Logger } from '../../logging.ts';
import type {
  AuditQuery,
  CheckpointArchive,
  Checkpointer,
  CheckpointSigner,
  CheckpointSink,
  EventAuthenticator,
  Pseudonymizer,
} from '../../ports/audit.ts';
import type { AuditEventInput, AuditTrail, Clock, Ids } from '../../ports/index.ts';

/** Head of the trail. */
interface Head {
  readonly size: number;
  readonly chainHash: string;
  readonly frontier: FrontierState;
  readonly checkpoints: number;
  readonly lastCheckpointHash: string;
}

const EMPTY_HEAD: Head = {
  size: 0,
  chainHash: GENESIS,
  frontier: { size: 0, nodes: [] },
  checkpoints: 0,
  lastCheckpointHash: GENESIS,
};

/**
 * Events integrated per transaction: each is one put and one delete of its
 * pending entry, plus the head (DynamoDB allows 100 items).
 */
const PER_TRANSACTION = 49;

/** Partitions of pending entries: spreads concurrent writers. */
export const PENDING_SHARDS = 8;

/** Pending entries read per shard and integration round. */
const PENDING_PAGE = 200;

/** Stages audit events as items of a business write's transaction. */
export interface AuditOutbox {
  /**
   * Checks and pseudonymises `events` and returns the transaction items
   * that stage them; they reach the chain at the next {@link DynamoAuditTrail.integrate}.
   */
  stage(events: readonly AuditEventInput[]): Promise<TransactWriteItem[]>;
}

/** A pending entry as read back for integration. */
interface PendingEntry {
  readonly stream: string;
  readonly seq: number;
  readonly event: Omit<AuditEvent, 'seq'>;
}

/** Construction options of {@link DynamoAuditTrail}. */
export interface DynamoAuditTrailProps {
  readonly client: DynamoDBClient;
  readonly table: string;
  readonly pseudonymizer: Pseudonymizer;
  readonly clock: Clock;
  readonly ids: Ids;
  /**
   * Signs checkpoints in {@link DynamoAuditTrail.checkpoint} and checks
   * their signatures when verifying. Appending never signs: only the
   * checkpointer (FinishSweep, the verifier, the local CLI after a sweep
   * or a verification) calls `checkpoint()`, so writers need no signing
   * right. Without it no checkpoints are made.
   */
  readonly signer?: CheckpointSigner;
  /** Also writes checkpoints here (Object-Lock bucket on AWS). */
  readonly sink?: CheckpointSink;
  /**
   * @deprecated Appends no longer sign checkpoints (only the checkpointer
   * does), so this is ignored; kept so existing wiring compiles.
   */
  readonly checkpointEvery?: number;
  /** Attempts when a concurrent writer wins. @default 50 */
  readonly maxAttempts?: number;
  /** Receives `audit.head-broken` when the head does not match the events. */
  readonly log?: Logger;
  /**
   * MACs each event as it is staged (schema v2), and checks the MACs when
   * verifying. Without it events are staged as legacy v1, which verify
   * only before the first MACed event.
   */
  readonly authenticator?: EventAuthenticator;
  /**
   * Who integrates staged events. `inline` (the default, one local
   * process): `append` and `integrate` run the sequencer themselves.
   * `deferred` (functions on AWS): `append` returns once the events are
   * staged and `integrate` does nothing; the one sequencer function
   * ({@link DynamoAuditTrail.sequence}), woken by the table's stream,
   * integrates them, so writers never touch the head.
   */
  readonly sequencing?: 'inline' | 'deferred';
}


/** DynamoDB implementation of {@link AuditTrail}. */
export class DynamoAuditTrail implements AuditTrail, AuditOutbox, Checkpointer {
  private readonly maxAttempts: number;
  /**
   * The longest an event this instance integrated had waited since it was
   * staged (ms, by the writers' clocks): the integration delay reported.
   */
  maxDelayMs = 0;
  /** The head this instance last wrote: when it is still the head, the tail is known. */
  private written: Pick<Head, 'size' | 'chainHash'> | undefined;

  constructor(private readonly props: DynamoAuditTrailProps) {
    this.maxAttempts = props.maxAttempts ?? 50;
  }

  /** The pseudonymizer (for filtering the log by subject). */
  get pseudonymizer(): Pseudonymizer {
    return this.props.pseudonymizer;
  }

  /** The checkpoint archive, when the sink can be read back. */
  get archive(): CheckpointArchive | undefined {
    const sink = this.props.sink as Partial<CheckpointArchive> | undefined;
    return typeof sink?.readAll === 'function' ? (sink as CheckpointArchive) : undefined;
  }

  /** The writer-proof key, if any (for verification). */
  get authenticator(): EventAuthenticator | undefined {
    return this.props.authenticator;
  }

  /** The signer, if any (for verification). */
  get signer(): CheckpointSigner | undefined {
    return this.props.signer;
  }

  private async readHead(): Promise<Head> {
    const out = await this.props.client.send(
      new GetItemCommand({
        TableName: this.props.table,
        Key: marshall({ stream: 'head', seq: 0 }),
        ConsistentRead: true,
      }),
    );
    if (out.Item === undefined) {
      return EMPTY_HEAD;
    }
    const item = unmarshall(out.Item);
    return {
      size: item.size,
      chainHash: item.chainHash,
      frontier: item.frontier,
      checkpoints: item.checkpoints,
      lastCheckpointHash: item.lastCheckpointHash,
    };
  }

  /**
   * Checks that the head describes the stored tail: its chain hash is the
   * last event's, no event lies beyond it, its frontier has its size. A
   * head that does not is foreign (written around wasure) and would wedge
   * every append in conditional-write retries, so it stops them with an
   * IntegrityError and an `audit.head-broken` log line. Returns 'moved'
   * when the head changed meanwhile (another sequencer: contention).
   */
  private async checkHead(head: Head): Promise<'ok' | 'moved'> {
    if (!Number.isInteger(head.size) || head.size < 0 || typeof head.chainHash !== 'string') {
      return this.headBroken(head, 0);
    }
    const out = await this.props.client.send(
      new QueryCommand({
        TableName: this.props.table,
        KeyConditionExpression: '#s = :s AND #q >= :q',
        ExpressionAttributeNames: { '#s': 'stream', '#q': 'seq' },
        ExpressionAttributeValues: marshall({ ':s': 'events', ':q': Math.max(0, head.size - 1) }),
        ConsistentRead: true,
        Limit: 2,
      }),
    );
    const tail = (out.Items ?? []).map((i) => unmarshall(i) as ChainedEvent);
    const last = tail.find((e) => e.seq === head.size - 1);
    const beyond = tail.find((e) => e.seq >= head.size);
    const broken =
      head.size > 0 && last?.chainHash !== head.chainHash
        ? head.size - 1
        : head.size === 0 && head.chainHash !== GENESIS
          ? 0
          : beyond !== undefined
            ? beyond.seq
            : head.frontier?.size !== head.size
              ? Math.max(0, head.size - 1)
              : undefined;
    return broken === undefined ? 'ok' : this.headBroken(head, broken);
  }

  /** Contention when the head moved since it was read; else the head is foreign. */
  private async headBroken(head: Head, broken: number): Promise<'moved'> {
    const again = await this.readHead();
    if (again.size !== head.size || again.chainHash !== head.chainHash) {
      return 'moved';
    }
    this.props.log?.({ level: 'error', event: 'audit.head-broken', seq: broken, headSize: head.size });
    throw new IntegrityError(
      `audit head does not match event ${broken}: the trail was written outside wasure; run \`wasure audit verify\``,
    );
  }

  private headWrite(next: Head, previous: Head): TransactWriteItem {
    return {
      Put: {
        TableName: this.props.table,
        Item: marshall({ stream: 'head', seq: 0, ...next }),
        ...(previous.size === 0 && previous.checkpoints === 0
          ? { ConditionExpression: 'attribute_not_exists(seq)' }
          : {
              ConditionExpression: '#size = :size AND #cps = :cps',
              ExpressionAttributeNames: { '#size': 'size', '#cps': 'checkpoints' },
              ExpressionAttributeValues: marshall({
                ':size': previous.size,
                ':cps': previous.checkpoints,
              }),
            }),
      },
    };
  }

  private async backoff(attempt: number): Promise<void> {
    const ms = Math.min(1000, 5 * 2 ** Math.min(attempt, 8)) * (0.5 + Math.random());
    await new Promise((r) => setTimeout(r, ms));
  }

  private async prepare(inputs: readonly AuditEventInput[]): Promise<Omit<AuditEvent, 'seq'>[]> {
    const events: Omit<AuditEvent, 'seq'>[] = [];
    for (const input of inputs) {
      assertNoPersonalData(input);
      const { subjectId, subjectPseudonym, ...rest } = input;
      const pseudonym =
        subjectPseudonym ??
        (subjectId === undefined ? undefined : await this.props.pseudonymizer.pseudonym(subjectId));
      events.push({
        ...rest,
        eventId: this.props.ids.next(),
        time: this.props.clock.now().toISOString(),
        ...(pseudonym === undefined ? {} : { subjectPseudonym: pseudonym }),
      });
    }
    const auth = this.props.authenticator;
    if (auth === undefined) {
      return events;
    }
    return Promise.all(
      events.map(async (event) => {
        const proven = { ...event, v: EVENT_VERSION, writer: auth.writer };
        return { ...proven, mac: Buffer.from(await auth.mac(macBytes(proven))).toString('base64') };
      }),
    );
  }

  async stage(inputs: readonly AuditEventInput[]): Promise<TransactWriteItem[]> {
    const events = await this.prepare(inputs);
    return events.map((event) => ({
      Put: {
        TableName: this.props.table,
        Item: marshall(
          {
            stream: `pending#${randomInt(PENDING_SHARDS)}`,
            seq: randomInt(2 ** 47),
            event,
          },
          { removeUndefinedValues: true },
        ),
        ConditionExpression: 'attribute_not_exists(seq)',
      },
    }));
  }

  /**
   * Appends events that go with no business write: staged durably first,
   * then (inline sequencing) integrated. A crash between the two loses
   * nothing; with deferred sequencing the sequencer function integrates.
   */
  async append(inputs: readonly AuditEventInput[]): Promise<void> {
    if (inputs.length === 0) {
      return;
    }
    const items = await this.stage(inputs);
    for (let i = 0; i < items.length; i += 100) {
      await this.props.client.send(
        new TransactWriteItemsCommand({ TransactItems: items.slice(i, i + 100) }),
      );
    }
    await this.integrate();
  }

  /** Whether this instance integrates itself (inline) or leaves it to the sequencer. */
  get sequencing(): 'inline' | 'deferred' {
    return this.props.sequencing ?? 'inline';
  }

  private async readPending(): Promise<PendingEntry[]> {
    const pages = await Promise.all(
      Array.from({ length: PENDING_SHARDS }, (_, shard) =>
        this.props.client.send(
          new QueryCommand({
            TableName: this.props.table,
            KeyConditionExpression: '#s = :s',
            ExpressionAttributeNames: { '#s': 'stream' },
            ExpressionAttributeValues: marshall({ ':s': `pending#${shard}` }),
            ConsistentRead: true,
            Limit: PENDING_PAGE,
          }),
        ),
      ),
    );
    const entries = pages.flatMap((p) => (p.Items ?? []).map((i) => unmarshall(i) as PendingEntry));
    // Writers' clocks order what they staged; the event id breaks ties.
    return entries.sort((a, b) =>
      a.event.time < b.event.time ? -1 : a.event.time > b.event.time ? 1 : a.event.eventId < b.event.eventId ? -1 : 1,
    );
  }

  /** How many staged events wait for integration (at most one page a shard). */
  async pendingCount(): Promise<number> {
    return (await this.readPending()).length;
  }

  /**
   * Integrates what is staged, when this instance sequences inline;
   * with deferred sequencing it returns 0 at once (the sequencer function
   * integrates). Returns how many events this call integrated.
   */
  async integrate(): Promise<number> {
    return this.sequencing === 'inline' ? this.sequence() : 0;
  }

  /**
   * The sequencer: moves every pending entry into the chain, in batches.
   * Concurrent sequencers never fork the chain (the head is conditional)
   * nor integrate an entry twice (its delete is conditional). Returns how
   * many events this call integrated.
   */
  async sequence(): Promise<number> {
    let integrated = 0;
    for (let attempt = 0; ; ) {
      const pending = await this.readPending();
      if (pending.length === 0) {
        return integrated;
      }
      let contended = false;
      for (let i = 0; i < pending.length && !contended; i += PER_TRANSACTION) {
        const chunk = pending.slice(i, i + PER_TRANSACTION);
        if (await this.integrateChunk(chunk)) {
          integrated += chunk.length;
          const now = this.props.clock.now().getTime();
          for (const p of chunk) {
            this.maxDelayMs = Math.max(this.maxDelayMs, now - Date.parse(p.event.time));
          }
        } else {
          contended = true;
        }
      }
      if (contended) {
        attempt += 1;
        if (attempt > this.maxAttempts) {
          throw new ConflictError('audit trail is too contended: integration gave up');
        }
        await this.backoff(attempt);
      }
    }
  }

  /** One integration transaction; false when another sequencer won. */
  private async integrateChunk(pending: readonly PendingEntry[]): Promise<boolean> {
    const head = await this.readHead();
    const ours = head.size === this.written?.size && head.chainHash === this.written.chainHash;
    if (!ours && (await this.checkHead(head)) === 'moved') {
      return false;
    }
    const frontier = MerkleFrontier.fromState(head.frontier);
    let prev = head.chainHash;
    const chained: ChainedEvent[] = pending.map((p, i) => {
      const c = chainEvent({ ...p.event, seq: head.size + i } as AuditEvent, prev);
      prev = c.chainHash;
      frontier.append(Buffer.from(c.leafHash, 'hex'));
      return c;
    });
    const next: Head = {
      ...head,
      size: head.size + pending.length,
      chainHash: prev,
      frontier: frontier.toState(),
    };
    try {
      await this.props.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            ...chained.map((c) => ({
              Put: {
                TableName: this.props.table,
                Item: marshall({ stream: 'events', ...c }, { removeUndefinedValues: true }),
                ConditionExpression: 'attribute_not_exists(seq)',
              },
            })),
            ...pending.map((p) => ({
              Delete: {
                TableName: this.props.table,
                Key: marshall({ stream: p.stream, seq: p.seq }),
                ConditionExpression: 'attribute_exists(seq)',
              },
            })),
            this.headWrite(next, head),
          ],
        }),
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        // The next attempt checks the head: an event forged beyond it fails every attempt.
        this.written = undefined;
        return false;
      }
      throw error;
    }
    this.written = { size: next.size, chainHash: next.chainHash };
    return true;
  }

  /**
   * Records a change of the policy catalogue in force: when `version`
   * differs from the last one noted, appends a `policy-version` event.
   * Returns true when it was a change.
   */
  async notePolicyVersion(version: string, actor: string): Promise<boolean> {
    const key = marshall({ stream: 'policy', seq: 0 });
    const out = await this.props.client.send(
      new GetItemCommand({ TableName: this.props.table, Key: key, ConsistentRead: true }),
    );
    const previous = out.Item === undefined ? undefined : String(unmarshall(out.Item).version);
    if (previous === version) {
      return false;
    }
    try {
      await this.props.client.send(
        new PutItemCommand({
          TableName: this.props.table,
          Item: marshall({ stream: 'policy', seq: 0, version }),
          ...(previous === undefined
            ? { ConditionExpression: 'attribute_not_exists(seq)' }
            : {
                ConditionExpression: '#v = :v',
                ExpressionAttributeNames: { '#v': 'version' },
                ExpressionAttributeValues: marshall({ ':v': previous }),
              }),
        }),
      );
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') {
        // Another process noted it first.
        return false;
      }
      throw error;
    }
    await this.append([
      {
        action: 'policy-version',
        actor,
        policyVersion: version,
        outcome: 'ok',
        details: { previous: previous ?? '(none)' },
      },
    ]);
    return true;
  }

  /** Signs a checkpoint of the trail as it is now (no-op without a signer). */
  async checkpoint(): Promise<Checkpoint | undefined> {
    const signer = this.props.signer;
    if (signer === undefined) {
      return undefined;
    }
    for (let attempt = 0; ; attempt += 1) {
      const head = await this.readHead();
      if ((await this.checkHead(head)) === 'moved') {
        if (attempt >= this.maxAttempts) {
          throw new ConflictError('audit trail is too contended: checkpoint gave up');
        }
        await this.backoff(attempt);
        continue;
      }
      await this.archivePrevious(head);
      const cp = await signCheckpoint(
        signer,
        {
          index: head.checkpoints,
          treeSize: head.size,
          rootHash: MerkleFrontier.fromState(head.frontier).root(),
          chainHash: head.chainHash,
          prevCheckpointHash: head.lastCheckpointHash,
        },
        this.props.clock.now().toISOString(),
      );
      try {
        await this.props.client.send(
          new TransactWriteItemsCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.props.table,
                  Item: marshall({ stream: 'checkpoints', seq: cp.index, ...cp }),
                  ConditionExpression: 'attribute_not_exists(seq)',
                },
              },
              this.headWrite(
                { ...head, checkpoints: head.checkpoints + 1, lastCheckpointHash: checkpointHash(cp) },
                head,
              ),
            ],
          }),
        );
      } catch (error) {
        if (error instanceof TransactionCanceledException && attempt < this.maxAttempts) {
          await this.backoff(attempt);
          continue;
        }
        throw error;
      }
      await this.archiveCheckpoint(cp);
      return cp;
    }
  }

  private async archiveCheckpoint(cp: Checkpoint): Promise<void> {
    await this.props.sink?.put(checkpointKey(cp.index), Buffer.from(`${JSON.stringify(cp, null, 2)}\n`, 'utf8'));
  }

  /**
   * Archives the last checkpoint of the table if a crash came between its
   * transaction and its archive write (else the verifier would report it
   * unarchived for ever). Create-only: an archived one stays as it is.
   */
  private async archivePrevious(head: Head): Promise<void> {
    if (this.props.sink === undefined || head.checkpoints === 0) {
      return;
    }
    const out = await this.props.client.send(
      new GetItemCommand({
        TableName: this.props.table,
        Key: marshall({ stream: 'checkpoints', seq: head.checkpoints - 1 }),
        ConsistentRead: true,
      }),
    );
    if (out.Item === undefined) {
      return;
    }
    const { stream: _stream, seq: _seq, ...cp } = unmarshall(out.Item);
    await this.archiveCheckpoint(cp as Checkpoint).catch((error: unknown) => {
      if (!(error instanceof IntegrityError)) throw error;
    });
  }

  /** The items of a query, a page at a time, each without its `stream`. */
  private async *queryPages<T>(input: Omit<QueryCommandInput, 'ExclusiveStartKey'>): AsyncGenerator<T[]> {
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const out = await this.props.client.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      yield (out.Items ?? []).map((item) => {
        const { stream: _stream, ...rest } = unmarshall(item);
        return rest as T;
      });
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
  }

  /**
   * The items of a query, page after page, without their `stream`; with
   * `enough`, it stops after the page that brings that many.
   */
  private async queryItems<T>(input: Omit<QueryCommandInput, 'ExclusiveStartKey'>, enough?: number): Promise<T[]> {
    const items: T[] = [];
    for await (const page of this.queryPages<T>(input)) {
      items.push(...page);
      if (enough !== undefined && items.length >= enough) {
        break;
      }
    }
    return items;
  }

  private queryStream<T>(stream: string): Promise<T[]> {
    return this.queryItems<T>({
      TableName: this.props.table,
      KeyConditionExpression: '#s = :s',
      ExpressionAttributeNames: { '#s': 'stream' },
      ExpressionAttributeValues: marshall({ ':s': stream }),
      ConsistentRead: true,
    });
  }

  /** How many events the head records (consistent read). */
  async headSize(): Promise<number> {
    return (await this.readHead()).size;
  }

  /**
   * The chained events from seq `from` on (before seq `to`, if given), a
   * page at a time, in seq order (consistent reads): the verifier streams
   * them instead of holding the trail.
   */
  async *eventPages(from: number, pageSize = 1000, to?: number): AsyncGenerator<ChainedEvent[]> {
    if (to !== undefined && to <= from) {
      return;
    }
    const pages = this.queryPages<ChainedEvent>({
      TableName: this.props.table,
      KeyConditionExpression: to === undefined ? '#s = :s AND #q >= :q' : '#s = :s AND #q BETWEEN :q AND :t',
      ExpressionAttributeNames: { '#s': 'stream', '#q': 'seq' },
      ExpressionAttributeValues: marshall({ ':s': 'events', ':q': from, ...(to === undefined ? {} : { ':t': to - 1 }) }),
      ConsistentRead: true,
      Limit: pageSize,
    });
    for await (const page of pages) {
      if (page.length > 0) {
        yield page;
      }
    }
  }

  /**
   * The seqs of the chained events that carry `eventId`, from the
   * `byEventId` index (eventually consistent: an event chained a moment
   * ago may not show yet; one chained earlier does).
   */
  async seqsOfEvent(eventId: string): Promise<number[]> {
    const items = await this.queryItems<{ seq: number }>({
      TableName: this.props.table,
      IndexName: INDEX.byEventId,
      KeyConditionExpression: '#e = :e',
      FilterExpression: '#st = :st',
      ExpressionAttributeNames: { '#e': 'eventId', '#st': 'stream' },
      ExpressionAttributeValues: marshall({ ':e': eventId, ':st': 'events' }),
    });
    return items.map((i) => i.seq);
  }

  /** The signed checkpoints from index `from` on, in index order. */
  async readCheckpoints(from = 0): Promise<Checkpoint[]> {
    const stored = await this.queryItems<Checkpoint & { seq: number }>({
      TableName: this.props.table,
      KeyConditionExpression: '#s = :s AND #q >= :q',
      ExpressionAttributeNames: { '#s': 'stream', '#q': 'seq' },
      ExpressionAttributeValues: marshall({ ':s': 'checkpoints', ':q': from }),
      ConsistentRead: true,
    });
    // `seq` is the table's sort key; the signed document has `index`.
    return stored.map(({ seq: _seq, ...cp }) => cp);
  }

  /**
   * The verifier's saved cursor (a signed document, see
   * verify-audit), or undefined. Only the checkpointer may write it.
   */
  async readVerifierCursor(): Promise<unknown> {
    const out = await this.props.client.send(
      new GetItemCommand({
        TableName: this.props.table,
        Key: marshall({ stream: 'verified', seq: 0 }),
        ConsistentRead: true,
      }),
    );
    return out.Item === undefined ? undefined : JSON.parse(String(unmarshall(out.Item).cursor));
  }

  /** Saves the verifier's cursor (the checkpointer's own item). */
  async writeVerifierCursor(cursor: unknown): Promise<void> {
    await this.props.client.send(
      new PutItemCommand({
        TableName: this.props.table,
        Item: marshall({ stream: 'verified', seq: 0, cursor: JSON.stringify(cursor) }),
      }),
    );
  }

  /** Everything the verifier needs. */
  async readAll(): Promise<{ events: ChainedEvent[]; checkpoints: Checkpoint[]; headSize: number; headSizeAfter: number }> {
    const head = await this.readHead();
    const [events, checkpoints] = await Promise.all([this.queryStream<ChainedEvent>('events'), this.readCheckpoints()]);
    // The head again: events beyond it were not written through it.
    const after = await this.readHead();
    return { events, checkpoints, headSize: head.size, headSizeAfter: after.size };
  }

  /**
   * Events matching a filter, oldest first; with a `limit`, the newest
   * `limit` of them. A subject's events are read through its index
   * partition ({@link readSubjectEvents}); any other filter reads the trail.
   */
  async readEvents(query: AuditQuery = {}): Promise<ChainedEvent[]> {
    if (query.subjectPseudonym !== undefined) {
      return this.readSubjectEvents(query.subjectPseudonym, query);
    }
    const events = (await this.queryStream<ChainedEvent>('events')).filter(
      (e) => query.since === undefined || e.time >= query.since,
    );
    return query.limit === undefined ? events : events.slice(-query.limit);
  }

  /**
   * One subject's events from the `bySubject` index, whose sort key is the
   * seq: chain order, and with a limit the newest first, so only `limit`
   * items are read. `since` is a time, not a seq: it is a filter on
   * `time`, over the subject's items only (event times follow the seq but
   * not strictly, writers' clocks differ, so no seq bound can stand in for
   * it). Index reads are eventually consistent: an event integrated a
   * moment ago may show on the next call.
   */
  private async readSubjectEvents(pseudonym: string, query: AuditQuery): Promise<ChainedEvent[]> {
    // A stray item with a top-level pseudonym outside the chain is no event.
    const names: Record<string, string> = { '#p': 'subjectPseudonym', '#st': 'stream' };
    const values: Record<string, string> = { ':p': pseudonym, ':st': 'events' };
    if (query.since !== undefined) {
      names['#t'] = 'time';
      values[':t'] = query.since;
    }
    const { limit } = query;
    const events = await this.queryItems<ChainedEvent>(
      {
        TableName: this.props.table,
        IndexName: INDEX.bySubject,
        KeyConditionExpression: '#p = :p',
        FilterExpression: query.since === undefined ? '#st = :st' : '#st = :st AND #t >= :t',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: marshall(values),
        ScanIndexForward: limit === undefined,
        // Without a time filter every item read is returned: read no more than needed.
        ...(limit === undefined || query.since !== undefined ? {} : { Limit: limit }),
      },
      limit,
    );
    return limit === undefined ? events : events.slice(0, limit).reverse();
  }
}
