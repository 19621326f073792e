/**
 * One decision notice as a complete, printable A4 HTML document: no script,
 * no external resource, every inserted value escaped by the project's one
 * escape. Addressed to 「請求者 様」 only: a notice never prints a name.
 */
import { ValidationError } from '../../errors.ts';
import { escapeHtml } from '../html.ts';
import { noticeInputProblems } from './input-problems.ts';
import { formatNoticeDate } from './notice-dates.ts';
import { fillPlaceholders, type NoticePlaceholder } from './placeholders.ts';
import { ADVERSE_NOTICE_KINDS, type NoticeInput } from './types.ts';
import {
  dataTermJa,
  decisionJa,
  defaultAppealInstructions,
  defaultLead,
  defaultTitle,
  MEASURE_JA,
  type NoticeFamily,
  requestFamily,
  requestNameJa,
  type WordingContext,
} from './wording.ts';

const e = escapeHtml;

/** Mincho first: the face of printed official documents in Japan. */
const STYLE = `@page { size: A4; margin: 20mm 20mm 20mm 25mm; }
html { font-family: "Hiragino Mincho ProN", "Yu Mincho", YuMincho, "BIZ UDMincho", "IPAexMincho", "IPAMincho", "Noto Serif JP", "Noto Serif CJK JP", serif; font-size: 10.5pt; line-height: 1.7; color: #000; }
body { margin: 0; }
@media screen { body { max-width: 165mm; margin: 10mm auto; } }
.docno, .issuer { text-align: right; margin: 0 0 1em; }
.addressee { margin: 0 0 1em; }
h1 { text-align: center; font-size: 14pt; font-weight: normal; letter-spacing: 0.1em; margin: 2em 0 1.5em; }
h2 { font-size: 10.5pt; margin: 1.2em 0 0.3em; }
.lead { text-indent: 1em; }
.ki { text-align: center; margin: 1em 0; }
table { width: 100%; border-collapse: collapse; }
tr { break-inside: avoid; }
th, td { border: 1px solid #000; padding: 1.5mm 3mm; text-align: left; vertical-align: top; }
th { width: 32%; font-weight: normal; }
.appeal { border: 1px solid #000; padding: 1mm 4mm; margin-top: 1.5em; break-inside: avoid; }
.appeal p { margin: 0.4em 0; padding-left: 1em; text-indent: -1em; }`;

/** Escaped text with its line breaks kept. */
function lines(text: string): string {
  return e(text).replace(/\n/g, '<br>');
}

function row(label: string, valueHtml: string): string {
  return `<tr><th scope="row">${e(label)}</th><td>${valueHtml}</td></tr>`;
}

type Dated = (instant: string) => string;

function particulars(input: NoticeInput, c: WordingContext, date: Dated): string {
  const { request: r, decision: d } = input;
  const rows = [row('請求番号', e(r.requestId)), row('請求を受け付けた日', e(date(r.receivedAt)))];
  if (d.subject !== undefined) rows.push(row(`請求に係る${dataTermJa(c.publicBody)}の名称`, e(d.subject)));
  if (d.records !== undefined) rows.push(row('件数', `${d.records}件`));
  const x = r.extension;
  if (c.kind === 'extension' && x !== undefined) {
    if (x.previousDeadline !== undefined) rows.push(row('延長前の期限', e(date(x.previousDeadline))));
    rows.push(row('延長する日数', `${x.days}日`), row('延長後の期限', e(date(r.deadline))), row('延長の理由', lines(x.reason)));
    return rows.join('\n');
  }
  rows.push(row('決定日', e(date(r.decidedAt))), row('決定内容', e(decisionJa(c))));
  if (d.correctedFields !== undefined) rows.push(row('訂正した項目', e(d.correctedFields.join('、'))));
  if (d.grounds !== undefined) rows.push(row('根拠条項', d.grounds.map(lines).join('<br>')));
  if (d.reason !== undefined) rows.push(row('理由', lines(d.reason)));
  const how = d.disclosure;
  if (how?.method !== undefined) rows.push(row('開示の実施の方法', lines(how.method)));
  if (how?.date !== undefined) rows.push(row('開示の実施の日時', lines(how.date)));
  if (how?.place !== undefined) rows.push(row('開示の実施の場所', lines(how.place)));
  return rows.join('\n');
}

function withheldBlock(input: NoticeInput): string {
  const items = input.decision.withheld ?? [];
  if (items.length === 0) return '';
  const body = items.map((w) => `<tr><td>${lines(w.label)}</td><td>${lines(w.ground)}</td></tr>`).join('\n');
  return `<h2>開示しない部分及びその理由</h2>
<table><thead><tr><th scope="col">開示しない部分</th><th scope="col">開示しない理由（根拠条項）</th></tr></thead><tbody>
${body}
</tbody></table>`;
}

