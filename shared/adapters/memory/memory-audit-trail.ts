/**
 * The audit trail in memory, built from the same domain functions as the
 * DynamoDB trail (chainEvent, MerkleFrontier, checkpointBytes), so what it
 * chains is accepted by `verifyTrail` and the streaming TrailVerifier, and
 * a tampered copy is refused by them. Events given with a store's write
 * are staged in that write's synchronous commit (see {@link MemoryOutbox}):
 * the record, tombstone or key change exists if and only if its event is
 * staged, and {@link MemoryAuditTrail.integrate} chains what is staged.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import {
  type AuditEvent,
  type ChainedEvent,
  type Checkpoint,
  chainEvent,
  signCheckpoint,
  checkpointHash,
  GENESIS,
  MerkleFrontier,
} from '../../domain/audit-chain.ts';
import type {
  AuditQuery,
  Checkpointer,
  CheckpointSigner,
  EventAuthenticator,
  Pseudonymizer,
} from '../../ports/audit.ts';
import type { AuditEventInput, AuditTrail, Clock, Ids } from '../../ports/index.ts';
import { DynamoAuditTrail } from '../aws/dynamo-audit-trail.ts';
import type { Faults } from './faults.ts';

/** An event prepared for staging: checked, pseudonymised, MACed. */
export type StagedEvent = Omit<AuditEvent, 'seq'>;

/**
 * The in-memory counterpart of the DynamoDB outbox: `stage` prepares the
 * events (async: pseudonyms, MACs), `commit` adds them to the pending
 * entries synchronously, in the same tick as the business write, so the
 * two are one transaction.
 */
export interface MemoryOutbox {
  /** Checks and prepares events; writes nothing. */
  stage(events: readonly AuditEventInput[]): Promise<StagedEvent[]>;
  /** Adds prepared events to the pending entries (call in the write's tick). */
  commit(staged: readonly StagedEvent[]): void;
}

/** Construction options of {@link MemoryAuditTrail}. */
export interface MemoryAuditTrailProps {
  readonly pseudonymizer: Pseudonymizer;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly faults: Faults;
  /** Signs checkpoints; none are made without it. */
  readonly signer?: CheckpointSigner;
  /** MACs each staged event (schema v2); legacy v1 events without it. */
  readonly authenticator?: EventAuthenticator;
  /** `inline` (default): append and integrate chain; `deferred`: integrate does nothing. */
  readonly sequencing?: 'inline' | 'deferred';
}

/** In-memory {@link AuditTrail}, outbox and {@link Checkpointer}. */
export class MemoryAuditTrail implements AuditTrail, MemoryOutbox, Checkpointer {
  private readonly pending: StagedEvent[] = [];
  private readonly events: ChainedEvent[] = [];
  private readonly checkpoints: Checkpoint[] = [];
  private readonly frontier = new MerkleFrontier();
  private chainHash = GENESIS;
  private lastCheckpointHash = GENESIS;
  private cursor: string | undefined;

  private readonly preparer: DynamoAuditTrail;

  constructor(private readonly props: MemoryAuditTrailProps) {
    // Staging never sends: the client is not used.
    this.preparer = new DynamoAuditTrail({
      client: undefined as unknown as DynamoDBClient,
      table: 'memory',
      pseudonymizer: props.pseudonymizer,
      clock: props.clock,
      ids: props.ids,
      ...(props.authenticator === undefined ? {} : { authenticator: props.authenticator }),
    });
  }

  get archive(): undefined {
    return undefined;
  }

  get authenticator(): EventAuthenticator | undefined {
    return this.props.authenticator;
  }

  get signer(): CheckpointSigner | undefined {
    return this.props.signer;
  }

  /**
   * The stored chain itself, for tests that tamper with it as a writer
   * with table access could (alter, drop, copy an event).
   */
  get storedEvents(): ChainedEvent[] {
    return this.events;
  }

