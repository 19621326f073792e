/**
 * Stable ids of a breach and of its reports, so that a 確報 drafted days
 * after the 速報 names the same 速報: both are derived from the moment the
 * organisation learned of the breach, not from when the draft was made.
 */
import { createHash } from 'node:crypto';
import { jstDate } from '../jst.ts';
import type { BreachStage } from './deadlines.ts';

/** A breach id or report id given by hand: letters, digits, `.`, `_`, `-`. */
export const BREACH_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * The id of a breach: `BR-` the JST day it was learned of, then 8 hex
 * characters of a SHA-256 of that instant, so that two runs given the same
 * `--discovered` time agree.
 * @example
 * breachIdOf('2026-11-22T01:00:00.000Z') // 'BR-20261122-…'
 */
export function breachIdOf(discoveredAt: string): string {
  const instant = new Date(discoveredAt);
  const hash = createHash('sha256').update(instant.toISOString()).digest('hex').slice(0, 8);
  return `BR-${jstDate(instant).replace(/-/g, '')}-${hash}`;
}

/**
 * The id of one controller's report at one stage: the breach id, the
 * controller id and `P` (速報) or `F` (確報).
 * @example
 * reportIdOf('BR-20261122-0a1b2c3d', 'saitama-pref', 'final')
 * // 'BR-20261122-0a1b2c3d-saitama-pref-F'
 */
export function reportIdOf(breachId: string, controllerId: string, stage: BreachStage): string {
  return `${breachId}-${controllerId}-${stage === 'preliminary' ? 'P' : 'F'}`;
}
