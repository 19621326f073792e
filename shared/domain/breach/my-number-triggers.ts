/**
 * My Number reporting triggers: 特定個人情報の漏えい等に関する報告等に関する
 * 規則第2条: improper purpose, data made viewable by an unspecified number of
 * people over a network, data in a system that item covers (情報提供ネット
 * ワークシステム / 個人番号利用事務 systems), more than 100 subjects.
 *
 * Whether My Number data sat in a system covered by 第2条第1号, and whether
 * it was exposed to an unspecified number of people, are inputs: the
 * records cannot tell.
 */
import { exposure, hasKind } from './exposure.ts';
import { HARBOUR, outcome } from './trigger-outcome.ts';
import type {
  AffectedRecord,
  BreachFlags,
  MyNumberTriggerId,
  TriggerOutcome,
} from './types.ts';

/** The My Number triggers (特定個人情報の漏えい等に関する報告等に関する規則第2条). */
export function myNumberTriggers(
  records: readonly AffectedRecord[],
  flags: BreachFlags,
  threshold: number,
): TriggerOutcome<MyNumberTriggerId>[] {
  const rule = '行政手続における特定の個人を識別するための番号の利用等に関する法律第29条の4・特定個人情報の漏えい等に関する報告等に関する規則第2条';
  const ex = exposure(records, hasKind('my-number'), flags.keyExposed);
  const present = ex.exposed.size + ex.shielded.size > 0;
  const none = 'no My Number (個人番号) among the affected values';
  return [
    outcome('my-number-system', rule, '情報提供ネットワークシステム等において管理される特定個人情報の漏えい等', present && flags.myNumberSystem === true, ex, {
      notApplicable: present ? 'the affected My Number data was not held in a system covered by 規則第2条第1号 (input)' : none,
      fired: 'My Number data held in a system covered by 規則第2条第1号 was affected without effective encryption',
      harbour: HARBOUR,
    }),
    outcome('my-number-improper-purpose', rule, '不正の目的をもって行われたおそれがある特定個人情報の漏えい等', present && flags.improperPurpose, ex, {
      notApplicable: present ? 'no indication of an improper purpose was given' : none,
      fired: 'My Number data may have been leaked with an improper purpose',
      harbour: HARBOUR,
    }),
    outcome('my-number-public-exposure', rule, '電磁的方法により不特定多数の者に閲覧されたおそれがある特定個人情報の漏えい等', present && flags.publiclyExposed === true, ex, {
      notApplicable: present ? 'My Number data was not reported as viewable by an unspecified number of people (input)' : none,
      fired: 'My Number data may have been viewable by an unspecified number of people',
      harbour: HARBOUR,
    }),
    outcome('my-number-subject-count', rule, `特定個人情報に係る本人の数が${threshold}人を超える漏えい等`, present, ex, {
      notApplicable: none,
      fired: `more than ${threshold} subjects have unprotected My Number data affected`,
      harbour: HARBOUR,
    }, { threshold }),
  ];
}
