/**
 * The annual statistics of subject requests (開示請求等の件数): pure
 * aggregation of the requests received in one 年度, cross-checked with the
 * audit trail. A request is counted only when its `request` event (the one
 * its registration writes) is in the trail; one without is reported as a
 * discrepancy and left out of every count, so a ledger item written
 * outside the use cases cannot inflate or shape the figures unseen.
 */
import type { AuditEvent } from '../audit-chain.ts';
import type { Controller } from '../catalogue-types.ts';
import { REQUEST_TYPES, type RequestType, type SubjectRequest } from '../requests.ts';
import { DECISIONS, type Decision, decisionOf, FAMILY_OF, groundsOf, type RequestFamily } from './decision.ts';
import { type FiscalYearRange, fiscalYearRange, jstCalendarDays } from './fiscal-year.ts';

/** What the report needs of one `request` audit event. */
export interface RequestAuditFact {
  /** The request. */
  readonly requestId: string;
  /** When (ISO). */
  readonly time: string;
  /**
   * `registered`: the registration's event; `ended`: the event of its end
   * (a completion, failure, rejection or withdrawal); `decided`: another
   * operator decision (approval, extension, pause, resumption).
   */
  readonly kind: 'registered' | 'ended' | 'decided';
  /** The status an `ended` event records. */
  readonly status?: string;
}

const ENDING_DECISIONS = ['rejected', 'withdrawn'];

/**
 * The request facts of audit events: every `request` event naming a
 * request id (other events are ignored). The registration carries neither
 * `status` nor `decision`; an ending carries `status`, or the decision
 * `rejected` / `withdrawn` that ends it.
 */
export function requestAuditFacts(events: readonly Pick<AuditEvent, 'action' | 'time' | 'details'>[]): RequestAuditFact[] {
  const facts: RequestAuditFact[] = [];
  for (const e of events) {
    const id = e.details?.requestId;
    if (e.action !== 'request' || typeof id !== 'string') continue;
    const { status, decision } = e.details ?? {};
    if (typeof status === 'string') {
      facts.push({ requestId: id, time: e.time, kind: 'ended', status });
    } else if (typeof decision === 'string' && ENDING_DECISIONS.includes(decision)) {
      facts.push({ requestId: id, time: e.time, kind: 'ended', status: decision });
    } else {
      facts.push({ requestId: id, time: e.time, kind: decision === undefined ? 'registered' : 'decided' });
    }
  }
  return facts;
}

/** Kinds of disagreement between the request ledger and the audit trail. */
export type DiscrepancyKind =
  /** In the ledger, but its registration is unfinished (no `request` event yet): not counted. */
  | 'registration-unfinished'
  /** In the ledger, but no `request` event names it: not counted. */
  | 'not-audited'
  /** Ended in the ledger, but no ending event names it: counted by the ledger. */
  | 'ending-not-audited'
  /** The ending event records another status than the ledger: counted by the ledger. */
  | 'status-differs'
  /** A `request` event in the year names a request the ledger does not hold: not counted. */
  | 'not-in-ledger';

/** One disagreement (ids and statuses only, no personal data). */
export interface Discrepancy {
  readonly requestId: string;
  readonly kind: DiscrepancyKind;
  /** Whether the request is in the counts. */
  readonly counted: boolean;
  readonly detail: string;
}

/** Counts by decision category, every category present. */
export type DecisionCounts = Record<Decision, number>;

/** One controller's row. */
export interface ControllerCounts {
  /** Catalogue id; null for requests that name no controller. */
  readonly controllerId: string | null;
  /** Japanese name (the id when the catalogue does not know it). */
  readonly name: string;
  /** Public body (行政機関等). */
  readonly publicBody: boolean;
  readonly total: number;
  readonly byDecision: DecisionCounts;
}

/** Days from receipt to the answer, in JST calendar days. */
export interface DaysTaken {
  /** Decided requests measured. */
  readonly count: number;
  /** Median (the mean of the two middle values for an even count); null when none. */
  readonly median: number | null;
  /** Longest; null when none. */
  readonly max: number | null;
}

