/**
 * The KMS HMAC keys in memory (node:crypto HMAC-SHA-256 under a random key
 * per instance): subject pseudonyms as {@link KmsPseudonymizer} makes them
 * (same message prefix, hex), and writer MACs of audit events.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EventAuthenticator, Pseudonymizer } from '../../ports/audit.ts';
import type { Faults } from './faults.ts';

function hmac(key: Buffer, bytes: Uint8Array): Buffer {
  return createHmac('sha256', key).update(bytes).digest();
}

/** In-memory {@link Pseudonymizer}. */
export class MemoryPseudonymizer implements Pseudonymizer {
  private readonly key = randomBytes(32);

  constructor(private readonly faults: Faults) {}

  pseudonym(subjectId: string): Promise<string> {
    return this.faults.run('pseudonyms.pseudonym', () =>
      hmac(this.key, Buffer.from(`wasure:subject:${subjectId}`, 'utf8')).toString('hex'),
    );
  }
}

/** In-memory {@link EventAuthenticator}. */
export class MemoryEventAuthenticator implements EventAuthenticator {
  private readonly key = randomBytes(32);

  constructor(readonly writer: string) {}

  async mac(bytes: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(hmac(this.key, bytes));
  }

  async verify(bytes: Uint8Array, mac: Uint8Array): Promise<boolean> {
    const expected = hmac(this.key, bytes);
    return mac.byteLength === expected.byteLength && timingSafeEqual(expected, mac);
  }
}
