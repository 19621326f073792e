import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type AuditEvent,
  type ChainedEvent,
  type Checkpoint,
  chainEvent,
  checkpointBytes,
  GENESIS,
  merkleRoot,
} from '#shared/domain/audit-chain.ts';
import { type ErasureReceipt, verifyReceipt } from '#shared/domain/erasure-receipt.ts';
import type { SubjectRequest } from '#shared/domain/requests.ts';
import { NotFoundError, ValidationError } from '#shared/errors.ts';
import {
  erasureReceiptFile,
  issueErasureReceipt,
  NOT_YET_CHECKPOINTED,
  RECEIPT_FILE,
  saveErasureReceipt,
} from '#shared/use-cases/erasure-receipt.ts';

interface TestKey {
  readonly algorithm: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly digest: string | null;
}

const KEYS: readonly TestKey[] = [
  { algorithm: 'ED25519_SHA_512', digest: null, ...generateKeyPairSync('ed25519') },
  { algorithm: 'ECDSA_SHA_256', digest: 'sha256', ...generateKeyPairSync('ec', { namedCurve: 'P-256' }) },
];

const SUBJECT = 'a'.repeat(64);
const OTHERS = ['b'.repeat(64), 'c'.repeat(64)];

/** A trail of 23 events: the subject's two erasures and a key destruction among other subjects' events. */
function trail(): ChainedEvent[] {
  const events: ChainedEvent[] = [];
  let prev = GENESIS;
  for (let seq = 0; seq < 23; seq += 1) {
    const mine = seq === 7 || seq === 12 || seq === 13;
    const event: AuditEvent = {
      eventId: `e-${seq}`,
      seq,
      time: new Date(Date.UTC(2026, 10, 1, 0, seq)).toISOString(),
      actor: 'system:sweep',
      action: seq === 13 ? 'key-destroyed' : mine || seq % 3 !== 0 ? 'erasure' : 'ingest',
      subjectPseudonym: mine ? SUBJECT : (OTHERS[seq % 2] as string),
      recordId: `r-${seq}`,
      outcome: 'ok',
      details: { cause: seq === 7 ? 'retention' : 'request:q-1' },
    };
    const chained = chainEvent(event, prev);
    prev = chained.chainHash;
    events.push(chained);
  }
  return events;
}

function checkpointOf(events: readonly ChainedEvent[], treeSize: number, key: TestKey): Checkpoint {
  const unsigned = {
    index: treeSize,
    treeSize,
    rootHash: merkleRoot(events.slice(0, treeSize).map((e) => Buffer.from(e.leafHash, 'hex'))),
    chainHash: (events[treeSize - 1] as ChainedEvent).chainHash,
    prevCheckpointHash: GENESIS,
    time: '2026-11-02T00:00:00.000Z',
    keyId: 'test-key',
    algorithm: key.algorithm,
  };
  return { ...unsigned, signature: sign(key.digest, checkpointBytes(unsigned), key.privateKey).toString('base64') };
}