/** The annual statistics. */
export interface AnnualReport {
  /** 年度 and its bounds. */
  readonly period: FiscalYearRange;
  /** When it was computed (ISO). */
  readonly generatedAt: string;
  /** The controller it is limited to, if any. */
  readonly controllerId?: string;
  /** Requests counted. */
  readonly total: number;
  /** By request type (every type present). */
  readonly byType: Record<RequestType, number>;
  /** By family and decision (every one present). */
  readonly byFamily: Record<RequestFamily, DecisionCounts>;
  /** By request type and decision (every one present). */
  readonly byTypeDecision: Record<RequestType, DecisionCounts>;
  /** Requests per ground (a request counts once per distinct ground), most frequent first. */
  readonly byGround: readonly { readonly ground: string; readonly count: number }[];
  /** By controller, in catalogue order, requests naming none last. */
  readonly byController: readonly ControllerCounts[];
  /** Days from receipt to decision of decided requests (full, partial, refused, absent). */
  readonly days: DaysTaken;
  /** Requests past their (extended) deadline: ended after it, or still open after it at `generatedAt`. */
  readonly overdue: { readonly total: number; readonly ended: number; readonly open: number };
  /** Requests whose period was extended (Art. 83(2)). */
  readonly extended: number;
  /** Requests received in the year that name no controller (left out when limited to one). */
  readonly unattributed: number;
  /** Ledger and audit trail disagreements. */
  readonly discrepancies: readonly Discrepancy[];
}

/** Input of {@link buildAnnualReport}. */
export interface AnnualReportInput {
  /** 年度 N: 1 April N to 31 March N+1, JST. */
  readonly year: number;
  /** Every request the ledger keeps. */
  readonly requests: readonly SubjectRequest[];
  /** The `request` audit facts (see {@link requestAuditFacts}). */
  readonly audit: readonly RequestAuditFact[];
  /** The catalogue's controllers. */
  readonly controllers: readonly Pick<Controller, 'id' | 'name' | 'publicBody'>[];
  /** Only this controller's requests. */
  readonly controllerId?: string;
  /** Report time: open requests are overdue against it. */
  readonly now: Date;
}

const ENDING_AUDITED: readonly SubjectRequest['status'][] = ['completed', 'partially-completed', 'refused', 'failed', 'rejected', 'withdrawn'];
const DECIDED: readonly Decision[] = ['full', 'partial', 'refused', 'absent'];

const zeroDecisions = (): DecisionCounts => Object.fromEntries(DECISIONS.map((d) => [d, 0])) as DecisionCounts;
const byKeys = <K extends string, V>(keys: readonly K[], make: () => V): Record<K, V> =>
  Object.fromEntries(keys.map((k) => [k, make()])) as Record<K, V>;

/** The median of numbers, or null for none. */
export function median(values: readonly number[]): number | null {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return null;
  const hi = sorted[Math.floor(n / 2)] as number;
  return n % 2 === 1 ? hi : ((sorted[n / 2 - 1] as number) + hi) / 2;
}

/** When a request ended: completion, else its approval decision (rejection, withdrawal). */
function endedAt(r: SubjectRequest): string | undefined {
  return r.completedAt ?? (r.status === 'received' ? undefined : r.approval?.decidedAt);
}

/** The audit check of one ledger request: its discrepancies and whether it is counted. */
function auditCheck(r: SubjectRequest, events: readonly RequestAuditFact[]): Discrepancy[] {
  const id = r.requestId;
  if (r.registered === false) {
    return [{ requestId: id, kind: 'registration-unfinished', counted: false, detail: 'its registration was cut short and never retried; no request event was written' }];
  }
  if (!events.some((e) => e.kind === 'registered')) {
    return [{ requestId: id, kind: 'not-audited', counted: false, detail: `the ledger holds it as ${r.status} but no request event names it` }];
  }
  if (!ENDING_AUDITED.includes(r.status)) return [];
  const endings = events.filter((e) => e.kind === 'ended');
  if (endings.length === 0) {
    return [{ requestId: id, kind: 'ending-not-audited', counted: true, detail: `the ledger holds it as ${r.status} but no ending event names it` }];
  }
  const recorded = endings[0]?.status;
  return recorded === r.status
    ? []
    : [{ requestId: id, kind: 'status-differs', counted: true, detail: `the ledger holds ${r.status}, the ending event ${recorded}` }];
}

/**
 * The statistics of 年度 `year`: the requests received from 1 April N
 * 00:00 JST to 31 March N+1 (by `receivedAt`), of one controller when
 * `controllerId` is given.
 * @example
 * buildAnnualReport({ year: 2026, requests, audit, controllers, now }).byType.export
 */
