import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fieldAad, isEnvelope, openValue, sealValue } from '#shared/domain/envelope.ts';
import { KeyUnavailableError } from '#shared/errors.ts';

describe('field envelopes', () => {
  const key = randomBytes(32);

  it('round-trips values of any JSON type', () => {
    for (const value of ['喘息', 42, { a: [1, 'x'] }, true]) {
      const env = sealValue(key, value, fieldAad('r1', 'f'));
      expect(isEnvelope(env)).toBe(true);
      expect(openValue(key, env, fieldAad('r1', 'f'))).toEqual(value);
    }
  });

  it('does not contain the plaintext', () => {
    const env = sealValue(key, '123456789018', fieldAad('r1', 'myNumber'));
    expect(env).not.toContain('123456789018');
    expect(Buffer.from(env.split('.')[2] ?? '', 'base64url').toString()).not.toContain('1234');
  });

  it('refuses to open with another key (crypto-shredding)', () => {
    const env = sealValue(key, 'secret', fieldAad('r1', 'f'));
    expect(() => openValue(randomBytes(32), env, fieldAad('r1', 'f'))).toThrow(KeyUnavailableError);
  });

  it('refuses a ciphertext moved to another record or field', () => {
    const env = sealValue(key, 'secret', fieldAad('r1', 'f'));
    expect(() => openValue(key, env, fieldAad('r2', 'f'))).toThrow(KeyUnavailableError);
    expect(() => openValue(key, env, fieldAad('r1', 'g'))).toThrow(KeyUnavailableError);
  });
});
