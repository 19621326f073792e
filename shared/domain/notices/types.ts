/**
 * Types of the printable decision notices (決定通知書) sent to a requester
 * of 開示等の請求: the kinds, a controller's notice settings as the
 * catalogue states them, and the input of one notice. A notice names no
 * person: it is addressed to 「請求者 様」 and refers to the request id.
 */
import type { Controller } from '../catalogue-types.ts';
import type { RequestType } from '../requests.ts';

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

/** A part withheld from disclosure and its ground. */
export interface WithheldItem {
  /** What is withheld, e.g. 相談記録のうち相談相手の氏名. */
  readonly label: string;
  /** Its ground, e.g. 法第78条第1項第2号（第三者情報）. */
  readonly ground: string;
}

/** How, when and where a disclosure is made, as the officer writes it. */
export interface DisclosureArrangement {
  /** Method, e.g. 写しの交付（郵送）. */
  readonly method?: string;
  /** Date and time, e.g. 令和8年12月10日 午前10時. */
  readonly date?: string;
  /** Place, e.g. 県庁行政棟2階 県政情報センター. */
  readonly place?: string;
}

/** The request a notice answers. */
export interface NoticeRequest {
  /** Request id, the requester's reference. */
  readonly requestId: string;
  /** Type: export, correct, erase, restrict or stop-provision. */
  readonly type: RequestType;
  /** When received (ISO instant). */
  readonly receivedAt: string;
  /** When decided: the date of the notice (ISO instant). */
  readonly decidedAt: string;
  /** The deadline in force, after any extension (ISO instant). */
  readonly deadline: string;
  /** The extension (Art. 83(2)); required by an extension notice. */
  readonly extension?: {
    /** Days added. */
    readonly days: number;
    /** The written reason. */
    readonly reason: string;
    /** The deadline before the extension (ISO instant), when known. */
    readonly previousDeadline?: string;
  };
}

/** What was decided, besides the kind. */
export interface NoticeDecision {
  /** Name of the data asked about, e.g. the dataset's name. */
  readonly subject?: string;
  /** Number of records concerned. */
  readonly records?: number;
  /** Withheld parts; required by a partial disclosure. */
  readonly withheld?: readonly WithheldItem[];
  /** Legal grounds; required by a non-disclosure. */
  readonly grounds?: readonly string[];
  /** Reason in words; required by a non-correction and a non-suspension. */
  readonly reason?: string;
  /** Labels of the corrected fields; required by a correction. */
  readonly correctedFields?: readonly string[];
  /** How disclosure is made (disclosure kinds only). */
  readonly disclosure?: DisclosureArrangement;
  /** Further notes (備考), one paragraph each. */
  readonly notes?: readonly string[];
}

/** Everything one notice prints. */
export interface NoticeInput {
  /** Kind. */
  readonly kind: NoticeKind;
  /** The controller that decided. */
  readonly controller: Controller;
  /** Its notice settings (`controllers[i].notices`). @default {} */
  readonly setting?: NoticeSetting;
  /** Serial of the document number, e.g. 12. @default blank for a handwritten serial */
  readonly documentSerial?: string;
  /** The request. */
  readonly request: NoticeRequest;
  /** The decision. */
  readonly decision: NoticeDecision;
}
