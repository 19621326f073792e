/**
 * Field-level envelopes: AES-256-GCM under a subject's data key. The
 * associated data binds each ciphertext to its record and field, so a value
 * cannot be moved to another record or field unnoticed.
 * Format: `wse1.<iv>.<ciphertext>.<tag>` (base64url).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KeyUnavailableError } from '../errors.ts';

const PREFIX = 'wse1';

/** Associated data of a sealed field. */
export function fieldAad(recordId: string, field: string): string {
  return `${recordId}\u0000${field}`;
}

/** Encrypts bytes; returns the compact envelope string. */
export function sealBytes(
  key: Uint8Array,
  plaintext: Uint8Array,
  aad: string,
): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [PREFIX, iv, ct, tag]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** Decrypts an envelope; throws KeyUnavailableError if it does not open. */
export function openBytes(
  key: Uint8Array,
  envelope: string,
  aad: string,
): Uint8Array {
  const parts = envelope.split('.');
  if (parts.length !== 4 || parts[0] !== PREFIX) {
    throw new KeyUnavailableError('not a wasure envelope');
  }
  const [iv, ct, tag] = parts.slice(1).map((p) => Buffer.from(p, 'base64url'));
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv as Buffer);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag as Buffer);
    return Buffer.concat([decipher.update(ct as Buffer), decipher.final()]);
  } catch (error) {
    throw new KeyUnavailableError('envelope does not open with this key', {
      cause: error,
    });
  }
}

/** Seals a JSON value (type preserved). */
export function sealValue(key: Uint8Array, value: unknown, aad: string): string {
  return sealBytes(key, Buffer.from(JSON.stringify(value), 'utf8'), aad);
}

/** Opens a sealed JSON value. */
export function openValue(key: Uint8Array, envelope: string, aad: string): unknown {
  return JSON.parse(Buffer.from(openBytes(key, envelope, aad)).toString('utf8'));
}

/** True when a stored value looks like an envelope (for at-rest checks). */
export function isEnvelope(value: unknown): boolean {
  return typeof value === 'string' && value.startsWith(`${PREFIX}.`);
}