  /**
   * Prepares events with the DynamoDB trail's own staging (the personal-data
   * check, pseudonyms, ids, times, writer MACs), taking the event out of
   * each pending item it would write: the same events, one definition.
   */
  async stage(inputs: readonly AuditEventInput[]): Promise<StagedEvent[]> {
    const items = await this.preparer.stage(inputs);
    return items.map((item) => unmarshall(item.Put?.Item ?? {}).event as StagedEvent);
  }

  commit(staged: readonly StagedEvent[]): void {
    this.pending.push(...structuredClone(staged));
  }

  async append(inputs: readonly AuditEventInput[]): Promise<void> {
    if (inputs.length === 0) {
      return;
    }
    const staged = await this.stage(inputs);
    await this.props.faults.run('audit.append', () => this.commit(staged));
    await this.integrate();
  }

  async integrate(): Promise<number> {
    return this.props.sequencing === 'deferred' ? 0 : this.sequence();
  }

  /** The sequencer: chains every pending event, in staging order. */
  sequence(): Promise<number> {
    return this.props.faults.run('audit.integrate', () => {
      const batch = this.pending.splice(0, this.pending.length);
      for (const event of batch) {
        const chained = chainEvent({ ...event, seq: this.events.length } as AuditEvent, this.chainHash);
        this.chainHash = chained.chainHash;
        this.frontier.append(Buffer.from(chained.leafHash, 'hex'));
        this.events.push(chained);
      }
      return batch.length;
    });
  }

  async pendingCount(): Promise<number> {
    return this.pending.length;
  }

  async headSize(): Promise<number> {
    return this.frontier.size;
  }

  async *eventPages(from: number, pageSize = 1000, to?: number): AsyncGenerator<ChainedEvent[]> {
    const end = Math.min(to ?? this.events.length, this.events.length);
    for (let i = from; i < end; i += pageSize) {
      yield structuredClone(this.events.slice(i, Math.min(end, i + pageSize)));
    }
  }

  async seqsOfEvent(eventId: string): Promise<number[]> {
    return this.events.filter((e) => e.eventId === eventId).map((e) => e.seq);
  }

  async readCheckpoints(from = 0): Promise<Checkpoint[]> {
    return structuredClone(this.checkpoints.filter((cp) => cp.index >= from));
  }

  async readAll(): Promise<{ events: ChainedEvent[]; checkpoints: Checkpoint[]; headSize: number; headSizeAfter: number }> {
    const size = this.frontier.size;
    return {
      events: structuredClone(this.events),
      checkpoints: await this.readCheckpoints(),
      headSize: size,
      headSizeAfter: size,
    };
  }

  /** As on DynamoDB: oldest first; with a limit, the newest `limit` matching. */
  async readEvents(query: AuditQuery = {}): Promise<ChainedEvent[]> {
    const events = this.events.filter(
      (e) =>
        (query.subjectPseudonym === undefined || e.subjectPseudonym === query.subjectPseudonym) &&
        (query.since === undefined || e.time >= query.since),
    );
    return structuredClone(query.limit === undefined ? events : events.slice(-query.limit));
  }

  async checkpoint(): Promise<Checkpoint | undefined> {
    const signer = this.props.signer;
    if (signer === undefined) {
      return undefined;
    }
    const cp = await signCheckpoint(
      signer,
      {
        index: this.checkpoints.length,
        treeSize: this.frontier.size,
        rootHash: this.frontier.root(),
        chainHash: this.chainHash,
        prevCheckpointHash: this.lastCheckpointHash,
      },
      this.props.clock.now().toISOString(),
    );
    return this.props.faults.run('audit.checkpoint', () => {
      this.checkpoints.push(cp);
      this.lastCheckpointHash = checkpointHash(cp);
      return structuredClone(cp);
    });
  }

  async readVerifierCursor(): Promise<unknown> {
    return this.cursor === undefined ? undefined : JSON.parse(this.cursor);
  }

  async writeVerifierCursor(cursor: unknown): Promise<void> {
    this.cursor = JSON.stringify(cursor);
  }
}
