import { describe, expect, it } from 'vitest';
import { classifyFields, detect } from '#shared/domain/classify.ts';
import { findDataset } from '#shared/domain/catalogue.ts';
import { myNumberCheckDigit } from '#shared/domain/my-number.ts';
import { MAX_NESTING, MAX_RECORD_BYTES, tagRecord, tooDeep } from '#shared/domain/tagging.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const catalogue = sampleCatalogue();
const now = new Date('2026-11-22T00:00:00Z');
const validMyNumber = `12345678901${myNumberCheckDigit('12345678901')}`;

type Line = Record<string, unknown>;
const base = (over: Line = {}): Line => ({
  recordId: 'r-1',
  subjectId: 'S-1',
  dataset: 'gunma-consultations',
  purposes: ['gunma-consult'],
  acquiredAt: '2026-01-10T10:00:00+09:00',
  fields: { name: '前橋 一郎', consultationSummary: '販路拡大' },
  ...over,
});

describe('tagging refuses badly tagged data with the reason and the field', () => {
  it.each<[string, Line, string, string]>([
    ['an unknown dataset', base({ dataset: 'marketing' }), 'dataset', 'unknown dataset "marketing"'],
    ['a purpose outside the dataset', base({ purposes: ['gunma-consult', 'saitama-7'] }), 'purposes[1]', 'is not a purpose of dataset "gunma-consultations"'],
    ['no purpose at all', base({ purposes: [] }), 'purposes', 'at least one purpose'],
    ['an undeclared field', base({ fields: { name: 'x', hobby: 'golf' } }), 'fields.hobby', 'not declared'],
    ['a missing subject', base({ subjectId: '' }), 'subjectId', 'non-empty string'],
    ['a time without zone', base({ acquiredAt: '2026-01-10 10:00' }), 'acquiredAt', 'ISO-8601 time with a zone'],
    ['an acquisition in the future', base({ acquiredAt: '2027-01-01T00:00:00Z' }), 'acquiredAt', 'in the future'],
    [
      'sensitive data without consent',
      base({ dataset: 'saitama-covid-line', purposes: ['saitama-2'], fields: { currentCondition: '咳' } }),
      'consent',
      'without the subject\'s consent',
    ],
    [
      'consent given without a reference',
      base({ dataset: 'saitama-covid-line', purposes: ['saitama-2'], consent: { refs: [], sensitive: true }, fields: { currentCondition: '咳' } }),
      'consent',
      'without the subject\'s consent',
    ],
    [
      'an exception the dataset does not list',
      base({ dataset: 'saitama-covid-line', purposes: ['saitama-2'], exception: 'visual', fields: { currentCondition: '咳' } }),
      'exception',
      'not an exception listed',
    ],
    [
      'sensitive free text in a dataset that may not hold it',
      base({ fields: { consultationSummary: '通院中のため休業' } }),
      'fields.consultationSummary',
      'holds sensitive data',
    ],
    [
      'a My Number hidden in free text',
      base({ fields: { consultationSummary: `番号 ${validMyNumber}` } }),
      'fields.consultationSummary',
      'holds my-number data',
    ],
    [
      'a My Number with a wrong check digit',
      base({ dataset: 'tochigi-payroll', purposes: ['tochigi-payroll'], fields: { myNumber: '123456789019' } }),
      'fields.myNumber',
      'not a valid My Number',
    ],
    [
      'documents in a dataset that keeps none',
      base({ dataset: 'jlis-inquiries', purposes: ['jlis-inquiry'], fields: { inquiry: 'x' }, documents: [{ name: 'a.txt', text: 'x' }] }),
      'documents',
      'does not keep documents',
    ],
    [
      'a document name with a path',
      base({ documents: [{ name: '../a.txt', text: 'x' }] }),
      'documents[0].name',
      'must be a file name',
    ],
  ])('refuses %s', (_name, line, path, message) => {
    // Act
    const result = tagRecord(catalogue, line, now, 'generated');
    // Assess
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toContainEqual({ path, message: expect.stringContaining(message) });
    }
  });

  it('accepts sensitive data with consent and seals it', () => {
    const result = tagRecord(
      catalogue,
      base({
        dataset: 'saitama-covid-line',
        purposes: ['saitama-2'],
        consent: { refs: ['c-1'], sensitive: true },
        fields: { ageBand: '40代', medicalHistory: '喘息' },
      }),
      now,
      'generated',
    );
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.record.sealFields).toEqual({ medicalHistory: '喘息' });
      expect(result.record.clearFields).toEqual({ ageBand: '40代' });
      expect(result.record.categories).toContain('sensitive');
    }
  });

  it('accepts sensitive data under a listed exception without consent', () => {
    const result = tagRecord(
      catalogue,
      base({
        dataset: 'saitama-covid-line',
        purposes: ['saitama-5'],
        exception: 'public-health',
        fields: { currentCondition: 'PCR陽性' },
      }),
      now,
      'generated',
    );
    expect(result.ok).toBe(true);
  });

  it('tags retention from the dataset and computes the due time from the trigger', () => {
    const result = tagRecord(
      catalogue,
      base({ events: { 'case-closed': '2020-03-31T17:00:00+09:00' } }),
      now,
      'generated',
    );
    expect(result.ok && result.record.retention).toEqual({
      basis: 'necessity',
      legalRef: expect.stringContaining('第22条'),
      period: 'P5Y',
      trigger: 'event:case-closed',
      dueAt: '2025-03-31T08:00:00.000Z',
    });
    expect(result.ok && result.record.policyVersion).toBe(catalogue.version);
  });

  it('seals My Number and financial fields and keeps basic ones clear', () => {
    const result = tagRecord(
      catalogue,
      base({
        dataset: 'tochigi-payroll',
        purposes: ['tochigi-payroll'],
        fields: { name: '栃木 九太', myNumber: validMyNumber, bankAccount: '普通 1234567' },
      }),
      now,
      'generated',
    );
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(Object.keys(result.record.sealFields).sort()).toEqual(['bankAccount', 'myNumber']);
      expect(result.record.clearFields).toEqual({ name: '栃木 九太' });
    }
  });

  it('uses the generated id when the line has none', () => {
    const { recordId: _omit, ...line } = base();
    const result = tagRecord(catalogue, line, now, 'generated-id');
    expect(result.ok && result.record.recordId).toBe('generated-id');
  });
});

