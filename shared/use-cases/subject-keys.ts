/**
 * Per-subject data keys: created on first ingest, unwrapped on demand,
 * destroyed to crypto-shred. Subjects are named by their keyed pseudonym.
 * The KMS encryption context is the random key id, never anything about
 * the subject, because KMS logs its context in clear.
 */
import type { StoredRecord } from '../domain/record.ts';
import { KeyUnavailableError, TransientStoreError } from '../errors.ts';
import type { Clock, Ids, KeyService, KeyStore, RecordStore } from '../ports/index.ts';

/** Ports needed to handle data keys. */
export interface KeyDeps {
  readonly keys: KeyStore;
  readonly keyService: KeyService;
  readonly clock: Clock;
  readonly ids: Ids;
}

/** Encryption context of a data key. */
export function keyContext(keyId: string): Record<string, string> {
  return { 'wasure:key-id': keyId };
}

/**
 * Caches unwrapped keys for one run (one invocation, one CLI command) so
 * each subject's key is unwrapped once.
 */
export class SubjectKeys {
  private readonly cache = new Map<string, Promise<Uint8Array>>();

  constructor(private readonly deps: KeyDeps) {}

  /** The subject's key, created when it does not exist yet. */
  forWriting(subject: string): Promise<Uint8Array> {
    return this.memo(subject, async () => {
      const existing = await this.deps.keys.get(subject);
      if (existing !== undefined) {
        return this.deps.keyService.unwrap(
          existing.wrapped,
          keyContext(existing.keyId),
        );
      }
      const keyId = this.deps.ids.next();
      const fresh = await this.deps.keyService.generateDataKey(
        keyContext(keyId),
      );
      const stored = await this.deps.keys.putIfAbsent({
        subjectPseudonym: subject,
        keyId,
        wrapped: fresh.wrapped,
        createdAt: this.deps.clock.now().toISOString(),
      });
      // Another writer won the race: use the key that was stored.
      return stored.keyId === keyId
        ? fresh.plaintext
        : this.deps.keyService.unwrap(stored.wrapped, keyContext(stored.keyId));
    });
  }

  /** The subject's key; KeyUnavailableError when it was destroyed. */
  forReading(subject: string): Promise<Uint8Array> {
    return this.memo(subject, async () => {
      const existing = await this.deps.keys.get(subject);
      if (existing === undefined) {
        throw new KeyUnavailableError(
          'the data key of this subject does not exist (never created or destroyed)',
        );
      }
      return this.deps.keyService.unwrap(
        existing.wrapped,
        keyContext(existing.keyId),
      );
    });
  }

  /** Forgets a cached key (after destruction). */
  forget(subject: string): void {
    this.cache.delete(subject);
  }

  private memo(
    subject: string,
    load: () => Promise<Uint8Array>,
  ): Promise<Uint8Array> {
    let entry = this.cache.get(subject);
    if (entry === undefined) {
      entry = load();
      entry.catch(() => this.cache.delete(subject));
      this.cache.set(subject, entry);
    }
    return entry;
  }
}

/**
 * After a record sealed under its subject's key was written: counts a use
 * of the key, which fails when a sweep destroyed the key after it was read
 * for sealing and before the record existed (the sweep's listing could not
 * see the record). Then the record is sealed again under a fresh key
 * (`reseal`) and rewritten, so nothing stays sealed under a destroyed key.
 * Every path that seals a new record goes through here.
 */
export async function keepUnderLiveKey(
  deps: KeyDeps & { readonly records: RecordStore },
  keys: SubjectKeys,
  stored: StoredRecord,
  reseal: () => Promise<StoredRecord>,
): Promise<StoredRecord> {
  let current = stored;
  for (let attempt = 0; !(await deps.keys.use(current.subjectPseudonym)); attempt += 1) {
    if (attempt >= 3) {
      throw new TransientStoreError(`the data key of record ${current.recordId} kept being destroyed while it was stored`);
    }
    keys.forget(current.subjectPseudonym);
    const resealed: StoredRecord = { ...(await reseal()), version: current.version + 1 };
    await deps.records.update(resealed, current.version);
    current = resealed;
  }
  return current;
}
