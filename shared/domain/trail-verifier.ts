/**
 * The streaming audit-trail verifier. It is fed the trail's events page by
 * page in seq order and holds only a Merkle frontier, the chain hash and a
 * fixed-size filter of event ids, so memory stays flat however long the
 * trail is. Its state ({@link VerifierState}) can be saved after a run and
 * resumed by the next: the last verified signed checkpoint is the anchor,
 * and each later checkpoint is checked against it with an RFC 9162
 * consistency proof built from the anchor's frontier and the perfect
 * subtrees completed since, as well as by its root and chain hash. Pure:
 * signature and MAC checks are passed in.
 */
import { createHash } from 'node:crypto';
import {
  type ChainedEvent,
  type Checkpoint,
  checkpointHash,
  EVENT_VERSION,
  eventBytes,
  type FrontierState,
  GENESIS,
  leafHash,
  type MacCheck,
  MerkleFrontier,
  nodeHash,
  type TrailProblem,
  type TrailVerdict,
} from './audit-chain.ts';
import { consistencyRanges, verifyConsistency } from './merkle-proof.ts';

/** The last verified checkpoint: where consistency proofs start. */
export interface VerifierAnchor {
  readonly index: number;
  readonly treeSize: number;
  readonly rootHash: string;
  /** The Merkle frontier at `treeSize` (its root is `rootHash`). */
  readonly frontier: FrontierState;
}

/** A perfect subtree completed after the anchor that its proofs need. */
export interface SiblingNode {
  readonly start: number;
  readonly size: number;
  readonly hash: string;
}

/** Everything a verification run needs to go on where another stopped. */
export interface VerifierState {
  /** Events verified: the next seq to read. */
  readonly position: number;
  /** Chain hash after event `position - 1` (GENESIS at 0). */
  readonly chainHash: string;
  /** Chain hash before it (tells an inserted event from a missing one). */
  readonly prevChainHash?: string;
  /** Merkle frontier over events `0..position - 1`. */
  readonly frontier: FrontierState;
  /** Whether a MACed (schema v2) event has been seen. */
  readonly seenVersioned: boolean;
  /** Checkpoints verified: the next checkpoint index. */
  readonly checkpoints: number;
  /** Hash of checkpoint `checkpoints - 1` (GENESIS before the first). */
  readonly lastCheckpointHash: string;
  /** The last verified checkpoint; null before the first. */
  readonly anchor: VerifierAnchor | null;
  /** Subtrees after the anchor its consistency proofs need, as completed. */
  readonly siblings: readonly SiblingNode[];
}

/** The state before the first event. */
export const GENESIS_STATE: VerifierState = {
  position: 0,
  chainHash: GENESIS,
  frontier: { size: 0, nodes: [] },
  seenVersioned: false,
  checkpoints: 0,
  lastCheckpointHash: GENESIS,
  anchor: null,
  siblings: [],
};

/**
 * The perfect subtrees after leaf `m - 1` that a consistency proof from a
 * tree of `m` leaves to a larger one may need besides the right edge: at
 * each level, the right sibling of the subtree holding leaf `m - 1` when
 * that subtree is a left child. Keys `start:size`; none for m = 0.
 */
export function completingSiblings(m: number): Set<string> {
  const keys = new Set<string>();
  for (let size = 1; m > 0 && size <= 2 ** 52; size *= 2) {
    const q = Math.floor((m - 1) / size);
    if (q % 2 === 0) {
      keys.add(`${(q + 1) * size}:${size}`);
    }
  }
  return keys;
}

/** Bits of the event-id filter: 2^27 bits (16 MiB), fixed whatever the trail's length. */
const FILTER_BITS = 2 ** 27;
/** Bit positions per id. */
const FILTER_HASHES = 7;

/**
 * A Bloom filter of event ids: a replayed event (a MACed event copied to
 * the tail keeps a valid MAC) repeats an id. A hit is only a suspect; the
 * caller confirms suspects by reading the run's events again.
 */
class IdFilter {
  private readonly bits = new Uint8Array(FILTER_BITS / 8);

  /** Adds an id; true when it may have been added before. */
  add(id: string): boolean {
    const digest = createHash('sha256').update(id, 'utf8').digest();
    let seen = true;
    for (let k = 0; k < FILTER_HASHES; k += 1) {
      const bit = digest.readUInt32BE(k * 4) % FILTER_BITS;
      const mask = 1 << (bit & 7);
      const byte = bit >>> 3;
      if (((this.bits[byte] as number) & mask) === 0) {
        seen = false;
        this.bits[byte] = (this.bits[byte] as number) | mask;
      }
    }
    return seen;
  }
}