describe('classification detectors', () => {
  it.each([
    ['note', `My Number ${validMyNumber.slice(0, 4)} ${validMyNumber.slice(4, 8)} ${validMyNumber.slice(8)}`, 'my-number'],
    ['note', 'card 4111 1111 1111 1111', 'financial'],
    ['medicalHistory', '喘息', 'sensitive'],
    ['criminalRecord', 'none', 'sensitive'],
    ['memo', '過去に入院していた', 'sensitive'],
    ['bankAccount', '普通 1234567', 'financial'],
  ])('field %s = %j is %s', (name, value, category) => {
    expect(detect(name, value)?.category).toBe(category);
  });

  it.each([
    ['phone', '029-000-1001'],
    ['note', '123456789019'],
    ['memberId', 'M-1001'],
  ])('field %s = %j is not raised', (name, value) => {
    expect(detect(name, value)).toBeUndefined();
  });

  it('never lowers a declared category', () => {
    const dataset = findDataset(catalogue, 'saitama-covid-line');
    const result = classifyFields(dataset!, { currentCondition: 'fine' });
    expect(result.fields.currentCondition?.category).toBe('sensitive');
  });
});

describe('tagging refuses ids that carry personal data, by the audit guard\'s rules', () => {
  it.each<[string, Line, string, string]>([
    ['a phone-shaped record id', base({ recordId: 'A-01-02-003' }), 'recordId', 'looks like a phone number'],
    ['a My Number as the subject id', base({ subjectId: validMyNumber }), 'subjectId', 'looks like a My Number'],
    ['a full-width My Number as the subject id', base({ subjectId: '１１１２－２２３３－３４４６' }), 'subjectId', 'looks like a My Number'],
    ['a My Number inside the subject id', base({ subjectId: `S-${validMyNumber}` }), 'subjectId', 'looks like a My Number'],
    ['an e-mail address as the subject id', base({ subjectId: 'hanako@example.jp' }), 'subjectId', 'looks like an e-mail address'],
    ['a phone number with katakana hyphens as the subject id', base({ subjectId: '090ー1234ー5678' }), 'subjectId', 'looks like a phone number'],
    ['a phone number as a consent reference', base({ consent: { refs: ['090-1234-5678'] } }), 'consent.refs[0]', 'looks like a phone number'],
  ])('refuses %s, naming the field', (_name, line, path, message) => {
    // Act
    const result = tagRecord(catalogue, line, now, 'generated');

    // Assess
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it.each([['r-1'], ['tcg-pay-0001'], ['S-STM-4002']])('accepts the opaque id %s', (id) => {
    // Act
    const result = tagRecord(catalogue, base({ recordId: id, subjectId: id }), now, 'generated');

    // Assess
    expect(result.ok).toBe(true);
  });
});

describe('tagging refuses hostile lines without crashing', () => {
  it('refuses a 10,000-deep line naming where it is too deep', () => {
    // Prepare
    const depth = 10_000;
    const line = JSON.parse(
      `{"recordId":"r-deep","subjectId":"S-1","dataset":"gunma-consultations","purposes":["gunma-consult"],"acquiredAt":"2026-01-10T10:00:00+09:00","fields":{"name":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
    );

    // Act
    const result = tagRecord(catalogue, line, now, 'generated');

    // Assess
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems).toEqual([
      { path: expect.stringMatching(/^fields\.name\[0\]/), message: expect.stringContaining(`more than ${MAX_NESTING} levels`) },
    ]);
  });

  it('accepts nesting up to the limit', () => {
    // Prepare
    let value: unknown = 'x';
    for (let i = 0; i < MAX_NESTING - 2; i += 1) value = [value];

    // Act / Assess
    expect(tooDeep({ fields: { name: value } }, MAX_NESTING)).toBeUndefined();
    expect(tooDeep({ fields: { name: [value] } }, MAX_NESTING)).toBe(`fields.name${'[0]'.repeat(MAX_NESTING - 2)}`);
  });

  it('refuses a record over the size limit, naming its size', () => {
    // Prepare
    const line = base({ fields: { name: '前橋 一郎', consultationSummary: 'x'.repeat(5_000_000) } });

    // Act
    const result = tagRecord(catalogue, line, now, 'generated');

    // Assess
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problems[0]?.message).toMatch(/the record is 500\d{4} bytes .* at most 262144 bytes/);
  });

  it('does not count document bodies against the record size', () => {
    // Prepare
    const line = base({
      dataset: 'gunma-consultations',
      documents: [{ name: 'big.bin', contentType: 'application/octet-stream', base64: Buffer.alloc(MAX_RECORD_BYTES * 2).toString('base64') }],
    });

    // Act
    const result = tagRecord(catalogue, line, now, 'generated');

    // Assess
    expect(result.ok ? [] : result.problems.map((p) => p.message)).not.toContainEqual(expect.stringContaining('bytes of JSON'));
  });
});
