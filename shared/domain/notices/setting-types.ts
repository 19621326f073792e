/**
 * The settings half of the notice types: what a catalogue states about a
 * controller's notices. A leaf module (no catalogue import), so the
 * catalogue's own types can name it.
 */
/**
 * Every kind of notice. 利用停止 covers 消去 and 提供の停止: erasure is a
 * form of 利用停止等 (APPI Art. 35 for businesses, Art. 98 for public
 * bodies), so one kind serves all three and the request type names the
 * measure.
 */
export const NOTICE_KINDS = [
  'disclosure',
  'partial-disclosure',
  'non-disclosure',
  'correction',
  'non-correction',
  'suspension',
  'non-suspension',
  'extension',
] as const;

/** A kind of notice. */
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/**
 * Kinds adverse to the requester, wholly or in part: a public body's
 * notice of one carries the 教示 of 審査請求 and 取消訴訟 (行政不服審査法
 * Art. 82, 行政事件訴訟法 Art. 46). A full disclosure, correction or
 * suspension grants what was asked, and an extension (Art. 83(2)) is not a
 * disposition at all: it decides nothing about the request, so no appeal
 * lies against it and no 教示 is given.
 */
export const ADVERSE_NOTICE_KINDS: readonly NoticeKind[] = [
  'partial-disclosure',
  'non-disclosure',
  'non-correction',
  'non-suspension',
];

/** How dates are printed: 和暦 (令和8年12月2日) or 西暦 (2026年12月2日). */
export type NoticeEra = 'wareki' | 'gregorian';

/**
 * A controller's own wording of one kind of notice. Both texts may hold
 * placeholders such as `{requestId}` (see `NOTICE_PLACEHOLDERS`).
 */
export interface NoticeTemplate {
  /** Title, one line. @default the statutory title of the kind */
  readonly title?: string;
  /** Lead paragraph above 記. @default a lead citing the article */
  readonly lead?: string;
}

/**
 * A controller's notice settings as the catalogue states them; every field
 * is optional. @example `{ "era": "wareki", "issuer": "茨城県知事",
 * "documentNumberPrefix": "茨労政第", "templates": { "non-disclosure":
 * { "title": "保有個人情報の開示をしない旨の決定について（通知）" } } }`
 */
export interface NoticeSetting {
  /** How dates are printed. @default 'wareki' for a public body, else 'gregorian' */
  readonly era?: NoticeEra;
  /** Who issues the notice (e.g. 茨城県知事). @default the controller's representative */
  readonly issuer?: string;
  /** Document number before the serial, e.g. 茨労政第 (…第12号). @default none */
  readonly documentNumberPrefix?: string;
  /** Own title and lead per kind. @default the statutory wording */
  readonly templates?: Readonly<Partial<Record<NoticeKind, NoticeTemplate>>>;
  /** Own 教示 text of a public body (placeholders allowed). @default 審査請求 and 取消訴訟 */
  readonly appealInstructions?: string;
}
