import { describe, expect, it } from 'vitest';
import { bilingual, toCsv } from '#shared/domain/csv.ts';
import { buildExportPackage } from '#shared/domain/export-package.ts';
import type { StoredRecord } from '#shared/domain/record.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const row = (cells: readonly unknown[]) => toCsv([cells]).slice(1, -2);

describe('toCsv neutralises formulas (OWASP CSV injection)', () => {
  it.each([
    ['=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'],
    ['+SUM(A1:A2)', '"\'+SUM(A1:A2)"'],
    ['-1+1', '"\'-1+1"'],
    ['@SUM(A1)', '"\'@SUM(A1)"'],
    ['\tcmd', '"\'\tcmd"'],
    ['\rcmd', '"\'\rcmd"'],
    ['＝1+1', '"\'＝1+1"'],
    ['＠SUM(A1)', '"\'＠SUM(A1)"'],
  ])('writes %j as a quoted text cell: %s', (value, want) => {
    // Act / Assess
    expect(row([value])).toBe(want);
  });

  it.each([
    ['plain', 'plain'],
    ['a=b', 'a=b'],
    ['水戸, 花子', '"水戸, 花子"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['', ''],
  ])('writes %j as %s', (value, want) => {
    // Act / Assess
    expect(row([value])).toBe(want);
  });

  it.each<[unknown, string]>([
    [42, '42'],
    [-5, '"-5"'],
    [true, 'true'],
    [null, ''],
    [undefined, ''],
    [{ a: '=1' }, '"{""a"":""=1""}"'],
  ])('writes the value %j as %s', (value, want) => {
    // Act / Assess
    expect(row([value])).toBe(want);
  });

  it('starts with a BOM and ends every record with CRLF', () => {
    // Act
    const csv = toCsv([[bilingual('レコードID', 'recordId'), 'b'], ['1', '2']]);

    // Assess
    expect(csv).toBe('\uFEFFレコードID / recordId,b\r\n1,2\r\n');
  });
});

describe('the disclosure package CSV', () => {
  it('neutralises formulas in every cell and labels its header in Japanese and English', () => {
    // Prepare
    const catalogue = sampleCatalogue();
    const record: Pick<
      StoredRecord,
      'recordId' | 'dataset' | 'purposes' | 'categories' | 'fieldCategories' | 'retention' | 'consentRefs' | 'acquiredAt' | 'status'
    > = {
      recordId: 'r-1',
      dataset: 'ibaraki-job-seekers',
      purposes: ['ibaraki-2'],
      categories: ['basic'],
      fieldCategories: { name: 'basic' },
      retention: { basis: 'necessity', legalRef: '=cmd|"/c calc"!A0', period: 'P30D', trigger: 'acquired' },
      consentRefs: [],
      acquiredAt: '2026-11-01T00:00:00.000Z',
      status: 'active',
    };

    // Act
    const pkg = buildExportPackage(catalogue, {
      requestId: 'q-1',
      subjectId: 'S-1',
      generatedAt: '2026-11-22T00:00:00.000Z',
      records: [{ record: record as StoredRecord, fields: { name: '=HYPERLINK("http://evil","x")' }, documents: [] }],
    });
    const csv = Buffer.from(pkg.files.find((f) => f.name === 'data.csv')?.bytes ?? []).toString('utf8');

    // Assess
    expect(csv.startsWith('\uFEFFレコードID / recordId,')).toBe(true);
    expect(csv).toContain('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csv).toContain('"\'=cmd|""/c calc""!A0"');
    expect(csv).not.toMatch(/(^|,)=/m);
  });
});
