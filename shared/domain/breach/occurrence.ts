/**
 * When the breach happened (発生日時), as the PPC form asks it: a JST
 * calendar date when only the day is known, or a date-time with its offset.
 * A time in the future, or after the organisation learned of it, is refused.
 */
import type { Problem } from '../../errors.ts';
import { jstDate } from '../jst.ts';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function realDay(y: string, m: string, d: string): boolean {
  const t = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  return t.toISOString().slice(0, 10) === `${y}-${m}-${d}`;
}

/**
 * Reads an occurrence time: `YYYY-MM-DD` (a JST day, kept as given) or an
 * ISO date-time with `Z` or an offset (kept as a UTC ISO instant). Refused
 * at `path`: anything else (an offset-less time is ambiguous), a day that
 * does not exist, a time after `now`, or after `discoveredAt` when given.
 * @example
 * parseOccurred('2026-11-20', new Date('2026-11-22T01:00:00Z'))
 * // { occurredAt: '2026-11-20', problems: [] }
 */
export function parseOccurred(
  text: string,
  now: Date,
  discoveredAt?: Date,
  path = '--occurred',
): { occurredAt?: string; problems: Problem[] } {
  const shown = JSON.stringify(text.slice(0, 40));
  const refuse = (message: string) => ({ problems: [{ path, message: `${shown} ${message}` }] });
  const day = DAY.exec(text);
  const time = day === null ? TIME.exec(text) : null;
  const parts = day ?? time;
  if (parts === null) {
    return refuse('is not an ISO date (YYYY-MM-DD) or date-time with Z or an offset (2026-11-20T14:30+09:00)');
  }
  const [, y, m, d] = parts as unknown as [string, string, string, string];
  const instant = Date.parse(text);
  if (!realDay(y, m, d) || Number.isNaN(instant)) {
    return refuse('is not a real date or time');
  }
  if (day !== null) {
    if (text > jstDate(now)) {
      return refuse(`is in the future (today is ${jstDate(now)} JST)`);
    }
    if (discoveredAt !== undefined && text > jstDate(discoveredAt)) {
      return refuse(`is after the day the breach was discovered (${jstDate(discoveredAt)} JST)`);
    }
    return { occurredAt: text, problems: [] };
  }
  if (instant > now.getTime()) {
    return refuse(`is in the future (now is ${now.toISOString()})`);
  }
  if (discoveredAt !== undefined && instant > discoveredAt.getTime()) {
    return refuse(`is after the breach was discovered (${discoveredAt.toISOString()})`);
  }
  return { occurredAt: new Date(instant).toISOString(), problems: [] };
}

/** Formats an occurrence for the report: `2026年11月20日` or with the JST time. */
export function formatOccurred(occurredAt: string): string {
  const dayOnly = DAY.test(occurredAt);
  const jst = dayOnly ? `${occurredAt}T00:00` : new Date(Date.parse(occurredAt) + 9 * 3_600_000).toISOString();
  const date = japaneseDay(jst.slice(0, 10));
  return dayOnly ? `${date}（時刻不明）` : `${date} ${Number(jst.slice(11, 13))}時${jst.slice(14, 16)}分（日本時間）`;
}

/** Formats a day `YYYY-MM-DD` as `2026年11月22日`. */
export function japaneseDay(day: string): string {
  const [y, m, d] = day.slice(0, 10).split('-').map(Number);
  return `${y}年${m}月${d}日`;
}
