/**
 * The audit trail on DynamoDB. Events live under stream `events` by
 * sequence number; a head item holds the size, the chain hash and the
 * Merkle frontier. Every append is one transaction that writes the new
 * events (each only if its seq is free) and advances the head only if it
 * is unchanged, so concurrent writers never fork or lose the chain: the
 * loser re-reads the head and retries.
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
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type AuditEvent,
  type ChainedEvent,
  type Checkpoint,
  checkpointBytes,
  checkpointHash,
  chainEvent,
  type FrontierState,
  GENESIS,
  MerkleFrontier,
} from '../../domain/audit-chain.ts';
import { assertNoPersonalData } from '../../domain/audit-event.ts';
import { ConflictError } from '../../errors.ts';
import type { CheckpointArchive, CheckpointSigner, CheckpointSink, Pseudonymizer } from '../../ports/audit.ts';
import { CHECKPOINT_PREFIX } from './s3-checkpoint-sink.ts';
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

/** Events per transaction (DynamoDB allows 100 items incl. the head). */
const PER_TRANSACTION = 99;

/** Construction options of {@link DynamoAuditTrail}. */
export interface DynamoAuditTrailProps {
  readonly client: DynamoDBClient;
  readonly table: string;
  readonly pseudonymizer: Pseudonymizer;
  readonly clock: Clock;
  readonly ids: Ids;
  /** Signs checkpoints; without it no checkpoints are made. */
  readonly signer?: CheckpointSigner;
  /** Also writes checkpoints here (Object-Lock bucket on AWS). */
  readonly sink?: CheckpointSink;
  /** A checkpoint after every N events. @default 1000 */
  readonly checkpointEvery?: number;
  /** Attempts when a concurrent writer wins. @default 50 */
  readonly maxAttempts?: number;
}

/** Reader filter. */
export interface AuditQuery {
  readonly subjectPseudonym?: string;
  /** ISO time; events at or after it. */
  readonly since?: string;
  readonly limit?: number;
}

/** DynamoDB implementation of {@link AuditTrail}. */
export class DynamoAuditTrail implements AuditTrail {
  private readonly every: number;
  private readonly maxAttempts: number;

  constructor(private readonly props: DynamoAuditTrailProps) {
    this.every = props.checkpointEvery ?? 1000;
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

  async append(inputs: readonly AuditEventInput[]): Promise<void> {
    if (inputs.length === 0) {
      return;
    }
    const events: Omit<AuditEvent, 'seq'>[] = [];
    for (const input of inputs) {
      assertNoPersonalData(input);
      const { subjectId, ...rest } = input;
      events.push({
        ...rest,
        eventId: this.props.ids.next(),
        time: this.props.clock.now().toISOString(),
        ...(subjectId === undefined
          ? {}
          : { subjectPseudonym: await this.props.pseudonymizer.pseudonym(subjectId) }),
      });
    }
    for (let i = 0; i < events.length; i += PER_TRANSACTION) {
      await this.appendChunk(events.slice(i, i + PER_TRANSACTION));
    }
  }

  private async appendChunk(events: readonly Omit<AuditEvent, 'seq'>[]): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      const head = await this.readHead();
      const frontier = MerkleFrontier.fromState(head.frontier);
      let prev = head.chainHash;
      const chained: ChainedEvent[] = events.map((e, i) => {
        const c = chainEvent({ ...e, seq: head.size + i } as AuditEvent, prev);
        prev = c.chainHash;
        frontier.append(Buffer.from(c.leafHash, 'hex'));
        return c;
      });
      const next: Head = {
        ...head,
        size: head.size + events.length,
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
              this.headWrite(next, head),
            ],
          }),
        );
      } catch (error) {
        if (error instanceof TransactionCanceledException && attempt < this.maxAttempts) {
          await this.backoff(attempt);
          continue;
        }
        if (error instanceof TransactionCanceledException) {
          throw new ConflictError('audit trail is too contended: append gave up', { cause: error });
        }
        throw error;
      }
      if (
        this.props.signer !== undefined &&
        Math.floor(next.size / this.every) > Math.floor(head.size / this.every)
      ) {
        await this.checkpoint();
      }
      return;
    }
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
      const unsigned = {
        index: head.checkpoints,
        treeSize: head.size,
        rootHash: MerkleFrontier.fromState(head.frontier).root(),
        chainHash: head.chainHash,
        prevCheckpointHash: head.lastCheckpointHash,
        time: this.props.clock.now().toISOString(),
        keyId: signer.keyId,
        algorithm: signer.algorithm,
      };
      const signature = Buffer.from(await signer.sign(checkpointBytes(unsigned))).toString('base64');
      const cp: Checkpoint = { ...unsigned, signature };
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
      await this.props.sink?.put(
        `${CHECKPOINT_PREFIX}${String(cp.index).padStart(10, '0')}.json`,
        Buffer.from(`${JSON.stringify(cp, null, 2)}\n`, 'utf8'),
      );
      return cp;
    }
  }

  private async queryStream<T>(stream: string): Promise<T[]> {
    const items: T[] = [];
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const out = await this.props.client.send(
        new QueryCommand({
          TableName: this.props.table,
          KeyConditionExpression: '#s = :s',
          ExpressionAttributeNames: { '#s': 'stream' },
          ExpressionAttributeValues: marshall({ ':s': stream }),
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        const { stream: _stream, ...rest } = unmarshall(item);
        items.push(rest as T);
      }
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  /** Everything the verifier needs. */
  async readAll(): Promise<{ events: ChainedEvent[]; checkpoints: Checkpoint[]; headSize: number }> {
    const head = await this.readHead();
    const [events, stored] = await Promise.all([
      this.queryStream<ChainedEvent>('events'),
      this.queryStream<Checkpoint & { seq: number }>('checkpoints'),
    ]);
    // `seq` is the table's sort key; the signed document has `index`.
    const checkpoints = stored.map(({ seq: _seq, ...cp }) => cp);
    return { events, checkpoints, headSize: head.size };
  }

  /** Events matching a filter, oldest first. */
  async readEvents(query: AuditQuery = {}): Promise<ChainedEvent[]> {
    const events = (await this.queryStream<ChainedEvent>('events')).filter(
      (e) =>
        (query.subjectPseudonym === undefined || e.subjectPseudonym === query.subjectPseudonym) &&
        (query.since === undefined || e.time >= query.since),
    );
    return query.limit === undefined ? events : events.slice(-query.limit);
  }
}
