/**
 * The landing path: what other systems drop into the landing bucket, and
 * how an object becomes ingest lines. Two kinds of object:
 *
 * - a batch, `landing/….jsonl`: lines in the `wasure ingest` format;
 * - a document, any other key: one record whose only content is the
 *   object, tagged by S3 user metadata (`x-amz-meta-wasure-…`):
 *   `dataset`, `subject`, `purposes` (comma-separated) required;
 *   `record-id` (default: derived from key and content), `acquired-at`
 *   (default: the landing time), `consent-refs` (comma-separated),
 *   `consent-sensitive` (`true` when the consent covers sensitive data).
 *
 * Metadata carries tags and ids only: S3 does not encrypt user metadata,
 * so personal data belongs in the object body.
 */
import { createHash } from 'node:crypto';
import type { Problem } from '../errors.ts';

/** Prefix of objects to tag. */
export const LANDING_PREFIX = 'landing/';
/** Prefix of refused objects, kept with their reasons. */
export const QUARANTINE_PREFIX = 'quarantine/';
/** User-metadata names (without the `x-amz-meta-` S3 adds). */
export const LANDING_METADATA = {
  dataset: 'wasure-dataset',
  subject: 'wasure-subject',
  purposes: 'wasure-purposes',
  recordId: 'wasure-record-id',
  acquiredAt: 'wasure-acquired-at',
  consentRefs: 'wasure-consent-refs',
  consentSensitive: 'wasure-consent-sensitive',
} as const;

/** One object an event reports as created. */
export interface LandedRef {
  readonly bucket: string;
  readonly key: string;
}

/**
 * The objects an event reports as created, from an EventBridge "Object
 * Created" event or an S3 event notification (`Records`, keys URL-encoded).
 */
export function landedObjects(event: unknown): LandedRef[] {
  const e = event as {
    'detail-type'?: string;
    detail?: { bucket?: { name?: string }; object?: { key?: string } };
    Records?: { eventName?: string; s3?: { bucket?: { name?: string }; object?: { key?: string } } }[];
  };
  if (e['detail-type'] === 'Object Created' && e.detail?.bucket?.name !== undefined && e.detail.object?.key !== undefined) {
    return [{ bucket: e.detail.bucket.name, key: e.detail.object.key }];
  }
  return (e.Records ?? []).flatMap((r) =>
    r.eventName?.startsWith('ObjectCreated:') === true && r.s3?.bucket?.name !== undefined && r.s3.object?.key !== undefined
      ? [{ bucket: r.s3.bucket.name, key: decodeURIComponent(r.s3.object.key.replace(/\+/g, ' ')) }]
      : [],
  );
}

/** Whether a key is one to tag (under `landing/`, not a folder marker). */
export function isLandingKey(key: string): boolean {
  return key.startsWith(LANDING_PREFIX) && !key.endsWith('/');
}

/** Whether a landed object is a batch of ingest lines. */
export function isBatch(key: string, contentType: string): boolean {
  return key.endsWith('.jsonl') || contentType.startsWith('application/x-ndjson');
}

/** Where a refused object (or the refused lines of a batch) is kept. */
export function quarantineKey(key: string): string {
  return `${QUARANTINE_PREFIX}${key.slice(LANDING_PREFIX.length)}`;
}

/** A landed object as the tagger reads it. */
export interface LandedObject {
  readonly key: string;
  readonly body: Uint8Array;
  readonly contentType: string;
  /** S3 user metadata, names lower-case without `x-amz-meta-`. */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * The ingest line a landed document stands for, or the problems with its
 * metadata (each named by its `x-amz-meta-…` header).
 */
export function documentLine(object: LandedObject, landedAt: string): { text: string } | { problems: Problem[] } {
  const m = object.metadata;
  const problems: Problem[] = [];
  const header = (name: string) => `x-amz-meta-${name}`;
  const required = (name: string): string | undefined => {
    const v = m[name]?.trim();
    if (v === undefined || v === '') {
      problems.push({ path: header(name), message: 'is required on a landed document' });
      return undefined;
    }
    return v;
  };
  const list = (v: string | undefined) => (v ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
  const dataset = required(LANDING_METADATA.dataset);
  const subjectId = required(LANDING_METADATA.subject);
  const purposes = list(required(LANDING_METADATA.purposes));
  const sensitive = m[LANDING_METADATA.consentSensitive];
  if (sensitive !== undefined && sensitive !== 'true' && sensitive !== 'false') {
    problems.push({ path: header(LANDING_METADATA.consentSensitive), message: `must be true or false, not "${sensitive}"` });
  }
  if (problems.length > 0) {
    return { problems };
  }
  const name = object.key.slice(object.key.lastIndexOf('/') + 1);
  const refs = list(m[LANDING_METADATA.consentRefs]);
  const recordId =
    m[LANDING_METADATA.recordId] ??
    `land-${createHash('sha256').update(object.key).update('\0').update(object.body).digest('hex').slice(0, 24)}`;
  return {
    text: JSON.stringify({
      recordId,
      subjectId,
      dataset,
      purposes,
      acquiredAt: m[LANDING_METADATA.acquiredAt] ?? landedAt,
      ...(refs.length === 0 && sensitive === undefined ? {} : { consent: { refs, ...(sensitive === 'true' ? { sensitive: true } : {}) } }),
      fields: {},
      documents: [{ name, contentType: object.contentType, base64: Buffer.from(object.body).toString('base64') }],
    }),
  };
}
