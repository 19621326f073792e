/**
 * Onward notice (APPI Art. 97 for public bodies; good practice for
 * businesses): when a correction or erasure touches data that was provided
 * to third parties, each recipient is told, so that it corrects or erases
 * what it received. The recipients come from the audit trail's `provision`
 * events, which outlive the provision records an erasure removes. Pure:
 * the use case reads the trail and stores the notices on the request.
 */
import { escapeHtml } from './html.ts';
import type { AuditEvent } from './audit-chain.ts';
import type { Controller, Label, Recipient } from './catalogue-types.ts';
import { formatNoticeDate } from './notices/notice-dates.ts';
import type { OnwardNotice } from './onward-notice-types.ts';
import type { SubjectRequest } from './requests.ts';

export type { OnwardNotice, OnwardState } from './onward-notice-types.ts';

/** Request types whose outcome is passed on to recipients. */
export const ONWARD_TYPES: readonly SubjectRequest['type'][] = ['correct', 'erase'];

/** Whether a request's outcome is passed on: a correct or erase request that changed something. */
export function owesOnwardNotice(request: Pick<SubjectRequest, 'type' | 'status'>): boolean {
  return ONWARD_TYPES.includes(request.type) && (request.status === 'completed' || request.status === 'partially-completed');
}

/** The fields of an audit event the notices are derived from. */
export type ProvisionEvent = Pick<AuditEvent, 'action' | 'outcome' | 'time' | 'recordId' | 'subjectPseudonym' | 'details'>;

/** Options of {@link onwardNoticesOf}. */
export interface OnwardOptions {
  /**
   * Only these recipients (a correction: those the corrected record's
   * dataset may be provided to). @default every recipient
   */
  readonly recipients?: ReadonlySet<string>;
}

/** The identity of a notice: one per recipient and provision. */
export function onwardKey(notice: Pick<OnwardNotice, 'recipientId' | 'provisionRecordId' | 'provisionedAt'>): string {
  return `${notice.recipientId}\u0000${notice.provisionRecordId ?? notice.provisionedAt}`;
}

/**
 * The notices a request owes, drafted: one per successful provision of its
 * subject (by pseudonym) made before the request ended, oldest first.
 * @example
 * onwardNoticesOf(await trail.readEvents({ subjectPseudonym }), request)
 */
export function onwardNoticesOf(
  events: readonly ProvisionEvent[],
  request: Pick<SubjectRequest, 'subjectPseudonym' | 'completedAt'>,
  options: OnwardOptions = {},
): OnwardNotice[] {
  const notices = new Map<string, OnwardNotice>();
  for (const e of events) {
    const recipient = e.details?.recipient;
    if (e.action !== 'provision' || e.outcome !== 'ok' || typeof recipient !== 'string') continue;
    if (e.subjectPseudonym !== request.subjectPseudonym) continue;
    if (request.completedAt !== undefined && e.time > request.completedAt) continue;
    if (options.recipients !== undefined && !options.recipients.has(recipient)) continue;
    const records = e.details?.records;
    const notice: OnwardNotice = {
      recipientId: recipient,
      provisionedAt: e.time,
      ...(e.recordId === undefined ? {} : { provisionRecordId: e.recordId }),
      records: typeof records === 'number' ? records : 0,
      state: 'drafted',
    };
    notices.set(onwardKey(notice), notice);
  }
  return [...notices.values()].sort(
    (a, b) => a.provisionedAt.localeCompare(b.provisionedAt) || a.recipientId.localeCompare(b.recipientId),
  );
}

/**
 * The notices after a rerun of the drafting: every notice already there
 * keeps its state; only provisions not yet listed are added.
 */
export function mergeOnward(previous: readonly OnwardNotice[] | undefined, drafted: readonly OnwardNotice[]): OnwardNotice[] {
  const known = new Set((previous ?? []).map(onwardKey));
  return [...(previous ?? []), ...drafted.filter((n) => !known.has(onwardKey(n)))];
}

/** The recipients of a request's notices, in order, once each. */
export function onwardRecipients(notices: readonly OnwardNotice[] | undefined): string[] {
  return [...new Set((notices ?? []).map((n) => n.recipientId))];
}

