/**
 * Defence in depth for the audit trail: an event must never carry
 * personal data. Callers pass ids and reasons; this refuses a reason or
 * detail that looks like a My Number, a card number, an e-mail address or
 * a phone number, so a careless caller fails loudly in tests instead of
 * leaking into an append-only store that cannot be cleaned.
 */
import { type Problem, ValidationError } from '../errors.ts';
import type { AuditEventInput } from '../ports/index.ts';
import { isLuhnValid, isValidMyNumber } from './my-number.ts';
import { digitRuns, normaliseText } from './normalise.ts';

const EMAIL = /[^\s@]+@[^\s@]+\.[a-z]{2,}/i;
// Hyphenated, as Japanese numbers are usually written (03-1234-5678,
// 090-1234-5678): any three groups after a leading 0, so short ones
// (01-02-003) count too.
const PHONE_HYPHENS = /(?<![\w:])0\d{1,4}-\d{1,4}-\d{3,4}(?![\w:])/;
// With spaces, dots or an area code in brackets, or unseparated mobile and
// IP-phone numbers (070/080/090/050): only with the 10 or 11 digits of a
// real number, so dates such as 01.02.2024 are not phone numbers.
const PHONE_OTHER =
  /(?<![\w:])(?:\(0\d{1,4}\) ?\d{1,4}[-. ]?\d{3,4}|0\d{1,4}([. ])\d{1,4}\1\d{3,4}|0[5789]0\d{8})(?![\w:])/g;

// Ids the system generates; a UUID's groups can read like a phone number
// ("…-0512-4123-8456-…"), so they are taken out before looking.
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;

/**
 * What personal data a text looks like it carries: `'a My Number'`, `'a card
 * number'`, `'an e-mail address'`, `'a phone number'`, or undefined. The one
 * rule set of the audit guard and of the id checks at tagging: the text is
 * normalised first (NFKC, every dash and the katakana ー as `-`), so
 * `１１１２－２２３３－３４４６` and `090ー1234ー5678` are caught like their ASCII
 * spellings. A digit run inside a word, a hash or an ARN (touching a letter
 * or `:`) is not a number of its own and is not looked at.
 *
 * @example findPersonalData('S-123456789018') === 'a My Number'
 */
export function findPersonalData(raw: string): string | undefined {
  const text = normaliseText(raw).replace(UUID, '<id>');
  if (EMAIL.test(text)) {
    return 'an e-mail address';
  }
  if (PHONE_HYPHENS.test(text)) {
    return 'a phone number';
  }
  for (const m of text.matchAll(PHONE_OTHER)) {
    const digits = m[0].replace(/\D/g, '').length;
    if (digits === 10 || digits === 11) {
      return 'a phone number';
    }
  }
  for (const run of digitRuns(text)) {
    if (!run.standalone) {
      continue;
    }
    if (run.digits.length === 12 && isValidMyNumber(run.digits)) {
      return 'a My Number';
    }
    if (run.digits.length >= 13 && isLuhnValid(run.digits)) {
      return 'a card number';
    }
  }
  return undefined;
}

/**
 * The problem with a value that {@link findPersonalData} finds personal data
 * in, naming `path`; undefined when it is clean.
 */
export function personalDataProblem(
  path: string,
  text: string,
  what = 'audit events hold ids and reasons only',
): Problem | undefined {
  const found = findPersonalData(text);
  return found === undefined
    ? undefined
    : { path, message: `looks like ${found}; ${what}` };
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
    const problem = personalDataProblem(path, text);
    if (problem !== undefined) {
      throw new ValidationError('audit event refused: it would hold personal data', [problem]);
    }
  }
}