/** Checks one checkpoint's signature. */
export type SignatureCheck = (cp: Checkpoint) => Promise<boolean>;

/**
 * Verifies the events and checkpoints that follow a {@link VerifierState}.
 * Feed it pages of events in stored order ({@link feed}); then
 * {@link finish}. The first problem stops it.
 */
export class TrailVerifier {
  private position: number;
  private chainHash: string;
  private prevChainHash: string | undefined;
  private readonly frontier: MerkleFrontier;
  private seenVersioned: boolean;
  private checkpointsVerified: number;
  private lastCheckpointHash: string;
  private anchor: VerifierAnchor | null;
  private siblings: Map<string, Buffer>;
  private needed: Set<string>;
  /** The state as it stood at the last verified checkpoint. */
  private anchorState: VerifierState | null;
  private readonly ids = new IdFilter();
  /** Ids seen more than once by the filter, with the seqs that carried them. */
  readonly suspects = new Map<string, number[]>();
  /** Where this run started. */
  readonly start: VerifierState;
  private nextCheckpoint = 0;

  /**
   * @param state where to start (GENESIS_STATE to verify from zero)
   * @param checkpoints the trail's checkpoints from index `state.checkpoints` on, in index order
   */
  constructor(
    state: VerifierState,
    private readonly checkpoints: readonly Checkpoint[],
    private readonly verifySignature: SignatureCheck,
    anchorState: VerifierState | null = null,
  ) {
    this.start = state;
    this.position = state.position;
    this.chainHash = state.chainHash;
    this.prevChainHash = state.prevChainHash;
    this.frontier = MerkleFrontier.fromState(state.frontier);
    this.seenVersioned = state.seenVersioned;
    this.checkpointsVerified = state.checkpoints;
    this.lastCheckpointHash = state.lastCheckpointHash;
    this.anchor = state.anchor;
    this.anchorState = anchorState;
    this.needed = state.anchor === null ? new Set() : completingSiblings(state.anchor.treeSize);
    this.siblings = new Map(state.siblings.map((s) => [`${s.start}:${s.size}`, Buffer.from(s.hash, 'hex')]));
  }

  /** Events verified so far (the trail's length up to which it holds). */
  get verifiedSize(): number {
    return this.position;
  }

  /** Checkpoints verified so far. */
  get checkpointsChecked(): number {
    return this.checkpointsVerified;
  }

  /** The state to resume from. */
  state(): VerifierState {
    return {
      position: this.position,
      chainHash: this.chainHash,
      ...(this.prevChainHash === undefined ? {} : { prevChainHash: this.prevChainHash }),
      frontier: this.frontier.toState(),
      seenVersioned: this.seenVersioned,
      checkpoints: this.checkpointsVerified,
      lastCheckpointHash: this.lastCheckpointHash,
      anchor: this.anchor,
      siblings: [...this.siblings].map(([key, hash]) => {
        const [start, size] = key.split(':').map(Number) as [number, number];
        return { start, size, hash: hash.toString('hex') };
      }),
    };
  }

  /** The state at the last verified checkpoint (this run's or the one it started from). */
  stateAtAnchor(): VerifierState | null {
    return this.anchorState;
  }

  /**
   * Verifies the next page of events. `macOk(event, i)` tells whether the
   * i-th event of the page carries a valid writer MAC.
   */
  async feed(page: readonly ChainedEvent[], macOk?: MacCheck): Promise<TrailProblem | undefined> {
    const first = await this.checkpointsAt();
    if (first !== undefined) return first;
    for (let i = 0; i < page.length; i += 1) {
      const problem = this.event(page, i, macOk) ?? (await this.checkpointsAt());
      if (problem !== undefined) {
        return problem;
      }
    }
    return undefined;
  }

