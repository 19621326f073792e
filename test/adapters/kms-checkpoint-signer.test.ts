import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { KmsCheckpointSigner } from '#shared/adapters/aws/kms-checkpoint-signer.ts';
import { KeyUnavailableError } from '#shared/errors.ts';

// On AWS the checkpoint key is ECC P-256: GetPublicKey returns its DER SPKI.
const kms = mockClient(KMSClient);
const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const der = publicKey.export({ type: 'spki', format: 'der' });

describe('KmsCheckpointSigner.publicKeyPem', () => {
  beforeEach(() => kms.reset());

  it('gives the key as PEM (SPKI), asking KMS once', async () => {
    // Prepare
    kms.on(GetPublicKeyCommand, { KeyId: 'arn:key' }).resolves({ PublicKey: new Uint8Array(der), KeySpec: 'ECC_NIST_P256' });
    const signer = new KmsCheckpointSigner(new KMSClient({}), 'arn:key', 'ECDSA_SHA_256');
    // Act
    const pem = await signer.publicKeyPem();
    await signer.publicKeyPem();
    // Assess
    expect(pem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(createPublicKey(pem).export({ type: 'spki', format: 'der' }).equals(der)).toBe(true);
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
  });

  it('does not keep a failure: the next call asks again', async () => {
    // Prepare
    kms.on(GetPublicKeyCommand).resolvesOnce({}).resolves({ PublicKey: new Uint8Array(der) });
    const signer = new KmsCheckpointSigner(new KMSClient({}), 'arn:key', 'ECDSA_SHA_256');
    // Act / Assess
    await expect(signer.publicKeyPem()).rejects.toThrow(KeyUnavailableError);
    await expect(signer.publicKeyPem()).resolves.toContain('BEGIN PUBLIC KEY');
  });
});
