/**
 * What a change on the records table means, read from its stream record:
 * the audit trail records every change, including writes that bypassed
 * wasure, and TTL expiries (the backstop) are told apart from sweeps.
 */

/** The parts of a DynamoDB stream record this needs (already unmarshalled). */
export interface RecordChange {
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** Present on TTL deletions: principal `dynamodb.amazonaws.com`. */
  readonly userIdentity?: { readonly type?: string; readonly principalId?: string };
  readonly oldImage?: Readonly<Record<string, unknown>>;
  readonly newImage?: Readonly<Record<string, unknown>>;
}

/** The meaning of a change. */
export type ChangeKind =
  | 'intent'
  | 'tagged-write'
  | 'tombstone'
  | 'ttl-expiry'
  | 'untagged-write'
  | 'direct-delete';

/** A classified change (ids only, never values). */
export interface ClassifiedChange {
  readonly kind: ChangeKind;
  readonly recordId: string;
  readonly dataset?: string;
  readonly subjectPseudonym?: string;
  readonly policyVersion?: string;
  /** Missing tags, for untagged writes. */
  readonly missing?: readonly string[];
}

/** Tags every live record must carry. */
export const REQUIRED_TAGS = [
  'subjectPseudonym',
  'dataset',
  'purposes',
  'retention',
  'categories',
  'policyVersion',
  'acquiredAt',
] as const;

const TTL_PRINCIPAL = 'dynamodb.amazonaws.com';

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Classifies one change of the records table. */
export function classifyChange(change: RecordChange): ClassifiedChange {
  const image = change.newImage ?? change.oldImage ?? {};
  const recordId = str(image.recordId) ?? '(no recordId)';
  const ids = {
    recordId,
    ...(str(image.dataset) === undefined ? {} : { dataset: str(image.dataset) as string }),
    ...(str(image.subjectPseudonym) === undefined
      ? {}
      : { subjectPseudonym: str(image.subjectPseudonym) as string }),
    ...(str(image.policyVersion) === undefined
      ? {}
      : { policyVersion: str(image.policyVersion) as string }),
  };
  if (recordId.startsWith('intent#') && image.intent === 'documents') {
    // Ingest's note that a record's documents are being written.
    return { kind: 'intent', ...ids };
  }
  if (change.eventName === 'REMOVE') {
    const byTtl =
      change.userIdentity?.type === 'Service' &&
      change.userIdentity.principalId === TTL_PRINCIPAL;
    return { kind: byTtl ? 'ttl-expiry' : 'direct-delete', ...ids };
  }
  const next = change.newImage ?? {};
  if (next.status === 'erased') {
    return { kind: 'tombstone', ...ids };
  }
  const missing = REQUIRED_TAGS.filter(
    (tag) => next[tag] === undefined || next[tag] === null || next[tag] === '',
  );
  if (
    missing.length === 0 &&
    Array.isArray(next.purposes) &&
    next.purposes.length === 0
  ) {
    return { kind: 'untagged-write', ...ids, missing: ['purposes'] };
  }
  return missing.length > 0
    ? { kind: 'untagged-write', ...ids, missing }
    : { kind: 'tagged-write', ...ids };
}
