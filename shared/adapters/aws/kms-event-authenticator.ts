/**
 * Writer proof of audit events with a KMS HMAC key (HMAC_SHA_256), a key
 * of its own, apart from the pseudonym key: writers hold kms:GenerateMac
 * on it, the verifier only kms:VerifyMac, the checkpointer neither.
 */
import { GenerateMacCommand, type KMSClient, VerifyMacCommand } from '@aws-sdk/client-kms';
import type { EventAuthenticator } from '../../ports/audit.ts';

/** KMS implementation of {@link EventAuthenticator}. */
export class KmsEventAuthenticator implements EventAuthenticator {
  constructor(
    private readonly client: KMSClient,
    /** The audit-MAC key (id or ARN). */
    readonly keyId: string,
    readonly writer: string,
  ) {}

  async mac(bytes: Uint8Array): Promise<Uint8Array> {
    const out = await this.client.send(
      new GenerateMacCommand({ KeyId: this.keyId, MacAlgorithm: 'HMAC_SHA_256', Message: bytes }),
    );
    return out.Mac ?? new Uint8Array();
  }

  async verify(bytes: Uint8Array, mac: Uint8Array): Promise<boolean> {
    try {
      const out = await this.client.send(
        new VerifyMacCommand({ KeyId: this.keyId, MacAlgorithm: 'HMAC_SHA_256', Message: bytes, Mac: mac }),
      );
      return out.MacValid === true;
    } catch (error) {
      if ((error as Error).name === 'KMSInvalidMacException') {
        return false;
      }
      throw error;
    }
  }
}