  private event(page: readonly ChainedEvent[], i: number, macOk: MacCheck | undefined): TrailProblem | undefined {
    const e = page[i] as ChainedEvent;
    const at = { seq: e.seq, eventId: e.eventId };
    if (e.seq > this.position) {
      return { kind: 'missing', at, message: `event(s) ${this.position}..${e.seq - 1} are missing before seq ${e.seq}` };
    }
    if (e.seq < this.position) {
      return { kind: 'inserted', at, message: `a second event claims seq ${e.seq}` };
    }
    const leaf = leafHash(eventBytes(e));
    if (leaf.toString('hex') !== e.leafHash) {
      return { kind: 'altered', at, message: `event ${e.seq} (${e.eventId}) was altered: its content does not match its leaf hash` };
    }
    if (e.prevHash !== this.chainHash) {
      const before = page[i - 1];
      if (before !== undefined && this.prevChainHash !== undefined && e.prevHash === this.prevChainHash) {
        return { kind: 'inserted', at: { seq: before.seq, eventId: before.eventId }, message: `event ${before.seq} (${before.eventId}) was inserted: the next event is chained to the one before it` };
      }
      const later = page.slice(i + 1).find((x) => x.chainHash === e.prevHash);
      if (later !== undefined) {
        return { kind: 'reordered', at, message: `event ${e.seq} (${e.eventId}) is out of order: it was chained after event now at seq ${later.seq}` };
      }
      return { kind: 'missing', at, message: `an event is missing before seq ${e.seq} (${e.eventId}): its predecessor is not in the trail` };
    }
    const chain = nodeHash(Buffer.from(this.chainHash, 'hex'), leaf).toString('hex');
    if (chain !== e.chainHash) {
      return { kind: 'altered', at, message: `event ${e.seq} (${e.eventId}) has an altered chain hash` };
    }
    const unproven = writerProblem(e, i, this.seenVersioned, macOk);
    if (unproven !== undefined) {
      return unproven;
    }
    this.seenVersioned ||= e.v !== undefined;
    if (this.ids.add(e.eventId)) {
      this.suspects.set(e.eventId, [...(this.suspects.get(e.eventId) ?? []), e.seq]);
    }
    this.frontier.append(leaf, (start, size, hash) => {
      const key = `${start}:${size}`;
      if (this.needed.has(key)) {
        this.siblings.set(key, hash);
      }
    });
    this.prevChainHash = this.chainHash;
    this.chainHash = chain;
    this.position += 1;
    return undefined;
  }

  /** Verifies every checkpoint whose tree ends where the stream now is. */
  private async checkpointsAt(): Promise<TrailProblem | undefined> {
    for (;;) {
      const cp = this.checkpoints[this.nextCheckpoint];
      if (cp === undefined || cp.treeSize > this.position) {
        return undefined;
      }
      const k = this.checkpointsVerified;
      const at = { checkpoint: cp.index };
      if (cp.index !== k) {
        return { kind: cp.index > k ? 'missing' : 'inserted', at, message: `checkpoint ${k} expected, found index ${cp.index}` };
      }
      if (cp.treeSize < this.position) {
        return { kind: 'checkpoint-mismatch', at, message: `checkpoint ${cp.index} covers ${cp.treeSize} events, fewer than the ${this.position} already verified against checkpoint ${k - 1}: the tree cannot shrink` };
      }
      if (!(await this.verifySignature(cp))) {
        return { kind: 'bad-signature', at, message: `checkpoint ${cp.index} has a bad signature` };
      }
      if (cp.prevCheckpointHash !== this.lastCheckpointHash) {
        return { kind: 'checkpoint-mismatch', at, message: `checkpoint ${cp.index} does not link to checkpoint ${k - 1}` };
      }
      if (this.frontier.root() !== cp.rootHash || (cp.treeSize > 0 && this.chainHash !== cp.chainHash)) {
        return { kind: 'checkpoint-mismatch', at, message: `the events up to seq ${cp.treeSize - 1} do not match the signed root of checkpoint ${cp.index}: history was rewritten` };
      }
      if (!this.consistent(cp)) {
        return { kind: 'checkpoint-mismatch', at, message: `checkpoint ${cp.index} is not consistent with checkpoint ${this.anchor?.index}: its tree does not extend the earlier one` };
      }
      this.lastCheckpointHash = checkpointHash(cp);
      this.checkpointsVerified += 1;
      this.nextCheckpoint += 1;
      this.anchor = { index: cp.index, treeSize: cp.treeSize, rootHash: cp.rootHash, frontier: this.frontier.toState() };
      this.needed = completingSiblings(cp.treeSize);
      this.siblings = new Map();
      this.anchorState = this.state();
    }
  }

