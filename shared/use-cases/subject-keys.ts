/**
 * Per-subject data keys: created on first ingest, unwrapped on demand,
 * destroyed to crypto-shred. Subjects are named by their keyed pseudonym.
 * The KMS encryption context is the random key id, never anything about
 * the subject, because KMS logs its context in clear.
 */
import { KeyUnavailableError } from '../errors.ts';
import type { Clock, Ids, KeyService, KeyStore } from '../ports/index.ts';

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
