/**
 * KeyService in memory with a real cipher: data keys are wrapped with
 * AES-256-GCM under a master key held by the instance, the encryption
 * context (canonical JSON) as additional authenticated data, so as with
 * KMS a wrapped key unwraps only under the context it was made with, and
 * a wrong context or altered bytes fail with KeyUnavailableError.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { canonical } from '../../domain/audit-chain.ts';
import { KeyUnavailableError } from '../../errors.ts';
import type { DataKey, KeyService } from '../../ports/index.ts';
import type { Faults } from './faults.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** In-memory {@link KeyService} (AES-256-GCM key wrapping). */
export class MemoryKeyService implements KeyService {
  private readonly master = randomBytes(32);

  constructor(private readonly faults: Faults) {}

  generateDataKey(context: Readonly<Record<string, string>>): Promise<DataKey> {
    return this.faults.run('keyService.generateDataKey', () => {
      const plaintext = new Uint8Array(randomBytes(32));
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.master, iv);
      cipher.setAAD(Buffer.from(canonical(context), 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      const wrapped = new Uint8Array(Buffer.concat([iv, cipher.getAuthTag(), body]));
      return { plaintext, wrapped };
    });
  }

  unwrap(wrapped: Uint8Array, context: Readonly<Record<string, string>>): Promise<Uint8Array> {
    return this.faults.run('keyService.unwrap', () => {
      const bytes = Buffer.from(wrapped);
      try {
        const decipher = createDecipheriv('aes-256-gcm', this.master, bytes.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(canonical(context), 'utf8'));
        decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return new Uint8Array(
          Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]),
        );
      } catch (error) {
        // What KMS answers InvalidCiphertextException with.
        throw new KeyUnavailableError('data key cannot be unwrapped: InvalidCiphertextException', {
          cause: error,
        });
      }
    });
  }
}
