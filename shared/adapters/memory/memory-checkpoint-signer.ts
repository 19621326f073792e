/**
 * Checkpoint signatures in memory: an Ed25519 key pair made per instance
 * (node:crypto), the algorithm the local key service signs with.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import type { CheckpointSigner } from '../../ports/audit.ts';

/** In-memory {@link CheckpointSigner} (Ed25519). */
export class MemoryCheckpointSigner implements CheckpointSigner {
  readonly algorithm = 'ED25519_SHA_512';
  private readonly pair = generateKeyPairSync('ed25519');

  constructor(readonly keyId = 'memory-checkpoint-key') {}

  async sign(bytes: Uint8Array): Promise<Uint8Array> {
    return new Uint8Array(sign(null, bytes, this.pair.privateKey));
  }

  async verify(bytes: Uint8Array, signature: Uint8Array): Promise<boolean> {
    return verify(null, bytes, this.pair.publicKey, signature);
  }

  async publicKeyPem(): Promise<string> {
    return this.pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }
}
