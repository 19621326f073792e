/**
 * The notice to affected subjects (本人への通知, 法第26条第2項 / 第68条第2項)
 * as an A4 letter: addressed to no one by name, it says what happened,
 * which items, the cause and possible harm, what the subject should do and
 * whom to contact. Every text is escaped with the one HTML escape.
 */
import type { Controller } from '../catalogue-types.ts';
import { escapeHtml } from '../html.ts';
import { jstDate } from '../jst.ts';
import { A4_STYLE } from './a4-style.ts';
import { MANNER_LABELS } from './manner.ts';
import { formatOccurred, japaneseDay } from './occurrence.ts';
import type { BreachReporterSetting } from './reporter.ts';
import type { BreachFlags, ControllerAssessment } from './types.ts';

/** Input of {@link renderNoticeLetterHtml}. */
export interface NoticeLetterInput {
  /** The controller that notifies. */
  readonly controller: Controller;
  /** Its assessment. */
  readonly assessment: ControllerAssessment;
  /** The facts of the breach. */
  readonly flags: BreachFlags;
  /** Its reporting desk, the contact of the letter. @default the catalogue's contacts */
  readonly reporter?: BreachReporterSetting;
  /** JST day of the letter (YYYY-MM-DD). */
  readonly date: string;
}

const TO_FILL = '<span class="to-fill">【要記入】</span>';

function advice(a: ControllerAssessment): string[] {
  const lines = [
    '当方を名乗る不審な電話、電子メール、郵便物等にご注意ください。当方から暗証番号やパスワードをお尋ねすることはありません。',
  ];
  if (a.categories.includes('financial')) {
    lines.push('金融機関の口座やクレジットカードの利用明細をご確認いただき、身に覚えのない取引があれば、金融機関及び下記の窓口にご連絡ください。');
  }
  if (a.categories.includes('my-number')) {
    lines.push('個人番号が漏えいして不正に用いられるおそれがあると認められるときは、お住まいの市区町村長に個人番号の変更を請求することができます（番号法第7条第2項）。');
  }
  if (a.categories.includes('sensitive')) {
    lines.push('心身の状況等に関する情報が含まれます。ご不安な点やご要望がありましたら、下記の窓口にご相談ください。');
  }
  return lines;
}

/**
 * Renders the notice to the affected subjects of one controller as an A4
 * HTML letter (`@page { size: A4 }`), addressed generically.
 * @example
 * renderNoticeLetterHtml({ controller, assessment: a.controllers[0],
 *   flags: a.flags, date: '2026-11-25' })
 */
export function renderNoticeLetterHtml(input: NoticeLetterInput): string {
  const e = escapeHtml;
  const { controller: c, assessment: a, flags, reporter } = input;
  const occurred = flags.occurredAt === undefined ? TO_FILL : e(formatOccurred(flags.occurredAt));
  const manner =
    flags.manners === undefined || flags.manners.length === 0
      ? `${TO_FILL}（漏えい・滅失・毀損の別）`
      : e(flags.manners.map((m) => MANNER_LABELS[m]).join('・'));
  const items = [...new Set(a.fields.map((f) => f.labelJa))].map((l) => `<li>${e(l)}</li>`).join('\n');
  const contact =
    reporter === undefined
      ? `<p>${e(c.complaintContact || c.requestContact) || TO_FILL}</p>`
      : `<p>${e(c.name.ja)} ${e(reporter.department)}（${e(reporter.contactTitle)}）<br>電話：${e(reporter.phone)}<br>電子メール：${e(reporter.email)}</p>`;
  const law = c.publicBody ? '個人情報の保護に関する法律第68条第2項' : '個人情報の保護に関する法律第26条第2項';
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>個人情報の漏えい等に関するお知らせ</title>
${A4_STYLE}
</head>
<body>
<section class="page">
<p class="right">${e(japaneseDay(input.date))}</p>
<p>ご本人様</p>
<p class="right">${e(c.name.ja)}<br>${e(c.representative)}</p>
<h1>個人情報の漏えい等に関するお知らせ</h1>
<p>${e(c.name.ja)}が取り扱うあなたの個人情報について、漏えい等が発生し、又は発生したおそれがあることが判明しました。多大なご心配とご迷惑をおかけしますことを、深くお詫び申し上げます。以下のとおりお知らせいたします。</p>
<h2>1. 発生した事態</h2>
<p>発生日時：${occurred}<br>事態の態様：${manner}<br>当方が把握した日：${e(japaneseDay(jstDate(new Date(flags.discoveredAt))))}</p>
<h2>2. 対象となる個人情報の項目</h2>
<ul>
${items}
</ul>
<h2>3. 原因</h2>
<p>${TO_FILL}</p>
<h2>4. 二次被害又はそのおそれの有無及びその内容</h2>
<p>${TO_FILL}</p>
<h2>5. ご本人にお願いしたいこと</h2>
<ul>
${advice(a).map((l) => `<li>${e(l)}</li>`).join('\n')}
</ul>
<h2>6. お問い合わせ先</h2>
${contact}
<p>本通知は、${e(law)}に基づくものです。</p>
</section>
</body></html>
`;
}
