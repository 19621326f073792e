/**
 * Breach report deadlines: 速報 "promptly" (施行規則第8条第1項; PPC guidance
 * about 3–5 days), 確報 30 days, 60 days for improper purpose (第8条第2項),
 * counted in JST calendar days from the day the organisation learned of it,
 * the first day not counted (民法第140条), ending at the end of the last day
 * (民法第141条). A deadline on a weekend or holiday is not moved.
 */
import { jstDate, jstDeadline } from '../jst.ts';
import type { BreachDeadlines } from './types.ts';

/** Formats the end of the N-th JST day after `start` as ISO with +09:00. */
export function jstDayEnd(start: Date, days: number): string {
  return `${jstDate(jstDeadline(start, days))}T23:59:59+09:00`;
}

/** Report deadlines counted from the day the organisation learned of it. */
export function breachDeadlines(
  discoveredAt: Date,
  improperPurpose: boolean,
): BreachDeadlines {
  const finalDays = improperPurpose ? 60 : 30;
  return {
    discoveredOn: jstDate(discoveredAt),
    preliminaryDay3: jstDayEnd(discoveredAt, 3),
    preliminaryDay5: jstDayEnd(discoveredAt, 5),
    final: jstDayEnd(discoveredAt, finalDays),
    finalDays,
  };
}
