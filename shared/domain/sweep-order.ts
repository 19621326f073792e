/**
 * Manual sweeps under approval (決裁): where a controller's policy puts
 * `sweep` under approval, a sweep run by hand outside the schedule is
 * first filed as an order — its cutoff time and what its dry run would
 * purge — and carried out only after a second operator approves it. The
 * order lives in the audit trail itself (`sweep-order` events: filed,
 * approved, rejected), which is append-only and verified, so no order can
 * be approved, or un-rejected, without a trace. Pure: the state of an
 * order from its events.
 */
import type { Problem } from '../errors.ts';

/** What may happen to an order. */
export type SweepOrderStep = 'filed' | 'approved' | 'rejected';

/** A sweep-order event's facts, as the trail keeps them in `details`. */
export interface SweepOrderFact {
  readonly orderId: string;
  readonly step: SweepOrderStep;
  readonly operator: string;
  /** The cutoff: records due at or before it are swept (ISO). */
  readonly asOf: string;
  /** How many records its dry run would purge. */
  readonly planned: number;
  /** When the event was written (ISO). */
  readonly at: string;
}

/** An order as its events leave it. */
export interface SweepOrder {
  readonly orderId: string;
  readonly state: SweepOrderStep;
  readonly filedBy: string;
  readonly asOf: string;
  readonly planned: number;
  readonly filedAt: string;
  readonly decidedBy?: string;
  readonly decidedAt?: string;
}

/** Order ids: `SO-` and a timestamp-like token, nothing personal. */
export const SWEEP_ORDER_PATTERN = /^SO-[A-Za-z0-9-]{4,60}$/;

/** The orders the facts describe, by id (the first filing and the first decision count). */
export function sweepOrders(facts: readonly SweepOrderFact[]): Map<string, SweepOrder> {
  const orders = new Map<string, SweepOrder>();
  for (const f of facts) {
    const order = orders.get(f.orderId);
    if (f.step === 'filed') {
      if (order === undefined) {
        orders.set(f.orderId, { orderId: f.orderId, state: 'filed', filedBy: f.operator, asOf: f.asOf, planned: f.planned, filedAt: f.at });
      }
      continue;
    }
    if (order !== undefined && order.state === 'filed') {
      orders.set(f.orderId, { ...order, state: f.step, decidedBy: f.operator, decidedAt: f.at });
    }
  }
  return orders;
}

/**
 * Problems that stop `operator` from deciding `order`: none filed, already
 * decided, the filer approving their own order (four eyes).
 */
export function sweepDecisionProblems(order: SweepOrder | undefined, orderId: string, operator: string, step: 'approved' | 'rejected'): Problem[] {
  if (order === undefined) {
    return [{ path: 'ORDER_ID', message: `no sweep order ${orderId} was filed (wasure sweep --operator ID files one)` }];
  }
  if (order.state !== 'filed') {
    return [{ path: 'ORDER_ID', message: `was already ${order.state} by ${order.decidedBy ?? '?'} at ${order.decidedAt ?? '?'}` }];
  }
  if (step === 'approved' && operator === order.filedBy) {
    return [{ path: 'operator', message: `${operator} filed this sweep order and cannot approve it: a second operator must (決裁, four eyes)` }];
  }
  return [];
}
