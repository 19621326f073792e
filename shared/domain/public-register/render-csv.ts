/**
 * The public register as CSV (UTF-8 with BOM, so Excel in Japan opens it),
 * with bilingual headers.
 */
import { bilingual, toCsv } from '../csv.ts';
import type { PublicRegister } from './types.ts';

const CSV_HEADER = [
  bilingual('事業者の名称', 'controller'),
  bilingual('住所', 'address'),
  bilingual('代表者', 'representative'),
  bilingual('全ての保有個人データの利用目的', 'purposes of all retained data'),
  bilingual('開示等の請求先', 'where to make requests'),
  bilingual('請求できる事項', 'what may be requested'),
  bilingual('本人確認の方法', 'identity verification'),
  bilingual('代理人による請求', 'requests by agents'),
  bilingual('手数料', 'fees'),
  bilingual('安全管理のために講じた措置', 'security measures'),
  bilingual('苦情の申出先', 'complaints'),
  bilingual('個人情報データベース等の名称', 'dataset'),
  bilingual('利用目的', 'purposes'),
  bilingual('個人データの種類', 'categories of data'),
  bilingual('記録項目', 'items'),
  bilingual('要配慮個人情報', 'sensitive data'),
  bilingual('特定個人情報', 'My Number data'),
  bilingual('保存期間', 'retention period'),
  bilingual('保存の根拠', 'retention basis'),
  bilingual('法令等の根拠', 'legal reference'),
  bilingual('提供先', 'recipients'),
  bilingual('委託先', 'processors'),
  bilingual('保有件数', 'records held'),
  bilingual('基準日', 'as of'),
];

/** The register as CSV, a row per business line (UTF-8 with BOM). */
export function renderRegisterCsv(r: PublicRegister): string {
  const rows: string[][] = [CSV_HEADER];
  for (const c of r.controllers) {
    const head = [
      c.name,
      c.address,
      c.representative,
      c.purposes.join('\n'),
      c.procedure.where,
      c.procedure.kinds,
      c.procedure.identityVerification,
      c.procedure.agents,
      c.procedure.fees,
      c.securityMeasures.join('\n'),
      c.complaintContact,
    ];
    if (c.datasets.length === 0) {
      rows.push([...head, '', '', '', '', '', '', '', '', '', '', '', '', r.asOf]);
    }
    for (const d of c.datasets) {
      rows.push([
        ...head,
        d.name,
        d.purposes.join('\n'),
        d.categories.join('、'),
        d.items.join('、'),
        d.sensitive ? '含む' : '含まない',
        d.myNumber ? '含む' : '含まない',
        d.retentionPeriod,
        d.retentionBasis,
        d.retentionLegalRef,
        d.recipients.join('\n'),
        d.processors.join('\n'),
        String(d.heldRecords),
        r.asOf,
      ]);
    }
  }
  return toCsv(rows);
}
