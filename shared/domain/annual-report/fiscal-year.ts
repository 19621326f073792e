/**
 * The Japanese fiscal year (年度) the annual statistics are kept by, as the
 * Commission's survey of the Act's enforcement (個人情報保護法施行状況調査)
 * counts them: 年度 N runs from 1 April N 00:00 JST to 31 March N+1
 * 23:59:59.999 JST.
 */
import { jstDate } from '../jst.ts';

const JST_OFFSET_MS = 9 * 3_600_000;

/** First and last years accepted (a sanity bound, not a legal one). */
export const FISCAL_YEAR_BOUNDS = { min: 2000, max: 2999 } as const;

/** The instants bounding a fiscal year: `from` inclusive, `to` exclusive. */
export interface FiscalYearRange {
  /** 年度 N. */
  readonly year: number;
  /** 1 April N 00:00 JST (ISO instant). */
  readonly from: string;
  /** 1 April N+1 00:00 JST (ISO instant), exclusive. */
  readonly to: string;
  /** First JST date, `N-04-01`. */
  readonly firstDay: string;
  /** Last JST date, `N+1-03-31`. */
  readonly lastDay: string;
}

/**
 * The range of 年度 `year`.
 * @example fiscalYearRange(2026).from === '2026-03-31T15:00:00.000Z'
 */
export function fiscalYearRange(year: number): FiscalYearRange {
  const start = (y: number) => new Date(Date.UTC(y, 3, 1) - JST_OFFSET_MS).toISOString();
  return {
    year,
    from: start(year),
    to: start(year + 1),
    firstDay: `${year}-04-01`,
    lastDay: `${year + 1}-03-31`,
  };
}

/**
 * The 年度 an instant falls in (by its JST date).
 * @example fiscalYearOf(new Date('2027-03-31T14:59:59Z')) === 2026
 */
export function fiscalYearOf(instant: Date): number {
  const [y, m] = jstDate(instant).split('-').map(Number) as [number, number];
  return m >= 4 ? y : y - 1;
}

/**
 * Whole JST calendar days from the day of `from` to the day of `to`: a
 * request received on 1 May and answered on 3 May took 2 days; answered
 * the same day, 0.
 */
export function jstCalendarDays(from: Date, to: Date): number {
  const day = (d: Date) => Date.parse(`${jstDate(d)}T00:00:00Z`);
  return Math.round((day(to) - day(from)) / 86_400_000);
}
