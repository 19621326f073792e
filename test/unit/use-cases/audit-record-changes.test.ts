import { describe, expect, it } from 'vitest';
import type { MemoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import type { RecordChange } from '#shared/domain/stream-changes.ts';
import { auditRecordChanges } from '#shared/use-cases/audit-record-changes.ts';
import { eventsOf, expectTrailVerifies, ingest, killAtEveryCall, sampleOf, world } from './world.ts';

/** ibk-0001 was ingested at 12-01 past its due time: its TTL passes 30 days later. */
const TTL_PASSED = new Date('2026-12-31T00:00:00.000Z');
const BY_TTL = { type: 'Service', principalId: 'dynamodb.amazonaws.com' } as const;

async function holding(): Promise<MemoryDeps> {
  const deps = world();
  await ingest(deps, sampleOf('ibk-0001', 'ibk-0002'));
  return deps;
}

function ttlRemoval(deps: MemoryDeps): RecordChange {
  const [oldImage] = deps.records.expireTtl(TTL_PASSED);
  expect(oldImage?.recordId).toBe('ibk-0001');
  return { eventName: 'REMOVE', userIdentity: BY_TTL, ...(oldImage === undefined ? {} : { oldImage }) };
}

const okErasures = async (deps: MemoryDeps, recordId: string) =>
  (await eventsOf(deps, 'erasure', recordId)).filter((e) => e.outcome === 'ok');

describe('auditRecordChanges', () => {
  it('finishes a TTL expiry like a sweep: tombstone, documents, key, one erasure event', async () => {
    // Prepare
    const deps = await holding();
    const change = ttlRemoval(deps);
    // Act
    const report = await auditRecordChanges(deps, [change]);
    // Assess
    expect(report).toEqual({ ttlExpiries: 1, untaggedWrites: 0, directDeletes: 0, other: 0 });
    expect((await deps.records.get('ibk-0001'))?.status).toBe('erased');
    expect(await deps.objects.listVersions('records/ibk-0001/')).toEqual([]);
    expect(await deps.keys.get(String(change.oldImage?.subjectPseudonym))).toBeUndefined();
    expect((await okErasures(deps, 'ibk-0001'))[0]?.details).toMatchObject({ cause: 'ttl' });
    await expectTrailVerifies(deps);
  });

  it('does nothing twice when the change is delivered again', async () => {
    // Prepare
    const deps = await holding();
    const change = ttlRemoval(deps);
    await auditRecordChanges(deps, [change]);
    // Act
    await auditRecordChanges(deps, [change, change]);
    // Assess
    expect(await okErasures(deps, 'ibk-0001')).toHaveLength(1);
    expect(await eventsOf(deps, 'key-destroyed')).toHaveLength(1);
  });

  it('flags a live record deleted outside wasure and finishes its erasure', async () => {
    // Prepare
    const deps = await holding();
    const oldImage = deps.records.deleteItem('ibk-0002');
    // Act
    const report = await auditRecordChanges(deps, [{ eventName: 'REMOVE', ...(oldImage === undefined ? {} : { oldImage }) }]);
    // Assess
    expect(report.directDeletes).toBe(1);
    const events = await eventsOf(deps, 'erasure', 'ibk-0002');
    expect(events.map((e) => e.outcome).sort()).toEqual(['failed', 'ok']);
    expect((await deps.records.get('ibk-0002'))?.status).toBe('erased');
  });

  it('flags a write without wasure tags, naming what is missing, never its values', async () => {
    // Prepare
    const deps = await holding();
    const change: RecordChange = {
      eventName: 'INSERT',
      newImage: { recordId: 'rogue-1', fields: { name: '山田 太郎' } },
    };
    // Act
    const report = await auditRecordChanges(deps, [change]);
    // Assess
    expect(report.untaggedWrites).toBe(1);
    const [flag] = await eventsOf(deps, 'untagged-write', 'rogue-1');
    expect(flag?.reason).toMatch(/without wasure tags: .*dataset/);
    expect(JSON.stringify(flag)).not.toContain('山田');
  });

  it('killed at every port call and redelivered, ends with exactly one erasure of the expired record', async () => {
    await killAtEveryCall(
      async () => {
        const deps = await holding();
        return { deps, change: ttlRemoval(deps) };
      },
      ({ deps, change }) => auditRecordChanges(deps, [change]),
      ({ deps, change }) => auditRecordChanges(deps, [change]),
      async ({ deps }, at) => {
        expect(await okErasures(deps, 'ibk-0001'), `killed at ${at}`).toHaveLength(1);
        expect(await deps.objects.listVersions('records/ibk-0001/')).toEqual([]);
        expect(await eventsOf(deps, 'key-destroyed')).toHaveLength(1);
        expect((await deps.records.get('ibk-0002'))?.status).toBe('active');
        await expectTrailVerifies(deps);
      },
    );
  });
});
