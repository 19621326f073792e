/**
 * The shapes of a breach assessment (漏えい等報告): the affected records
 * given to it, the incident flags and thresholds, and what it returns per
 * trigger, per controller and as a whole.
 */
import type { CategoryKind } from '../catalogue-types.ts';
import type { BreachManner } from './manner.ts';

/** One affected field or document of a record. */
export interface AffectedItem {
  /** Field name, or document name for documents. */
  readonly name: string;
  /** Field, or document in the object store. */
  readonly kind: 'field' | 'document';
  /** Category kinds of the value (a document carries its record's). */
  readonly categories: readonly CategoryKind[];
  /** True when sealed with the subject's data key. */
  readonly sealed: boolean;
}

/** The facts about one affected record (no field values). */
export interface AffectedRecord {
  /** Record id. */
  readonly recordId: string;
  /** Subject id. */
  readonly subjectPseudonym: string;
  /** Dataset id. */
  readonly dataset: string;
  /** Category kinds of the record. */
  readonly categories: readonly CategoryKind[];
  /** Which fields and documents were affected. */
  readonly items: readonly AffectedItem[];
}

/** What is known about the incident besides the records. */
export interface BreachFlags {
  /** It may have been done with an improper purpose (不正の目的). */
  readonly improperPurpose: boolean;
  /** The subject keys (or the key wrapping them) may have leaked too. */
  readonly keyExposed: boolean;
  /** When the organisation learned of it (ISO). */
  readonly discoveredAt: string;
  /**
   * My Number data was made viewable by an unspecified number of people
   * over a network. @default false
   */
  readonly publiclyExposed?: boolean;
  /**
   * My Number data was held in a system covered by 規則第2条第1号
   * (情報提供ネットワークシステム or a 個人番号利用事務 system).
   * @default false
   */
  readonly myNumberSystem?: boolean;
  /**
   * When it happened (発生日時): a JST day `YYYY-MM-DD`, or a UTC ISO
   * instant. @default unknown (the draft asks for it)
   */
  readonly occurredAt?: string;
  /** Its manner (漏えい/滅失/毀損), in form order. @default unknown (the draft asks for it) */
  readonly manners?: readonly BreachManner[];
}

/** Thresholds. */
export interface BreachConfig {
  /**
   * Subjects above which a leak is reportable by count.
   * @default 1000 for businesses, 100 for public bodies
   */
  readonly subjectThreshold?: number;
  /** My Number subjects above which a leak is reportable. @default 100 */
  readonly myNumberThreshold?: number;
}

/** APPI trigger ids. */
export type TriggerId =
  | 'sensitive'
  | 'financial'
  | 'improper-purpose'
  | 'subject-count';

/** My Number trigger ids. */
export type MyNumberTriggerId =
  | 'my-number-system'
  | 'my-number-improper-purpose'
  | 'my-number-public-exposure'
  | 'my-number-subject-count';

/** The outcome of one trigger. */
export interface TriggerOutcome<Id extends string = string> {
  /** Trigger id. */
  readonly id: Id;
  /** Whether it fired (after the safe harbour). */
  readonly fired: boolean;
  /** Legal reference. */
  readonly law: string;
  /** Japanese label of the trigger. */
  readonly labelJa: string;
  /** Why it fired or not (English, no personal data). */
  readonly reason: string;
  /** Subjects whose unprotected data falls under the trigger. */
  readonly subjects: number;
  /** Subjects whose data fell under it but was all sealed with a safe key. */
  readonly protectedSubjects: number;
}

/** One affected field of a dataset, summed over records. */
export interface AffectedFieldSummary {
  /** Dataset id. */
  readonly dataset: string;
  /** Field or document name. */
  readonly name: string;
  /** Field or document. */
  readonly kind: 'field' | 'document';
  /** Japanese label (the catalogue's, or the name). */
  readonly labelJa: string;
  /** Category kinds. */
  readonly categories: readonly CategoryKind[];
  /** Records where it was sealed. */
  readonly sealedRecords: number;
  /** Records where it was in clear. */
  readonly clearRecords: number;
}

/** Report deadlines (JST, ISO with +09:00). */
export interface BreachDeadlines {
  /** Day the organisation learned of it (JST date). */
  readonly discoveredOn: string;
  /** End of the 3rd day after: the early end of "promptly". */
  readonly preliminaryDay3: string;
  /** End of the 5th day after: the late end of "promptly". */
  readonly preliminaryDay5: string;
  /** End of the final-report period. */
  readonly final: string;
  /** 30 or 60. */
  readonly finalDays: 30 | 60;
}

/** One item of the report draft (施行規則第8条第1項各号). */
export interface DraftItem {
  /** Item number, 1–9. */
  readonly no: number;
  /** Heading, e.g. 概要. */
  readonly heading: string;
  /** Pre-filled text. */
  readonly text: string;
  /** True when someone has to fill in or confirm this item. */
  readonly toFill: boolean;
}

/** The assessment for one controller (each is obliged on its own). */
export interface ControllerAssessment {
  /** Controller id. */
  readonly controllerId: string;
  /** Japanese name. */
  readonly controllerName: string;
  /** Public body (行政機関等). */
  readonly publicBody: boolean;
  /** Datasets affected. */
  readonly datasets: readonly string[];
  /** Affected records. */
  readonly records: number;
  /** Affected subjects. */
  readonly subjects: number;
  /** Subjects with at least one unprotected affected value. */
  readonly unprotectedSubjects: number;
  /** Count threshold used. */
  readonly subjectThreshold: number;
  /** APPI triggers. */
  readonly triggers: readonly TriggerOutcome<TriggerId>[];
  /** My Number triggers. */
  readonly myNumberTriggers: readonly TriggerOutcome<MyNumberTriggerId>[];
  /** A report to the PPC under APPI is required. */
  readonly reportRequired: boolean;
  /** A report to the PPC under the My Number Act is required. */
  readonly myNumberReportRequired: boolean;
  /** Notices to individuals are required (Art. 26(2) / 68(2)). */
  readonly noticeRequired: boolean;
  /** Subject ids to notify, sorted. */
  readonly subjectsToNotify: readonly string[];
  /** Category kinds affected. */
  readonly categories: readonly CategoryKind[];
  /** Affected fields. */
  readonly fields: readonly AffectedFieldSummary[];
  /** Deadlines, when any report is required. */
  readonly deadlines?: BreachDeadlines;
  /** Report draft (Japanese). */
  readonly draft: readonly DraftItem[];
}

/** The whole assessment. */
export interface BreachAssessment {
  /** When it was assessed (ISO). */
  readonly assessedAt: string;
  /** Catalogue version. */
  readonly policyVersion: string;
  /** Inputs. */
  readonly flags: BreachFlags;
  /** Per controller. */
  readonly controllers: readonly ControllerAssessment[];
  /** Any report required. */
  readonly reportRequired: boolean;
  /** Any notice required. */
  readonly noticeRequired: boolean;
  /** Union of subjects to notify, sorted. */
  readonly subjectsToNotify: readonly string[];
  /** Union of categories affected. */
  readonly categories: readonly CategoryKind[];
  /** Affected records assessed. */
  readonly records: number;
  /** Affected subjects. */
  readonly subjects: number;
  /** Ids given that are no longer held (erased) or unknown. */
  readonly notAssessed: readonly { recordId: string; why: 'erased' | 'not-found' }[];
  /** Notes on what could not be determined. */
  readonly notes: readonly string[];
}
