/**
 * APPI reporting triggers: Art. 26 with 施行規則第7条 (businesses) and
 * Art. 68 with 施行規則第43条 (行政機関等): sensitive data, data whose misuse
 * may cause financial loss, improper purpose (不正の目的), more than 1,000
 * subjects (100 for public bodies). The exclusion for 高度な暗号化 in
 * 第7条第1号 applies to the whole article ("以下この条…において同じ"), so
 * the safe harbour is applied per trigger.
 */
import { anyItem, exposure, hasKind } from './exposure.ts';
import { HARBOUR, outcome } from './trigger-outcome.ts';
import type {
  AffectedRecord,
  BreachFlags,
  TriggerId,
  TriggerOutcome,
} from './types.ts';

/** The APPI triggers for one controller (施行規則第7条 / 第43条). */
export function appiTriggers(
  records: readonly AffectedRecord[],
  flags: BreachFlags,
  publicBody: boolean,
  threshold: number,
): TriggerOutcome<TriggerId>[] {
  const rule = publicBody ? '施行規則第43条' : '施行規則第7条';
  const art = publicBody ? '個人情報保護法第68条第1項' : '個人情報保護法第26条第1項';
  const k = flags.keyExposed;
  const sensitive = exposure(records, hasKind('sensitive'), k);
  const financial = exposure(records, hasKind('financial'), k);
  const all = exposure(records, anyItem, k);
  return [
    outcome('sensitive', `${art}・${rule}第1号`, '要配慮個人情報が含まれる個人データの漏えい等', sensitive.exposed.size + sensitive.shielded.size > 0, sensitive, {
      notApplicable: 'no sensitive (要配慮) data among the affected values',
      fired: 'sensitive (要配慮) data was affected without effective encryption',
      harbour: HARBOUR,
    }),
    outcome('financial', `${art}・${rule}第2号`, '不正に利用されることにより財産的被害が生じるおそれがある個人データの漏えい等', financial.exposed.size + financial.shielded.size > 0, financial, {
      notApplicable: 'no data whose misuse may cause financial loss among the affected values',
      fired: 'financial data (accounts, cards) was affected without effective encryption',
      harbour: HARBOUR,
    }),
    outcome('improper-purpose', `${art}・${rule}第3号`, '不正の目的をもって行われたおそれがある行為による個人データの漏えい等', flags.improperPurpose, all, {
      notApplicable: 'no indication of an improper purpose was given',
      fired: 'it may have been done with an improper purpose (不正の目的)',
      harbour: HARBOUR,
    }),
    outcome('subject-count', `${art}・${rule}第4号`, `個人データに係る本人の数が${threshold.toLocaleString('ja-JP')}人を超える漏えい等`, true, all, {
      notApplicable: 'no subjects affected',
      fired: `more than ${threshold} subjects have unprotected data affected`,
      harbour: HARBOUR,
    }, { threshold }),
  ];
}
