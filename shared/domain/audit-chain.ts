/**
 * The audit chain: RFC 6962-style hashing of audit events. Each event's
 * leaf hash is H(0x00 ‖ event) over its canonical JSON; each event also
 * carries a chain hash H(0x01 ‖ previous chain hash ‖ leaf hash) and the
 * previous chain hash, so the verifier can tell altered, missing,
 * reordered and inserted events apart. Signed checkpoints commit to the
 * RFC 6962 Merkle tree hash of all leaves so far, and to the previous
 * checkpoint, so a rewritten history does not verify.
 */
import { createHash } from 'node:crypto';
import type { ArchivedCheckpoint } from '../ports/audit.ts';
import type { AuditEventInput } from '../ports/index.ts';

/** SHA-256 digest size. */
export const HASH_BYTES = 32;
/** Chain hash before the first event. */
export const GENESIS = Buffer.alloc(HASH_BYTES).toString('hex');

/** An audit event as stored (no raw subject id: only its pseudonym). */
export interface AuditEvent {
  readonly eventId: string;
  readonly seq: number;
  readonly time: string;
  readonly actor: string;
  readonly action: AuditEventInput['action'];
  readonly recordId?: string;
  readonly subjectPseudonym?: string;
  readonly dataset?: string;
  readonly basis?: string;
  readonly policyVersion?: string;
  readonly outcome: AuditEventInput['outcome'];
  readonly reason?: string;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Schema version: {@link EVENT_VERSION} for events that carry a writer
   * MAC; absent on events written before (legacy v1), which verify only
   * before the first MACed event.
   */
  readonly v?: number;
  /** The writer that staged the event (covered by its MAC). */
  readonly writer?: string;
  /** The writer's MAC over {@link macBytes} (base64). */
  readonly mac?: string;
}

/** Schema version of events that carry a writer MAC. */
export const EVENT_VERSION = 2;

/** A stored event with its hashes (hex). */
export interface ChainedEvent extends AuditEvent {
  readonly leafHash: string;
  readonly prevHash: string;
  readonly chainHash: string;
}

/** A signed checkpoint. */
export interface Checkpoint {
  readonly index: number;
  readonly treeSize: number;
  readonly rootHash: string;
  readonly chainHash: string;
  readonly prevCheckpointHash: string;
  readonly time: string;
  readonly keyId: string;
  readonly algorithm: string;
  readonly signature: string;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map(canonical).join(',')}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Canonical bytes of an object without the `omit` fields. */
function canonicalWithout(value: object, omit: readonly string[]): Buffer {
  const rest = Object.fromEntries(Object.entries(value).filter(([k]) => !omit.includes(k)));
  return Buffer.from(canonical(rest), 'utf8');
}

/** Canonical bytes of an event: sorted keys, no hash fields. */
export function eventBytes(event: AuditEvent): Buffer {
  return canonicalWithout(event, ['leafHash', 'prevHash', 'chainHash']);
}

/**
 * The bytes a writer's MAC covers: the event as staged, before it has a
 * place in the chain (no seq, no hashes) and without the MAC itself.
 */
export function macBytes(event: Omit<AuditEvent, 'seq'> | AuditEvent): Buffer {
  return canonicalWithout(event, ['seq', 'leafHash', 'prevHash', 'chainHash', 'mac']);
}

/** RFC 6962 leaf hash: H(0x00 ‖ data). */
export function leafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(Buffer.from([0])).update(data).digest();
}

/** RFC 6962 node hash: H(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();
}

/** Links an event into the chain after `prevHash`. */
export function chainEvent(event: AuditEvent, prevHash: string): ChainedEvent {
  const leaf = leafHash(eventBytes(event));
  return {
    ...event,
    leafHash: leaf.toString('hex'),
    prevHash,
    chainHash: nodeHash(Buffer.from(prevHash, 'hex'), leaf).toString('hex'),
  };
}

/** Stored state of a {@link MerkleFrontier}. */
export interface FrontierState {
  readonly size: number;
  readonly nodes: readonly { readonly size: number; readonly hash: string }[];
}

/**
 * Incremental RFC 6962 Merkle tree hash: keeps the perfect subtrees of
 * the left-balanced tree, so the root of every prefix costs O(log n).
 */
export class MerkleFrontier {
  private readonly stack: { size: number; hash: Buffer }[] = [];
  private count = 0;

