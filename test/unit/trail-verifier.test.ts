import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type ChainedEvent,
  type Checkpoint,
  chainEvent,
  checkpointBytes,
  checkpointHash,
  GENESIS,
  leafHash,
  MerkleFrontier,
  merkleRoot,
} from '#shared/domain/audit-chain.ts';
import { consistencyProof, consistencyRanges, verifyConsistency } from '#shared/domain/merkle-proof.ts';
import { completingSiblings, GENESIS_STATE, TrailVerifier, type VerifierState, verifyTrail } from '#shared/domain/trail-verifier.ts';

const unhex = (s: string) => Buffer.from(s, 'hex');

// Certificate Transparency's reference data (the RFC 6962 test vectors
// published with the CT and transparency-dev/merkle suites).
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((d) =>
  leafHash(unhex(d)),
);
const CT_CONSISTENCY: readonly [number, number, string[]][] = [
  [1, 8, ['96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7', '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4']],
  [6, 8, ['0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a', 'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0', 'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']],
  [2, 5, ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b']],
];

describe('RFC 9162 consistency proofs', () => {
  it.each(CT_CONSISTENCY)('builds and accepts the published proof from %i to %i leaves', (m, n, expected) => {
    const proof = consistencyProof(CT_LEAVES, m, n);
    expect(proof.map((p) => p.toString('hex'))).toEqual(expected);
    expect(verifyConsistency(m, n, unhex(merkleRoot(CT_LEAVES.slice(0, m))), unhex(merkleRoot(CT_LEAVES.slice(0, n))), proof)).toBe(true);
  });

  it('proves every prefix of 1..40 leaves consistent, and refuses a changed node or old root', () => {
    const leaves = Array.from({ length: 40 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
    for (let n = 2; n <= leaves.length; n += 1) {
      const newRoot = unhex(merkleRoot(leaves.slice(0, n)));
      for (let m = 1; m < n; m += 1) {
        const oldRoot = unhex(merkleRoot(leaves.slice(0, m)));
        const proof = consistencyProof(leaves, m, n);
        expect(verifyConsistency(m, n, oldRoot, newRoot, proof), `${m}→${n}`).toBe(true);
        const bent = proof.map((p, i) => (i === proof.length - 1 ? leafHash(p) : p));
        expect(verifyConsistency(m, n, oldRoot, newRoot, bent)).toBe(false);
        expect(verifyConsistency(m, n, newRoot, newRoot, proof)).toBe(false);
      }
    }
  });

  it('refuses a proof from a forked history: same size, other leaves', () => {
    const leaves = Array.from({ length: 12 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
    const forked = leaves.map((l, i) => (i === 3 ? leafHash(Buffer.from('rewritten')) : l));
    const oldForkedRoot = unhex(merkleRoot(forked.slice(0, 7)));
    expect(verifyConsistency(7, 12, oldForkedRoot, unhex(merkleRoot(leaves)), consistencyProof(leaves, 7, 12))).toBe(false);
  });

  it('needs, besides the right edge, only subtrees of the old tree and the completing siblings of its last leaf', () => {
    for (let m = 1; m < 70; m += 1) {
      const siblings = completingSiblings(m);
      for (let n = m + 1; n <= 140; n += 1) {
        for (const r of consistencyRanges(m, n)) {
          const inside = r.end <= m;
          const sibling = siblings.has(`${r.start}:${r.end - r.start}`);
          expect(inside || sibling || r.end === n, `${m}→${n}: ${r.start}..${r.end}`).toBe(true);
        }
      }
    }
  });
});

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const verifySig = async (cp: Checkpoint) => verify(null, checkpointBytes(cp), publicKey, Buffer.from(cp.signature, 'base64'));

/** A chained trail of `n` events with checkpoints signed at `sizes`. */
function trailWith(n: number, sizes: readonly number[]): { events: ChainedEvent[]; checkpoints: Checkpoint[] } {
  const events: ChainedEvent[] = [];
  const roots = new Map<number, { root: string; chain: string }>([[0, { root: merkleRoot([]), chain: GENESIS }]]);
  const frontier = new MerkleFrontier();
  let prev = GENESIS;
  for (let i = 0; i < n; i += 1) {
    const c = chainEvent({ eventId: `e-${i}`, seq: i, time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), actor: 'system:test', action: 'erasure', outcome: 'ok' }, prev);
    events.push(c);
    prev = c.chainHash;
    frontier.append(Buffer.from(c.leafHash, 'hex'));
    roots.set(i + 1, { root: frontier.root(), chain: c.chainHash });
  }
  const checkpoints: Checkpoint[] = [];
  for (const size of sizes) {
    const last = checkpoints.at(-1);
    const at = roots.get(size) as { root: string; chain: string };
    const unsigned = {
      index: checkpoints.length,
      treeSize: size,
      rootHash: at.root,
      chainHash: at.chain,
      prevCheckpointHash: last === undefined ? GENESIS : checkpointHash(last),
      time: '2026-01-02T00:00:00.000Z',
      keyId: 'k',
      algorithm: 'ED25519',
    };
    checkpoints.push({ ...unsigned, signature: sign(null, checkpointBytes(unsigned), privateKey).toString('base64') });
  }
  return { events, checkpoints };
}

/** Verifies from `state` with the events and checkpoints after it, in pages of `page`. */
async function runFrom(
  state: VerifierState,
  t: { events: ChainedEvent[]; checkpoints: Checkpoint[] },
  page: number,
  stopAt = t.events.length,
): Promise<{ verifier: TrailVerifier; problem: unknown }> {
  const verifier = new TrailVerifier(state, t.checkpoints.slice(state.checkpoints), verifySig);
  const rest = t.events.slice(state.position, stopAt);
  for (let i = 0; i < rest.length; i += page) {
    const problem = await verifier.feed(rest.slice(i, i + page));
    if (problem !== undefined) return { verifier, problem };
  }
  const problem = stopAt === t.events.length ? await verifier.finish(t.events.length, t.events.length) : undefined;
  return { verifier, problem };
}

describe('the streaming verifier', () => {
  const sizes = [1, 3, 4, 4, 7, 16, 17, 33, 50, 64, 65];

  it('verifies a trail whatever the page size, checking each checkpoint by root and by consistency proof', async () => {
    const t = trailWith(65, sizes);
    for (const page of [1, 2, 5, 64, 1000]) {
      const { verifier, problem } = await runFrom(GENESIS_STATE, t, page);
      expect(problem).toBeUndefined();
      expect(verifier.verifiedSize).toBe(65);
      expect(verifier.checkpointsChecked).toBe(sizes.length);
    }
  });

  it('resumes from a saved state at every position and reaches the same verdict', async () => {
    const t = trailWith(65, sizes);
    for (let stop = 0; stop <= 65; stop += 1) {
      const first = await runFrom(GENESIS_STATE, t, 7, stop);
      expect(first.problem).toBeUndefined();
      // The state is what is stored: it must survive JSON.
      const saved = JSON.parse(JSON.stringify(first.verifier.state())) as VerifierState;
      expect(saved.position).toBe(stop);
      const second = await runFrom(saved, t, 3);
      expect(second.problem, `resumed at ${stop}`).toBeUndefined();
      expect(second.verifier.checkpointsChecked).toBe(sizes.length);
    }
  });

  it('finds an event rewritten after a resume point at its seq, and a forged checkpoint after it', async () => {
    const t = trailWith(65, sizes);
    const first = await runFrom(GENESIS_STATE, t, 10, 20);
    const saved = first.verifier.state();
    const altered = { ...t, events: t.events.map((e) => (e.seq === 40 ? { ...e, outcome: 'failed' as const } : e)) };
    expect((await runFrom(saved, altered, 10)).problem).toMatchObject({ kind: 'altered', at: { seq: 40 } });
    const forged = { ...t, checkpoints: t.checkpoints.map((c) => (c.index === 8 ? { ...c, rootHash: c.rootHash.replace(/^./, (x) => (x === '0' ? '1' : '0')) } : c)) };
    expect((await runFrom(saved, forged, 10)).problem).toMatchObject({ kind: 'bad-signature', at: { checkpoint: 8 } });
  });

  it('refuses a checkpoint whose tree is smaller than one verified before it', async () => {
    const t = trailWith(20, [10, 12]);
    const shrunk = trailWith(20, [10, 12, 11]);
    expect((await runFrom(GENESIS_STATE, t, 4)).problem).toBeUndefined();
    expect((await runFrom(GENESIS_STATE, shrunk, 4)).problem).toMatchObject({ kind: 'checkpoint-mismatch', at: { checkpoint: 2 } });
  });

  it('names a checkpoint that covers more events than the trail holds (a cut-back tail)', async () => {
    const t = trailWith(30, [10, 30]);
    const cut = { events: t.events.slice(0, 25), checkpoints: t.checkpoints };
    expect((await runFrom(GENESIS_STATE, cut, 8)).problem).toMatchObject({ kind: 'missing', at: { checkpoint: 1 } });
  });

  it('keeps the state at the last verified checkpoint, to restart from', async () => {
    const t = trailWith(30, [10, 21]);
    const { verifier } = await runFrom(GENESIS_STATE, t, 4);
    expect(verifier.stateAtAnchor()).toMatchObject({ position: 21, checkpoints: 2, anchor: { index: 1, treeSize: 21 } });
  });

  it('finds a replayed copy of an event through the id filter', async () => {
    const t = trailWith(6, []);
    const copy = chainEvent({ ...t.events[1], seq: 6 } as ChainedEvent, (t.events[5] as ChainedEvent).chainHash);
    const verdict = await verifyTrail([...t.events, copy], [], verifySig, 7);
    expect(verdict.problem).toMatchObject({ kind: 'inserted', at: { seq: 6, eventId: 'e-1' } });
  });
});
