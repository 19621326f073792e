/**
 * The annual statistics as CSV (one long table, UTF-8 with BOM through the
 * project's one CSV writer) and as a printable HTML document (every value
 * through the one HTML escape).
 */
import { REQUEST_TYPES } from '../requests.ts';
import { bilingual, toCsv } from '../csv.ts';
import { escapeHtml } from '../html.ts';
import type { AnnualReport } from './aggregate.ts';
import { DECISION_JA, DECISIONS, FAMILY_JA, REQUEST_TYPE_JA, type RequestFamily } from './decision.ts';

/** Formats of the annual statistics. */
export type AnnualReportFormat = 'csv' | 'html';

/** The report's title. */
export const ANNUAL_REPORT_TITLE = '開示請求等の処理状況（年度集計）';

const FAMILIES: readonly RequestFamily[] = ['disclosure', 'correction', 'suspension'];

/** The 年度 as written in Japanese, e.g. 2026年度（2026-04-01〜2027-03-31）. */
function periodJa(r: AnnualReport): string {
  return `${r.period.year}年度（${r.period.firstDay}〜${r.period.lastDay}、日本時間）`;
}

const daysText = (v: number | null) => (v === null ? '' : String(v));

/** The report as CSV rows: section, item, breakdown, count. */
export function annualReportRows(r: AnnualReport): string[][] {
  const rows: string[][] = [
    [bilingual('区分', 'section'), bilingual('項目', 'item'), bilingual('内訳', 'breakdown'), bilingual('件数・日数', 'value')],
    ['対象期間', periodJa(r), r.controllerId ?? '全管理者', ''],
    ['受付件数', '合計', '', String(r.total)],
  ];
  for (const t of REQUEST_TYPES) rows.push(['請求の種類別', REQUEST_TYPE_JA[t], t, String(r.byType[t])]);
  for (const f of FAMILIES) {
    for (const d of DECISIONS) rows.push(['決定の区分別', FAMILY_JA[f], DECISION_JA[f][d], String(r.byFamily[f][d])]);
  }
  for (const t of REQUEST_TYPES) {
    for (const d of DECISIONS) {
      if (r.byTypeDecision[t][d] > 0) rows.push(['種類・決定別', REQUEST_TYPE_JA[t], d, String(r.byTypeDecision[t][d])]);
    }
  }
  for (const g of r.byGround) rows.push(['理由別', g.ground, '', String(g.count)]);
  for (const c of r.byController) rows.push(['管理者別', c.name, c.controllerId ?? '', String(c.total)]);
  rows.push(
    ['処理日数', '件数', '', String(r.days.count)],
    ['処理日数', '中央値（日）', '', daysText(r.days.median)],
    ['処理日数', '最長（日）', '', daysText(r.days.max)],
    ['期限超過', '合計', '', String(r.overdue.total)],
    ['期限超過', '処理済み', '', String(r.overdue.ended)],
    ['期限超過', '未処理', '', String(r.overdue.open)],
    ['期限延長', '件数', '', String(r.extended)],
    ['管理者の記録なし', '件数', '', String(r.unattributed)],
  );
  for (const d of r.discrepancies) rows.push(['監査記録との不一致', d.requestId, d.kind, d.counted ? '計上' : '不計上']);
  return rows;
}

/** The report as CSV (UTF-8 with BOM). */
export function renderAnnualReportCsv(r: AnnualReport): string {
  return toCsv(annualReportRows(r));
}

const PRINT_CSS = `body{font-family:sans-serif;margin:2em;color:#000}
table{border-collapse:collapse;margin:0 0 1.5em}
th,td{border:1px solid #444;padding:.25em .6em;text-align:left}
td.n{text-align:right}
@media print{body{margin:0;font-size:10pt}section{break-inside:avoid}a{color:inherit;text-decoration:none}@page{size:A4;margin:15mm}}`;

