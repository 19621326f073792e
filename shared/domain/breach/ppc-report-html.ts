/**
 * The 速報 or 確報 drafts as a Japanese A4 HTML document, one page per
 * controller, laid out as the PPC form asks: reporter header, report ids,
 * route and deadline, then the report items (施行規則第8条第1項 for a
 * business, 第44条 for a public body).
 */
import { escapeHtml } from '../html.ts';
import { A4_STYLE } from './a4-style.ts';
import { MANNER_LABELS } from './manner.ts';
import { formatOccurred } from './occurrence.ts';
import type { PpcReportDraft } from './ppc-report.ts';

const e = escapeHtml;

function cell(text: string): string {
  return e(text)
    .replace(/【要記入】/g, '<span class="to-fill">【要記入】</span>')
    .replace(/\n/g, '<br>');
}

function page(d: PpcReportDraft): string {
  const header = d.header.map((h) => `<tr><th>${e(h.label)}</th><td>${cell(h.value)}</td></tr>`).join('\n');
  const routes = d.routes
    .map(
      (r) =>
        `<tr><th>報告先（${r.law === 'my-number' ? '番号法' : '個人情報保護法'}）</th><td>${e(r.toJa)}${r.required ? '' : '（報告義務なし・任意）'}<br>根拠：${e(r.basis)}／${e(r.rules)}</td></tr>`,
    )
    .join('\n');
  const deadline =
    d.deadline.from === undefined
      ? `${e(d.deadline.labelJa)}：${e(d.deadline.by)} まで`
      : `${e(d.deadline.labelJa)}：${e(d.deadline.from)} 〜 ${e(d.deadline.by)}`;
  const items = d.items.map((i) => `<tr><th>${i.no}. ${e(i.heading)}</th><td>${cell(i.text)}</td></tr>`).join('\n');
  return `<section class="page">
<h1>${d.publicBody ? '保有個人情報' : '個人データ'}の漏えい等の報告（${e(d.stageJa)}）</h1>
<p class="right">報告番号：${e(d.reportId)}<br>${d.stage === 'final' ? '速報' : '確報（予定）'}の報告番号：${e(d.linked.reportId)}<br>作成日：${e(d.draftedOn)}</p>
<p>${cell(d.intro)}</p>
<h2>報告者</h2>
<table><tbody>
${header}
</tbody></table>
<h2>報告先及び期限</h2>
<table><tbody>
${routes}
<tr><th>事態を知った日</th><td>${e(d.deadlines.discoveredOn)}</td></tr>
<tr><th>${e(d.stageJa)}の期限</th><td>${deadline}</td></tr>
<tr><th>発生日時</th><td>${d.occurredAt === undefined ? cell('【要記入】') : e(formatOccurred(d.occurredAt))}</td></tr>
<tr><th>事態の態様</th><td>${d.manners.length === 0 ? cell('【要記入】（漏えい・滅失・毀損の別）') : e(d.manners.map((m) => MANNER_LABELS[m]).join('・'))}</td></tr>
</tbody></table>
<h2>報告事項</h2>
<table><tbody>
${items}
</tbody></table>
</section>`;
}

/**
 * Renders drafts (of one stage, or both) as one A4 HTML document, a page
 * per draft; every text is escaped.
 */
export function renderPpcReportHtml(drafts: readonly PpcReportDraft[]): string {
  const stages = [...new Set(drafts.map((d) => d.stageJa))].join('・');
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>漏えい等報告書案（${e(stages)}）</title>
${A4_STYLE}
</head>
<body>
${drafts.map(page).join('\n')}
</body></html>
`;
}