  /** Leaves appended so far. */
  get size(): number {
    return this.count;
  }

  /** Serialisable state (stored in the trail head). */
  toState(): FrontierState {
    return {
      size: this.count,
      nodes: this.stack.map((n) => ({ size: n.size, hash: n.hash.toString('hex') })),
    };
  }

  /** Restores a frontier from its state. */
  static fromState(state: FrontierState | undefined): MerkleFrontier {
    const f = new MerkleFrontier();
    if (state !== undefined) {
      for (const n of state.nodes) {
        f.stack.push({ size: n.size, hash: Buffer.from(n.hash, 'hex') });
      }
      f.count = state.size;
    }
    return f;
  }

  /** Appends a leaf hash. */
  append(leaf: Uint8Array): void {
    let node: { size: number; hash: Buffer } = { size: 1, hash: Buffer.from(leaf) };
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (top === undefined || top.size !== node.size) {
        break;
      }
      this.stack.pop();
      node = { size: top.size * 2, hash: nodeHash(top.hash, node.hash) };
    }
    this.stack.push(node);
    this.count += 1;
  }

  /** The Merkle tree hash of the leaves so far (hex). */
  root(): string {
    if (this.stack.length === 0) {
      return createHash('sha256').digest('hex');
    }
    let hash = (this.stack[this.stack.length - 1] as { hash: Buffer }).hash;
    for (let i = this.stack.length - 2; i >= 0; i -= 1) {
      hash = nodeHash((this.stack[i] as { hash: Buffer }).hash, hash);
    }
    return hash.toString('hex');
  }
}

/** The Merkle tree hash of a list of leaf hashes (hex). */
export function merkleRoot(leaves: readonly Uint8Array[]): string {
  const frontier = new MerkleFrontier();
  for (const leaf of leaves) {
    frontier.append(leaf);
  }
  return frontier.root();
}

/** The bytes a checkpoint signature covers. */
export function checkpointBytes(
  cp: Omit<Checkpoint, 'signature'> | Checkpoint,
): Buffer {
  const { signature: _s, ...rest } = cp as Checkpoint;
  return Buffer.from(canonical(rest), 'utf8');
}

/** Hash of a whole checkpoint, signature included (links checkpoints). */
export function checkpointHash(cp: Checkpoint): string {
  return createHash('sha256')
    .update(Buffer.from(canonical(cp), 'utf8'))
    .digest('hex');
}

/** Kinds of verification failure. */
export type ProblemKind =
  | 'altered'
  | 'missing'
  | 'reordered'
  | 'inserted'
  | 'bad-signature'
  | 'checkpoint-mismatch'
  | 'unauthenticated';

/** The first problem found. */
export interface TrailProblem {
  readonly kind: ProblemKind;
  /** Event sequence number or checkpoint index. */
  readonly at: { readonly seq?: number; readonly eventId?: string; readonly checkpoint?: number };
  readonly message: string;
}

/** Result of verification. */
export interface TrailVerdict {
  readonly ok: boolean;
  readonly eventsChecked: number;
  readonly checkpointsChecked: number;
  /** Checkpoints compared with their Object-Lock copies. */
  readonly archivedChecked?: number;
  readonly problem?: TrailProblem;
}

/**
 * Whether an event's writer MAC verifies: true or false, or undefined
 * when the verifier holds no MAC key to check it with.
 */
export type MacCheck = (event: ChainedEvent, index: number) => boolean | undefined;

/**
 * The writer-proof problem of one event, if any: an event of schema
 * {@link EVENT_VERSION} needs a MAC that verifies; a legacy event (no
 * `v`) is accepted only before the first versioned one, since every
 * writer has MACed since.
 */
function writerProblem(e: ChainedEvent, index: number, seenVersioned: boolean, macOk: MacCheck | undefined): TrailProblem | undefined {
  const at = { seq: e.seq, eventId: e.eventId };
  const forged = { kind: 'unauthenticated' as const, at, message: `event ${e.seq} has no valid writer MAC: written by someone without a writer key` };
  if (e.v === undefined) {
    return seenVersioned ? forged : undefined;
  }
  if (e.v !== EVENT_VERSION || typeof e.mac !== 'string') {
    return forged;
  }
  const valid = macOk?.(e, index);
  if (valid === undefined) {
    return { kind: 'unauthenticated', at, message: `event ${e.seq} carries a writer MAC but this verifier has no audit-MAC key to check it` };
  }
  return valid ? undefined : forged;
}

