/**
 * The 個人情報ファイル簿 as Markdown, HTML (printable, every value through
 * the one HTML escape) or CSV (one row per file, the project's one CSV
 * writer).
 */
import { bilingual, toCsv } from '../csv.ts';
import { escapeHtml } from '../html.ts';
import { escapeMarkdown as escapeMd } from './escape-md.ts';
import { FILE_REGISTER_LABELS, FILE_REGISTER_TITLE, type FileRegister, fileRegisterItems } from './file-register.ts';
import type { RegisterFormat } from './types.ts';

const LEGAL_NOTE = '個人情報の保護に関する法律第75条第1項及び同法施行令第20条に基づき作成・公表します。';

const CSV_EN = [
  'file',
  'public body',
  'department',
  'purposes',
  'items',
  'scope',
  'collection',
  'sensitive data',
  'regular recipients',
  'office receiving requests',
  'special procedures under other laws',
  'kind of file',
  'retention',
];

/** The file register as CSV, a row per file (UTF-8 with BOM). */
export function renderFileRegisterCsv(r: FileRegister): string {
  const header = [...FILE_REGISTER_LABELS.map((ja, i) => bilingual(ja, CSV_EN[i] ?? '')), bilingual('基準日', 'as of')];
  return toCsv([header, ...r.files.map((f) => [...fileRegisterItems(f).map(([, v]) => v), r.asOf])]);
}

/** The file register as Markdown. */
export function renderFileRegisterMd(r: FileRegister): string {
  const out = [`# ${FILE_REGISTER_TITLE}`, '', `${r.asOf} 現在（カタログ版 ${escapeMd(r.policyVersion)}）。${LEGAL_NOTE}`, ''];
  if (r.files.length === 0) out.push('該当する個人情報ファイルはありません。', '');
  for (const f of r.files) {
    out.push(`## ${escapeMd(f.fileName)}`, '', '| 事項 | 内容 |', '| --- | --- |');
    for (const [label, value] of fileRegisterItems(f)) out.push(`| ${label} | ${escapeMd(value)} |`);
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

/** The file register as a printable HTML document. */
export function renderFileRegisterHtml(r: FileRegister): string {
  const e = escapeHtml;
  const files =
    r.files.length === 0
      ? '<p>該当する個人情報ファイルはありません。</p>'
      : r.files
          .map(
            (f) => `<section>
<h2>${e(f.fileName)}</h2>
<table><tbody>
${fileRegisterItems(f)
  .map(([label, value]) => `<tr><th>${e(label)}</th><td>${e(value)}</td></tr>`)
  .join('\n')}
</tbody></table>
</section>`,
          )
          .join('\n');
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>${e(FILE_REGISTER_TITLE)}</title>
<style>table{border-collapse:collapse;margin-bottom:1.5em}th,td{border:1px solid #444;padding:.25em .6em;text-align:left;vertical-align:top}th{width:16em}
@media print{section{break-after:page}@page{size:A4;margin:15mm}}</style></head>
<body>
<h1>${e(FILE_REGISTER_TITLE)}</h1>
<p>${e(r.asOf)} 現在（カタログ版 ${e(r.policyVersion)}）。${e(LEGAL_NOTE)}</p>
${files}
</body></html>
`;
}

/** Renders the file register in one format. */
export function renderFileRegister(r: FileRegister, format: RegisterFormat): string {
  switch (format) {
    case 'md':
      return renderFileRegisterMd(r);
    case 'html':
      return renderFileRegisterHtml(r);
    case 'csv':
      return renderFileRegisterCsv(r);
  }
}
