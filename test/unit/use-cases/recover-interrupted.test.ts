import { describe, expect, it } from 'vitest';
import { SimulatedCrash } from '#shared/adapters/memory/faults.ts';
import type { MemoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import { recoverInterrupted } from '#shared/use-cases/recover-interrupted.ts';
import { eventsOf, expectTrailVerifies, ingest, killAtEveryCall, sampleOf, world } from './world.ts';

const EVER = '9999-01-01T00:00:00.000Z';

/** A world whose ingest of ibk-0001 (one document) was killed at its first call named `what` (before or after it). */
async function killedAt(what: string, afterEffect = false): Promise<MemoryDeps> {
  const probe = world();
  await ingest(probe, sampleOf('ibk-0001'));
  const n = probe.faults.calls.indexOf(what) + 1;
  expect(n).toBeGreaterThan(0);
  const deps = world();
  deps.faults.failAt(n, { afterEffect });
  await expect(ingest(deps, sampleOf('ibk-0001'))).rejects.toBeInstanceOf(SimulatedCrash);
  deps.faults.heal();
  return deps;
}

describe('recoverInterrupted', () => {
  it('removes the documents of a line killed before its record was written, and closes the intent', async () => {
    // Prepare
    const deps = await killedAt('records.create');
    expect(await deps.objects.listVersions('records/ibk-0001/')).toHaveLength(1);
    // Act
    const report = await recoverInterrupted(deps, EVER);
    // Assess
    expect(report.abandonedDocuments).toBe(1);
    expect(await deps.objects.listVersions('records/ibk-0001/')).toEqual([]);
    expect(await deps.records.abandonedDocuments(EVER)).toEqual([]);
    expect(await deps.records.get('ibk-0001')).toBeUndefined();
  });

  it('leaves alone an intent younger than its bound (a line another process is still ingesting)', async () => {
    // Prepare
    const deps = await killedAt('records.create');
    // Act
    const report = await recoverInterrupted(deps, '2000-01-01T00:00:00.000Z');
    // Assess
    expect(report.abandonedDocuments).toBe(0);
    expect(await deps.objects.listVersions('records/ibk-0001/')).toHaveLength(1);
  });

  it('chains the events a killed process staged with its writes', async () => {
    // Prepare: the record was written (with its staged event), the process died right after
    const deps = await killedAt('records.create', true);
    expect(await deps.audit.pendingCount()).toBe(1);
    // Act
    const report = await recoverInterrupted(deps, EVER);
    // Assess
    expect(report).toEqual({ eventsIntegrated: 1, abandonedDocuments: 0 });
    expect(await eventsOf(deps, 'ingest', 'ibk-0001')).toHaveLength(1);
    expect(await deps.objects.listVersions('records/ibk-0001/')).toHaveLength(1);
    await expectTrailVerifies(deps);
  });

  it('killed itself at every port call, finishes on the next run', async () => {
    await killAtEveryCall(
      () => killedAt('records.create'),
      (deps) => recoverInterrupted(deps, EVER),
      (deps) => recoverInterrupted(deps, EVER),
      async (deps, at) => {
        expect(await deps.objects.listVersions('records/ibk-0001/'), `killed at ${at}`).toEqual([]);
        expect(await deps.records.abandonedDocuments(EVER)).toEqual([]);
        expect(await deps.audit.pendingCount()).toBe(0);
      },
    );
  });
});