/**
 * Verifies events (in stored order) and checkpoints; returns the first
 * problem. `verifySignature` checks one checkpoint's signature, `macOk`
 * one event's writer MAC. `headSize` is the head read before the events
 * (it may not exceed them), `headSizeAfter` the head read after them (they
 * may not exceed it): so concurrent appends never look like tampering.
 */
export async function verifyTrail(
  events: readonly ChainedEvent[],
  checkpoints: readonly Checkpoint[],
  verifySignature: (cp: Checkpoint) => Promise<boolean>,
  headSize?: number,
  macOk?: MacCheck,
  headSizeAfter?: number,
): Promise<TrailVerdict> {
  const fail = (problem: TrailProblem, e: number, c: number): TrailVerdict => ({
    ok: false,
    eventsChecked: e,
    checkpointsChecked: c,
    problem,
  });
  const storedChains = new Map(events.map((e, i) => [e.chainHash, i]));
  const frontier = new MerkleFrontier();
  const roots = new Map<number, string>();
  const chains: string[] = [];
  let prev = GENESIS;
  let beforePrev: string | undefined;
  let seenVersioned = false;
  const ids = new Map<string, number>();
  for (let i = 0; i < events.length; i += 1) {
    const e = events[i] as ChainedEvent;
    const at = { seq: e.seq, eventId: e.eventId };
    if (e.seq > i) {
      return fail({ kind: 'missing', at, message: `event(s) ${i}..${e.seq - 1} are missing before seq ${e.seq}` }, i, 0);
    }
    if (e.seq < i) {
      return fail({ kind: 'inserted', at, message: `a second event claims seq ${e.seq}` }, i, 0);
    }
    const leaf = leafHash(eventBytes(e));
    if (leaf.toString('hex') !== e.leafHash) {
      return fail({ kind: 'altered', at, message: `event ${e.seq} (${e.eventId}) was altered: its content does not match its leaf hash` }, i, 0);
    }
    if (e.prevHash !== prev) {
      if (beforePrev !== undefined && e.prevHash === beforePrev) {
        const inserted = events[i - 1] as ChainedEvent;
        return fail({ kind: 'inserted', at: { seq: inserted.seq, eventId: inserted.eventId }, message: `event ${inserted.seq} (${inserted.eventId}) was inserted: the next event is chained to the one before it` }, i, 0);
      }
      const later = storedChains.get(e.prevHash);
      if (later !== undefined && later > i) {
        return fail({ kind: 'reordered', at, message: `event ${e.seq} (${e.eventId}) is out of order: it was chained after event now at seq ${events[later]?.seq}` }, i, 0);
      }
      return fail({ kind: 'missing', at, message: `an event is missing before seq ${e.seq} (${e.eventId}): its predecessor is not in the trail` }, i, 0);
    }
    const chain = nodeHash(Buffer.from(prev, 'hex'), leaf).toString('hex');
    if (chain !== e.chainHash) {
      return fail({ kind: 'altered', at, message: `event ${e.seq} (${e.eventId}) has an altered chain hash` }, i, 0);
    }
    const unproven = writerProblem(e, i, seenVersioned, macOk);
    if (unproven !== undefined) {
      return fail(unproven, i, 0);
    }
    seenVersioned ||= e.v !== undefined;
    // A MACed event copied to the tail keeps a valid MAC: its id gives it away.
    const first = ids.get(e.eventId);
    if (first !== undefined) {
      return fail({ kind: 'inserted', at, message: `event ${e.seq} repeats the event id of event ${first}: a replayed copy` }, i, 0);
    }
    ids.set(e.eventId, e.seq);
    frontier.append(leaf);
    roots.set(frontier.size, frontier.root());
    chains.push(chain);
    beforePrev = prev;
    prev = chain;
  }
  if (headSize !== undefined && headSize > events.length) {
    return fail({ kind: 'missing', at: { seq: events.length }, message: `the trail head records ${headSize} events but only ${events.length} are present: events ${events.length}..${headSize - 1} are missing` }, events.length, 0);
  }
  if (headSizeAfter !== undefined && headSizeAfter < events.length) {
    return fail({ kind: 'inserted', at: { seq: headSizeAfter }, message: `events ${headSizeAfter}..${events.length - 1} lie beyond the trail head (${headSizeAfter} events): they were written outside wasure, or the head was reset` }, events.length, 0);
  }
  let prevCp = GENESIS;
  for (let k = 0; k < checkpoints.length; k += 1) {
    const cp = checkpoints[k] as Checkpoint;
    const at = { checkpoint: cp.index };
    if (cp.index !== k) {
      return fail({ kind: cp.index > k ? 'missing' : 'inserted', at, message: `checkpoint ${k} expected, found index ${cp.index}` }, events.length, k);
    }
    if (!(await verifySignature(cp))) {
      return fail({ kind: 'bad-signature', at, message: `checkpoint ${cp.index} has a bad signature` }, events.length, k);
    }
    if (cp.prevCheckpointHash !== prevCp) {
      return fail({ kind: 'checkpoint-mismatch', at, message: `checkpoint ${cp.index} does not link to checkpoint ${k - 1}` }, events.length, k);
    }
    if (cp.treeSize > events.length) {
      return fail({ kind: 'missing', at: { ...at, seq: events.length }, message: `checkpoint ${cp.index} covers ${cp.treeSize} events but only ${events.length} are present` }, events.length, k);
    }
    const root = cp.treeSize === 0 ? merkleRoot([]) : roots.get(cp.treeSize);
    if (root !== cp.rootHash || (cp.treeSize > 0 && chains[cp.treeSize - 1] !== cp.chainHash)) {
      return fail({ kind: 'checkpoint-mismatch', at, message: `the events up to seq ${cp.treeSize - 1} do not match the signed root of checkpoint ${cp.index}: history was rewritten` }, events.length, k);
    }
    prevCp = checkpointHash(cp);
  }
  return { ok: true, eventsChecked: events.length, checkpointsChecked: checkpoints.length };
}

