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

/** A report stage: 速報 (preliminary) or 確報 (final). */
export type BreachStage = 'preliminary' | 'final';

/** Japanese name of each stage. */
export const STAGE_LABELS: Readonly<Record<BreachStage, '速報' | '確報'>> = {
  preliminary: '速報',
  final: '確報',
};

/** The deadline of one report stage. */
export interface StageDeadline {
  /** Stage. */
  readonly stage: BreachStage;
  /** How the rules put it, in Japanese. */
  readonly labelJa: string;
  /** Early end of "promptly" (速報 only). */
  readonly from?: string;
  /** End of the period (ISO with +09:00). */
  readonly by: string;
  /** Days after the day the organisation learned of it. */
  readonly days: number;
}

/**
 * The deadline of one stage: 速報 "promptly", about 3 to 5 days
 * (`from` the 3rd, `by` the 5th); 確報 30 days, or 60 (improper purpose,
 * e.g. unauthorised access).
 * @example
 * stageDeadline(breachDeadlines(new Date('2026-01-31T10:00:00+09:00'), false), 'final').by
 * // '2026-03-02T23:59:59+09:00'
 */
export function stageDeadline(d: BreachDeadlines, stage: BreachStage): StageDeadline {
  return stage === 'preliminary'
    ? { stage, labelJa: '速やかに（概ね3〜5日以内）', from: d.preliminaryDay3, by: d.preliminaryDay5, days: 5 }
    : { stage, labelJa: `${d.finalDays}日以内`, by: d.final, days: d.finalDays };
}
