import { describe, expect, it } from 'vitest';
import type { MemoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import type { StoredRecord } from '#shared/domain/record.ts';
import { KeyUnavailableError, NotFoundError, RefusedError } from '#shared/errors.ts';
import { purgeBatch } from '#shared/use-cases/purge-batch.ts';
import { readRecord } from '#shared/use-cases/read-record.ts';
import { eventsOf, expectTrailVerifies, ingest, NOW, sampleOf, world } from './world.ts';

async function holding(): Promise<MemoryDeps> {
  const deps = world();
  await ingest(deps, sampleOf('ibk-0001', 'ibk-0002', 'tcg-0001', 'tcg-0003'));
  return deps;
}

const read = (deps: MemoryDeps, recordId: string, purpose: string, exception?: string) =>
  readRecord(deps, { recordId, purpose, actor: 'admin:test', ...(exception === undefined ? {} : { exception }) });

describe('readRecord', () => {
  it('opens every field for a purpose of the record and audits the decryption', async () => {
    // Prepare
    const deps = await holding();
    // Act
    const result = await read(deps, 'ibk-0002', 'ibaraki-5');
    // Assess
    expect(result.fields).toMatchObject({ memberId: 'M-1002', name: '日立 太郎', mailOptIn: true });
    const [event] = await eventsOf(deps, 'decrypt', 'ibk-0002');
    expect(event?.details).toEqual({ purpose: 'ibaraki-5' });
    expect(JSON.stringify(event)).not.toContain('日立');
    await expectTrailVerifies(deps);
  });

  it('refuses a purpose outside the record without an exception basis, audited, nothing opened', async () => {
    // Prepare
    const deps = await holding();
    // Act
    const error = await read(deps, 'ibk-0002', 'ibaraki-6').catch((e) => e);
    // Assess
    expect(error).toBeInstanceOf(RefusedError);
    expect(String(error.reasons)).toMatch(/not among the record's purposes/);
    expect(await eventsOf(deps, 'read-refused', 'ibk-0002')).toHaveLength(1);
    expect(deps.faults.calls).not.toContain('keyService.unwrap');
  });

  it('allows another purpose under an exception basis of the catalogue, and only then', async () => {
    // Prepare
    const deps = await holding();
    // Act
    const allowed = await read(deps, 'ibk-0002', 'ibaraki-6', 'law');
    const invented = read(deps, 'ibk-0002', 'ibaraki-6', 'because-i-say-so');
    // Assess
    expect(allowed.fields.name).toBe('日立 太郎');
    await expect(invented).rejects.toBeInstanceOf(RefusedError);
  });

  it('reads a restricted record only for retention or legal claims', async () => {
    // Prepare
    const deps = await holding();
    const record = (await deps.records.get('ibk-0002')) as StoredRecord;
    await deps.records.update({ ...record, status: 'restricted', version: 2 }, 1);
    // Act
    const refused = read(deps, 'ibk-0002', 'ibaraki-5');
    const legal = await read(deps, 'ibk-0002', 'legal-claims');
    // Assess
    await expect(refused).rejects.toThrow(RefusedError);
    expect(legal.fields.name).toBe('日立 太郎');
  });

  it('finds nothing of an erased record', async () => {
    // Prepare
    const deps = await holding();
    await purgeBatch(deps, { recordIds: ['ibk-0001'], now: NOW, dryRun: false, sweepId: 's' });
    // Act
    const attempt = read(deps, 'ibk-0001', 'ibaraki-1');
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(NotFoundError);
  });

  it('cannot open a record whose subject key is destroyed (crypto-shredded)', async () => {
    // Prepare
    const deps = await holding();
    const record = (await deps.records.get('ibk-0002')) as StoredRecord;
    await deps.keys.destroy(record.subjectPseudonym);
    // Act
    const attempt = read(deps, 'ibk-0002', 'ibaraki-5');
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(KeyUnavailableError);
  });

  it('refuses a wrapped key whose context (key id) was changed in the table', async () => {
    // Prepare: an insider rewrites subject A's key item with another key id, bytes kept
    const deps = await holding();
    const a = (await deps.records.get('ibk-0002')) as StoredRecord;
    const keyA = await deps.keys.get(a.subjectPseudonym);
    await deps.keys.destroy(a.subjectPseudonym);
    await deps.keys.putIfAbsent({ ...(keyA as NonNullable<typeof keyA>), keyId: 'another-key-id' });
    // Act
    const attempt = read(deps, 'ibk-0002', 'ibaraki-5');
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(KeyUnavailableError);
  });

  it('refuses a wrapped key moved from another subject', async () => {
    // Prepare: subject B's wrapped key (and its key id) copied into subject A's key item
    const deps = await holding();
    const a = (await deps.records.get('ibk-0002')) as StoredRecord;
    const b = (await deps.records.get('ibk-0001')) as StoredRecord;
    const keyB = await deps.keys.get(b.subjectPseudonym);
    await deps.keys.destroy(a.subjectPseudonym);
    await deps.keys.putIfAbsent({ ...(keyB as NonNullable<typeof keyB>), subjectPseudonym: a.subjectPseudonym });
    // Act
    const attempt = read(deps, 'ibk-0002', 'ibaraki-5');
    // Assess: the key unwraps, but A's fields were not sealed under it
    await expect(attempt).rejects.toThrow();
    expect(await eventsOf(deps, 'decrypt', 'ibk-0002')).toHaveLength(0);
  });

  it('refuses a sealed field moved from another record of the same subject', async () => {
    // Prepare: tcg-0001 and tcg-0003 share a key; a field's ciphertext is swapped between them
    const deps = await holding();
    const one = (await deps.records.get('tcg-0001')) as StoredRecord;
    const three = (await deps.records.get('tcg-0003')) as StoredRecord;
    const field = Object.keys(three.sealed)[0] as string;
    await deps.records.update(
      { ...three, sealed: { ...three.sealed, [field]: Object.values(one.sealed)[0] as string }, version: 2 },
      1,
    );
    // Act
    const attempt = read(deps, 'tcg-0003', 'tochigi-self-reliance');
    // Assess
    await expect(attempt).rejects.toThrow();
    expect(await eventsOf(deps, 'decrypt', 'tcg-0003')).toHaveLength(0);
  });
});
