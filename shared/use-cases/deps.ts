/**
 * The dependencies every use case draws from. Built once per process by the
 * composition root (functions/runtime.ts); tests build it from the embedded
 * stores or from in-memory fakes.
 */
import type { Logger } from '../logging.ts';
import type { Catalogue } from '../domain/catalogue-types.ts';
import type { Pseudonymizer } from '../ports/audit.ts';
import type {
  AuditTrail,
  Clock,
  Ids,
  KeyService,
  KeyStore,
  LandingStore,
  ObjectStore,
  RecordStore,
} from '../ports/index.ts';

/** Ports a lifecycle use case may need. */
export interface LifecycleDeps {
  /** Records (DynamoDB). */
  readonly records: RecordStore;
  /** Documents (S3). */
  readonly objects: ObjectStore;
  /** Wrapped per-subject data keys. */
  readonly keys: KeyStore;
  /** Wraps/unwraps data keys (KMS). */
  readonly keyService: KeyService;
  /** The audit trail. */
  readonly audit: AuditTrail;
  /**
   * Keyed pseudonyms of subject ids (KMS HMAC): the only form in which a
   * subject is stored or indexed, so destroying the subject's data key
   * leaves nothing readable that names the person.
   */
  readonly pseudonyms: Pseudonymizer;
  /** Clock. */
  readonly clock: Clock;
  /** Id source. */
  readonly ids: Ids;
  /** The policy catalogue in force. */
  readonly catalogue: Catalogue;
  /**
   * The landing bucket, whose `quarantine/` the sweep, subject export and
   * erase cover; without it they leave quarantine alone.
   */
  readonly landing?: LandingStore;
  /** Operational log (no personal data); none when omitted. */
  readonly log?: Logger;
}