/** The archived checkpoint document name of an index. */
export function checkpointKey(index: number): string {
  return `checkpoints/${String(index).padStart(10, '0')}.json`;
}

/**
 * Compares the trail's checkpoints with their archived (Object-Lock)
 * copies, both ways. Each archived name must hold one version, written
 * once, whose document is in the trail unchanged: a checkpoint archived
 * but missing from the trail shows a trail cut back (tail events and
 * checkpoints deleted, head reset), which the trail alone cannot show.
 * Each trail checkpoint must be archived: one that is not was never
 * locked, so nothing outside the table vouches for it.
 */
export function checkArchive(
  checkpoints: readonly Checkpoint[],
  archived: readonly ArchivedCheckpoint[],
): TrailProblem | undefined {
  const byIndex = new Map(checkpoints.map((c) => [c.index, c]));
  const archivedIndexes = new Set<number>();
  for (const { key, versions, document } of archived) {
    const cp = document as Partial<Checkpoint> | null;
    if (typeof cp?.index !== 'number' || typeof cp.treeSize !== 'number' || key !== checkpointKey(cp.index)) {
      return { kind: 'checkpoint-mismatch', at: {}, message: `the archived checkpoint document ${key} is malformed or not under its own index` };
    }
    if (versions > 1) {
      return {
        kind: 'checkpoint-mismatch',
        at: { checkpoint: cp.index },
        message: `checkpoint ${cp.index} has ${versions} versions in the archive: a checkpoint is written once, so it was overwritten or deleted`,
      };
    }
    archivedIndexes.add(cp.index);
    const inTrail = byIndex.get(cp.index);
    if (inTrail === undefined) {
      return {
        kind: 'missing',
        at: { checkpoint: cp.index, seq: cp.treeSize - 1 },
        message: `checkpoint ${cp.index} (covering ${cp.treeSize} events) is in the Object-Lock archive but not in the trail: the trail was cut back`,
      };
    }
    if (canonical(inTrail) !== canonical(cp)) {
      return {
        kind: 'checkpoint-mismatch',
        at: { checkpoint: cp.index },
        message: `checkpoint ${cp.index} in the trail differs from its Object-Lock copy`,
      };
    }
  }
  const unarchived = checkpoints.find((c) => !archivedIndexes.has(c.index));
  return unarchived === undefined
    ? undefined
    : {
        kind: 'missing',
        at: { checkpoint: unarchived.index },
        message: `checkpoint ${unarchived.index} is in the trail but has no archived copy: nothing outside the table vouches for it`,
      };
}