export function buildAnnualReport(input: AnnualReportInput): AnnualReport {
  const period = fiscalYearRange(input.year);
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  const inYear = input.requests.filter((r) => {
    const t = Date.parse(r.receivedAt);
    return t >= from && t < to;
  });
  const unattributed = inYear.filter((r) => r.controllerId === undefined).length;
  const scoped = input.controllerId === undefined ? inYear : inYear.filter((r) => r.controllerId === input.controllerId);

  const eventsOf = new Map<string, RequestAuditFact[]>();
  for (const e of input.audit) {
    eventsOf.set(e.requestId, [...(eventsOf.get(e.requestId) ?? []), e]);
  }
  const discrepancies: Discrepancy[] = [];
  const counted: SubjectRequest[] = [];
  for (const r of scoped) {
    const found = auditCheck(r, eventsOf.get(r.requestId) ?? []);
    discrepancies.push(...found);
    if (found.every((d) => d.counted)) counted.push(r);
  }
  const ledgerIds = new Set(input.requests.map((r) => r.requestId));
  const orphans = new Set(
    input.audit
      .filter((e) => e.kind === 'registered' && !ledgerIds.has(e.requestId))
      .filter((e) => Date.parse(e.time) >= from && Date.parse(e.time) < to)
      .map((e) => e.requestId),
  );
  for (const id of orphans) {
    discrepancies.push({ requestId: id, kind: 'not-in-ledger', counted: false, detail: 'a request event in the year names it, but the ledger does not hold it (expired or removed)' });
  }

  const byType = byKeys(REQUEST_TYPES, () => 0);
  const byTypeDecision = byKeys(REQUEST_TYPES, zeroDecisions);
  const byFamily = byKeys(['disclosure', 'correction', 'suspension'] as const, zeroDecisions);
  const grounds = new Map<string, number>();
  const rows = new Map<string | null, { total: number; byDecision: DecisionCounts }>();
  const days: number[] = [];
  let overdueEnded = 0;
  let overdueOpen = 0;
  let extended = 0;
  for (const r of counted) {
    const decision = decisionOf(r);
    byType[r.type] += 1;
    byTypeDecision[r.type][decision] += 1;
    byFamily[FAMILY_OF[r.type]][decision] += 1;
    for (const g of groundsOf(r)) grounds.set(g, (grounds.get(g) ?? 0) + 1);
    const key = r.controllerId ?? null;
    const row = rows.get(key) ?? { total: 0, byDecision: zeroDecisions() };
    row.total += 1;
    row.byDecision[decision] += 1;
    rows.set(key, row);
    const ended = endedAt(r);
    if (ended !== undefined && DECIDED.includes(decision)) {
      days.push(jstCalendarDays(new Date(r.receivedAt), new Date(ended)));
    }
    const deadline = Date.parse(r.deadline);
    if (decision === 'pending') {
      if (input.now.getTime() > deadline) overdueOpen += 1;
    } else if (ended !== undefined && Date.parse(ended) > deadline) {
      overdueEnded += 1;
    }
    if (r.extension !== undefined || (r.timeline ?? []).some((t) => t.kind === 'extended')) extended += 1;
  }

  const known = input.controllers.filter((c) => rows.has(c.id));
  const strays = [...rows.keys()].filter((k): k is string => k !== null && !input.controllers.some((c) => c.id === k)).sort();
  const row = (id: string) => rows.get(id) as { total: number; byDecision: DecisionCounts };
  const byController: ControllerCounts[] = [
    ...known.map((c) => ({ controllerId: c.id, name: c.name.ja, publicBody: c.publicBody, ...row(c.id) })),
    ...strays.map((id) => ({ controllerId: id, name: id, publicBody: false, ...row(id) })),
    ...(rows.has(null) ? [{ controllerId: null, name: '（管理者の記録なし）', publicBody: false, ...(rows.get(null) as { total: number; byDecision: DecisionCounts }) }] : []),
  ];

  return {
    period,
    generatedAt: input.now.toISOString(),
    ...(input.controllerId === undefined ? {} : { controllerId: input.controllerId }),
    total: counted.length,
    byType,
    byFamily,
    byTypeDecision,
    byGround: [...grounds].map(([ground, count]) => ({ ground, count })).sort((a, b) => b.count - a.count || a.ground.localeCompare(b.ground)),
    byController,
    days: { count: days.length, median: median(days), max: days.length === 0 ? null : Math.max(...days) },
    overdue: { total: overdueEnded + overdueOpen, ended: overdueEnded, open: overdueOpen },
    extended,
    unattributed,
    discrepancies,
  };
}
