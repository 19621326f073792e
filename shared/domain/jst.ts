/**
 * Calendar-day deadlines in Japan Standard Time (UTC+9, no DST). Periods
 * counted in days exclude the first day (民法第140条) and end at the end of
 * the last day (民法第141条).
 */

const JST_OFFSET_MS = 9 * 3_600_000;

/** The JST calendar date (YYYY-MM-DD) of an instant. */
export function jstDate(instant: Date): string {
  return new Date(instant.getTime() + JST_OFFSET_MS).toISOString().slice(0, 10);
}

/**
 * End of the N-th JST calendar day after the day of `start`: a request
 * received on 1 March with a 14-day period ends 15 March 23:59:59.999 JST.
 */
export function jstDeadline(start: Date, days: number): Date {
  const [y, m, d] = jstDate(start).split('-').map(Number) as [number, number, number];
  // Midnight UTC of (date + days + 1), minus the offset, minus 1 ms.
  return new Date(Date.UTC(y, m - 1, d + days + 1) - JST_OFFSET_MS - 1);
}
