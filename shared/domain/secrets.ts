/**
 * Bearer secrets (login tokens, session ids, download links, sign-in
 * state): 32 random bytes as base64url, kept only by their SHA-256 digest
 * (a heap dump or a table read holds no usable secret), compared in
 * constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new secret: 32 random bytes, base64url. */
export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** The SHA-256 digest of a secret, base64url: what is kept instead of it. */
export function secretDigest(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** Constant-time equality of two strings. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
