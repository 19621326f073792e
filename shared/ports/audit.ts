/** Ports of the audit trail. */
import type { ArchivedCheckpoint, ChainedEvent, Checkpoint } from '../domain/audit-chain.ts';

export type { ArchivedCheckpoint } from '../domain/audit-chain.ts';

/** Turns a subject id into its stable pseudonym (keyed HMAC). */
export interface Pseudonymizer {
  /** The pseudonym of a subject id (hex). */
  pseudonym(subjectId: string): Promise<string>;
}

/** Signs and verifies checkpoints. */
export interface CheckpointSigner {
  /** Key id recorded in each checkpoint. */
  readonly keyId: string;
  /** Algorithm name recorded in each checkpoint. */
  readonly algorithm: string;
  /** Signs bytes. */
  sign(bytes: Uint8Array): Promise<Uint8Array>;
  /** Verifies a signature. */
  verify(bytes: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /** The public key as PEM (SPKI), for checking checkpoints offline. */ publicKeyPem(): Promise<string>;
}

/** Where checkpoints are also written (an Object-Lock bucket on AWS). */
export interface CheckpointSink {
  /** Writes one checkpoint document. */
  put(name: string, body: Uint8Array): Promise<void>;
}

/** A sink whose checkpoints can be read back (the Object-Lock archive). */
export interface CheckpointArchive extends CheckpointSink {
  /**
   * Every archived checkpoint name with its version count, in key order,
   * and the oldest document of each from index `fromIndex` on (default 0:
   * all), so an incremental verifier reads only the new ones.
   */
  readAll(fromIndex?: number): Promise<ArchivedCheckpoint[]>;
}

/**
 * Proves which writer wrote an audit event: a keyed MAC over the event's
 * canonical bytes, made when the event is staged. Only writers can make
 * one; the verifier only checks them, so an event put into the table by
 * anyone without a writer key is found and named.
 */
export interface EventAuthenticator {
  /** Name of the writer, recorded in (and covered by) each event's MAC. */
  readonly writer: string;
  /** MAC of bytes. */
  mac(bytes: Uint8Array): Promise<Uint8Array>;
  /** True when `mac` is this key's MAC of `bytes`. */
  verify(bytes: Uint8Array, mac: Uint8Array): Promise<boolean>;
}

/** Reader filter of {@link AuditReader.readEvents}. */
export interface AuditQuery {
  readonly subjectPseudonym?: string;
  /** ISO time; events at or after it. */
  readonly since?: string;
  readonly limit?: number;
}

/**
 * Reading the chained trail: the verifier, erasure receipts and
 * `audit log` depend on this, not on a store.
 */
export interface AuditReader {
  /** Events chained so far (the head's size). */
  headSize(): Promise<number>;
  /** Chained events from position `from` (up to `to`, exclusive), a page at a time, in chain order. */
  eventPages(from: number, pageSize?: number, to?: number): AsyncGenerator<ChainedEvent[]>;
  /** The chain positions holding an event id (more than one is a copied event). */
  seqsOfEvent(eventId: string): Promise<number[]>;
  /** Signed checkpoints from index `from`, in order. */
  readCheckpoints(from?: number): Promise<Checkpoint[]>;
  /**
   * The whole trail: every chained event and checkpoint, and the head's
   * size read before and after (a difference means writers were active).
   */
  readAll(): Promise<{ events: ChainedEvent[]; checkpoints: Checkpoint[]; headSize: number; headSizeAfter: number }>;
  /** Events matching a filter, in chain order. */
  readEvents(query?: AuditQuery): Promise<ChainedEvent[]>;
  /** The checkpoint archive, when this reader may read it. */
  readonly archive: CheckpointArchive | undefined;
  /** The writers' MAC key, when this reader may check MACs. */
  readonly authenticator: EventAuthenticator | undefined;
  /** The checkpoint key, when this reader may check (or make) signatures. */
  readonly signer: CheckpointSigner | undefined;
}

/**
 * The checkpointer's duty: integrate what is staged (inline) or wait for
 * it (deferred), sign checkpoints, and keep the verifier's signed cursor.
 */
export interface Checkpointer extends AuditReader {
  /** Chains what is staged (a no-op where one sequencer does); how many. */
  integrate(): Promise<number>;
  /** Staged events not chained yet. */
  pendingCount(): Promise<number>;
  /** Signs a checkpoint of the chain as it stands; none without a signer or new events. */
  checkpoint(): Promise<Checkpoint | undefined>;
  /** The verifier's saved cursor (unverified: its signature is the reader's to check). */
  readVerifierCursor(): Promise<unknown>;
  /** Saves the verifier's cursor. */
  writeVerifierCursor(cursor: unknown): Promise<void>;
}
