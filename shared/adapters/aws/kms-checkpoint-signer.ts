/**
 * Checkpoint signatures with a KMS asymmetric key: Ed25519 with the local
 * key service; on AWS the algorithm of the deployed key (ECDSA P-256 by
 * default).
 */
import { createPublicKey } from 'node:crypto';
import {
  GetPublicKeyCommand,
  type KMSClient,
  SignCommand,
  type SigningAlgorithmSpec,
  VerifyCommand,
} from '@aws-sdk/client-kms';
import { KeyUnavailableError } from '../../errors.ts';
import type { CheckpointSigner } from '../../ports/audit.ts';

/** KMS implementation of {@link CheckpointSigner}. */
export class KmsCheckpointSigner implements CheckpointSigner {
  private publicKey: Promise<string> | undefined;

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

  /**
   * The key's public half as PEM (SPKI), read once with KMS GetPublicKey,
   * so receipts can be checked offline without KMS or AWS credentials.
   */
  publicKeyPem(): Promise<string> {
    this.publicKey ??= this.client
      .send(new GetPublicKeyCommand({ KeyId: this.keyId }))
      .then((out) => {
        if (out.PublicKey === undefined) {
          throw new KeyUnavailableError(`KMS returned no public key for ${this.keyId}`);
        }
        return createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' })
          .export({ type: 'spki', format: 'pem' })
          .toString();
      })
      .catch((error: unknown) => {
        // Not cached: the next call asks KMS again.
        this.publicKey = undefined;
        throw error;
      });
    return this.publicKey;
  }
}
