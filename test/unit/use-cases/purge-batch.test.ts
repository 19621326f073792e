import { describe, expect, it } from 'vitest';
import type { MemoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import { addHold } from '#shared/use-cases/manage-holds.ts';
import { planSweep } from '#shared/use-cases/plan-sweep.ts';
import { purgeBatch } from '#shared/use-cases/purge-batch.ts';
import { registerRequest } from '#shared/use-cases/subject-requests.ts';
import { eventsOf, expectTrailVerifies, ingest, killAtEveryCall, NOW, requestInput, sampleLines, sampleOf, world } from './world.ts';

/** Records of the sample due at NOW. */
const DUE = ['gnm-0001', 'gnm-0003', 'ibk-0001', 'ibk-0003', 'jlis-0001', 'stm-0001', 'stm-0003', 'tcg-0001', 'tcg-pay-0001'];

async function sampled(): Promise<MemoryDeps> {
  const deps = world();
  await ingest(deps, sampleLines());
  return deps;
}

async function sweep(deps: MemoryDeps, dryRun = false) {
  const plan = await planSweep(deps, { now: NOW });
  return purgeBatch(deps, { recordIds: plan.batches.flat(), now: NOW, dryRun, sweepId: 'sweep-1' });
}

async function statusOf(deps: MemoryDeps, ids: readonly string[]) {
  return Object.fromEntries(await Promise.all(ids.map(async (id) => [id, (await deps.records.get(id))?.status])));
}

describe('purgeBatch', () => {
  it('erases exactly the due records, keeps the rest and the key a kept record is sealed with', async () => {
    // Prepare
    const deps = await sampled();
    // Act
    const result = await sweep(deps);
    // Assess
    expect(result.items.map((i) => i.recordId).sort()).toEqual(DUE);
    expect(result.items.every((i) => i.decision === 'purge')).toBe(true);
    expect(Object.values(await statusOf(deps, DUE))).toEqual(DUE.map(() => 'erased'));
    const live = sampleLines().map((l) => JSON.parse(l.text).recordId).filter((id) => !DUE.includes(id));
    expect(Object.values(await statusOf(deps, live))).toEqual(live.map(() => 'active'));
    // tcg-0001's subject keeps its key for tcg-0003; eight subjects are shredded
    expect((await eventsOf(deps, 'key-destroyed')).length).toBe(8);
    expect(await deps.keys.get(await deps.pseudonyms.pseudonym('S-TCG-5001'))).toBeDefined();
    expect((await deps.objects.listVersions('records/')).map((v) => v.key)).toEqual(['records/gnm-0002/plan.txt']);
    await expectTrailVerifies(deps);
  });

  it('decides only in a dry run: nothing is erased, no event is written', async () => {
    // Prepare
    const deps = await sampled();
    const head = await deps.audit.headSize();
    // Act
    const result = await sweep(deps, true);
    // Assess
    expect(result.items.filter((i) => i.decision === 'purge').map((i) => i.recordId).sort()).toEqual(DUE);
    expect(Object.values(await statusOf(deps, DUE))).toEqual(DUE.map(() => 'active'));
    expect(await deps.audit.headSize()).toBe(head);
    expect(deps.keys.size).toBe(15);
  });

  it('never purges a held record or one frozen by an open request, and audits the skip', async () => {
    // Prepare
    const deps = await sampled();
    await addHold(deps, { target: { recordId: 'gnm-0001' }, reason: 'case 2026-12', actor: 'admin:legal' });
    await registerRequest(deps, requestInput('req-export-1', 'export', 'S-IBK-1003'));
    // Act
    const result = await sweep(deps);
    // Assess
    const decisions = Object.fromEntries(result.items.map((i) => [i.recordId, i.decision]));
    expect(decisions['gnm-0001']).toBe('held');
    expect(decisions['ibk-0003']).toBe('pending-request');
    expect(await statusOf(deps, ['gnm-0001', 'ibk-0003'])).toEqual({ 'gnm-0001': 'active', 'ibk-0003': 'active' });
    const skipped = (await eventsOf(deps, 'erasure')).filter((e) => e.outcome === 'skipped').map((e) => e.recordId);
    expect(skipped.sort()).toEqual(['gnm-0001', 'ibk-0003']);
    expect(await deps.keys.get(await deps.pseudonyms.pseudonym('S-GNM-2001'))).toBeDefined();
  });

  it('reports a record erased since it was planned as already erased, without a second event', async () => {
    // Prepare
    const deps = await sampled();
    const plan = await planSweep(deps, { now: NOW });
    await purgeBatch(deps, { recordIds: ['ibk-0001'], now: NOW, dryRun: false, sweepId: 's-0' });
    // Act
    const result = await purgeBatch(deps, { recordIds: plan.batches.flat(), now: NOW, dryRun: false, sweepId: 's-1' });
    // Assess
    expect(result.items.find((i) => i.recordId === 'ibk-0001')?.decision).toBe('already-erased');
    expect((await eventsOf(deps, 'erasure', 'ibk-0001')).length).toBe(1);
  });

  it('killed at every port call and rerun, erases each due record once and never a held one', async () => {
    // Five records keep the loop short: a held one, a sealed sibling, three to erase.
    const batch = ['gnm-0001', 'ibk-0001', 'tcg-0001', 'tcg-pay-0001'];
    const prepare = async () => {
      const deps = world();
      await ingest(deps, sampleOf('ibk-0001', 'tcg-0001', 'tcg-0003', 'tcg-pay-0001', 'gnm-0001'));
      await addHold(deps, { target: { recordId: 'tcg-pay-0001' }, reason: 'audit 2026', actor: 'admin:legal' });
      return deps;
    };
    const run = (deps: MemoryDeps) =>
      purgeBatch(deps, { recordIds: batch, now: NOW, dryRun: false, sweepId: 'sweep-k' });
    const calls = await killAtEveryCall(prepare, run, run, async (deps, killedAt) => {
      const erased = ['gnm-0001', 'ibk-0001', 'tcg-0001'];
      expect(Object.values(await statusOf(deps, erased)), `killed at ${killedAt}`).toEqual(erased.map(() => 'erased'));
      expect(await statusOf(deps, ['tcg-pay-0001', 'tcg-0003'])).toEqual({ 'tcg-pay-0001': 'active', 'tcg-0003': 'active' });
      for (const id of erased) {
        expect((await eventsOf(deps, 'erasure', id)).filter((e) => e.outcome === 'ok')).toHaveLength(1);
      }
      expect(await eventsOf(deps, 'key-destroyed')).toHaveLength(2);
      expect(await deps.keys.get(await deps.pseudonyms.pseudonym('S-TCG-5001'))).toBeDefined();
      expect(await deps.keys.get(await deps.pseudonyms.pseudonym('S-TCG-E6001'))).toBeDefined();
      await expectTrailVerifies(deps);
    });
    expect(calls).toBeGreaterThan(15);
  });
});
