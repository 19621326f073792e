import { describe, expect, it } from 'vitest';
import type { MemoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import { ConflictError, NotFoundError, ValidationError } from '#shared/errors.ts';
import { addHold, removeHold } from '#shared/use-cases/manage-holds.ts';
import { purgeBatch } from '#shared/use-cases/purge-batch.ts';
import { eventsOf, expectTrailVerifies, ingest, NOW, sampleOf, world } from './world.ts';

async function holding(): Promise<MemoryDeps> {
  const deps = world();
  await ingest(deps, sampleOf('tcg-0001', 'tcg-0003', 'gnm-0001'));
  return deps;
}

const sweep = (deps: MemoryDeps, ids: string[]) =>
  purgeBatch(deps, { recordIds: ids, now: NOW, dryRun: false, sweepId: 'sweep-h' });

describe('addHold and removeHold', () => {
  it('holds every live record of a subject, audits each, and lifts them again', async () => {
    // Prepare
    const deps = await holding();
    // Act
    const added = await addHold(deps, { target: { subjectId: 'S-TCG-5001' }, reason: 'case 7', actor: 'admin:legal' });
    // Assess
    expect(added.recordIds.sort()).toEqual(['tcg-0001', 'tcg-0003']);
    expect(await eventsOf(deps, 'hold-added')).toHaveLength(2);
    const lifted = await removeHold(deps, { target: { subjectId: 'S-TCG-5001' }, holdId: added.hold.id, actor: 'admin:legal' });
    expect(lifted.removed).toBe(2);
    expect(await eventsOf(deps, 'hold-removed')).toHaveLength(2);
    await expectTrailVerifies(deps);
  });

  it('keeps a due held record from every sweep until the last hold is lifted', async () => {
    // Prepare: gnm-0001 is due; two holds on it
    const deps = await holding();
    const first = await addHold(deps, { target: { recordId: 'gnm-0001' }, reason: 'case 1', actor: 'admin:legal' });
    await addHold(deps, { target: { recordId: 'gnm-0001' }, reason: 'case 2', actor: 'admin:legal' });
    // Act
    const held = await sweep(deps, ['gnm-0001']);
    await removeHold(deps, { target: { recordId: 'gnm-0001' }, holdId: first.hold.id, actor: 'admin:legal' });
    const stillHeld = await sweep(deps, ['gnm-0001']);
    await removeHold(deps, { target: { recordId: 'gnm-0001' }, actor: 'admin:legal' });
    const purged = await sweep(deps, ['gnm-0001']);
    // Assess
    expect([held.items[0]?.decision, stillHeld.items[0]?.decision, purged.items[0]?.decision]).toEqual([
      'held',
      'held',
      'purge',
    ]);
    expect((await deps.records.get('gnm-0001'))?.status).toBe('erased');
  });

  it.each([
    ['an empty reason', { target: { recordId: 'gnm-0001' }, reason: '  ' }, ValidationError],
    ['an unknown record', { target: { recordId: 'nope' }, reason: 'r' }, NotFoundError],
    ['a subject with nothing held', { target: { subjectId: 'S-NOBODY' }, reason: 'r' }, NotFoundError],
  ])('refuses %s and writes nothing', async (_what, input, error) => {
    // Prepare
    const deps = await holding();
    const head = await deps.audit.headSize();
    // Act
    const attempt = addHold(deps, { ...input, actor: 'admin:legal' });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(error);
    expect(await deps.audit.headSize()).toBe(head);
    expect((await deps.records.listBySubject(await deps.pseudonyms.pseudonym('S-GNM-2001')))[0]?.holds).toEqual([]);
  });

  it('names the field of an empty reason', async () => {
    const deps = await holding();
    const error = await addHold(deps, { target: { recordId: 'gnm-0001' }, reason: '', actor: 'a' }).catch((e) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.path)).toEqual(['--reason']);
  });

  it('refuses a hold on an erased record', async () => {
    // Prepare
    const deps = await holding();
    await sweep(deps, ['gnm-0001']);
    // Act
    const attempt = addHold(deps, { target: { recordId: 'gnm-0001' }, reason: 'late', actor: 'admin:legal' });
    // Assess
    await expect(attempt).rejects.toThrow(/already erased/);
  });

  it('loses no hold when two are placed on one record at once: the later write conflicts', async () => {
    // Prepare
    const deps = await holding();
    // Act
    const both = await Promise.allSettled([
      addHold(deps, { target: { recordId: 'gnm-0001' }, reason: 'a', actor: 'admin:1' }),
      addHold(deps, { target: { recordId: 'gnm-0001' }, reason: 'b', actor: 'admin:2' }),
    ]);
    // Assess: one hold stored, the other refused (never silently overwritten)
    const rejected = both.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBeInstanceOf(ConflictError);
    const record = await deps.records.get('gnm-0001');
    expect(record !== undefined && 'holds' in record ? record.holds : []).toHaveLength(1);
  });
});
