import { describe, expect, it } from 'vitest';
import { fixedClock, memoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import type { Catalogue } from '#shared/domain/catalogue-types.ts';
import { sweepOrders } from '#shared/domain/sweep-order.ts';
import { ValidationError } from '#shared/errors.ts';
import { decideSweepOrder, fileSweepOrder, sweepNeedsApproval, sweepOrder } from '#shared/use-cases/sweep-orders.ts';
import { sampleCatalogue } from '../../fixtures/catalogue.ts';
import { eventsOf, expectTrailVerifies, NOW } from './world.ts';

/** The sample catalogue with manual sweeps under approval at the first controller. */
function underApproval(): Catalogue {
  const sample = sampleCatalogue();
  return { ...sample, controllers: sample.controllers.map((c, i) => (i === 0 ? { ...c, approval: { requires: ['erase', 'correct', 'sweep'] } } : c)) };
}

const refusal = async (p: Promise<unknown>) => {
  const e = await p.catch((error: unknown) => error);
  expect(e).toBeInstanceOf(ValidationError);
  return (e as ValidationError).problems;
};

describe('manual sweep orders (決裁)', () => {
  it('are needed only where a controller says so', () => {
    expect(sweepNeedsApproval(sampleCatalogue())).toBe(false);
    expect(sweepNeedsApproval(underApproval())).toBe(true);
  });

  it('are filed by one operator, refused to the filer, approved by another, each step audited with the operator', async () => {
    // Prepare
    const deps = memoryDeps(underApproval(), fixedClock(NOW));
    // Act
    const filed = await fileSweepOrder(deps, { operator: 'clerk-01', asOf: NOW, planned: 7 });
    const self = await refusal(decideSweepOrder(deps, { orderId: filed.orderId, operator: 'clerk-01', step: 'approved' }));
    const approved = await decideSweepOrder(deps, { orderId: filed.orderId, operator: 'chief-07', step: 'approved' });
    const twice = await refusal(decideSweepOrder(deps, { orderId: filed.orderId, operator: 'chief-08', step: 'rejected', reason: 'late' }));
    // Assess
    expect(filed.orderId).toMatch(/^SO-\d{14}-/);
    expect(self[0]).toMatchObject({ path: 'operator', message: expect.stringContaining('cannot approve') });
    expect(approved).toMatchObject({ state: 'approved', decidedBy: 'chief-07', asOf: NOW, planned: 7 });
    expect(twice[0]?.message).toContain('already approved by chief-07');
    expect(await sweepOrder(deps, filed.orderId)).toMatchObject({ state: 'approved', filedBy: 'clerk-01' });
    expect((await eventsOf(deps, 'sweep-order')).map((e) => [e.actor, e.details?.step])).toEqual([
      ['operator:clerk-01', 'filed'],
      ['operator:chief-07', 'approved'],
    ]);
    await expectTrailVerifies(deps);
  });

  it('refuse an unknown order, a rejection without reason and a hostile id', async () => {
    // Prepare
    const deps = memoryDeps(underApproval(), fixedClock(NOW));
    const filed = await fileSweepOrder(deps, { operator: 'clerk-01', asOf: NOW, planned: 0 });
    // Act
    const unknown = await refusal(decideSweepOrder(deps, { orderId: 'SO-20261201000000-nothere', operator: 'chief-07', step: 'approved' }));
    const bare = await refusal(decideSweepOrder(deps, { orderId: filed.orderId, operator: 'chief-07', step: 'rejected' }));
    const hostile = await refusal(decideSweepOrder(deps, { orderId: '../../etc', operator: 'chief-07', step: 'approved' }));
    // Assess
    expect(unknown[0]?.message).toContain('no sweep order');
    expect(bare.map((p) => p.path)).toEqual(['reason']);
    expect(hostile[0]?.path).toBe('ORDER_ID');
    expect((await sweepOrder(deps, filed.orderId))?.state).toBe('filed');
  });

  it('take the first filing and the first decision of an order', () => {
    const at = NOW;
    const orders = sweepOrders([
      { orderId: 'SO-1111', step: 'approved', operator: 'x', asOf: at, planned: 1, at },
      { orderId: 'SO-1111', step: 'filed', operator: 'a', asOf: at, planned: 1, at },
      { orderId: 'SO-1111', step: 'rejected', operator: 'b', asOf: at, planned: 1, at },
      { orderId: 'SO-1111', step: 'approved', operator: 'c', asOf: at, planned: 1, at },
    ]);
    expect(orders.get('SO-1111')).toMatchObject({ state: 'rejected', filedBy: 'a', decidedBy: 'b' });
  });
});
