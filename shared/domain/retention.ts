/**
 * Retention: when a record falls due for erasure, and the index attributes
 * that let a sweep find exactly the due records. All times are UTC.
 */
import { createHash } from 'node:crypto';
import type { RetentionRule } from './catalogue-types.ts';
import { addDuration, parseDuration } from './duration.ts';
import { DUE_SHARDS } from './store-definitions.ts';

/** The facts about a record that triggers refer to. */
export interface TriggerFacts {
  /** When acquired (ISO). */
  readonly acquiredAt: string;
  /** Last activity (ISO), if known. */
  readonly lastActivityAt?: string;
  /** Occurred events: name → ISO time. */
  readonly events: Readonly<Record<string, string>>;
}

/**
 * The due time for a rule, or undefined while an `event:` trigger has not
 * occurred (the record is then kept until the event is recorded).
 * `last-activity` falls back to the acquisition time when no activity is
 * known, so a record can never escape its retention.
 */
export function computeDueAt(
  rule: RetentionRule,
  facts: TriggerFacts,
): string | undefined {
  const period = parseDuration(rule.period);
  if (period === undefined) {
    throw new RangeError(`not an ISO-8601 duration: ${rule.period}`);
  }
  let start: string | undefined;
  if (rule.trigger === 'acquired') {
    start = facts.acquiredAt;
  } else if (rule.trigger === 'last-activity') {
    start = facts.lastActivityAt ?? facts.acquiredAt;
  } else if (rule.trigger.startsWith('event:')) {
    start = facts.events[rule.trigger.slice('event:'.length)];
  } else {
    throw new RangeError(`unknown trigger: ${rule.trigger}`);
  }
  if (start === undefined) {
    return undefined;
  }
  return addDuration(new Date(start), period).toISOString();
}

/** True when a record with this due time is due at `now` (inclusive). */
export function isDue(dueAt: string | undefined, now: Date): boolean {
  return dueAt !== undefined && Date.parse(dueAt) <= now.getTime();
}

/** The due-index shard of a record: stable, spread evenly. */
export function dueShardOf(recordId: string): number {
  return createHash('sha256').update(recordId).digest().readUInt32BE(0) %
    DUE_SHARDS;
}

/** Attributes of the sparse due-time index (absent when not due-able). */
export interface DueIndexAttributes {
  /** Shard as a string (GSI partition key). */
  readonly dueShard: string;
  /** `${dueAt}#${recordId}`: sorts by due time, unique. */
  readonly dueKey: string;
}

/** Due-index attributes for a record with a due time. */
export function dueIndexAttributes(
  recordId: string,
  dueAt: string,
): DueIndexAttributes {
  return { dueShard: String(dueShardOf(recordId)), dueKey: `${dueAt}#${recordId}` };
}

/**
 * TTL backstop: epoch seconds a grace period after the due time, so data
 * cannot outlive its retention if sweeps stop.
 */
export function ttlEpochSeconds(dueAt: string, graceDays: number): number {
  return Math.floor(Date.parse(dueAt) / 1_000) + graceDays * 86_400;
}

/** Formats an instant in Japan Standard Time for display (UTC+9, no DST). */
export function formatJst(iso: string): string {
  const t = new Date(Date.parse(iso) + 9 * 3_600_000);
  return `${t.toISOString().slice(0, 19).replace('T', ' ')} JST`;
}