/** What one letter to one recipient says. */
export interface OnwardLetterInput {
  /** The request's type and when it was carried out (its ids are not printed). */
  readonly request: Pick<SubjectRequest, 'type' | 'completedAt'>;
  /** The recipient, as the catalogue names it. */
  readonly recipient: Pick<Recipient, 'id' | 'name'>;
  /** The controller that carried out the request. */
  readonly controller: Pick<Controller, 'name' | 'address' | 'requestContact' | 'publicBody' | 'notices'> | undefined;
  /** The recipient's notices (one per provision). */
  readonly notices: readonly OnwardNotice[];
  /** The corrected fields' catalogue labels (a correction). */
  readonly fields?: readonly Label[];
  /** The letter's date (ISO). */
  readonly issuedAt: string;
}

const e = escapeHtml;

/** Mincho first, as the decision notices: a printed official letter. */
const STYLE = `@page { size: A4; margin: 20mm 20mm 20mm 25mm; }
html { font-family: "Hiragino Mincho ProN", "Yu Mincho", YuMincho, "BIZ UDMincho", "IPAexMincho", "Noto Serif JP", serif; font-size: 10.5pt; line-height: 1.7; color: #000; }
body { margin: 0; }
.date, .issuer { text-align: right; margin: 0 0 1em; }
h1 { text-align: center; font-size: 14pt; font-weight: normal; margin: 2em 0 1.5em; }
p { text-indent: 1em; }
table { width: 100%; border-collapse: collapse; margin: 1em 0; }
tr { break-inside: avoid; }
th, td { border: 1px solid #000; padding: 1.5mm 3mm; text-align: left; vertical-align: top; }`;

/**
 * The onward notice to one recipient as a printable A4 HTML letter in
 * Japanese: addressed to the recipient by its catalogue name, from the
 * controller, naming each provision by its date and provision record id
 * (the recipient's reference; never the subject's name or id), what was
 * corrected (field labels) or that the data was erased, and asking the
 * recipient to do the same to what it received. A public body cites Art.
 * 97. Every inserted value is escaped.
 */
export function renderOnwardNotice(input: OnwardLetterInput): string {
  const c = input.controller;
  const era = c?.notices?.era ?? (c?.publicBody === true ? 'wareki' : 'gregorian');
  const date = (iso: string) => e(formatNoticeDate(iso, era));
  const erase = input.request.type === 'erase';
  const act = erase ? '消去' : '訂正';
  const rows = input.notices
    .map((n) => `<tr><td>${date(n.provisionedAt)}</td><td>${e(n.provisionRecordId ?? '（記録番号なし）')}</td><td>${n.records}件</td></tr>`)
    .join('\n');
  const fields = (input.fields ?? []).map((l) => e(l.ja)).join('、');
  const what = erase
    ? '当該提供に係る保有個人情報を消去しました。'
    : `当該提供に係る保有個人情報のうち、次の項目を訂正しました：${fields === '' ? '（項目は別途お知らせします）' : fields}。訂正後の内容は、本書とは別に安全な方法でお知らせします。`;
  const law =
    c?.publicBody === true
      ? `個人情報の保護に関する法律第97条の規定により、保有個人情報の${act}を実施したので通知します。`
      : `本人からの請求により保有個人情報の${act}を実施したので、お知らせします。`;
  const done = input.request.completedAt === undefined ? '' : `（${date(input.request.completedAt)}実施）`;
  return `<!DOCTYPE html>
<html lang="ja">
<head><meta charset="utf-8"><title>保有個人情報の${act}について（通知）</title><style>${STYLE}</style></head>
<body>
<p class="date">${date(input.issuedAt)}</p>
<p class="addressee">${e(input.recipient.name.ja)}　御中</p>
<p class="issuer">${e(c?.name.ja ?? '（個人情報取扱事業者）')}<br>${e(c?.address ?? '')}</p>
<h1>保有個人情報の${act}について（通知）</h1>
<p>${law}${done}</p>
<p>貴職（貴社）に提供した次の保有個人情報について、${what}</p>
<table>
<thead><tr><th scope="col">提供した日</th><th scope="col">提供記録番号</th><th scope="col">件数</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
<p>つきましては、貴職（貴社）が当該提供により取得した個人情報について、同様に${act}の措置を講じていただきますようお願いします。講じた措置は、提供記録番号を付して下記までお知らせください。</p>
<p class="contact">連絡先：${e(c?.requestContact ?? '')}</p>
</body>
</html>
`;
}
