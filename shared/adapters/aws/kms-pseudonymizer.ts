/**
 * Subject pseudonyms: HMAC-SHA-256 under a KMS HMAC key, so the audit
 * trail can be filtered by subject without ever holding a subject id, and
 * nobody without the key can reverse or recompute a pseudonym.
 */
import { GenerateMacCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { Pseudonymizer } from '../../ports/audit.ts';

/** KMS implementation of {@link Pseudonymizer}, cached per process. */
export class KmsPseudonymizer implements Pseudonymizer {
  private readonly cache = new Map<string, Promise<string>>();

  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {}

  pseudonym(subjectId: string): Promise<string> {
    let entry = this.cache.get(subjectId);
    if (entry === undefined) {
      entry = this.client
        .send(
          new GenerateMacCommand({
            KeyId: this.keyId,
            MacAlgorithm: 'HMAC_SHA_256',
            Message: Buffer.from(`wasure:subject:${subjectId}`, 'utf8'),
          }),
        )
        .then((out) => Buffer.from(out.Mac ?? []).toString('hex'));
      entry.catch(() => this.cache.delete(subjectId));
      this.cache.set(subjectId, entry);
    }
    return entry;
  }
}
