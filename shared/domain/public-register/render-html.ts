/**
 * The public register as an HTML document.
 */
import { escapeHtml } from '../html.ts';
import { REGISTER_TITLE } from './japanese-terms.ts';
import type { PublicRegister } from './types.ts';

/** The register as an HTML document (Japanese). */
export function renderRegisterHtml(r: PublicRegister): string {
  const e = escapeHtml;
  const list = (xs: readonly string[]) =>
    xs.length === 0 ? 'なし' : `<ul>${xs.map((x) => `<li>${e(x)}</li>`).join('')}</ul>`;
  const sections = r.controllers
    .map((c) => {
      const datasets = c.datasets
        .map(
          (d) => `<h3>個人情報データベース等：${e(d.name)}</h3>
<table><tbody>
<tr><th>利用目的</th><td>${list(d.purposes)}</td></tr>
<tr><th>個人データの種類</th><td>${e(d.categories.join('、'))}</td></tr>
<tr><th>記録項目</th><td>${e(d.items.join('、'))}</td></tr>
<tr><th>要配慮個人情報</th><td>${d.sensitive ? '含む' : '含まない'}</td></tr>
<tr><th>特定個人情報</th><td>${d.myNumber ? '含む' : '含まない'}</td></tr>
<tr><th>保存期間</th><td>${e(d.retentionPeriod)}</td></tr>
<tr><th>保存の根拠</th><td>${e(d.retentionBasis)}：${e(d.retentionLegalRef)}</td></tr>
<tr><th>提供先</th><td>${list(d.recipients)}</td></tr>
<tr><th>委託先</th><td>${list(d.processors)}</td></tr>
<tr><th>保有件数</th><td>${d.heldRecords.toLocaleString('ja-JP')}件</td></tr>
</tbody></table>`,
        )
        .join('\n');
      return `<section>
<h2>${e(c.name)}</h2>
<dl>
<dt>名称</dt><dd>${e(c.name)}</dd>
<dt>住所</dt><dd>${e(c.address)}</dd>
<dt>代表者</dt><dd>${e(c.representative)}</dd>
</dl>
<h3>全ての保有個人データの利用目的</h3>
${list(c.purposes)}
<h3>開示等の請求等の手続</h3>
<dl>
<dt>請求できる事項</dt><dd>${e(c.procedure.kinds)}</dd>
<dt>請求先</dt><dd>${e(c.procedure.where)}</dd>
<dt>本人確認の方法</dt><dd>${e(c.procedure.identityVerification)}</dd>
<dt>代理人による請求</dt><dd>${e(c.procedure.agents)}</dd>
<dt>手数料</dt><dd>${e(c.procedure.fees)}</dd>
<dt>根拠</dt><dd>${e(c.procedure.legalRef)}</dd>
</dl>
<h3>安全管理のために講じた措置</h3>
${list(c.securityMeasures)}
<h3>苦情の申出先</h3>
<p>${e(c.complaintContact)}</p>
${datasets}
</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>${e(REGISTER_TITLE)}</title></head>
<body>
<h1>${e(REGISTER_TITLE)}</h1>
<p>${e(r.asOf)} 現在（カタログ版 ${e(r.policyVersion)}）。個人情報保護法第32条に基づき公表します。</p>
${sections}
</body></html>
`;
}
