/**
 * ISO-8601 durations (`P5Y`, `P3M`, `P30D`, `PT12H`, `P1Y6M`) and calendar
 * arithmetic in UTC. Retention periods are calendar periods: adding `P1M` to
 * 31 January gives the last day of February, as 民法第143条 counts months.
 */

/** A parsed duration. */
export interface Duration {
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}

const PATTERN =
  /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Parses an ISO-8601 duration; returns undefined when it is not one. */
export function parseDuration(text: string): Duration | undefined {
  const m = PATTERN.exec(text);
  if (m === null) {
    return undefined;
  }
  const n = (i: number): number => Number(m[i] ?? 0);
  return {
    years: n(1),
    months: n(2),
    weeks: n(3),
    days: n(4),
    hours: n(5),
    minutes: n(6),
    seconds: n(7),
  };
}

/** True for a valid ISO-8601 duration. */
export function isDuration(text: string): boolean {
  return parseDuration(text) !== undefined;
}

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/**
 * Adds a duration to an instant in UTC. Years and months are calendar
 * steps clamped to the month's last day; the rest are exact.
 */
export function addDuration(start: Date, duration: Duration): Date {
  const totalMonths =
    start.getUTCMonth() + duration.years * 12 + duration.months;
  const year = start.getUTCFullYear() + Math.floor(totalMonths / 12);
  const month = ((totalMonths % 12) + 12) % 12;
  const day = Math.min(start.getUTCDate(), daysInMonth(year, month));
  const base = Date.UTC(
    year,
    month,
    day,
    start.getUTCHours(),
    start.getUTCMinutes(),
    start.getUTCSeconds(),
    start.getUTCMilliseconds(),
  );
  const exact =
    ((duration.weeks * 7 + duration.days) * 86_400 +
      duration.hours * 3_600 +
      duration.minutes * 60 +
      duration.seconds) *
    1_000;
  return new Date(base + exact);
}
