import { createHash, createHmac, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type AuditEvent,
  type ChainedEvent,
  type Checkpoint,
  chainEvent,
  checkpointBytes,
  checkpointHash,
  EVENT_VERSION,
  GENESIS,
  leafHash,
  macBytes,
  MerkleFrontier,
  merkleRoot,
  nodeHash,

} from '#shared/domain/audit-chain.ts';
import { assertNoPersonalData } from '#shared/domain/audit-event.ts';
import { checkArchive, checkpointKey } from '#shared/domain/audit-chain.ts';
import { myNumberCheckDigit } from '#shared/domain/my-number.ts';
import { verifyTrail } from '#shared/domain/trail-verifier.ts';
import { ValidationError } from '#shared/errors.ts';

/** RFC 6962 §2.1 MTH, written the straightforward recursive way. */
function referenceRoot(leaves: Buffer[]): string {
  const mth = (d: Buffer[]): Buffer => {
    if (d.length === 0) return createHash('sha256').digest();
    if (d.length === 1) return leafHashOfHash(d[0] as Buffer);
    let k = 1;
    while (k * 2 < d.length) k *= 2;
    return nodeHash(mth(d.slice(0, k)), mth(d.slice(k)));
  };
  // `leaves` are already leaf hashes: the recursion bottoms out on them.
  const leafHashOfHash = (h: Buffer) => h;
  return mth(leaves).toString('hex');
}

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signCp = (cp: Omit<Checkpoint, 'signature'>): Checkpoint => ({
  ...cp,
  signature: sign(null, checkpointBytes(cp), privateKey).toString('base64'),
});
const verifySig = async (cp: Checkpoint) => verify(null, checkpointBytes(cp), publicKey, Buffer.from(cp.signature, 'base64'));

function trail(n: number): { events: ChainedEvent[]; checkpoints: Checkpoint[] } {
  const events: ChainedEvent[] = [];
  const frontier = new MerkleFrontier();
  const checkpoints: Checkpoint[] = [];
  let prev = GENESIS;
  for (let i = 0; i < n; i += 1) {
    const e: AuditEvent = {
      eventId: `e-${i}`,
      seq: i,
      time: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      actor: 'system:test',
      action: 'erasure',
      recordId: `r-${i}`,
      subjectPseudonym: `p-${i % 3}`,
      outcome: 'ok',
    };
    const c = chainEvent(e, prev);
    events.push(c);
    prev = c.chainHash;
    frontier.append(Buffer.from(c.leafHash, 'hex'));
    if ((i + 1) % 4 === 0) {
      const last = checkpoints[checkpoints.length - 1];
      checkpoints.push(
        signCp({
          index: checkpoints.length,
          treeSize: i + 1,
          rootHash: frontier.root(),
          chainHash: c.chainHash,
          prevCheckpointHash: last === undefined ? GENESIS : checkpointHash(last),
          time: e.time,
          keyId: 'k',
          algorithm: 'ED25519_SHA_512',
        }),
      );
    }
  }
  return { events, checkpoints };
}

