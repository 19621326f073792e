/**
 * Types of the printable decision notices (決定通知書) sent to a requester
 * of 開示等の請求: the kinds, a controller's notice settings as the
 * catalogue states them, and the input of one notice. A notice names no
 * person: it is addressed to 「請求者 様」 and refers to the request id.
 */
import type { Controller } from '../catalogue-types.ts';
import type { RequestType } from '../requests.ts';

export * from './setting-types.ts';
import type { NoticeKind, NoticeSetting } from './setting-types.ts';

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
