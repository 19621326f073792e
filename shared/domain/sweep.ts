/**
 * Retention sweep decisions and their report. A record is purged when its
 * due time has come (inclusive), unless a legal hold or a pending subject
 * request freezes it. Suspension of use (restricted) does not: data that
 * is no longer needed is erased even while its use is suspended.
 */
import { isTombstone, type StoredRecord, type Tombstone } from './record.ts';
import { isDue } from './retention.ts';

/** What the sweep does with one planned record. */
export type SweepDecision =
  | 'purge'
  | 'held'
  | 'pending-request'
  | 'not-due'
  | 'already-erased'
  | 'missing';

/** Decides for one record at `now`. */
export function decide(
  item: StoredRecord | Tombstone | undefined,
  now: Date,
): SweepDecision {
  if (item === undefined) {
    return 'missing';
  }
  if (isTombstone(item)) {
    return 'already-erased';
  }
  if (!isDue(item.retention.dueAt, now)) {
    return 'not-due';
  }
  if (item.holds.length > 0) {
    return 'held';
  }
  if (item.pendingRequests.length > 0) {
    return 'pending-request';
  }
  return 'purge';
}

/** Why a record was not purged, in words (no personal data). */
export function skipReason(item: StoredRecord, decision: SweepDecision): string | undefined {
  switch (decision) {
    case 'held':
      return `legal hold: ${item.holds.map((h) => h.reason).join('; ')}`;
    case 'pending-request':
      return `pending subject request ${item.pendingRequests.join(', ')}`;
    case 'not-due':
      return item.retention.dueAt === undefined
        ? 'no due time (trigger event not recorded)'
        : `not due until ${item.retention.dueAt}`;
    default:
      return undefined;
  }
}

/** Per-record outcome in a batch. */
export interface SweepItem {
  readonly recordId: string;
  readonly dataset?: string;
  readonly decision: SweepDecision;
  readonly reason?: string;
  /** Object versions and delete markers removed. */
  readonly objectVersions?: number;
  /** Whether the subject's data key was destroyed with it. */
  readonly keyDestroyed?: boolean;
}

/** Counts of a batch, a page or a whole sweep. */
export interface SweepCounts {
  readonly planned: number;
  readonly purged: number;
  readonly held: number;
  readonly pendingRequest: number;
  readonly notDue: number;
  readonly alreadyErased: number;
  readonly missing: number;
  readonly objectVersionsDeleted: number;
  readonly keysDestroyed: number;
}

/** Zero counts. */
export const NO_COUNTS: SweepCounts = {
  planned: 0,
  purged: 0,
  held: 0,
  pendingRequest: 0,
  notDue: 0,
  alreadyErased: 0,
  missing: 0,
  objectVersionsDeleted: 0,
  keysDestroyed: 0,
};

const FIELD: Record<SweepDecision, keyof SweepCounts> = {
  purge: 'purged',
  held: 'held',
  'pending-request': 'pendingRequest',
  'not-due': 'notDue',
  'already-erased': 'alreadyErased',
  missing: 'missing',
};

/** Counts of a list of items. */
export function countItems(items: readonly SweepItem[]): SweepCounts {
  const counts: Record<keyof SweepCounts, number> = { ...NO_COUNTS };
  for (const item of items) {
    counts.planned += 1;
    counts[FIELD[item.decision]] += 1;
    counts.objectVersionsDeleted += item.objectVersions ?? 0;
    counts.keysDestroyed += item.keyDestroyed === true ? 1 : 0;
  }
  return counts;
}

/** Adds counts. */
export function addCounts(a: SweepCounts, b: SweepCounts): SweepCounts {
  const sum: Record<keyof SweepCounts, number> = { ...NO_COUNTS };
  for (const key of Object.keys(NO_COUNTS) as (keyof SweepCounts)[]) {
    sum[key] = a[key] + b[key];
  }
  return sum;
}

/** True when every planned record is accounted for exactly once. */
export function addsUp(c: SweepCounts): boolean {
  return (
    c.planned ===
    c.purged + c.held + c.pendingRequest + c.notDue + c.alreadyErased + c.missing
  );
}

/** Splits ids into batches of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    out.push(items.slice(i, i + size));
  }
  return out;
}
