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
import type { AuditEventInput } from '../ports/index.ts';

/** One archived checkpoint name, as the archive holds it. */
export interface ArchivedCheckpoint {
  /** Object key (`checkpoints/NNNNNNNNNN.json`). */
  readonly key: string;
  /**
   * Versions (delete markers included) the archive holds under the key: a
   * checkpoint is written once, so more than one is tampering.
   */
  readonly versions: number;
  /**
   * The oldest version's document, parsed (what was first written);
   * undefined when not read (below the `fromIndex` asked for).
   */
  readonly document: unknown;
}

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

/** Canonical JSON: sorted keys, no undefined fields (what hashes, MACs and signatures cover). */
export function canonical(value: unknown): string {
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

  /**
   * Appends a leaf hash. `onNode` is told each perfect subtree the leaf
   * completes (its first leaf, size and hash), the leaf itself first.
   */
  append(leaf: Uint8Array, onNode?: (start: number, size: number, hash: Buffer) => void): void {
    let node: { size: number; hash: Buffer } = { size: 1, hash: Buffer.from(leaf) };
    onNode?.(this.count, 1, node.hash);
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (top === undefined || top.size !== node.size) {
        break;
      }
      this.stack.pop();
      node = { size: top.size * 2, hash: nodeHash(top.hash, node.hash) };
      onNode?.(this.count + 1 - node.size, node.size, node.hash);
    }
    this.stack.push(node);
    this.count += 1;
  }

  /** The Merkle tree hash of the leaves so far (hex). */
  root(): string {
    if (this.stack.length === 0) {
      return createHash('sha256').digest('hex');
    }
    return (this.rootFrom(0) as Buffer).toString('hex');
  }

  /**
   * MTH of the leaves from `start` to the end, when `start` is where one
   * of the frontier's perfect subtrees begins (else undefined): the right
   * subtrees a consistency proof needs.
   */
  rootFrom(start: number): Buffer | undefined {
    let begin = this.count;
    let hash: Buffer | undefined;
    for (let i = this.stack.length - 1; i >= 0 && begin > start; i -= 1) {
      const node = this.stack[i] as { size: number; hash: Buffer };
      begin -= node.size;
      hash = hash === undefined ? node.hash : nodeHash(node.hash, hash);
    }
    return begin === start ? hash : undefined;
  }

  /** The hash of the frontier's perfect subtree over `start`..`start + size - 1`, if it is one. */
  block(start: number, size: number): Buffer | undefined {
    let begin = 0;
    for (const node of this.stack) {
      if (begin === start && node.size === size) {
        return node.hash;
      }
      begin += node.size;
    }
    return undefined;
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

/** The chain state a checkpoint covers: its index, the Merkle tree, the chain hash and the previous checkpoint's hash. */
export type CheckpointState = Pick<Checkpoint, 'index' | 'treeSize' | 'rootHash' | 'chainHash' | 'prevCheckpointHash'>;

/** Signs the checkpoint of a chain state at `time` with the checkpoint key (what every trail's `checkpoint()` writes). */
export async function signCheckpoint(
  signer: { readonly keyId: string; readonly algorithm: string; sign(bytes: Uint8Array): Promise<Uint8Array> },
  state: CheckpointState,
  time: string,
): Promise<Checkpoint> {
  const unsigned = { ...state, time, keyId: signer.keyId, algorithm: signer.algorithm };
  const signature = Buffer.from(await signer.sign(checkpointBytes(unsigned))).toString('base64');
  return { ...unsigned, signature };
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
    if (document === undefined) {
      // Not read (older than the checkpoints being checked): only counted.
      if (versions > 1) {
        return { kind: 'checkpoint-mismatch', at: {}, message: `the archived checkpoint ${key} has ${versions} versions: a checkpoint is written once, so it was overwritten or deleted` };
      }
      continue;
    }
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