function depsOf(events: readonly ChainedEvent[], checkpoints: readonly Checkpoint[], key: TestKey) {
  return {
    trail: { readAll: async () => ({ events, checkpoints }) },
    signer: { publicKeyPem: async () => key.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
  };
}

const clone = (r: ErasureReceipt): ErasureReceipt => JSON.parse(JSON.stringify(r));
const kinds = (r: unknown) => verifyReceipt(r).problems.map((p) => p.kind);

describe.each(KEYS)('erasure receipt signed with $algorithm', (key) => {
  const events = trail();
  const issue = (cause?: string) =>
    issueErasureReceipt(depsOf(events, [checkpointOf(events, 9, key), checkpointOf(events, 20, key)], key), {
      subjectPseudonym: SUBJECT,
      ...(cause === undefined ? {} : { cause }),
    });

  it('issues a receipt of the subject erasures that verifies offline, naming nobody else', async () => {
    // Act
    const receipt = await issue();
    const verdict = verifyReceipt(clone(receipt));
    // Assess
    expect(verdict).toMatchObject({ ok: true, eventsProved: 3, treeSize: 20, problems: [] });
    expect(verdict.keyFingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(receipt.events.map((e) => [e.seq, e.action])).toEqual([[7, 'erasure'], [12, 'erasure'], [13, 'key-destroyed']]);
    expect(receipt.proofs.map((p) => [p.leafIndex, p.treeSize])).toEqual([[7, 20], [12, 20], [13, 20]]);
    const text = JSON.stringify(receipt);
    for (const other of [...OTHERS, 'r-8', 'e-8']) {
      expect(text).not.toContain(other);
    }
  });

  it('keeps only the events of one cause when asked', async () => {
    // Act
    const receipt = await issue('request:q-1');
    // Assess
    expect(receipt.events.map((e) => e.seq)).toEqual([12, 13]);
    expect(verifyReceipt(receipt).ok).toBe(true);
  });

  it.each<[string, (r: ErasureReceipt & Record<string, unknown>) => void, string]>([
    ['an event field', (r) => Object.assign(r.events[0] as object, { outcome: 'failed' }), 'altered-event'],
    ['an event and its leaf hash', (r) => Object.assign(r.events[0] as object, { recordId: 'r-x', leafHash: 'f'.repeat(64) }), 'altered-event'],
    ['a path element', (r) => ((r.proofs[1]?.path as string[])[0] = '0'.repeat(64)), 'bad-proof'],
    ['a leaf index', (r) => Object.assign(r.proofs[0] as object, { leafIndex: 8 }), 'bad-proof'],
    ['a proof removed', (r) => (r.proofs as unknown[]).pop(), 'missing-proof'],
    ['the checkpoint root', (r) => Object.assign(r.checkpoint, { rootHash: 'e'.repeat(64) }), 'bad-signature'],
    ['the checkpoint size', (r) => Object.assign(r.checkpoint, { treeSize: 21 }), 'bad-signature'],
    ['the signature', (r) => Object.assign(r.checkpoint, { signature: Buffer.alloc(64, 1).toString('base64') }), 'bad-signature'],
    ['the algorithm', (r) => Object.assign(r.checkpoint, { algorithm: 'RSASSA_PSS_SHA_256' }), 'unsupported-algorithm'],
    ['the subject', (r) => Object.assign(r, { subjectPseudonym: OTHERS[0] }), 'foreign-event'],
    ['the public key', (r) => Object.assign(r, { publicKey: generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString() }), 'bad-signature'],
  ])('names the problem when %s is tampered with', async (_what, tamper, kind) => {
    // Prepare
    const receipt = clone(await issue()) as ErasureReceipt & Record<string, unknown>;
    // Act
    tamper(receipt);
    // Assess
    expect(kinds(receipt)).toContain(kind);
    expect(verifyReceipt(receipt).ok).toBe(false);
  });
});

describe('erasure receipt', () => {
  const key = KEYS[0] as TestKey;
  const events = trail();

  it('is refused until a signed checkpoint covers the erasure', async () => {
    // Act / Assess
    await expect(
      issueErasureReceipt(depsOf(events, [checkpointOf(events, 13, key)], key), { subjectPseudonym: SUBJECT }),
    ).rejects.toThrow(NOT_YET_CHECKPOINTED);
    await expect(issueErasureReceipt(depsOf(events, [], key), { subjectPseudonym: SUBJECT })).rejects.toThrow(NotFoundError);
  });

  it('gives an erase request its receipt as a package file with only that request events', async () => {
    // Act
    const file = await erasureReceiptFile(depsOf(events, [checkpointOf(events, 20, key)], key), {
      requestId: 'q-1',
      subjectPseudonym: SUBJECT,
    });
    // Assess
    expect(file.name).toBe(RECEIPT_FILE);
    const receipt = JSON.parse(Buffer.from(file.bytes).toString('utf8')) as ErasureReceipt;
    expect(receipt.events.map((e) => e.seq)).toEqual([12, 13]);
    expect(verifyReceipt(receipt).ok).toBe(true);
  });

  it('calls an event nested too deep to hash malformed', async () => {
    // Prepare
    const receipt = clone(await issueErasureReceipt(depsOf(events, [checkpointOf(events, 20, key)], key), { subjectPseudonym: SUBJECT }));
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i += 1) {
      deep = [deep];
    }
    Object.assign(receipt.events[0] as object, { details: { deep } });
    // Act / Assess
    expect(kinds(receipt)).toContain('malformed');
  });

  it('is refused for a subject with no erasure', async () => {
    // Act / Assess
    await expect(
      issueErasureReceipt(depsOf(events, [checkpointOf(events, 20, key)], key), { subjectPseudonym: 'd'.repeat(64) }),
    ).rejects.toThrow('no erasure is recorded for this subject');
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', []],
    ['another format', { format: 'x' }],
    ['no events', { format: 'wasure-erasure-receipt/1', subjectPseudonym: SUBJECT, events: [], proofs: [] }],
    [
      'a path element that is not a hash',
      {
        format: 'wasure-erasure-receipt/1',
        subjectPseudonym: SUBJECT,
        events: [{ seq: 1 }],
        proofs: [{ seq: 1, leafIndex: 1, treeSize: 2, path: ['zz'] }],
      },
    ],
  ])('calls %s malformed', (_what, input) => {
    // Act / Assess
    expect(kinds(input)).toEqual(['malformed']);
  });
});

describe('erase request receipt package', () => {
  const key = KEYS[1] as TestKey;
  const events = trail();
  const request = (over: Partial<SubjectRequest> = {}) =>
    ({ requestId: 'q-1', type: 'erase', status: 'received', subjectPseudonym: SUBJECT, ...over }) as SubjectRequest;
  const setup = (stored: SubjectRequest | undefined, checkpoints: readonly Checkpoint[]) => {
    const saved: { requestId: string; files: { name: string; bytes: Uint8Array }[] }[] = [];
    const keyIds: string[] = [];
    const base = depsOf(events, checkpoints, key);
    const deps = {
      ...base,
      signer: {
        publicKeyPem: async (keyId: string) => {
          keyIds.push(keyId);
          return base.signer.publicKeyPem();
        },
      },
      requests: { get: async (id: string) => (id === stored?.requestId ? stored : undefined) },
      exports: {
        save: async (requestId: string, files: readonly { name: string; bytes: Uint8Array }[]) => {
          saved.push({ requestId, files: [...files] });
          return { location: `/exports/${requestId}`, expiresAt: '2026-11-09T00:00:00.000Z' };
        },
      },
      clock: { now: () => new Date('2026-11-02T00:00:00Z') },
    };
    return { deps, saved, keyIds };
  };
  const text = (f: { bytes: Uint8Array } | undefined) => Buffer.from(f?.bytes ?? []).toString('utf8');

  it('saves the receipt of only that request, a bilingual guide and a manifest, and says where', async () => {
    // Prepare
    const { deps, saved, keyIds } = setup(request(), [checkpointOf(events, 20, key)]);
    // Act
    const outcome = await saveErasureReceipt(deps, 'q-1');
    // Assess
    expect(outcome).toEqual({ status: 'issued', location: '/exports/q-1', expiresAt: '2026-11-09T00:00:00.000Z', file: RECEIPT_FILE, events: 2, checkpoint: 20 });
    expect(keyIds).toEqual(['test-key']);
    expect(saved.map((s) => [s.requestId, s.files.map((f) => f.name)])).toEqual([['q-1', [RECEIPT_FILE, 'HOW-TO-VERIFY.txt', 'manifest.json']]]);
    const [receiptFile, guide, manifest] = saved[0]?.files ?? [];
    const receipt = JSON.parse(text(receiptFile)) as ErasureReceipt;
    expect(receipt.events.map((e) => e.seq)).toEqual([12, 13]);
    expect(verifyReceipt(receipt).ok).toBe(true);
    expect(text(guide)).toMatch(/消去証明書[\s\S]*wasure receipt verify erasure-receipt\.json[\s\S]*verify-receipt\.sh/);
    expect(text(guide)).toContain(`sha256:${verifyReceipt(receipt).keyFingerprint}`);
    expect(JSON.parse(text(manifest)).files.map((f: { name: string }) => f.name)).toEqual([RECEIPT_FILE, 'HOW-TO-VERIFY.txt']);
    for (const other of OTHERS) {
      expect(saved[0]?.files.map(text).join('\n')).not.toContain(other);
    }
  });

  it.each<[string, SubjectRequest | undefined, readonly Checkpoint[], unknown]>([
    ['nothing-erased when the request erased nothing', request({ requestId: 'q-none' }), [checkpointOf(events, 20, key)], { status: 'nothing-erased' }],
    ['nothing when the request was answered before (a rerun)', request({ status: 'completed' }), [checkpointOf(events, 20, key)], undefined],
  ])('saves no package and returns %s', async (_what, stored, checkpoints, expected) => {
    // Prepare
    const { deps, saved } = setup(stored, checkpoints);
    // Act
    const outcome = await saveErasureReceipt(deps, stored?.requestId ?? 'q-1');
    // Assess
    expect(outcome).toEqual(expected);
    expect(saved).toEqual([]);
  });

  it.each<[string, SubjectRequest | undefined, readonly Checkpoint[], string, new (...a: never[]) => Error]>([
    ['no signed checkpoint covers the erasure', request(), [checkpointOf(events, 13, key)], NOT_YET_CHECKPOINTED, NotFoundError],
    ['the request does not exist', undefined, [checkpointOf(events, 20, key)], 'request q-1 does not exist', NotFoundError],
    ['the request is no erasure', request({ type: 'export' }), [checkpointOf(events, 20, key)], 'is a export request', ValidationError],
  ])('refuses, saving nothing, when %s', async (_what, stored, checkpoints, message, type) => {
    // Prepare
    const { deps, saved } = setup(stored, checkpoints);
    // Act
    const saving = saveErasureReceipt(deps, 'q-1');
    // Assess
    await expect(saving).rejects.toThrow(message);
    await expect(saving).rejects.toBeInstanceOf(type);
    expect(saved).toEqual([]);
  });
});
