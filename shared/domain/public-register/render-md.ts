/**
 * The public register as Markdown, every value escaped so that catalogue
 * text cannot break a table or add markup.
 */
import { escapeMarkdown } from './escape-md.ts';
import { REGISTER_TITLE } from './japanese-terms.ts';
import type { PublicRegister } from './types.ts';


/** The register as Markdown (Japanese). */
export function renderRegisterMd(r: PublicRegister): string {
  const m = escapeMarkdown;
  const out: string[] = [
    `# ${REGISTER_TITLE}`,
    '',
    `${r.asOf} 現在（カタログ版 ${m(r.policyVersion)}）。個人情報保護法第32条に基づき公表します。`,
    '',
  ];
  for (const c of r.controllers) {
    out.push(
      `## ${m(c.name)}`,
      '',
      `- 名称：${m(c.name)}`,
      `- 住所：${m(c.address)}`,
      `- 代表者：${m(c.representative)}`,
      '',
      '### 全ての保有個人データの利用目的',
      '',
      ...c.purposes.map((p) => `- ${m(p)}`),
      '',
      '### 開示等の請求等の手続',
      '',
      `- 請求できる事項：${m(c.procedure.kinds)}`,
      `- 請求先：${m(c.procedure.where)}`,
      `- 本人確認の方法：${m(c.procedure.identityVerification)}`,
      `- 代理人による請求：${m(c.procedure.agents)}`,
      `- 手数料：${m(c.procedure.fees)}`,
      `- 根拠：${m(c.procedure.legalRef)}`,
      '',
      '### 安全管理のために講じた措置',
      '',
      ...c.securityMeasures.map((s) => `- ${m(s)}`),
      '',
      '### 苦情の申出先',
      '',
      m(c.complaintContact),
      '',
    );
    for (const d of c.datasets) {
      out.push(
        `### 個人情報データベース等：${m(d.name)}`,
        '',
        '| 事項 | 内容 |',
        '| --- | --- |',
        `| 利用目的 | ${d.purposes.map(m).join('<br>')} |`,
        `| 個人データの種類 | ${d.categories.map(m).join('、')} |`,
        `| 記録項目 | ${d.items.map(m).join('、')} |`,
        `| 要配慮個人情報 | ${d.sensitive ? '含む' : '含まない'} |`,
        `| 特定個人情報 | ${d.myNumber ? '含む' : '含まない'} |`,
        `| 保存期間 | ${m(d.retentionPeriod)} |`,
        `| 保存の根拠 | ${m(d.retentionBasis)}：${m(d.retentionLegalRef)} |`,
        `| 提供先 | ${d.recipients.length === 0 ? 'なし' : d.recipients.map(m).join('<br>')} |`,
        `| 委託先 | ${d.processors.length === 0 ? 'なし' : d.processors.map(m).join('<br>')} |`,
        `| 保有件数 | ${d.heldRecords.toLocaleString('ja-JP')}件 |`,
        '',
      );
    }
  }
  return `${out.join('\n')}\n`;
}
