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
