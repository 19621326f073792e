/** KeyService over KMS (the real client; locally pointed at the local key service). */
import {
  DecryptCommand,
  GenerateDataKeyCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { KeyUnavailableError } from '../../errors.ts';
import type { DataKey, KeyService } from '../../ports/index.ts';

const UNAVAILABLE = new Set([
  'InvalidCiphertextException',
  'AccessDeniedException',
  'IncorrectKeyException',
  'NotFoundException',
  'DisabledException',
  'KMSInvalidStateException',
]);

/** KMS implementation of {@link KeyService}. */
export class KmsKeyService implements KeyService {
  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
  ) {}

  async generateDataKey(context: Readonly<Record<string, string>>): Promise<DataKey> {
    const out = await this.client.send(
      new GenerateDataKeyCommand({
        KeyId: this.keyId,
        KeySpec: 'AES_256',
        EncryptionContext: { ...context },
      }),
    );
    if (out.Plaintext === undefined || out.CiphertextBlob === undefined) {
      throw new KeyUnavailableError('KMS returned no data key');
    }
    return { plaintext: out.Plaintext, wrapped: out.CiphertextBlob };
  }

  async unwrap(
    wrapped: Uint8Array,
    context: Readonly<Record<string, string>>,
  ): Promise<Uint8Array> {
    try {
      const out = await this.client.send(
        new DecryptCommand({
          KeyId: this.keyId,
          CiphertextBlob: wrapped,
          EncryptionContext: { ...context },
        }),
      );
      if (out.Plaintext === undefined) {
        throw new KeyUnavailableError('KMS returned no plaintext');
      }
      return out.Plaintext;
    } catch (error) {
      if (error instanceof Error && UNAVAILABLE.has(error.name)) {
        throw new KeyUnavailableError(`data key cannot be unwrapped: ${error.name}`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}
