/**
 * The stored record and its tags. A record is one unit of personal data
 * about one subject: a DynamoDB item, with its documents in S3.
 */
import type { CategoryKind, RetentionBasis } from './catalogue-types.ts';

/** Record lifecycle status. */
export type RecordStatus = 'active' | 'restricted' | 'erased';

/** A legal hold that stops the sweep from erasing a record. */
export interface Hold {
  /** Hold id. */
  readonly id: string;
  /** Why (case reference; no personal data). */
  readonly reason: string;
  /** Who placed it. */
  readonly placedBy: string;
  /** When (ISO). */
  readonly placedAt: string;
}

/** The retention tag of a record. */
export interface RetentionTag {
  /** Legal basis of keeping the record. */
  readonly basis: RetentionBasis;
  /** Legal reference (e.g. 労働基準法第109条). */
  readonly legalRef: string;
  /** ISO-8601 duration. */
  readonly period: string;
  /** Trigger: `acquired`, `last-activity` or `event:NAME`. */
  readonly trigger: string;
  /** Due time (UTC ISO), absent while an event trigger has not occurred. */
  readonly dueAt?: string;
}

/** A document (S3 object) belonging to a record. */
export interface DocumentRef {
  /** File name as given. */
  readonly name: string;
  /** S3 key: `records/{recordId}/{name}`. */
  readonly key: string;
  /** MIME type. */
  readonly contentType: string;
  /** Size in bytes of the plaintext. */
  readonly size: number;
  /** SHA-256 (hex) of the plaintext. */
  readonly sha256: string;
  /** Whether the body is sealed with the subject's data key. */
  readonly sealed: boolean;
}

/** A live record as stored. */
export interface StoredRecord {
  /** Record id. */
  readonly recordId: string;
  /**
   * The subject's keyed pseudonym (KMS HMAC of the organisation's own id
   * for the person): records are indexed by it, never by the raw id.
   */
  readonly subjectPseudonym: string;
  /** Dataset (business line) id from the catalogue. */
  readonly dataset: string;
  /** Purposes of use (catalogue ids). */
  readonly purposes: readonly string[];
  /** Category kinds present in the record. */
  readonly categories: readonly CategoryKind[];
  /** Category of each field, clear or sealed. */
  readonly fieldCategories: Readonly<Record<string, CategoryKind>>;
  /** Retention tag. */
  readonly retention: RetentionTag;
  /** Consent references (e.g. form ids, consent log ids). */
  readonly consentRefs: readonly string[];
  /** Exception basis used to acquire sensitive data without consent. */
  readonly acquisitionException?: string;
  /** When the data was acquired (ISO). */
  readonly acquiredAt: string;
  /** Last activity (ISO), for `last-activity` triggers. */
  readonly lastActivityAt?: string;
  /** Occurred trigger events: name → ISO time. */
  readonly events: Readonly<Record<string, string>>;
  /** Catalogue version the tags come from. */
  readonly policyVersion: string;
  /** Legal holds. */
  readonly holds: readonly Hold[];
  /** Pending subject-request ids that freeze the record. */
  readonly pendingRequests: readonly string[];
  /**
   * Set when an erasure has begun: it claims the record (a versioned write)
   * before documents and key are removed, so a hold or any change made
   * since the eraser read the record fails the claim while nothing is gone
   * yet; once claimed the erasure is decided, a hold is refused, and a
   * rerun finishes it.
   */
  readonly erasing?: { readonly cause: string; readonly since: string };
  /** Status. */
  readonly status: Exclude<RecordStatus, 'erased'>;
  /**
   * Field values in clear: always empty for records wasure writes (every
   * personal value is sealed); kept so records of earlier versions read.
   */
  readonly fields: Readonly<Record<string, unknown>>;
  /** Every field value as a sealed envelope under the subject's data key. */
  readonly sealed: Readonly<Record<string, string>>;
  /** Documents in the object store. */
  readonly documents: readonly DocumentRef[];
  /** When stored (ISO). */
  readonly createdAt: string;
  /** When last changed (ISO). */
  readonly updatedAt: string;
  /** Optimistic-lock version, starts at 1. */
  readonly version: number;
}

/** What remains of an erased record: no personal data. */
export interface Tombstone {
  /** Record id. */
  readonly recordId: string;
  /** Always `erased`. */
  readonly status: 'erased';
  /** Dataset id. */
  readonly dataset: string;
  /** Retention basis it was kept under. */
  readonly basis: RetentionBasis;
  /** Legal reference. */
  readonly legalRef: string;
  /** Due time it had (ISO), if any. */
  readonly dueAt?: string;
  /** When erased (ISO). */
  readonly erasedAt: string;
  /** Why: `retention`, `request:{id}` or `ttl`. */
  readonly cause: string;
  /** Catalogue version of the record's tags. */
  readonly policyVersion: string;
}

/** True when the stored item is a tombstone. */
export function isTombstone(
  item: StoredRecord | Tombstone,
): item is Tombstone {
  return item.status === 'erased';
}
