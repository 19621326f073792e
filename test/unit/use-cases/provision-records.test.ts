import { describe, expect, it } from 'vitest';
import type { MemoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import type { StoredRecord } from '#shared/domain/record.ts';
import { RefusedError, ValidationError } from '#shared/errors.ts';
import { eraseRecord } from '#shared/use-cases/erase-record.ts';
import { PROVISION_DATASET, provide, recordReceipt } from '#shared/use-cases/provision-records.ts';
import { readRecord } from '#shared/use-cases/read-record.ts';
import { completeRequest, registerRequest } from '#shared/use-cases/subject-requests.ts';
import { eventsOf, expectTrailVerifies, ingest, killAtEveryCall, requestInput, sampleOf, world } from './world.ts';

const TO_EMPLOYER = {
  subjectId: 'S-IBK-1001',
  recipientId: 'ibaraki-employers',
  basis: 'consent',
  consentRef: 'ibk-reg-form-v3',
  actor: 'admin:test',
} as const;

async function holding(): Promise<MemoryDeps> {
  const deps = world();
  await ingest(deps, sampleOf('ibk-0001', 'ibk-0002'));
  return deps;
}

async function provisionRecords(deps: MemoryDeps): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.records.listIdsByDataset(PROVISION_DATASET, cursor);
    ids.push(...page.items);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return ids;
}

const readProvision = (deps: MemoryDeps, recordId: string) =>
  readRecord(deps, { recordId, purpose: 'wasure-provision-record', actor: 'admin:test' });

describe('provide', () => {
  it('records a provision on consent as a sealed record of the subject, audited', async () => {
    // Prepare
    const deps = await holding();
    // Act
    const result = await provide(deps, TO_EMPLOYER);
    // Assess
    expect(result.sourceRecordIds).toEqual(['ibk-0001']);
    expect(result.items).toContain('email');
    const read = await readProvision(deps, result.provisionRecordId);
    expect(read.fields).toMatchObject({ kind: 'provision', recipientId: 'ibaraki-employers', consentRef: 'ibk-reg-form-v3' });
    expect(await eventsOf(deps, 'provision', result.provisionRecordId)).toHaveLength(1);
    await expectTrailVerifies(deps);
  });

  it.each([
    ['a basis the recipient does not allow', { basis: 'opt-out' }, /not a provision basis/],
    ['consent without its reference', { consentRef: '' }, /consent reference/],
    ['a record of another subject', { recordIds: ['ibk-0002'] }, /not a live record of this subject/],
  ])('refuses %s, audited, recording nothing', async (_what, change, reason) => {
    // Prepare
    const deps = await holding();
    // Act
    const error = await provide(deps, { ...TO_EMPLOYER, ...change }).catch((e) => e);
    // Assess
    expect(error).toBeInstanceOf(RefusedError);
    expect((error as RefusedError).reasons.join('\n')).toMatch(reason);
    expect(await provisionRecords(deps)).toEqual([]);
    const [refused] = await eventsOf(deps, 'provision-refused');
    expect(refused?.subjectPseudonym).toBe(await deps.pseudonyms.pseudonym('S-IBK-1001'));
    expect(JSON.stringify(refused)).not.toContain('S-IBK-1001');
  });

  it('refuses an unknown recipient naming --to', async () => {
    const deps = await holding();
    const error = await provide(deps, { ...TO_EMPLOYER, recipientId: 'nobody' }).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.path)).toEqual(['--to']);
  });

  it('refuses every provision once the subject asked it to stop', async () => {
    // Prepare
    const deps = await holding();
    await registerRequest(deps, requestInput('req-stop', 'stop-provision', 'S-IBK-1001'));
    await completeRequest(deps, 'req-stop', { status: 'completed', outcome: {}, reasons: [] });
    // Act
    const error = await provide(deps, TO_EMPLOYER).catch((e) => e);
    // Assess
    expect(error).toBeInstanceOf(RefusedError);
    expect((error as RefusedError).reasons.join('\n')).toMatch(/req-stop/);
  });

  it('killed at every port call, leaves each provision record with exactly its one event', async () => {
    await killAtEveryCall(
      holding,
      (deps) => provide(deps, TO_EMPLOYER),
      async (deps) => {
        await deps.audit.integrate();
      },
      async (deps, killedAt) => {
        await deps.audit.integrate();
        const records = await provisionRecords(deps);
        const events = await eventsOf(deps, 'provision');
        expect(events.map((e) => e.recordId).sort(), `killed at ${killedAt}`).toEqual(records.sort());
        expect(records.length).toBeLessThanOrEqual(1);
        await expectTrailVerifies(deps);
      },
    );
  });

  it('never leaves a provision record sealed under a key destroyed while it was written', async () => {
    // Prepare
    const deps = await holding();
    const create = deps.records.create.bind(deps.records);
    deps.records.create = async (record, audit) => {
      if (record.dataset === PROVISION_DATASET) {
        await eraseRecord(deps, (await deps.records.get('ibk-0001')) as StoredRecord, 'request:r-1', 'system:requests');
      }
      await create(record, audit);
    };
    // Act
    const result = await provide(deps, TO_EMPLOYER);
    // Assess
    const read = await readProvision(deps, result.provisionRecordId);
    expect(read.fields.recipientId).toBe('ibaraki-employers');
  });
});

describe('recordReceipt', () => {
  it('records a receipt confirmation, sealed and audited', async () => {
    // Prepare
    const deps = world();
    // Act
    const { receiptRecordId } = await recordReceipt(deps, {
      subjectId: 'S-NEW-1',
      providerName: '株式会社テスト',
      providerAddress: '東京都千代田区1-1',
      acquisition: '本人から直接取得',
      items: ['name', 'email'],
      actor: 'admin:test',
    });
    // Assess
    const read = await readProvision(deps, receiptRecordId);
    expect(read.fields).toMatchObject({ kind: 'receipt', providerName: '株式会社テスト', items: ['name', 'email'] });
    expect(JSON.stringify(await deps.records.get(receiptRecordId))).not.toContain('株式会社テスト');
    expect(await eventsOf(deps, 'receipt', receiptRecordId)).toHaveLength(1);
  });

  it('refuses an incomplete confirmation naming every missing field, writing nothing', async () => {
    // Prepare
    const deps = world();
    // Act
    const error = await recordReceipt(deps, {
      subjectId: 'S-NEW-1',
      providerName: ' ',
      providerAddress: '',
      acquisition: '\t',
      items: [],
      actor: 'admin:test',
    }).catch((e) => e);
    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.path)).toEqual(['--from', '--address', '--acquisition', '--items']);
    expect(deps.keys.size).toBe(0);
    expect(await deps.audit.headSize()).toBe(0);
  });
});