  /**
   * Builds the RFC 9162 consistency proof from the anchor to `cp` out of the
   * anchor's frontier, the subtrees completed since and the frontier now,
   * and checks it against both signed roots.
   */
  private consistent(cp: Checkpoint): boolean {
    const anchor = this.anchor;
    if (anchor === null || anchor.treeSize === 0) {
      return true;
    }
    if (anchor.treeSize === cp.treeSize) {
      return verifyConsistency(anchor.treeSize, cp.treeSize, Buffer.from(anchor.rootHash, 'hex'), Buffer.from(cp.rootHash, 'hex'), []);
    }
    const old = MerkleFrontier.fromState(anchor.frontier);
    const proof: Buffer[] = [];
    for (const r of consistencyRanges(anchor.treeSize, cp.treeSize)) {
      const size = r.end - r.start;
      const hash =
        r.end <= anchor.treeSize
          ? old.block(r.start, size)
          : (this.siblings.get(`${r.start}:${size}`) ??
            (r.end === cp.treeSize ? this.frontier.rootFrom(r.start) : undefined));
      if (hash === undefined) {
        return false;
      }
      proof.push(hash);
    }
    return verifyConsistency(anchor.treeSize, cp.treeSize, Buffer.from(anchor.rootHash, 'hex'), Buffer.from(cp.rootHash, 'hex'), proof);
  }

  /**
   * After the last page: the head read before the events (`headSize`) may
   * not exceed them, the head read after (`headSizeAfter`) may not fall
   * short of them, and every checkpoint read must have been reached.
   */
  async finish(headSize?: number, headSizeAfter?: number): Promise<TrailProblem | undefined> {
    const due = await this.checkpointsAt();
    if (due !== undefined) {
      return due;
    }
    const size = this.position;
    if (headSize !== undefined && headSize > size) {
      return { kind: 'missing', at: { seq: size }, message: `the trail head records ${headSize} events but only ${size} are present: events ${size}..${headSize - 1} are missing` };
    }
    if (headSizeAfter !== undefined && headSizeAfter < size) {
      return { kind: 'inserted', at: { seq: headSizeAfter }, message: `events ${headSizeAfter}..${size - 1} lie beyond the trail head (${headSizeAfter} events): they were written outside wasure, or the head was reset` };
    }
    const cp = this.checkpoints[this.nextCheckpoint];
    if (cp !== undefined) {
      return { kind: 'missing', at: { checkpoint: cp.index, seq: size }, message: `checkpoint ${cp.index} covers ${cp.treeSize} events but only ${size} are present` };
    }
    return undefined;
  }
}

/**
 * The writer-proof problem of one event, if any: an event of schema
 * {@link EVENT_VERSION} needs a MAC that verifies; a legacy event (no
 * `v`) is accepted only before the first versioned one, since every
 * writer has MACed since.
 */
export function writerProblem(e: ChainedEvent, index: number, seenVersioned: boolean, macOk: MacCheck | undefined): TrailProblem | undefined {
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

/** The first seq that repeats an earlier event's id, among `seqsById` (confirmed reads). */
export function replayProblem(seqsById: ReadonlyMap<string, readonly number[]>): TrailProblem | undefined {
  let found: { id: string; first: number; again: number } | undefined;
  for (const [id, seqs] of seqsById) {
    const sorted = [...seqs].sort((a, b) => a - b);
    if (sorted.length > 1 && (found === undefined || (sorted[1] as number) < found.again)) {
      found = { id, first: sorted[0] as number, again: sorted[1] as number };
    }
  }
  return found === undefined
    ? undefined
    : { kind: 'inserted', at: { seq: found.again, eventId: found.id }, message: `event ${found.again} repeats the event id of event ${found.first}: a replayed copy` };
}

/**
 * Verifies a whole trail held in memory (events in stored order, every
 * checkpoint) from zero; returns the first problem. `headSize` is the
 * head read before the events, `headSizeAfter` the head read after them,
 * so concurrent appends never look like tampering.
 */
export async function verifyTrail(
  events: readonly ChainedEvent[],
  checkpoints: readonly Checkpoint[],
  verifySignature: SignatureCheck,
  headSize?: number,
  macOk?: MacCheck,
  headSizeAfter?: number,
): Promise<TrailVerdict> {
  const verifier = new TrailVerifier(GENESIS_STATE, checkpoints, verifySignature);
  const problem =
    (await verifier.feed(events, macOk)) ??
    (await verifier.finish(headSize, headSizeAfter)) ??
    replayProblem(new Map([...verifier.suspects].map(([id]) => [id, events.filter((e) => e.eventId === id).map((e) => e.seq)])));
  return problem === undefined
    ? { ok: true, eventsChecked: verifier.verifiedSize, checkpointsChecked: verifier.checkpointsChecked }
    : { ok: false, eventsChecked: verifier.verifiedSize, checkpointsChecked: verifier.checkpointsChecked, problem };
}
