import { describe, expect, it } from 'vitest';
import type { MemoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import { isTombstone, type StoredRecord } from '#shared/domain/record.ts';
import { ConflictError } from '#shared/errors.ts';
import { addHold } from '#shared/use-cases/manage-holds.ts';
import { eraseRecord, finishRemovedRecord } from '#shared/use-cases/erase-record.ts';
import { recoverInterrupted } from '#shared/use-cases/recover-interrupted.ts';
import { eventsOf, expectTrailVerifies, ingest, killAtEveryCall, sampleOf, world } from './world.ts';

async function live(deps: MemoryDeps, recordId: string): Promise<StoredRecord> {
  const item = await deps.records.get(recordId);
  if (item === undefined || isTombstone(item)) {
    throw new Error(`${recordId} is not live`);
  }
  return item;
}

/** A world holding the records, and the first one read. */
async function holding(...ids: string[]) {
  const deps = world();
  const report = await ingest(deps, sampleOf(...ids));
  expect(report.stored).toHaveLength(ids.length);
  return { deps, record: await live(deps, ids[0] as string) };
}

/** The whole erasure of a record after a restart: recovery, then erasure if it is still live. */
async function rerun(deps: MemoryDeps, recordId: string): Promise<void> {
  await recoverInterrupted(deps, '9999-01-01T00:00:00.000Z');
  const item = await deps.records.get(recordId);
  if (item !== undefined && !isTombstone(item)) {
    await eraseRecord(deps, item, 'retention', 'system:sweep');
  }
  await deps.audit.integrate();
}

/** Erased for good: tombstone, no document version, exactly one erasure event. */
async function expectErasedOnce(deps: MemoryDeps, recordId: string): Promise<void> {
  const item = await deps.records.get(recordId);
  expect(item?.status).toBe('erased');
  expect(await deps.objects.listVersions(`records/${recordId}/`)).toEqual([]);
  const erasures = (await eventsOf(deps, 'erasure', recordId)).filter((e) => e.outcome === 'ok');
  expect(erasures).toHaveLength(1);
}

describe('eraseRecord', () => {
  it('removes documents, the subject key and the record, leaving a tombstone and its events', async () => {
    // Prepare
    const { deps, record } = await holding('ibk-0001');
    expect(await deps.objects.listVersions('records/ibk-0001/')).toHaveLength(1);
    // Act
    const done = await eraseRecord(deps, record, 'retention', 'system:sweep');
    await deps.audit.integrate();
    // Assess
    expect(done).toEqual({ erased: true, objectVersions: 1, keyDestroyed: true });
    await expectErasedOnce(deps, 'ibk-0001');
    expect(await deps.keys.get(record.subjectPseudonym)).toBeUndefined();
    const tomb = await deps.records.get('ibk-0001');
    expect(JSON.stringify(tomb)).not.toContain(record.subjectPseudonym);
    expect(await eventsOf(deps, 'key-destroyed')).toHaveLength(1);
    await expectTrailVerifies(deps);
  });

  it('keeps the subject key while another live record of the subject is sealed with it', async () => {
    // Prepare: tcg-0001 and tcg-0003 are one subject's
    const { deps, record } = await holding('tcg-0001', 'tcg-0003');
    // Act
    const first = await eraseRecord(deps, record, 'retention', 'system:sweep');
    // Assess
    expect(first.keyDestroyed).toBe(false);
    expect(await deps.keys.get(record.subjectPseudonym)).toBeDefined();
    const second = await eraseRecord(deps, await live(deps, 'tcg-0003'), 'retention', 'system:sweep');
    expect(second.keyDestroyed).toBe(true);
    expect(await deps.keys.get(record.subjectPseudonym)).toBeUndefined();
  });

  it('destroys the key exactly once when two records of one subject are erased at the same time', async () => {
    // Prepare
    const { deps, record } = await holding('tcg-0001', 'tcg-0003');
    const other = await live(deps, 'tcg-0003');
    // Act
    const both = await Promise.all([
      eraseRecord(deps, record, 'retention', 'system:sweep'),
      eraseRecord(deps, other, 'retention', 'system:sweep'),
    ]);
    await deps.audit.integrate();
    // Assess
    expect(both.filter((d) => d.keyDestroyed)).toHaveLength(1);
    expect(await deps.keys.get(record.subjectPseudonym)).toBeUndefined();
    expect(await eventsOf(deps, 'key-destroyed')).toHaveLength(1);
    await expectTrailVerifies(deps);
  });

  it('reports a record tombstoned by another process as not erased, and writes no second event', async () => {
    // Prepare
    const { deps, record } = await holding('ibk-0001');
    await eraseRecord(deps, record, 'retention', 'system:sweep');
    // Act
    const again = await eraseRecord(deps, record, 'retention', 'system:sweep');
    await deps.audit.integrate();
    // Assess
    expect(again.erased).toBe(false);
    await expectErasedOnce(deps, 'ibk-0001');
  });

  it('is killed at every port call and finished by the rerun: one tombstone, one erasure event, the key gone', async () => {
    const calls = await killAtEveryCall(
      () => holding('ibk-0001'),
      ({ deps, record }) => eraseRecord(deps, record, 'retention', 'system:sweep'),
      ({ deps }) => rerun(deps, 'ibk-0001'),
      async ({ deps, record }, killedAt) => {
        await deps.audit.integrate();
        await expectErasedOnce(deps, 'ibk-0001');
        expect(await deps.keys.get(record.subjectPseudonym), `killed at ${killedAt}`).toBeUndefined();
        expect(await eventsOf(deps, 'key-destroyed')).toHaveLength(1);
        await expectTrailVerifies(deps);
      },
    );
    expect(calls).toBeGreaterThan(4);
  });

  it('survives lost answers at every port call (the write committed, the caller never heard)', async () => {
    await killAtEveryCall(
      () => holding('ibk-0001'),
      ({ deps, record }) => eraseRecord(deps, record, 'retention', 'system:sweep'),
      ({ deps }) => rerun(deps, 'ibk-0001'),
      async ({ deps }) => {
        await deps.audit.integrate();
        await expectErasedOnce(deps, 'ibk-0001');
        expect(await eventsOf(deps, 'key-destroyed')).toHaveLength(1);
        expect(deps.keys.size).toBe(0);
      },
      { afterEffect: true },
    );
  });

  it('never destroys the key of a sibling record that is still sealed, wherever it is killed', async () => {
    await killAtEveryCall(
      () => holding('tcg-0001', 'tcg-0003'),
      ({ deps, record }) => eraseRecord(deps, record, 'retention', 'system:sweep'),
      ({ deps }) => rerun(deps, 'tcg-0001'),
      async ({ deps, record }) => {
        await deps.audit.integrate();
        await expectErasedOnce(deps, 'tcg-0001');
        expect(await deps.keys.get(record.subjectPseudonym)).toBeDefined();
        expect(await eventsOf(deps, 'key-destroyed')).toHaveLength(0);
      },
    );
  });

  it('refuses with a ConflictError to tombstone a record changed since it was read', async () => {
    // Prepare
    const { deps, record } = await holding('gnm-0002', 'ibk-0002');
    await deps.records.update({ ...record, updatedAt: 'x', version: record.version + 1 }, record.version);
    // Act
    const attempt = eraseRecord(deps, record, 'retention', 'system:sweep');
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    expect((await deps.records.get('gnm-0002'))?.status).toBe('active');
  });

  it('leaves a record held after the sweep read it whole: the erasure refused, documents and key kept', async () => {
    // Prepare: the sweep has read gnm-0002 (a document, a subject alone)
    const { deps, record } = await holding('gnm-0002');
    await addHold(deps, { target: { recordId: 'gnm-0002' }, reason: 'case 2026-7', actor: 'admin:legal' });
    // Act
    const attempt = eraseRecord(deps, record, 'retention', 'system:sweep');
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    const held = await live(deps, 'gnm-0002');
    expect(held.holds).toHaveLength(1);
    expect(await deps.keys.get(held.subjectPseudonym)).toBeDefined();
    expect(await deps.objects.listVersions('records/gnm-0002/')).toHaveLength(1);
  });
});

describe('finishRemovedRecord', () => {
  it('finishes a TTL expiry: documents, key and a tombstone with its erasure event', async () => {
    // Prepare: ibk-0001 was due before it was ingested (12-01): TTL 30 days after that
    const { deps, record } = await holding('ibk-0001');
    expect(deps.records.expireTtl(new Date('2026-12-30T23:59:59Z'))).toEqual([]);
    const [old] = deps.records.expireTtl(new Date('2026-12-31T00:00:00Z'));
    // Act
    await finishRemovedRecord(deps, old as unknown as StoredRecord, 'ttl');
    await deps.audit.integrate();
    // Assess
    await expectErasedOnce(deps, 'ibk-0001');
    const [event] = await eventsOf(deps, 'erasure', 'ibk-0001');
    expect(event?.details).toMatchObject({ cause: 'ttl', objectVersions: 1, keyDestroyed: true });
    expect(await deps.keys.get(record.subjectPseudonym)).toBeUndefined();
    await expectTrailVerifies(deps);
  });

  it('writes exactly one erasure event whatever port call the stream handler is killed at', async () => {
    await killAtEveryCall(
      async () => {
        const { deps, record } = await holding('ibk-0001', 'ibk-0002');
        return { deps, old: deps.records.deleteItem(record.recordId) as unknown as StoredRecord };
      },
      ({ deps, old }) => finishRemovedRecord(deps, old, 'direct-delete'),
      ({ deps, old }) => finishRemovedRecord(deps, old, 'direct-delete'),
      async ({ deps, old }) => {
        await deps.audit.integrate();
        await expectErasedOnce(deps, 'ibk-0001');
        expect(await deps.keys.get(old.subjectPseudonym)).toBeUndefined();
        expect((await deps.records.get('ibk-0002'))?.status).toBe('active');
      },
    );
  });
});
