/**
 * The outcome of one reporting trigger: whether it fired and why, in
 * English without personal data.
 */
import type { Exposure } from './exposure.ts';
import type { TriggerOutcome } from './types.ts';

/** The outcome of one trigger over the subjects it exposed. */
export function outcome<Id extends string>(
  id: Id,
  law: string,
  labelJa: string,
  applies: boolean,
  ex: Exposure,
  why: { notApplicable: string; fired: string; harbour: string },
  extra: { threshold?: number } = {},
): TriggerOutcome<Id> {
  const count = ex.exposed.size;
  const fired =
    applies &&
    (extra.threshold === undefined ? count > 0 : count > extra.threshold);
  let reason: string;
  if (!applies) {
    reason = why.notApplicable;
  } else if (fired) {
    reason = why.fired;
  } else if (ex.shielded.size > 0 && count === 0) {
    reason = why.harbour;
  } else if (extra.threshold !== undefined) {
    reason = `${count} subject(s) with unprotected data, not more than ${extra.threshold}${ex.shielded.size > 0 ? `; ${ex.shielded.size} more protected by encryption with a safe key` : ''}`;
  } else {
    reason = 'no affected values fall under it';
  }
  return {
    id,
    fired,
    law,
    labelJa,
    reason,
    subjects: count,
    protectedSubjects: ex.shielded.size,
  };
}

/** Why a trigger did not fire although data under it was affected. */
export const HARBOUR =
  'every affected value was sealed with the subject key and the key was not exposed (高度な暗号化)';
