import { describe, expect, it } from 'vitest';
import {
  isLuhnValid,
  isValidMyNumber,
  myNumberCheckDigit,
} from '#shared/domain/my-number.ts';

describe('My Number check digit', () => {
  it.each([
    // sum = 1·6+2·5+3·4+4·3+5·2+6·7+7·6+8·5+9·4+0·3+1·2 = 212; 212 mod 11 = 3 → 8
    ['12345678901', 8],
    // all zeros: r = 0 ≤ 1 → 0
    ['00000000000', 0],
    // 5·2 = 10 → r = 10 → 11 − 10 = 1
    ['00000000005', 1],
    // 7·3 + 1·2 = 23 → r = 1 → 0
    ['00000000071', 0],
  ])('check digit of %s is %d', (first11, want) => {
    expect(myNumberCheckDigit(first11)).toBe(want);
  });

  it('gives 0 when the remainder is 0 or 1', () => {
    // 5·2 = 10 → r = 10 → 1; 6·2 = 12 → r = 1 → 0
    expect(myNumberCheckDigit('00000000006')).toBe(0);
    expect(myNumberCheckDigit('00000000000')).toBe(0);
  });

  it.each(['123456789018', '1234 5678 9018', '1234-5678-9018', '１２３４５６７８９０１８'])(
    'accepts the valid number %s in the ways people write it',
    (n) => expect(isValidMyNumber(n)).toBe(true),
  );

  it.each(['123456789019', '123456789010', '12345678901', '1234567890123', 'abcdefghijkl'])(
    'rejects %s',
    (n) => expect(isValidMyNumber(n)).toBe(false),
  );
});

describe('Luhn', () => {
  it('accepts a valid test card number and rejects a changed digit', () => {
    expect(isLuhnValid('4111111111111111')).toBe(true);
    expect(isLuhnValid('4111111111111112')).toBe(false);
  });
});