describe('RFC 6962 hashing', () => {
  it('hashes the empty tree and an empty leaf as RFC 6962 does', () => {
    expect(merkleRoot([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(leafHash(Buffer.alloc(0)).toString('hex')).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
  });

  it('computes the same Merkle tree hash incrementally as the recursive definition, for 1..33 leaves', () => {
    const leaves = Array.from({ length: 33 }, (_, i) => leafHash(Buffer.from([i])));
    const frontier = new MerkleFrontier();
    for (let n = 1; n <= leaves.length; n += 1) {
      frontier.append(leaves[n - 1] as Buffer);
      expect(frontier.root()).toBe(referenceRoot(leaves.slice(0, n)));
      expect(MerkleFrontier.fromState(frontier.toState()).root()).toBe(frontier.root());
    }
  });
});

describe('audit trail verification', () => {
  it('accepts an untouched trail with its signed checkpoints', async () => {
    const { events, checkpoints } = trail(12);
    expect(await verifyTrail(events, checkpoints, verifySig, 12)).toEqual({ ok: true, eventsChecked: 12, checkpointsChecked: 3 });
  });

  type Tamper = (t: { events: ChainedEvent[]; checkpoints: Checkpoint[] }) => void;
  it.each<[string, Tamper, string, Record<string, unknown>]>([
    ['an altered field', (t) => { t.events[5] = { ...(t.events[5] as ChainedEvent), outcome: 'refused' }; }, 'altered', { seq: 5 }],
    ['a deleted event', (t) => { t.events.splice(6, 1); }, 'missing', { seq: 7 }],
    [
      'a deleted event with the rest renumbered',
      (t) => {
        t.events.splice(6, 1);
        t.events = t.events.map((e, i) => (i >= 6 ? relinkLeaf({ ...e, seq: i }) : e));
      },
      'missing',
      { seq: 6, eventId: 'e-7' },
    ],
    [
      'two events swapped',
      (t) => {
        const a = t.events[3] as ChainedEvent;
        const b = t.events[4] as ChainedEvent;
        t.events[3] = { ...b, seq: 3 } as ChainedEvent;
        t.events[4] = { ...a, seq: 4 } as ChainedEvent;
        // re-leaf them so only their order is wrong
        t.events[3] = relinkLeaf(t.events[3] as ChainedEvent);
        t.events[4] = relinkLeaf(t.events[4] as ChainedEvent);
      },
      'reordered',
      { seq: 3 },
    ],
    [
      'an event inserted with a correct link',
      (t) => {
        const before = t.events[1] as ChainedEvent;
        const forged = chainEvent({ eventId: 'forged', seq: 2, time: before.time, actor: 'x', action: 'read', outcome: 'ok' }, before.chainHash);
        t.events.splice(2, 0, forged);
        t.events = t.events.map((e, i) => (i > 2 ? { ...e, seq: i } : e)).map((e, i) => (i > 2 ? relinkLeaf(e) : e));
      },
      'inserted',
      { seq: 2, eventId: 'forged' },
    ],
    ['a checkpoint with a bad signature', (t) => { t.checkpoints[1] = { ...(t.checkpoints[1] as Checkpoint), signature: Buffer.alloc(64).toString('base64') }; }, 'bad-signature', { checkpoint: 1 }],
    [
      'a re-signed history (attacker without the key re-chains everything)',
      (t) => {
        let prev = GENESIS;
        t.events = t.events.map((e, i) => {
          const c = chainEvent({ ...stripHashes(e), outcome: i === 2 ? 'failed' : e.outcome }, prev);
          prev = c.chainHash;
          return c;
        });
      },
      'checkpoint-mismatch',
      { checkpoint: 0 },
    ],
    ['a truncated tail', (t) => { t.events.splice(10); }, 'missing', { seq: 10 }],
  ])('finds %s at the right place', async (_name, tamper, kind, at) => {
    // Prepare
    const t = trail(12);
    tamper(t);
    // Act
    const verdict = await verifyTrail(t.events, t.checkpoints, verifySig, 12);
    // Assess
    expect(verdict.ok).toBe(false);
    expect(verdict.problem?.kind).toBe(kind);
    expect(verdict.problem?.at).toMatchObject(at);
  });
});

function stripHashes(e: ChainedEvent): AuditEvent {
  const { leafHash: _l, prevHash: _p, chainHash: _c, ...rest } = e;
  return rest;
}
/** Recomputes an event's leaf after a change, keeping its stored links. */
function relinkLeaf(e: ChainedEvent): ChainedEvent {
  const again = chainEvent(stripHashes(e), e.prevHash);
  return { ...again, chainHash: e.chainHash };
}

describe('writer proof of events', () => {
  const macKey = Buffer.alloc(32, 9);
  const hmac = (bytes: Uint8Array) => createHmac('sha256', macKey).update(bytes).digest('base64');
  /** A chain of `kinds`: 'v1' legacy, 'v2' MACed by the writer, 'forged' v2 with a MAC made without the key. */
  const chainOf = (kinds: readonly ('v1' | 'v2' | 'forged')[]): ChainedEvent[] => {
    let prev = GENESIS;
    return kinds.map((kind, i) => {
      const base: AuditEvent = { eventId: `e-${i}`, seq: i, time: '2026-01-01T00:00:00.000Z', actor: 'a', action: 'read', outcome: 'ok' };
      const proven = kind === 'v1' ? base : { ...base, v: EVENT_VERSION, writer: 'w' };
      const event = kind === 'v1' ? base : { ...proven, mac: kind === 'v2' ? hmac(macBytes(proven)) : Buffer.alloc(32).toString('base64') };
      const c = chainEvent(event, prev);
      prev = c.chainHash;
      return c;
    });
  };
  const macOk = (e: ChainedEvent) => e.mac === hmac(macBytes(e));
  it.each<[string, ('v1' | 'v2' | 'forged')[], Record<string, unknown> | undefined]>([
    ['a MACed trail', ['v2', 'v2', 'v2'], undefined],
    ['legacy events before the first MACed one', ['v1', 'v1', 'v2', 'v2'], undefined],
    ['a legacy-form event after a MACed one', ['v1', 'v2', 'v1'], { kind: 'unauthenticated', at: { seq: 2 } }],
    ['a MAC made without the writer key', ['v2', 'v2', 'forged', 'v2'], { kind: 'unauthenticated', at: { seq: 2 } }],
  ])('verifies the writer MACs of %s', async (_what, kinds, problem) => {
    const verdict = await verifyTrail(chainOf(kinds), [], verifySig, kinds.length, macOk);
    if (problem === undefined) {
      expect(verdict).toMatchObject({ ok: true });
    } else {
      expect(verdict.problem).toMatchObject(problem);
      expect(verdict.problem?.message).toBe(`event ${String((problem.at as { seq: number }).seq)} has no valid writer MAC: written by someone without a writer key`);
    }
  });

  it('names a MACed event copied to the tail (a replay), and a MAC the verifier has no key for', async () => {
    const events = chainOf(['v2', 'v2']);
    const copy = chainEvent({ ...(events[0] as ChainedEvent), seq: 2 }, (events[1] as ChainedEvent).chainHash);
    expect((await verifyTrail([...events, copy], [], verifySig, 3, macOk)).problem).toMatchObject({ kind: 'inserted', at: { seq: 2 } });
    expect((await verifyTrail(events, [], verifySig, 2, () => undefined)).problem?.message).toContain('no audit-MAC key');
  });
});

describe('checkpoints against their Object-Lock copies', () => {
  const cp = (index: number, rootHash = 'r') => ({ index, treeSize: (index + 1) * 10, rootHash, chainHash: 'c', prevCheckpointHash: 'p', time: 't', keyId: 'k', algorithm: 'a', signature: 's' });
  const archived = (document: ReturnType<typeof cp>, versions = 1) => ({ key: checkpointKey(document.index), versions, document });
  it('passes when every trail checkpoint is archived once, unchanged', () => {
    expect(checkArchive([cp(0), cp(1)], [archived(cp(0)), archived(cp(1))])).toBeUndefined();
  });
  it.each([
    ['an archived checkpoint missing from the trail (cut back)', [cp(0)], [archived(cp(0)), archived(cp(1))], { kind: 'missing', at: { checkpoint: 1, seq: 19 } }, 'the trail was cut back'],
    ['a trail checkpoint that differs from its copy', [cp(0), cp(1, 'rewritten')], [archived(cp(0)), archived(cp(1))], { kind: 'checkpoint-mismatch', at: { checkpoint: 1 } }, 'differs from its Object-Lock copy'],
    ['a trail checkpoint with no archived copy', [cp(0), cp(1), cp(2)], [archived(cp(0)), archived(cp(1))], { kind: 'missing', at: { checkpoint: 2 } }, 'checkpoint 2 is in the trail but has no archived copy'],
    ['a key with more than one version', [cp(0), cp(1)], [archived(cp(0)), archived(cp(1), 3)], { kind: 'checkpoint-mismatch', at: { checkpoint: 1 } }, 'checkpoint 1 has 3 versions in the archive'],
    ['a document under another index\'s key', [cp(0)], [{ ...archived(cp(0)), key: checkpointKey(5) }], { kind: 'checkpoint-mismatch' }, 'not under its own index'],
    ['a malformed document', [cp(0)], [{ key: checkpointKey(0), versions: 1, document: { nonsense: true } }], { kind: 'checkpoint-mismatch' }, 'malformed'],
  ])('names %s', (_what, trail, archive, problem, message) => {
    const found = checkArchive(trail, archive);
    expect(found).toMatchObject(problem);
    expect(found?.message).toContain(message);
  });
});

describe('no personal data in audit events', () => {
  const myNumber = `12345678901${myNumberCheckDigit('12345678901')}`;
  it.each([
    ['reason', { reason: `checked ${myNumber}` }],
    ['details', { details: { note: 'hanako@example.jp' } }],
    ['reason', { reason: 'called 029-000-1001' }],
    ['details', { details: { card: '4111111111111111' } }],
  ])('refuses an event whose %s looks like personal data', (_where, extra) => {
    expect(() => assertNoPersonalData({ action: 'read', actor: 'a', outcome: 'ok', ...extra })).toThrow(ValidationError);
  });

  it('accepts ids, ARNs and counts', () => {
    expect(() =>
      assertNoPersonalData({
        action: 'erasure',
        actor: 'system:sweep',
        recordId: 'tcg-pay-0001',
        outcome: 'ok',
        details: { sweepId: 'arn:aws:states:ap-northeast-1:000000000000:execution:x:y', objectVersions: 3 },
      }),
    ).not.toThrow();
  });

  it('accepts a generated UUID whose groups read like a phone number, but not a phone number next to it', () => {
    const uuid = 'c0ffee00-0512-4123-8456-0123456789ab';
    expect(() => assertNoPersonalData({ action: 'erasure', actor: 'system:sweep', outcome: 'ok', details: { sweepId: `sweep-${uuid}` } })).not.toThrow();
    expect(() => assertNoPersonalData({ action: 'erasure', actor: 'system:sweep', outcome: 'ok', details: { note: `${uuid} 0512-41-2345` } })).toThrow(ValidationError);
  });
});
