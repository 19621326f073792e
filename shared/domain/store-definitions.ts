/**
 * The one definition of every table and bucket. The CDK stateful stack and
 * the embedded local stores are both built from these objects, and
 * `test/infra/store-definitions.test.ts` proves the synthesized template and
 * the local tables agree.
 */

/** DynamoDB attribute type used in keys. */
export type KeyAttributeType = 'S' | 'N' | 'B';

/** One key attribute. */
export interface KeyAttribute {
  /** Attribute name. */
  readonly name: string;
  /** Attribute type. */
  readonly type: KeyAttributeType;
}

/** A global secondary index. */
export interface IndexDefinition {
  /** Index name. */
  readonly indexName: string;
  /** Partition key. */
  readonly partitionKey: KeyAttribute;
  /** Sort key, if any. */
  readonly sortKey?: KeyAttribute;
  /** Projection: KEYS_ONLY keeps sweep planning cheap; ALL serves exports. */
  readonly projection: 'ALL' | 'KEYS_ONLY';
}

/** A table. */
export interface TableDefinition {
  /** Logical id (construct id) and local table name. */
  readonly id: string;
  /** Partition key. */
  readonly partitionKey: KeyAttribute;
  /** Sort key, if any. */
  readonly sortKey?: KeyAttribute;
  /** Global secondary indexes. */
  readonly indexes: readonly IndexDefinition[];
  /** Time-to-live attribute (epoch seconds), if the table has one. */
  readonly ttlAttribute?: string;
  /** Whether a stream with new and old images is on. */
  readonly stream: boolean;
  /** Point-in-time recovery. Off for the keys table on purpose (see README). */
  readonly pointInTimeRecovery: boolean;
}

/** Number of partitions of the sparse due-time index; spreads write load. */
export const DUE_SHARDS = 8;

/** Index names, used by adapters and infra alike. */
export const INDEX = {
  bySubject: 'bySubject',
  byDue: 'byDue',
  byDataset: 'byDataset',
  openByDeadline: 'openByDeadline',
  byEventId: 'byEventId',
} as const;

/** Records: one item per stored record, plus tombstones after erasure. */
export const RECORDS_TABLE: TableDefinition = {
  id: 'Records',
  partitionKey: { name: 'recordId', type: 'S' },
  indexes: [
    {
      indexName: INDEX.bySubject,
      partitionKey: { name: 'subjectPseudonym', type: 'S' },
      sortKey: { name: 'recordId', type: 'S' },
      projection: 'ALL',
    },
    {
      indexName: INDEX.byDue,
      partitionKey: { name: 'dueShard', type: 'S' },
      sortKey: { name: 'dueKey', type: 'S' },
      projection: 'KEYS_ONLY',
    },
    {
      indexName: INDEX.byDataset,
      // Only live records carry `liveDataset`, so tombstones drop out of
      // the index and counts of held data stay exact.
      partitionKey: { name: 'liveDataset', type: 'S' },
      sortKey: { name: 'recordId', type: 'S' },
      projection: 'KEYS_ONLY',
    },
  ],
  ttlAttribute: 'expiresAt',
  stream: true,
  pointInTimeRecovery: true,
};

/**
 * Per-subject data keys, wrapped by the KMS data key. Deleting an item
 * crypto-shreds the subject; no backups are taken so a destroyed key cannot
 * come back.
 */
export const KEYS_TABLE: TableDefinition = {
  id: 'DataKeys',
  partitionKey: { name: 'subjectPseudonym', type: 'S' },
  indexes: [],
  stream: false,
  pointInTimeRecovery: false,
};

/** Append-only audit trail: events and checkpoints, ordered by sequence. */
export const AUDIT_TABLE: TableDefinition = {
  id: 'AuditTrail',
  partitionKey: { name: 'stream', type: 'S' },
  sortKey: { name: 'seq', type: 'N' },
  indexes: [
    {
      indexName: INDEX.bySubject,
      // Only chained events carry `subjectPseudonym` at the top level
      // (staged entries nest theirs, the head and checkpoints have none),
      // so the index is sparse and holds exactly the events about a
      // subject, in chain order. ALL: `audit log --subject` shows whole
      // events; KEYS_ONLY would need a BatchGetItem on the table per page.
      partitionKey: { name: 'subjectPseudonym', type: 'S' },
      sortKey: { name: 'seq', type: 'N' },
      projection: 'ALL',
    },
    {
      indexName: INDEX.byEventId,
      // Chained events only (staged entries nest their id): where an event
      // id sits in the chain. The incremental verifier looks a new event's
      // id up here, so a MACed event copied to the tail is found even when
      // its original lies before the verified cursor.
      partitionKey: { name: 'eventId', type: 'S' },
      sortKey: { name: 'seq', type: 'N' },
      projection: 'KEYS_ONLY',
    },
  ],
  // On AWS each staged entry wakes the audit sequencer through the stream.
  stream: true,
  pointInTimeRecovery: true,
};

/**
 * Data-subject requests (開示等の請求) and the standing directives they
 * leave, such as a stop of third-party provision.
 */
export const REQUESTS_TABLE: TableDefinition = {
  id: 'SubjectRequests',
  partitionKey: { name: 'requestId', type: 'S' },
  indexes: [
    {
      indexName: INDEX.bySubject,
      // The subject's keyed pseudonym: a request item never holds the raw id.
      partitionKey: { name: 'subjectPseudonym', type: 'S' },
      sortKey: { name: 'receivedAt', type: 'S' },
      projection: 'ALL',
    },
    {
      indexName: INDEX.openByDeadline,
      // Only open requests carry `openState`, so the overdue check reads
      // what is still open, never the finished history.
      partitionKey: { name: 'openState', type: 'S' },
      sortKey: { name: 'deadline', type: 'S' },
      projection: 'ALL',
    },
  ],
  // Finished requests expire after REQUEST_RETENTION_YEARS (domain/requests.ts).
  ttlAttribute: 'expiresAt',
  stream: false,
  pointInTimeRecovery: true,
};

/** A bucket. */
export interface BucketDefinition {
  /** Logical id (construct id) and local bucket name stem. */
  readonly id: string;
  /** Whether object versioning is on. */
  readonly versioned: boolean;
  /** Whether S3 Object Lock (compliance mode) is on. */
  readonly objectLock: boolean;
}

/** Documents and attachments of records, under `records/{recordId}/`. */
export const DOCUMENTS_BUCKET: BucketDefinition = {
  id: 'Documents',
  versioned: true,
  objectLock: false,
};

/** Prefix of the archived checkpoint documents in {@link CHECKPOINTS_BUCKET}. */
export const CHECKPOINT_PREFIX = 'checkpoints/';

/** Signed audit checkpoints; write-once on AWS. */
export const CHECKPOINTS_BUCKET: BucketDefinition = {
  id: 'AuditCheckpoints',
  versioned: true,
  objectLock: true,
};

/**
 * Where other systems drop data for wasure: objects under `landing/` are
 * tagged and moved into the stores; refused ones go to `quarantine/`.
 */
export const LANDING_BUCKET: BucketDefinition = {
  id: 'Landing',
  versioned: true,
  objectLock: false,
};
