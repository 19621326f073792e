/**
 * The breach assessment and report drafts as a Japanese HTML document.
 */
import { escapeHtml } from '../html.ts';
import type { BreachAssessment } from './types.ts';

/** Renders the report drafts as a Japanese HTML document (no subject ids). */
export function renderBreachReportHtml(assessment: BreachAssessment): string {
  const e = escapeHtml;
  const sections = assessment.controllers
    .map((c) => {
      const rows = [...c.triggers, ...c.myNumberTriggers]
        .map(
          (t) =>
            `<tr><td>${e(t.labelJa)}</td><td>${t.fired ? '該当' : '非該当'}</td><td>${t.subjects}</td><td>${t.protectedSubjects}</td><td>${e(t.law)}</td></tr>`,
        )
        .join('\n');
      const deadlines =
        c.deadlines === undefined
          ? '<p>報告義務：なし</p>'
          : `<ul>
<li>事態を知った日：${e(c.deadlines.discoveredOn)}</li>
<li>速報（速やかに、概ね3〜5日以内）：${e(c.deadlines.preliminaryDay3)} 〜 ${e(c.deadlines.preliminaryDay5)}</li>
<li>確報（${c.deadlines.finalDays}日以内）：${e(c.deadlines.final)}</li>
</ul>`;
      const items = c.draft
        .map(
          (d) =>
            `<tr><th>${d.no}. ${e(d.heading)}</th><td>${e(d.text).replace(/\n/g, '<br>')}</td></tr>`,
        )
        .join('\n');
      return `<section>
<h2>${e(c.controllerName)}${c.publicBody ? '（行政機関等）' : ''}</h2>
<p>個人情報保護委員会への報告：${c.reportRequired ? '必要' : '不要'}／特定個人情報の報告：${c.myNumberReportRequired ? '必要' : '不要'}／本人への通知：${c.noticeRequired ? `必要（${c.subjectsToNotify.length}人）` : '不要'}</p>
<table><thead><tr><th>報告対象事態</th><th>判定</th><th>本人の数</th><th>暗号化により保護</th><th>根拠</th></tr></thead><tbody>
${rows}
</tbody></table>
${deadlines}
<h3>報告書案（施行規則第8条第1項）</h3>
<table><tbody>
${items}
</tbody></table>
</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>漏えい等報告 判定結果・報告書案</title></head>
<body>
<h1>漏えい等報告 判定結果・報告書案</h1>
<p>判定日時：${e(assessment.assessedAt)}／カタログ版：${e(assessment.policyVersion)}／対象記録 ${assessment.records}件・本人 ${assessment.subjects}人</p>
${sections}
</body></html>
`;
}
