/**
 * My Number (個人番号) check digit, per 行政手続における特定の個人を識別する
 * ための番号の利用等に関する法律施行令第8条: weights 6,5,4,3,2,7,6,5,4,3,2
 * over the first eleven digits from the left; r = sum mod 11; the check
 * digit is 0 when r ≤ 1, else 11 − r.
 */

import { digitsOnly } from './normalise.ts';

const WEIGHTS = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2] as const;

/** Check digit for the first eleven digits. */
export function myNumberCheckDigit(first11: string): number {
  if (!/^\d{11}$/.test(first11)) {
    throw new RangeError('expected eleven digits');
  }
  let sum = 0;
  for (let i = 0; i < 11; i += 1) {
    sum += Number(first11[i]) * (WEIGHTS[i] ?? 0);
  }
  const r = sum % 11;
  return r <= 1 ? 0 : 11 - r;
}

/**
 * The digits of a number as people write it: full-width digits made ASCII,
 * and the dashes (any kind, the katakana ー too), dots, slashes and spaces
 * between groups removed. See {@link digitsOnly}.
 */
export function normaliseDigits(text: string): string {
  return digitsOnly(text);
}

/**
 * True when `text` is a twelve-digit My Number with a valid check digit,
 * however its groups are written (`1234 5678 9018`, `１２３４－５６７８－９０１８`,
 * `1234ー5678ー9018`, `1234.5678.9018`).
 */
export function isValidMyNumber(text: string): boolean {
  const digits = digitsOnly(text);
  if (!/^\d{12}$/.test(digits)) {
    return false;
  }
  return myNumberCheckDigit(digits.slice(0, 11)) === Number(digits[11]);
}

/** Luhn check (payment card numbers). */
export function isLuhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) {
    return false;
  }
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = Number(digits[i]);
    if (double) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}
