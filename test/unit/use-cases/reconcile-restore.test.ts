import { describe, expect, it } from 'vitest';
import { backupStores, type MemoryDeps, restoreStores } from '#shared/adapters/memory/memory-deps.ts';
import { planSweep } from '#shared/use-cases/plan-sweep.ts';
import { purgeBatch } from '#shared/use-cases/purge-batch.ts';
import { RECONCILE_ACTOR, reconcileRestore } from '#shared/use-cases/reconcile-restore.ts';
import { eventsOf, expectTrailVerifies, ingest, killAtEveryCall, NOW, sampleLines, sampleOf, world } from './world.ts';

const DUE = ['gnm-0001', 'gnm-0003', 'ibk-0001', 'ibk-0003', 'jlis-0001', 'stm-0001', 'stm-0003', 'tcg-0001', 'tcg-pay-0001'];

/** Sample records ingested and backed up, then swept, then the stores restored from the backup. */
async function restoredAfterSweep(lines = sampleLines()): Promise<MemoryDeps> {
  const deps = world();
  await ingest(deps, lines);
  const backup = backupStores(deps);
  const plan = await planSweep(deps, { now: NOW });
  await purgeBatch(deps, { recordIds: plan.batches.flat(), now: NOW, dryRun: false, sweepId: 'sweep-r' });
  restoreStores(deps, backup);
  return deps;
}

const reconcile = (deps: MemoryDeps, dryRun = false) =>
  reconcileRestore({ ...deps, auditReader: deps.audit }, { since: NOW, dryRun });

async function statuses(deps: MemoryDeps, ids = DUE) {
  return Promise.all(ids.map(async (id) => (await deps.records.get(id))?.status));
}

describe('reconcileRestore', () => {
  it('erases again what a restore brought back: records, documents, keys', async () => {
    // Prepare
    const deps = await restoredAfterSweep();
    expect(await statuses(deps)).toEqual(DUE.map(() => 'active'));
    // Act
    const report = await reconcile(deps);
    // Assess
    expect(report.skipped).toBe(0);
    expect(report.items.filter((i) => i.kind === 'record').map((i) => i.id).sort()).toEqual(DUE);
    expect(await statuses(deps)).toEqual(DUE.map(() => 'erased'));
    expect((await deps.objects.listVersions('records/')).map((v) => v.key)).toEqual(['records/gnm-0002/plan.txt']);
    expect(deps.keys.size).toBe(7);
    const again = (await eventsOf(deps, 'erasure')).filter((e) => e.actor === RECONCILE_ACTOR);
    expect(again).toHaveLength(9);
    await expectTrailVerifies(deps);
  });

  it('changes nothing in a dry run, and finds nothing to do on a second run', async () => {
    // Prepare
    const deps = await restoredAfterSweep();
    // Act
    const dry = await reconcile(deps, true);
    const statesAfterDry = await statuses(deps);
    await reconcile(deps);
    const second = await reconcile(deps);
    // Assess
    expect(dry.reapplied).toBeGreaterThanOrEqual(9);
    expect(statesAfterDry).toEqual(DUE.map(() => 'active'));
    expect(second.reapplied).toBe(0);
  });

  it('killed at every port call and rerun, leaves every restored erasure applied once more', async () => {
    // Four records keep the loop short: three due, one a sealed sibling of a due one.
    const due = ['gnm-0001', 'ibk-0001', 'tcg-0001'];
    await killAtEveryCall(
      () => restoredAfterSweep(sampleOf('ibk-0001', 'tcg-0001', 'tcg-0003', 'gnm-0001')),
      (deps) => reconcile(deps),
      (deps) => reconcile(deps),
      async (deps, at) => {
        await deps.audit.integrate();
        expect(await statuses(deps, due), `killed at ${at}`).toEqual(due.map(() => 'erased'));
        expect(deps.keys.size).toBe(1);
        expect(await deps.keys.get(await deps.pseudonyms.pseudonym('S-TCG-5001'))).toBeDefined();
        for (const id of due) {
          const byReconciler = (await eventsOf(deps, 'erasure', id)).filter((e) => e.actor === RECONCILE_ACTOR);
          expect(byReconciler).toHaveLength(1);
        }
        await expectTrailVerifies(deps);
      },
    );
  });
});
