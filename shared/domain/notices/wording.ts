/**
 * The Japanese wording of decision notices in one table: titles, default
 * leads (in the placeholder syntax, so they are filled like a controller's
 * own), the decision in words, and the default 教示. Articles are those of
 * 個人情報の保護に関する法律: Arts. 82/93/101 (public bodies' decisions),
 * 83/94/102 (their periods) and 33/34/35 (a business's answers).
 */
import type { RequestType } from '../requests.ts';
import type { NoticeKind } from './types.ts';

/** What a request asks: disclosure, correction or 利用停止等. */
export type NoticeFamily = 'disclosure' | 'correction' | 'suspension';

/** The measure of each 利用停止等 request type. */
export const MEASURE_JA: Readonly<Record<'erase' | 'restrict' | 'stop-provision', string>> = {
  erase: '消去',
  restrict: '利用の停止',
  'stop-provision': '提供の停止',
};

/** The family of a request type, or undefined for one no notice answers. */
export function requestFamily(type: RequestType): NoticeFamily | undefined {
  if (type === 'export') return 'disclosure';
  if (type === 'correct') return 'correction';
  return Object.hasOwn(MEASURE_JA, type) ? 'suspension' : undefined;
}

/** The family a kind answers; an extension answers any. */
export function kindFamily(kind: NoticeKind): NoticeFamily | undefined {
  if (kind === 'extension') return undefined;
  return kind.endsWith('disclosure') ? 'disclosure' : kind.endsWith('correction') ? 'correction' : 'suspension';
}

type DecisionKind = Exclude<NoticeKind, 'extension'>;

const TITLE_STEM: Readonly<Record<DecisionKind, string>> = {
  disclosure: '開示決定通知書',
  'partial-disclosure': '部分開示決定通知書',
  'non-disclosure': '不開示決定通知書',
  correction: '訂正決定通知書',
  'non-correction': '不訂正決定通知書',
  suspension: '利用停止決定通知書',
  'non-suspension': '不利用停止決定通知書',
};

const PUBLIC_ARTICLE: Readonly<Record<DecisionKind, string>> = {
  disclosure: '第82条第1項',
  'partial-disclosure': '第82条第1項',
  'non-disclosure': '第82条第2項',
  correction: '第93条第1項',
  'non-correction': '第93条第2項',
  suspension: '第101条第1項',
  'non-suspension': '第101条第2項',
};

const BUSINESS_ARTICLE: Readonly<Record<DecisionKind, string>> = {
  disclosure: '第33条第2項',
  'partial-disclosure': '第33条第3項',
  'non-disclosure': '第33条第3項',
  correction: '第34条第3項',
  'non-correction': '第34条第3項',
  suspension: '第35条第7項',
  'non-suspension': '第35条第7項',
};

const EXTENSION_ARTICLE: Readonly<Record<NoticeFamily, string>> = {
  disclosure: '第83条第2項',
  correction: '第94条第2項',
  suspension: '第102条第2項',
};

const EXTENSION_TITLE: Readonly<Record<NoticeFamily, string>> = {
  disclosure: '開示決定等期限延長通知書',
  correction: '訂正決定等期限延長通知書',
  suspension: '利用停止決定等期限延長通知書',
};

const REQUEST_NAME: Readonly<Record<NoticeFamily, readonly [publicBody: string, business: string]>> = {
  disclosure: ['開示請求', '開示の請求'],
  correction: ['訂正請求', '訂正等の請求'],
  suspension: ['利用停止請求', '利用停止等の請求'],
};

const LAW = '個人情報の保護に関する法律（平成15年法律第57号。以下「法」という。）';

/** How a notice is worded: the kind, who decided and what was asked. */
export interface WordingContext {
  /** Kind. */
  readonly kind: NoticeKind;
  /** Whether the controller is a public body (行政機関等). */
  readonly publicBody: boolean;
  /** Family of the request answered. */
  readonly family: NoticeFamily;
  /** The 利用停止等 measure (消去, 利用の停止, 提供の停止), for that family. */
  readonly measure: string;
}

/** 開示請求, 訂正等の請求 …: what the requester asked, as the law calls it. */
export function requestNameJa(c: Pick<WordingContext, 'publicBody' | 'family'>): string {
  return REQUEST_NAME[c.family][c.publicBody ? 0 : 1];
}

/** 保有個人情報 (public bodies, Chapter 5) or 保有個人データ (businesses, Chapter 4). */
export function dataTermJa(publicBody: boolean): string {
  return publicBody ? '保有個人情報' : '保有個人データ';
}

/** The statutory title of a notice. */
export function defaultTitle(c: WordingContext): string {
  if (c.kind === 'extension') {
    return c.publicBody ? EXTENSION_TITLE[c.family] : '回答期限延長通知書';
  }
  const stem = TITLE_STEM[c.kind];
  return dataTermJa(c.publicBody) + (c.publicBody ? stem : stem.replace('利用停止', '利用停止等'));
}

/** The decision in a few words, for the 決定内容 row. */
export function decisionJa(c: WordingContext): string {
  switch (c.kind) {
    case 'disclosure':
      return '全部開示';
    case 'partial-disclosure':
      return '部分開示（下記の部分を除き開示する）';
    case 'non-disclosure':
      return '不開示（全部を開示しない）';
    case 'correction':
      return '訂正する';
    case 'non-correction':
      return '訂正しない';
    case 'suspension':
      return `${c.measure}をする`;
    case 'non-suspension':
      return `${c.measure}をしない`;
    case 'extension':
      return '決定の期限を延長する';
  }
}

/** The default lead, in the placeholder syntax. */
export function defaultLead(c: WordingContext): string {
  const asked = '{receivedDate}付けで受け付けた{requestName}（請求番号 {requestId}）';
  if (c.kind === 'extension') {
    return c.publicBody
      ? `${asked}については、${LAW}${EXTENSION_ARTICLE[c.family]}の規定により、決定の期限を下記のとおり延長したので通知します。`
      : `${asked}については、回答の期限を下記のとおり延長したので通知します。`;
  }
  const article = (c.publicBody ? PUBLIC_ARTICLE : BUSINESS_ARTICLE)[c.kind];
  return `${asked}について、${LAW}${article}の規定により、下記のとおり決定したので通知します。`;
}

/**
 * The default 教示 of a public body's adverse decision: 審査請求 to the
 * issuer within 3 months of the day after learning of it (行政不服審査法
 * Arts. 4 and 18) and the suit against the body within 6 months
 * (行政事件訴訟法 Arts. 11 and 14).
 */
export function defaultAppealInstructions(issuer: string, defendant: string): string {
  return [
    `1　この決定に不服がある場合は、行政不服審査法（平成26年法律第68号）の規定により、この決定があったことを知った日の翌日から起算して3か月以内に、${issuer}に対して審査請求をすることができます（なお、この決定があったことを知った日の翌日から起算して3か月以内であっても、この決定の日の翌日から起算して1年を経過した場合には、審査請求をすることができなくなります。）。`,
    `2　この決定の取消しを求める訴訟を提起する場合は、行政事件訴訟法（昭和37年法律第139号）の規定により、この決定があったことを知った日から6か月以内に、${defendant}を被告として（訴訟において${defendant}を代表する者は${issuer}となります。）、提起することができます（なお、この決定があったことを知った日から6か月以内であっても、この決定の日から1年を経過した場合には、この決定の取消しの訴えを提起することができなくなります。）。ただし、上記1の審査請求をした場合には、当該審査請求に対する裁決があったことを知った日から6か月以内であれば、提起することができます。`,
  ].join('\n');
}
