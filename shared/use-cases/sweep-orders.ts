/**
 * Filing and deciding manual sweep orders (see shared/domain/sweep-order.ts):
 * each step is one audit event naming the operator; an order's state is
 * read back from the trail. The sweep itself is run by the caller once an
 * order is approved, with the order's cutoff.
 */
import type { ChainedEvent } from '../domain/audit-chain.ts';
import type { Catalogue } from '../domain/catalogue-types.ts';
import { needsApproval, operatorProblems, reasonProblems } from '../domain/request-approval.ts';
import { type SweepOrder, type SweepOrderFact, type SweepOrderStep, sweepDecisionProblems, sweepOrders, SWEEP_ORDER_PATTERN } from '../domain/sweep-order.ts';
import { ValidationError } from '../errors.ts';
import type { AuditReader } from '../ports/audit.ts';
import type { AuditTrail, Clock, Ids } from '../ports/index.ts';

/** Ports of sweep orders. */
export interface SweepOrderDeps {
  readonly audit: AuditTrail & Pick<AuditReader, 'readEvents'>;
  readonly catalogue: Catalogue;
  readonly clock: Clock;
  readonly ids: Ids;
}

/** Whether a manual sweep must be filed and approved: some controller puts `sweep` under approval. */
export function sweepNeedsApproval(catalogue: Catalogue): boolean {
  return catalogue.controllers.some((c) => needsApproval(c.approval, 'sweep'));
}

function factOf(e: ChainedEvent): SweepOrderFact | undefined {
  const d = e.details ?? {};
  if (e.action !== 'sweep-order' || typeof d.orderId !== 'string' || typeof d.step !== 'string' || typeof d.operator !== 'string') return undefined;
  return {
    orderId: d.orderId,
    step: d.step as SweepOrderStep,
    operator: d.operator,
    asOf: String(d.asOf ?? ''),
    planned: Number(d.planned ?? 0),
    at: e.time,
  };
}

/** Every order the trail holds, by id, as its events leave it. */
export async function listSweepOrders(deps: Pick<SweepOrderDeps, 'audit'>): Promise<Map<string, SweepOrder>> {
  return sweepOrdersIn(await deps.audit.readEvents());
}

/** Every sweep order as `events` (the trail, already read) leave it, by order id. */
export function sweepOrdersIn(events: readonly ChainedEvent[]): Map<string, SweepOrder> {
  return sweepOrders(
    events.flatMap((e) => {
      const f = factOf(e);
      return f === undefined ? [] : [f];
    }),
  );
}

/** The order `orderId` as the trail leaves it, or undefined when none was filed. */
export async function sweepOrder(deps: Pick<SweepOrderDeps, 'audit'>, orderId: string): Promise<SweepOrder | undefined> {
  return (await listSweepOrders(deps)).get(orderId);
}

async function record(deps: SweepOrderDeps, fact: Omit<SweepOrderFact, 'at'>, reason?: string): Promise<void> {
  await deps.audit.append([
    {
      action: 'sweep-order',
      actor: `operator:${fact.operator}`,
      policyVersion: deps.catalogue.version,
      outcome: 'ok',
      ...(reason === undefined ? {} : { reason }),
      details: { orderId: fact.orderId, step: fact.step, operator: fact.operator, asOf: fact.asOf, planned: fact.planned },
    },
  ]);
  await deps.audit.integrate();
}

/** Files an order to sweep what is due at `asOf`, whose dry run would purge `planned` records. */
export async function fileSweepOrder(
  deps: SweepOrderDeps,
  input: { readonly operator: string; readonly asOf: string; readonly planned: number },
): Promise<SweepOrder> {
  const problems = operatorProblems(input.operator);
  if (problems.length > 0) throw new ValidationError('the sweep cannot be filed', problems);
  const stamp = input.asOf.replace(/[^0-9]/g, '').slice(0, 14);
  const orderId = `SO-${stamp}-${deps.ids.next().replace(/[^A-Za-z0-9]/g, '').slice(0, 8)}`;
  await record(deps, { orderId, step: 'filed', operator: input.operator, asOf: input.asOf, planned: input.planned });
  return { orderId, state: 'filed', filedBy: input.operator, asOf: input.asOf, planned: input.planned, filedAt: deps.clock.now().toISOString() };
}

/**
 * Approves or rejects a filed order. Refused (ValidationError naming the
 * field): an unknown or already decided order, the filer's own approval, a
 * rejection without a reason. The reason is kept in the trail: it must
 * carry no personal data.
 */
export async function decideSweepOrder(
  deps: SweepOrderDeps,
  input: { readonly orderId: string; readonly operator: string; readonly step: 'approved' | 'rejected'; readonly reason?: string },
): Promise<SweepOrder> {
  const problems = [
    ...(SWEEP_ORDER_PATTERN.test(input.orderId) ? [] : [{ path: 'ORDER_ID', message: `"${input.orderId.slice(0, 70)}" is not a sweep order id (SO-…)` }]),
    ...operatorProblems(input.operator),
    ...reasonProblems(input.reason),
    ...(input.step === 'rejected' && (input.reason ?? '').trim() === '' ? [{ path: 'reason', message: 'a rejection needs a reason (--reason TEXT)' }] : []),
  ];
  if (problems.length > 0) throw new ValidationError(`sweep order ${input.orderId} cannot be ${input.step}`, problems);
  const order = await sweepOrder(deps, input.orderId);
  const refused = sweepDecisionProblems(order, input.orderId, input.operator, input.step);
  if (refused.length > 0 || order === undefined) throw new ValidationError(`sweep order ${input.orderId} cannot be ${input.step}`, refused);
  await record(deps, { orderId: order.orderId, step: input.step, operator: input.operator, asOf: order.asOf, planned: order.planned }, input.reason?.trim());
  return { ...order, state: input.step, decidedBy: input.operator, decidedAt: deps.clock.now().toISOString() };
}
