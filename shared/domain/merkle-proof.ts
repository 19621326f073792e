/**
 * RFC 6962 / RFC 9162 inclusion proofs over the audit trail's Merkle tree.
 * The tree is the one {@link MerkleFrontier} hashes: leaves are the events'
 * leaf hashes and interior nodes use {@link nodeHash} from audit-chain, so a
 * proof made here verifies against a signed checkpoint's `rootHash`. Pure
 * functions, no I/O.
 */
import { nodeHash } from './audit-chain.ts';

/** The largest power of two strictly below `n` (n ≥ 2): RFC 6962's split. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) {
    k *= 2;
  }
  return k;
}

/** MTH(D[from:to]) over leaf hashes; `to - from` ≥ 1. */
function subtreeHash(leaves: readonly Uint8Array[], from: number, to: number): Buffer {
  if (to - from === 1) {
    return Buffer.from(leaves[from] as Uint8Array);
  }
  const k = split(to - from);
  return nodeHash(subtreeHash(leaves, from, from + k), subtreeHash(leaves, from + k, to));
}

/**
 * The inclusion proof (audit path) of leaf `index` in the tree of the
 * first `treeSize` leaf hashes: RFC 6962 §2.1.1 `PATH(m, D[n])`, siblings
 * from the leaf upwards. It holds only subtree hashes, never other leaves'
 * content. Costs O(treeSize) hashing.
 *
 * @example
 * const path = inclusionProof(leafHashes, 5, 8); // three sibling hashes
 */
export function inclusionProof(
  leaves: readonly Uint8Array[],
  index: number,
  treeSize: number,
): Buffer[] {
  if (!Number.isSafeInteger(treeSize) || treeSize < 1 || treeSize > leaves.length) {
    throw new RangeError(`tree size ${treeSize} is not between 1 and ${leaves.length}`);
  }
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
    throw new RangeError(`leaf index ${index} is not in a tree of ${treeSize}`);
  }
  const path: Buffer[] = [];
  // Walks down from the root, collecting the sibling at each level; the
  // path is read from the leaf up, so siblings are prepended.
  let from = 0;
  let to = treeSize;
  while (to - from > 1) {
    const k = split(to - from);
    if (index < from + k) {
      path.unshift(subtreeHash(leaves, from + k, to));
      to = from + k;
    } else {
      path.unshift(subtreeHash(leaves, from, from + k));
      from += k;
    }
  }
  return path;
}

/**
 * The root an inclusion proof leads to (RFC 9162 §2.1.3.2), or undefined
 * when the path has the wrong length for `index` and `treeSize`.
 */
export function rootFromInclusionProof(
  index: number,
  treeSize: number,
  leaf: Uint8Array,
  path: readonly Uint8Array[],
): Buffer | undefined {
  if (
    !Number.isSafeInteger(index) ||
    !Number.isSafeInteger(treeSize) ||
    index < 0 ||
    index >= treeSize
  ) {
    return undefined;
  }
  // Bit operations are kept in BigInt: trails may outgrow 2^31 events.
  let fn = BigInt(index);
  let sn = BigInt(treeSize - 1);
  let r: Buffer = Buffer.from(leaf);
  for (const p of path) {
    if (sn === 0n) {
      return undefined;
    }
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : undefined;
}

/**
 * True when `path` proves that `leaf` is leaf `index` of the tree of
 * `treeSize` leaves whose root is `root`.
 *
 * @example
 * verifyInclusion(5, 8, leaf, path, Buffer.from(checkpoint.rootHash, 'hex'));
 */
export function verifyInclusion(
  index: number,
  treeSize: number,
  leaf: Uint8Array,
  path: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const computed = rootFromInclusionProof(index, treeSize, leaf, path);
  return computed?.equals(Buffer.from(root)) === true;
}

/** A node of a consistency proof: the subtree over leaves `start`..`end - 1`. */
export interface ProofRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The leaf ranges of the nodes of RFC 9162 §2.1.4.1 `PROOF(m, D[n])`, in
 * proof order, for 0 < m < n. Each is a subtree of the tree of `n` leaves;
 * which hashes they stand for is up to the caller, so a verifier holding
 * only the old tree's frontier and the new leaves can build the proof.
 *
 * @example
 * consistencyRanges(3, 8); // [{2,3}, {3,4}, {0,2}, {4,8}]
 */
export function consistencyRanges(m: number, n: number): ProofRange[] {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 1 || m >= n) {
    throw new RangeError(`no consistency proof from ${m} to ${n} leaves`);
  }
  const ranges: ProofRange[] = [];
  // SUBPROOF(m, D[from:to], b), unrolled: nodes are appended after the
  // sub-proof they follow, so they are collected and reversed per level.
  const tail: ProofRange[] = [];
  let from = 0;
  let to = n;
  let old = m;
  let complete = true;
  for (;;) {
    if (old === to - from) {
      if (!complete) {
        ranges.push({ start: from, end: to });
      }
      break;
    }
    const k = split(to - from);
    if (old <= k) {
      tail.unshift({ start: from + k, end: to });
      to = from + k;
    } else {
      tail.unshift({ start: from, end: from + k });
      from += k;
      old -= k;
      complete = false;
    }
  }
  return [...ranges, ...tail];
}

/** MTH(D[from:to]) of the leaf hashes, for tests and offline tools. */
export function consistencyProof(leaves: readonly Uint8Array[], m: number, n: number): Buffer[] {
  if (n > leaves.length) {
    throw new RangeError(`tree size ${n} is beyond ${leaves.length} leaves`);
  }
  return consistencyRanges(m, n).map((r) => subtreeHash(leaves, r.start, r.end));
}

/**
 * True when `proof` proves that the tree of `m` leaves with root `oldRoot`
 * is a prefix of the tree of `n` leaves with root `newRoot` (RFC 9162
 * §2.1.4.2). Equal sizes need an empty proof and equal roots.
 *
 * @example
 * verifyConsistency(3, 8, oldRoot, newRoot, consistencyProof(leaves, 3, 8));
 */
export function verifyConsistency(
  m: number,
  n: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m < 1 || m > n) {
    return false;
  }
  if (m === n) {
    return proof.length === 0 && Buffer.from(oldRoot).equals(Buffer.from(newRoot));
  }
  const path = [...proof];
  let fn = BigInt(m - 1);
  let sn = BigInt(n - 1);
  // An old tree that is a perfect subtree is itself the first node.
  if ((BigInt(m) & BigInt(m - 1)) === 0n) {
    path.unshift(oldRoot);
  }
  if (path.length === 0) {
    return false;
  }
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr: Buffer = Buffer.from(fr);
  for (const c of path.slice(1)) {
    if (sn === 0n) {
      return false;
    }
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n && fr.equals(Buffer.from(oldRoot)) && sr.equals(Buffer.from(newRoot));
}
