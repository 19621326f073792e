/**
 * Ports: the interfaces use cases depend on. Adapters in
 * `shared/adapters/aws` implement them over injected AWS SDK clients; the
 * embedded local mode reuses the same adapters pointed at local stand-ins.
 */
import type { StoredRecord, Tombstone } from '../domain/record.ts';
import type { SubjectRequest } from '../domain/requests.ts';

/** Source of the current time (injected so retention can be tested). */
export interface Clock {
  /** The current instant. */
  now(): Date;
}

/** Source of fresh identifiers. */
export interface Ids {
  /** A new unique id (UUID v4 by default). */
  next(): string;
}

/** One page of a paginated query. */
export interface Page<T> {
  /** Items of this page. */
  readonly items: T[];
  /** Opaque cursor for the next page; absent on the last page. */
  readonly cursor?: string;
}

/** A due-index entry: enough to find and purge a record. */
export interface DueEntry {
  /** Record id. */
  readonly recordId: string;
  /** Due time (UTC ISO-8601). */
  readonly dueAt: string;
}

/**
 * Store of tagged records (DynamoDB). Every write that changes what is
 * held takes the audit events that record it and commits them in the same
 * transaction: the write and its proof exist together or not at all.
 */
export interface RecordStore {
  /**
   * Writes a new record with its audit events; throws ConflictError if the
   * id exists. Clears the record's document intent (see {@link beginDocuments}).
   */
  create(record: StoredRecord, audit: readonly AuditEventInput[]): Promise<void>;
  /**
   * Notes, before a record's documents are written, that they are about to
   * be: if the process dies before {@link create}, {@link abandonedDocuments}
   * finds them so they can be removed.
   */
  beginDocuments(recordId: string): Promise<void>;
  /** Record ids whose document intent is older than `before` (ISO) and still open. */
  abandonedDocuments(before: string): Promise<string[]>;
  /** Closes a document intent (after its orphans are removed). */
  endDocuments(recordId: string): Promise<void>;
  /** Reads a record or tombstone by id. */
  get(recordId: string): Promise<StoredRecord | Tombstone | undefined>;
  /** Reads many records at once (strongly consistent); absent ids are left out. */
  getMany(recordIds: readonly string[]): Promise<Map<string, StoredRecord | Tombstone>>;
  /** Every live record of one subject, by the subject's pseudonym (subject index). */
  listBySubject(subjectPseudonym: string): Promise<StoredRecord[]>;
  /** One page of records due at or before `dueBefore` in one due shard. */
  listDue(
    shard: number,
    dueBefore: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<DueEntry>>;
  /**
   * Replaces a live record with its tombstone, only if the record is still
   * at `expectedVersion`. Returns false if it was already a tombstone.
   */
  replaceWithTombstone(
    tombstone: Tombstone,
    expectedVersion: number,
    audit: readonly AuditEventInput[],
  ): Promise<boolean>;
  /** Writes a changed record if its stored version is `expectedVersion`. */
  update(
    record: StoredRecord,
    expectedVersion: number,
    audit?: readonly AuditEventInput[],
  ): Promise<void>;
  /**
   * Writes a tombstone where no item exists any more (after a TTL expiry);
   * false when something is already there.
   */
  writeTombstone(tombstone: Tombstone, audit: readonly AuditEventInput[]): Promise<boolean>;
  /** One page of live record ids of a dataset (dataset index). */
  listIdsByDataset(dataset: string, cursor?: string, limit?: number): Promise<Page<string>>;
  /** Counts live records per dataset (dataset index). */
  countByDataset(dataset: string): Promise<number>;
}

/** A stored object version (S3). */
export interface ObjectVersion {
  /** Object key. */
  readonly key: string;
  /** Version id; `null` on unversioned stores. */
  readonly versionId: string | undefined;
  /** True for a delete marker. */
  readonly deleteMarker: boolean;
  /** Bytes of this version, when the listing gives them. */
  readonly size?: number;
  /** When this version was written (ISO), when the listing gives it. */
  readonly lastModified?: string;
}

/** Store of documents (S3). */
export interface ObjectStore {
  /** Stores one object. */
  put(
    key: string,
    body: Uint8Array,
    contentType: string,
    metadata: Readonly<Record<string, string>>,
  ): Promise<void>;
  /** Reads the current version of an object. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every version and delete marker under a prefix. */
  listVersions(prefix: string): Promise<ObjectVersion[]>;
  /** Deletes the given versions (batched by the adapter, ≤1,000 a call). */
  deleteVersions(versions: readonly ObjectVersion[]): Promise<void>;
}

/** An object with its content type and user metadata. */
export interface StoredObject {
  readonly body: Uint8Array;
  readonly contentType: string;
  /** User metadata, names lower-case without `x-amz-meta-`. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** The landing bucket: an object store whose objects are read with their metadata. */
export interface LandingStore extends ObjectStore {
  /** Reads the current version with content type and metadata. */
  read(key: string): Promise<StoredObject | undefined>;
}

/** A freshly generated data key. */
export interface DataKey {
  /** The plaintext key: keep in memory only. */
  readonly plaintext: Uint8Array;
  /** The key wrapped by the key service. */
  readonly wrapped: Uint8Array;
}

/** Wraps and unwraps data keys (KMS on AWS, a local key service offline). */
export interface KeyService {
  /** Generates a 256-bit data key bound to `context`. */
  generateDataKey(context: Readonly<Record<string, string>>): Promise<DataKey>;
  /** Unwraps a data key; the same `context` must be given. */
  unwrap(
    wrapped: Uint8Array,
    context: Readonly<Record<string, string>>,
  ): Promise<Uint8Array>;
}

/** A subject's wrapped data key as stored. */
export interface StoredKey {
  /** The subject's keyed pseudonym (never the raw subject id). */
  readonly subjectPseudonym: string;
  /** Key id: random, used as the KMS encryption context (no personal data). */
  readonly keyId: string;
  /** Wrapped key bytes. */
  readonly wrapped: Uint8Array;
  /** When it was created (ISO). */
  readonly createdAt: string;
  /** How many times a record was sealed with it since (see {@link KeyStore.use}). */
  readonly uses?: number;
}

/**
 * Store of wrapped per-subject data keys (DynamoDB keys table), by the
 * subject's keyed pseudonym.
 */
export interface KeyStore {
  /** The subject's key, if it exists. */
  get(subjectPseudonym: string): Promise<StoredKey | undefined>;
  /** Which of these subjects still have a key. */
  existing(subjectPseudonyms: readonly string[]): Promise<Set<string>>;
  /** Stores the key unless one exists; returns the key that is stored. */
  putIfAbsent(key: StoredKey): Promise<StoredKey>;
  /**
   * Notes that a record was just sealed with the subject's key; false when
   * the key no longer exists (it was destroyed after it was read).
   */
  use(subjectPseudonym: string): Promise<boolean>;
  /**
   * Destroys the subject's key (crypto-shredding). Idempotent. With
   * `unlessUsedSince`, only if no record was sealed with it since that
   * count was read; returns whether the key is gone. `audit` is committed
   * with the destruction, and only when this call destroyed the key.
   */
  destroy(
    subjectPseudonym: string,
    unlessUsedSince?: number,
    audit?: readonly AuditEventInput[],
  ): Promise<boolean>;
}

/** Actions recorded in the audit trail. */
export type AuditAction =
  | 'ingest'
  | 'ingest-refused'
  | 'read'
  | 'read-refused'
  | 'decrypt'
  | 'correction'
  | 'restriction'
  | 'restriction-lifted'
  | 'provision'
  | 'provision-refused'
  | 'receipt'
  | 'export'
  | 'erasure'
  | 'hold-added'
  | 'hold-removed'
  | 'policy-version'
  | 'key-destroyed'
  | 'untagged-write'
  | 'request'
  | 'breach-assessment'
  | 'sweep-order'
  | 'console-session'
  | 'console-action';

/** An event as the caller gives it; the trail pseudonymises `subjectId`. */
export interface AuditEventInput {
  /** What happened. */
  readonly action: AuditAction;
  /** Who: an IAM principal, an admin name or `system:sweep`. */
  readonly actor: string;
  /** Record concerned, if any. */
  readonly recordId?: string;
  /** Raw subject id: never stored; replaced by its HMAC pseudonym. */
  readonly subjectId?: string;
  /** The subject's pseudonym, when the caller holds only that. */
  readonly subjectPseudonym?: string;
  /** Dataset concerned. */
  readonly dataset?: string;
  /** Legal basis of the action (e.g. retention basis, provision basis). */
  readonly basis?: string;
  /** Catalogue version in force. */
  readonly policyVersion?: string;
  /** Outcome. */
  readonly outcome: 'ok' | 'refused' | 'skipped' | 'failed';
  /** Why (no personal data). */
  readonly reason?: string;
  /** Extra non-personal facts (counts, erasure cause, request id). */
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

/** The append-only audit trail. */
export interface AuditTrail {
  /**
   * Appends events that go with no business write: durable once this
   * resolves, and chained then or at the next {@link integrate}.
   */
  append(events: readonly AuditEventInput[]): Promise<void>;
  /**
   * Chains every event staged so far (by {@link append} or inside a
   * store's transaction); returns how many this call chained.
   */
  integrate(): Promise<number>;
}

/** Store of data-subject requests. */
export interface RequestStore {
  /** A request by id. */
  get(requestId: string): Promise<SubjectRequest | undefined>;
  /** Writes a new request; false when the id exists (idempotent retry). */
  create(request: SubjectRequest): Promise<boolean>;
  /**
   * Writes a changed request if its stored version is `expectedVersion`;
   * `audit` events are written in the same transaction (both or neither).
   */
  update(request: SubjectRequest, expectedVersion: number, audit?: readonly AuditEventInput[]): Promise<void>;
  /** Every request of a subject, by its keyed pseudonym (never the raw id), oldest first. */
  listBySubject(subjectPseudonym: string): Promise<SubjectRequest[]>;
}

/** Where disclosure packages are delivered (with their own retention). */
export interface ExportStore {
  /**
   * Stores a package; returns where it can be fetched (a directory locally,
   * a presigned URL on AWS) and when it expires.
   */
  save(
    requestId: string,
    files: readonly { name: string; bytes: Uint8Array }[],
  ): Promise<{ location: string; expiresAt: string }>;
  /** Removes packages past their expiry; returns how many. */
  purgeExpired(now: Date): Promise<number>;
  /**
   * How many stored objects the package of a request still holds: its
   * files, and on a versioned store every version and delete marker under
   * the package; 0 when it is gone (removed, or expired for good).
   */
  packageObjects(requestId: string): Promise<number>;
  /**
   * Removes the package of a request completely, whatever its expiry:
   * every file, and on a versioned store every version and delete marker
   * under the package. Returns how many objects it deleted; a package
   * already gone is not an error (0).
   */
  remove(requestId: string): Promise<number>;
  /**
   * The files of a request's package as they stand, named relative to the
   * package; none when it is gone (removed, or past its expiry).
   * @example
   * const files = await exports.read('req-1'); // [{ name: 'data.json', bytes }]
   */
  read(requestId: string): Promise<PackageFile[]>;
}

/** One file of a disclosure package. */
export interface PackageFile {
  /** Its name inside the package (may hold `/`). */
  readonly name: string;
  readonly bytes: Uint8Array;
}
