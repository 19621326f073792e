import { describe, expect, it } from 'vitest';
import type { MemoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import type { StoredRecord } from '#shared/domain/record.ts';
import { type PlanInput, planSweep } from '#shared/use-cases/plan-sweep.ts';
import { purgeBatch } from '#shared/use-cases/purge-batch.ts';
import { ingest, NOW, sampleLines, world } from './world.ts';

const DUE = ['gnm-0001', 'gnm-0003', 'ibk-0001', 'ibk-0003', 'jlis-0001', 'stm-0001', 'stm-0003', 'tcg-0001', 'tcg-pay-0001'];

/** Every id a sweep plans, page after page from the cursors. */
async function planAll(deps: MemoryDeps, input: Omit<PlanInput, 'cursor'>): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pages = 0;
  let cursor: PlanInput['cursor'];
  do {
    const page = await planSweep(deps, { ...input, ...(cursor === undefined ? {} : { cursor }) });
    ids.push(...page.batches.flat());
    cursor = page.next;
    pages += 1;
  } while (cursor !== undefined && pages < 100);
  return { ids, pages };
}

/** A world with `n` records of one dataset, all due at `dueAt`. */
async function dueRecords(n: number, dueAt: string): Promise<MemoryDeps> {
  const deps = world();
  const [template] = await Promise.all([ingest(deps, sampleLines().slice(0, 1))]);
  expect(template.stored).toHaveLength(1);
  const base = (await deps.records.get('ibk-0001')) as StoredRecord;
  for (let i = 0; i < n; i += 1) {
    await deps.records.create(
      { ...base, recordId: `r-${String(i).padStart(3, '0')}`, documents: [], retention: { ...base.retention, dueAt } },
      [],
    );
  }
  return deps;
}

describe('planSweep', () => {
  it('plans exactly the records due at its clock, in batches', async () => {
    // Prepare
    const deps = world();
    await ingest(deps, sampleLines());
    // Act
    const page = await planSweep(deps, { now: NOW, batchSize: 4 });
    // Assess
    expect(page.batches.flat().sort()).toEqual(DUE);
    expect(page.batches.map((b) => b.length)).toEqual([4, 4, 1]);
    expect(page.next).toBeUndefined();
  });

  it('plans an erased record no more', async () => {
    // Prepare
    const deps = world();
    await ingest(deps, sampleLines());
    await purgeBatch(deps, { recordIds: ['ibk-0001', 'stm-0001'], now: NOW, dryRun: false, sweepId: 's' });
    // Act
    const page = await planSweep(deps, { now: NOW });
    // Assess
    expect(page.batches.flat().sort()).toEqual(DUE.filter((id) => id !== 'ibk-0001' && id !== 'stm-0001'));
  });

  it('includes a record due exactly at the clock and leaves one due a millisecond later', async () => {
    // Prepare
    const deps = await dueRecords(3, '2027-01-01T00:00:00.000Z');
    // Act
    const at = await planAll(deps, { now: '2027-01-01T00:00:00.000Z' });
    const before = await planAll(deps, { now: '2026-12-31T23:59:59.999Z' });
    // Assess
    expect(at.ids.filter((id) => id.startsWith('r-')).sort()).toEqual(['r-000', 'r-001', 'r-002']);
    expect(before.ids.filter((id) => id.startsWith('r-'))).toEqual([]);
  });

  it('pages through every shard with small pages: each due record once, none lost at a page edge', async () => {
    // Prepare
    const deps = await dueRecords(40, '2026-01-01T00:00:00.000Z');
    // Act
    const { ids, pages } = await planAll(deps, { now: NOW, pageSize: 3, batchSize: 2 });
    // Assess
    const expected = ['ibk-0001', ...Array.from({ length: 40 }, (_, i) => `r-${String(i).padStart(3, '0')}`)];
    expect([...ids].sort()).toEqual(expected.sort());
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages).toBeGreaterThan(13);
  });
});