/** The report as a printable HTML document (Japanese). */
export function renderAnnualReportHtml(r: AnnualReport): string {
  const e = escapeHtml;
  const n = (v: number | null) => `<td class="n">${v === null ? '—' : e(String(v))}</td>`;
  const decisionTable = FAMILIES.map(
    (f) => `<tr><th>${e(FAMILY_JA[f])}</th>${DECISIONS.map((d) => n(r.byFamily[f][d])).join('')}</tr>`,
  ).join('\n');
  const decisionHead = DECISIONS.map((d) => `<th>${e(DECISION_JA.disclosure[d])}<br>${e(d)}</th>`).join('');
  const types = REQUEST_TYPES.map(
    (t) => `<tr><th>${e(REQUEST_TYPE_JA[t])}（${e(t)}）</th>${n(r.byType[t])}${DECISIONS.map((d) => n(r.byTypeDecision[t][d])).join('')}</tr>`,
  ).join('\n');
  const grounds =
    r.byGround.length === 0
      ? '<p>なし</p>'
      : `<table><thead><tr><th>理由</th><th>件数</th></tr></thead><tbody>\n${r.byGround.map((g) => `<tr><td>${e(g.ground)}</td>${n(g.count)}</tr>`).join('\n')}\n</tbody></table>`;
  const controllers =
    r.byController.length === 0
      ? '<p>なし</p>'
      : `<table><thead><tr><th>管理者</th><th>件数</th>${decisionHead}</tr></thead><tbody>\n${r.byController
          .map((c) => `<tr><th>${e(c.name)}${c.publicBody ? '（行政機関等）' : ''}</th>${n(c.total)}${DECISIONS.map((d) => n(c.byDecision[d])).join('')}</tr>`)
          .join('\n')}\n</tbody></table>`;
  const discrepancies =
    r.discrepancies.length === 0
      ? '<p>なし（集計した全ての請求に監査記録があります）</p>'
      : `<table><thead><tr><th>請求ID</th><th>種別</th><th>集計</th><th>内容</th></tr></thead><tbody>\n${r.discrepancies
          .map((d) => `<tr><td>${e(d.requestId)}</td><td>${e(d.kind)}</td><td>${d.counted ? '計上' : '不計上'}</td><td>${e(d.detail)}</td></tr>`)
          .join('\n')}\n</tbody></table>`;
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>${e(ANNUAL_REPORT_TITLE)}</title>
<style>${PRINT_CSS}</style></head>
<body>
<h1>${e(ANNUAL_REPORT_TITLE)}</h1>
<p>対象期間：${e(periodJa(r))}（受付日による）。対象：${e(r.controllerId ?? '全管理者')}。作成：${e(r.generatedAt)}</p>
<section><h2>受付件数</h2><p>合計 ${e(String(r.total))} 件</p></section>
<section><h2>決定の区分別</h2>
<table><thead><tr><th>区分</th>${decisionHead}</tr></thead><tbody>
${decisionTable}
</tbody></table></section>
<section><h2>請求の種類別</h2>
<table><thead><tr><th>種類</th><th>件数</th>${decisionHead}</tr></thead><tbody>
${types}
</tbody></table></section>
<section><h2>理由別</h2>
${grounds}</section>
<section><h2>管理者別</h2>
${controllers}</section>
<section><h2>処理日数・期限</h2>
<table><tbody>
<tr><th>処理日数を計った件数</th>${n(r.days.count)}</tr>
<tr><th>処理日数の中央値（日）</th>${n(r.days.median)}</tr>
<tr><th>処理日数の最長（日）</th>${n(r.days.max)}</tr>
<tr><th>期限超過（処理済み）</th>${n(r.overdue.ended)}</tr>
<tr><th>期限超過（未処理）</th>${n(r.overdue.open)}</tr>
<tr><th>期限延長</th>${n(r.extended)}</tr>
<tr><th>管理者の記録なし</th>${n(r.unattributed)}</tr>
</tbody></table></section>
<section><h2>監査記録との照合</h2>
${discrepancies}</section>
</body></html>
`;
}

/** Renders the report in one format. */
export function renderAnnualReport(r: AnnualReport, format: AnnualReportFormat): string {
  return format === 'csv' ? renderAnnualReportCsv(r) : renderAnnualReportHtml(r);
}
