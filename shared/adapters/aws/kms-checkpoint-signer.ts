/**
 * Checkpoint signatures with a KMS asymmetric key: Ed25519 with the local
 * key service; on AWS the algorithm of the deployed key (ECDSA P-256 by
 * default).
 */
import {
  type KMSClient,
  SignCommand,
  type SigningAlgorithmSpec,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import type { CheckpointSigner } from '../../ports/audit.ts';

/** KMS implementation of {@link CheckpointSigner}. */
export class KmsCheckpointSigner implements CheckpointSigner {
  constructor(
    private readonly client: KMSClient,
    readonly keyId: string,
    readonly algorithm: SigningAlgorithmSpec = 'ED25519_SHA_512',
  ) {}

  async sign(bytes: Uint8Array): Promise<Uint8Array> {
    const out = await this.client.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: bytes,
        MessageType: 'RAW',
        SigningAlgorithm: this.algorithm,
      }),
    );
    return out.Signature ?? new Uint8Array();
  }

  async verify(bytes: Uint8Array, signature: Uint8Array): Promise<boolean> {
    try {
      const out = await this.client.send(
        new VerifyCommand({
          KeyId: this.keyId,
          Message: bytes,
          MessageType: 'RAW',
          Signature: signature,
          SigningAlgorithm: this.algorithm,
        }),
      );
      return out.SignatureValid === true;
    } catch (error) {
      if ((error as Error).name === 'KMSInvalidSignatureException') {
        return false;
      }
      throw error;
    }
  }
}
