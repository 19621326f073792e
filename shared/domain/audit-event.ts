/**
 * Defence in depth for the audit trail: an event must never carry
 * personal data. Callers pass ids and reasons; this refuses a reason or
 * detail that looks like a My Number, a card number, an e-mail address or
 * a phone number, so a careless caller fails loudly in tests instead of
 * leaking into an append-only store that cannot be cleaned.
 */
import { ValidationError } from '../errors.ts';
import type { AuditEventInput } from '../ports/index.ts';
import { isLuhnValid, isValidMyNumber } from './my-number.ts';

const EMAIL = /[^\s@]+@[^\s@]+\.[a-z]{2,}/i;
const PHONE = /\b0\d{1,4}-\d{1,4}-\d{3,4}\b/;
// A digit run standing alone, not part of an ARN, UUID or other id.
const DIGIT_RUN = /(?<![\w:/-])\d{12,19}(?![\w:/-])/g;

// Ids the system generates; a UUID's groups can read like a phone number
// ("…-0512-4123-8456-…"), so they are taken out before looking.
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

function personal(raw: string): string | undefined {
  const text = raw.replace(UUID, '<id>');
  if (EMAIL.test(text)) {
    return 'an e-mail address';
  }
  if (PHONE.test(text)) {
    return 'a phone number';
  }
  for (const run of text.match(DIGIT_RUN) ?? []) {
    if (run.length === 12 && isValidMyNumber(run)) {
      return 'a My Number';
    }
    if (run.length >= 13 && isLuhnValid(run)) {
      return 'a card number';
    }
  }
  return undefined;
}

/** Throws when an event carries something that looks like personal data. */
export function assertNoPersonalData(event: AuditEventInput): void {
  const texts: [string, string][] = [
    ['reason', event.reason ?? ''],
    ['actor', event.actor],
    ['recordId', event.recordId ?? ''],
    ...Object.entries(event.details ?? {}).map(
      ([k, v]) => [`details.${k}`, String(v)] as [string, string],
    ),
  ];
  for (const [path, text] of texts) {
    const found = personal(text);
    if (found !== undefined) {
      throw new ValidationError('audit event refused: it would hold personal data', [
        { path, message: `looks like ${found}; audit events hold ids and reasons only` },
      ]);
    }
  }
}
