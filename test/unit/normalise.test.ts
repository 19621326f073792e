import { describe, expect, it } from 'vitest';
import { assertNoPersonalData, findPersonalData } from '#shared/domain/audit-event.ts';
import { detect } from '#shared/domain/classify.ts';
import { isValidMyNumber } from '#shared/domain/my-number.ts';
import { digitRuns, normaliseText } from '#shared/domain/normalise.ts';
import { ValidationError } from '#shared/errors.ts';

// 1112-2233-3446: weights 6,5,4,3,2,7,6,5,4,3,2 over 11122233344 give 159;
// 159 mod 11 = 5, so the check digit is 11 − 5 = 6.
const MY_NUMBER = '111222333446';

describe('normaliseText', () => {
  it.each([
    ['１１１２－２２３３－３４４６', '1112-2233-3446'],
    ['1112ー2233ー3446', '1112-2233-3446'],
    ['1112‐2233‑3446', '1112-2233-3446'],
    ['1112‒2233–3446', '1112-2233-3446'],
    ['1112—2233―3446', '1112-2233-3446'],
    ['1112−2233ｰ3446', '1112-2233-3446'],
    ['1112　2233\t3446', '1112 2233 3446'],
    ['hanako＠example．jp', 'hanako@example.jp'],
  ])('%s → %s', (input, want) => {
    // Act / Assess
    expect(normaliseText(input)).toBe(want);
  });

  it('keeps a date and the number after it apart', () => {
    // Act
    const runs = digitRuns('2024/01/02 1112 2233 3446').map((r) => r.digits);

    // Assess
    expect(runs).toContain(MY_NUMBER);
    expect(runs).not.toContain('202401021112');
  });
});

describe('My Number detection after normalisation', () => {
  it.each([
    ['plain', MY_NUMBER],
    ['full-width digits and hyphen', '１１１２－２２３３－３４４６'],
    ['katakana long sound as hyphen', '1112ー2233ー3446'],
    ['hyphen U+2010', '1112‐2233‐3446'],
    ['non-breaking hyphen U+2011', '1112‑2233‑3446'],
    ['figure dash U+2012', '1112‒2233‒3446'],
    ['en dash', '1112–2233–3446'],
    ['em dash', '1112—2233—3446'],
    ['horizontal bar', '1112―2233―3446'],
    ['minus sign', '1112−2233−3446'],
    ['dots', '1112.2233.3446'],
    ['slashes', '1112/2233/3446'],
    ['spaces', '1112 2233 3446'],
    ['ideographic spaces', '1112　2233　3446'],
    ['in free text after a date', '2024/01/02 受付 番号は1112 2233 3446です'],
  ])('finds a My Number written with %s in a field value, in free text and in an id', (_how, text) => {
    // Act / Assess
    expect(detect('note', text)?.category).toBe('my-number');
    expect(findPersonalData(text)).toBe('a My Number');
    expect(findPersonalData(`S-${text}`)).toBe('a My Number');
  });

  it.each([
    ['a wrong check digit', '111222333445'],
    ['a wrong check digit, full width', '１１１２－２２３３－３４４５'],
    ['eleven digits', '11122233344'],
    ['thirteen digits', '1112223334460'],
    ['a date and a time', '2024/01/02 12:34'],
  ])('does not take %s for a My Number', (_what, text) => {
    // Act / Assess
    expect(detect('note', text)?.category).not.toBe('my-number');
    expect(findPersonalData(text)).not.toBe('a My Number');
  });

  it.each([
    [MY_NUMBER, true],
    ['１１１２－２２３３－３４４６', true],
    ['1112ー2233ー3446', true],
    ['1112.2233.3446', true],
    ['111222333445', false],
    ['1112-2233-344', false],
  ])('isValidMyNumber(%s) is %s', (text, valid) => {
    // Act / Assess
    expect(isValidMyNumber(text)).toBe(valid);
  });

  it('still reads a card number as a card, not its first twelve digits as a My Number', () => {
    // Act / Assess
    expect(detect('note', 'card 4111 1111 1111 1111')?.category).toBe('financial');
    expect(findPersonalData('4111 1111 1111 1111')).toBe('a card number');
  });
});

describe('phone numbers and e-mail addresses in the audit guard', () => {
  it.each([
    ['03-1234-5678', 'a phone number'],
    ['090-1234-5678', 'a phone number'],
    ['０９０－１２３４－５６７８', 'a phone number'],
    ['090ー1234ー5678', 'a phone number'],
    ['090–1234–5678', 'a phone number'],
    ['090 1234 5678', 'a phone number'],
    ['03.1234.5678', 'a phone number'],
    ['(03) 1234-5678', 'a phone number'],
    ['09012345678', 'a phone number'],
    ['A-01-02-003', 'a phone number'],
    ['hanako@example.jp', 'an e-mail address'],
    ['hanako＠example．jp', 'an e-mail address'],
    ['ＨＡＮＡＫＯ＠ＥＸＡＭＰＬＥ．ＪＰ', 'an e-mail address'],
  ])('%s is %s', (text, what) => {
    // Act / Assess
    expect(findPersonalData(text)).toBe(what);
  });

  it.each([
    '2024/01/02',
    '2024-01-02',
    '2024.01.02',
    '01.02.2024',
    '2026-11-22T08:11:58.123Z',
    'cli-sweep-2026-11-22T08-11-58-123Z',
    'tcg-pay-0001',
    'S-STM-4002',
    'arn:aws:states:ap-northeast-1:000000000000:execution:x:y',
    'sweep-c0ffee00-0512-4123-8456-0123456789ab',
    'fields.myNumber, consent',
    'e3b0c442111222333446afbf4c8996fb',
  ])('%s is not personal data', (text) => {
    // Act / Assess
    expect(findPersonalData(text)).toBeUndefined();
  });

  it('refuses an audit event whose id holds a full-width phone number', () => {
    // Act / Assess
    expect(() =>
      assertNoPersonalData({ action: 'read', actor: 'a', outcome: 'ok', recordId: 'R-０９０－１２３４－５６７８' }),
    ).toThrow(ValidationError);
  });
});

describe('normaliseText leaves words alone', () => {
  it.each([
    ['アレルギー', 'アレルギー'],
    ['ｱﾚﾙｷﾞｰ', 'アレルギー'],
    ['10〜20', '10〜20'],
    ['090ｰ1234ｰ5678', '090-1234-5678'],
  ])('%s → %s', (input, want) => {
    // Act / Assess
    expect(normaliseText(input)).toBe(want);
  });
});