function notesBlock(input: NoticeInput, c: WordingContext): string {
  const notes = [...(input.decision.notes ?? [])];
  if (c.publicBody && (c.kind === 'disclosure' || c.kind === 'partial-disclosure')) {
    notes.unshift('開示の実施を受ける場合は、この通知があった日から30日以内に、開示の実施の方法等を申し出てください（法第87条第3項）。');
  }
  if (notes.length === 0) return '';
  return `<h2>備考</h2>\n${notes.map((n) => `<p>${lines(n)}</p>`).join('\n')}`;
}

/** The body sued in a 取消訴訟: the controller's name without its service in brackets. */
function defendantOf(name: string): string {
  return name.replace(/（[^（）]*）$/, '');
}

function closingBlock(input: NoticeInput, c: WordingContext, issuer: string, values: PlaceholderValues): string {
  const { controller } = input;
  const contact = `<h2>問合せ先</h2>\n<p>${lines(controller.requestContact)}</p>`;
  if (!controller.publicBody) {
    return `${contact}\n<p class="complaint">苦情の申出先：${lines(controller.complaintContact)}</p>`;
  }
  if (!ADVERSE_NOTICE_KINDS.includes(c.kind)) return contact;
  const own = input.setting?.appealInstructions;
  const text = own === undefined
    ? defaultAppealInstructions(issuer, defendantOf(controller.name.ja))
    : fillPlaceholders(own, values);
  const paragraphs = text.split('\n').map((p) => `<p>${e(p)}</p>`).join('\n');
  return `${contact}\n<section class="appeal">\n<h2>教示</h2>\n${paragraphs}\n</section>`;
}

type PlaceholderValues = Readonly<Partial<Record<NoticePlaceholder, string>>>;

/**
 * Renders one decision notice as a complete A4 HTML document (lang="ja",
 * print stylesheet, no script or external resource). Dates are JST, in
 * 和暦 for a public body unless its setting says otherwise. A public body's
 * adverse decision carries the 教示; a business's notice names its
 * complaint contact instead. Throws a {@link ValidationError} naming every
 * bad field of the input.
 * @example renderDecisionNotice({ kind: 'non-disclosure', controller, request,
 *   decision: { grounds: ['法第78条第1項第2号（第三者情報）'] } })
 */
export function renderDecisionNotice(input: NoticeInput): string {
  const problems = noticeInputProblems(input);
  if (problems.length > 0) {
    throw new ValidationError('the notice cannot be rendered', problems);
  }
  const { controller, request: r, kind } = input;
  const setting = input.setting ?? {};
  const era = setting.era ?? (controller.publicBody ? 'wareki' : 'gregorian');
  const date: Dated = (instant) => formatNoticeDate(instant, era);
  const family = requestFamily(r.type) as NoticeFamily;
  const measure = Object.hasOwn(MEASURE_JA, r.type) ? MEASURE_JA[r.type as keyof typeof MEASURE_JA] : '';
  const c: WordingContext = { kind, publicBody: controller.publicBody, family, measure };
  const issuer = setting.issuer ?? controller.representative;
  const values: PlaceholderValues = {
    requestId: r.requestId,
    receivedDate: date(r.receivedAt),
    decidedDate: date(r.decidedAt),
    deadline: date(r.deadline),
    requestName: requestNameJa(c),
    controllerName: controller.name.ja,
    issuer,
    ...(r.extension === undefined ? {} : { extensionDays: String(r.extension.days) }),
  };
  const own = setting.templates?.[kind];
  const title = fillPlaceholders(own?.title ?? defaultTitle(c), values);
  const lead = fillPlaceholders(own?.lead ?? defaultLead(c), values);
  const prefix = setting.documentNumberPrefix;
  const serial = input.documentSerial;
  const docNo = prefix === undefined && serial === undefined ? '' : `${e(prefix ?? '第')}${e(serial ?? '　　　')}号<br>`;
  const sections = [withheldBlock(input), notesBlock(input, c), closingBlock(input, c, issuer, values)];
  return `<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<title>${e(title)}（${e(r.requestId)}）</title>
<style>
${STYLE}
</style>
</head>
<body>
<p class="docno">${docNo}${e(values.decidedDate ?? '')}</p>
<p class="addressee">請求者 様</p>
<p class="issuer">${e(controller.name.ja)}<br>${e(issuer)}</p>
<h1>${e(title)}</h1>
<p class="lead">${lines(lead)}</p>
<p class="ki">記</p>
<table class="particulars"><tbody>
${particulars(input, c, date)}
</tbody></table>
${sections.filter((s) => s !== '').join('\n')}
</body>
</html>
`;
}
