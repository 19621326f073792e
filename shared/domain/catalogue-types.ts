/**
 * Types of the policy catalogue: the organisation's description of what it
 * holds and why (個人情報取扱業務概要説明書), one entry per business line.
 */
import type { RequestDeadlineSetting } from './request-deadlines.ts';
import type { BreachReporterSetting } from './breach/reporter-setting.ts';
import type { NoticeSetting } from './notices/setting-types.ts';
import type { ApprovalSetting } from './request-approval.ts';

/** Kinds of data category. */
export type CategoryKind =
  | 'basic'
  | 'identifier'
  | 'sensitive'
  | 'my-number'
  | 'financial';

/** Category kinds whose values are sealed at field level. */
export const SEALED_KINDS: readonly CategoryKind[] = [
  'sensitive',
  'my-number',
  'financial',
];

/** Legal basis for keeping data. */
export type RetentionBasis = 'law' | 'contract' | 'consent' | 'necessity';

/** Bilingual label. */
export interface Label {
  /** Japanese. */
  readonly ja: string;
  /** English. */
  readonly en: string;
}

/** A controller: the APPI public-register items (Art. 32). */
export interface Controller {
  /** Id. */
  readonly id: string;
  /** Name. */
  readonly name: Label;
  /** Address. */
  readonly address: string;
  /** Representative's name and title. */
  readonly representative: string;
  /** Contact for requests (開示等の請求等の窓口). */
  readonly requestContact: string;
  /** Contact for complaints (苦情の申出先). */
  readonly complaintContact: string;
  /** Public body (thresholds differ for breach reporting). */
  readonly publicBody: boolean;
  /** Security measures taken (安全管理措置), for the public register. */
  readonly securityMeasures: readonly string[];
  /** Source document the entry was derived from. */
  readonly source?: string;
  /**
   * Statutory deadline of subject requests (APPI Art. 83 for public
   * bodies). @default a business, 14 days, no closed-day rule
   */
  readonly requestDeadline?: RequestDeadlineSetting;
  /**
   * What this controller files and has approved by a second operator
   * before it changes anything (決裁). @default nothing
   */
  readonly approval?: ApprovalSetting;
  /** How its decision notices are written (era, issuer, document number, own wording). @default 和暦 for a public body */
  readonly notices?: NoticeSetting;
  /** The reporter's header of its breach reports to the Commission. @default parts to fill in by hand */
  readonly breachReporter?: BreachReporterSetting;
}

/** A purpose of use. */
export interface Purpose {
  /** Id. */
  readonly id: string;
  /** Label. */
  readonly label: Label;
}

/** A retention rule. */
export interface RetentionRule {
  /** Legal basis. */
  readonly basis: RetentionBasis;
  /** Legal reference, or the internal rule, that sets the period. */
  readonly legalRef: string;
  /** ISO-8601 duration, e.g. `P5Y`, `P30D`. */
  readonly period: string;
  /** `acquired`, `last-activity` or `event:NAME`. */
  readonly trigger: string;
}

/** A field of a dataset. */
export interface FieldSpec {
  /** Category kind of the value. */
  readonly category: CategoryKind;
  /** Label. */
  readonly label: Label;
  /** Withheld from disclosure, with the APPI ground, when set. */
  readonly nonDisclosure?: string;
}

/** A third party data may be provided to. */
export interface Recipient {
  /** Id. */
  readonly id: string;
  /** Name. */
  readonly name: Label;
  /** Basis of provision: consent, law, exception ids or `joint-use`. */
  readonly bases: readonly string[];
  /** Fields that are never provided to this recipient. */
  readonly excludedFields: readonly string[];
  /** The recipient's purposes. */
  readonly purposes: readonly string[];
}

/** A processor (委託先). */
export interface Processor {
  /** Id. */
  readonly id: string;
  /** Name. */
  readonly name: string;
  /** What it does. */
  readonly scope: string;
}

/** An exception basis allowing acquisition, use or provision without consent. */
export interface ExceptionBasis {
  /** Id, e.g. `law`, `life-body-property`. */
  readonly id: string;
  /** Label. */
  readonly label: Label;
  /** Legal reference. */
  readonly legalRef: string;
}

/** A dataset (business line). */
export interface Dataset {
  /** Id. */
  readonly id: string;
  /** Name. */
  readonly name: Label;
  /** Controller id. */
  readonly controller: string;
  /** Purposes of use (ids). */
  readonly purposes: readonly string[];
  /** Category kinds allowed in this dataset. */
  readonly categories: readonly CategoryKind[];
  /** Declared fields. */
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** Whether records may carry documents (S3). */
  readonly documents: boolean;
  /** Retention rule. */
  readonly retention: RetentionRule;
  /** Recipient ids. */
  readonly recipients: readonly string[];
  /** Processor ids. */
  readonly processors: readonly string[];
  /** Exception ids under which sensitive data may be acquired without consent. */
  readonly sensitiveExceptions: readonly string[];
  /** Where the description came from. */
  readonly source?: string;
}

/** How long refused landing objects are kept under `quarantine/`. */
export interface QuarantinePolicy {
  /**
   * Whole days from the refusal after which the retention sweep deletes a
   * quarantined object, its reasons and every version of both.
   * @default 30
   */
  readonly retentionDays: number;
}

/** Days a quarantined object is kept when the catalogue does not say. */
export const DEFAULT_QUARANTINE_RETENTION_DAYS = 30;

/** The catalogue. */
export interface Catalogue {
  /** Format version of the file. */
  readonly schemaVersion: 1;
  /** Catalogue version, recorded on every record (e.g. `2026.11.1`). */
  readonly version: string;
  /** Date from which it applies. */
  readonly effectiveFrom: string;
  /** Language of the CLI's refusals and errors when neither --lang nor WASURE_LANG says. @default 'en' */
  readonly language?: 'ja' | 'en';
  /** Controllers. */
  readonly controllers: readonly Controller[];
  /** Purposes. */
  readonly purposes: readonly Purpose[];
  /** Exception bases. */
  readonly exceptions: readonly ExceptionBasis[];
  /** Recipients. */
  readonly recipients: readonly Recipient[];
  /** Processors. */
  readonly processors: readonly Processor[];
  /** Retention of third-party provision and receipt records. */
  readonly provisionRecords: RetentionRule;
  /** Datasets. */
  readonly datasets: readonly Dataset[];
  /**
   * Retention of refused landing data (it may hold personal data, My
   * Numbers included). @default `{ retentionDays: 30 }`
   */
  readonly quarantine?: QuarantinePolicy;
}
