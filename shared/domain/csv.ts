/**
 * The one CSV writer of wasure: every CSV (the disclosure package's
 * `data.csv`, the public register) goes through {@link toCsv}. UTF-8 with a
 * BOM (Excel in Japan opens it as UTF-8), CRLF records, RFC 4180 quoting, and
 * formula neutralising per OWASP (CSV injection): a cell starting with `=`,
 * `+`, `-`, `@`, a tab or a carriage return (or the full-width ＝ ＋ － ＠) gets
 * a leading `'` and is quoted, so a spreadsheet shows it as text and never
 * runs it.
 *
 * Written by csv-stringify (the csv project's well-kept writer) with
 * {@link CSV_STRINGIFY_OPTIONS}; {@link cellValue} fixes how values that
 * are not strings or numbers are written.
 */
import { stringify } from 'csv-stringify/sync';

/** Cells a spreadsheet would read as a formula (csv-stringify's list). */
export const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** The csv-stringify options that give exactly {@link toCsv}'s output. */
export const CSV_STRINGIFY_OPTIONS = {
  bom: true,
  record_delimiter: 'windows',
  escape_formulas: true,
  // A line break inside a cell is quoted even when it is not the record
  // delimiter: spreadsheets split rows on a bare LF too.
  quoted_match: [FORMULA_START, /[\r\n]/],
} as const;

/** A header cell with the Japanese label beside the English one. */
export function bilingual(ja: string, en: string): string {
  return `${ja} / ${en}`;
}

/**
 * The value of a cell: strings and numbers as they are, booleans as
 * `true`/`false` (csv-stringify would write 1 and an empty cell), null and
 * undefined empty, anything else as JSON.
 */
export function cellValue(value: unknown): string | number {
  if (typeof value === 'string' || typeof value === 'number') {
    return value;
  }
  if (typeof value === 'boolean') {
    return String(value);
  }
  if (value === null || value === undefined) {
    return '';
  }
  return JSON.stringify(value);
}

/**
 * Writes rows (the first is the header) as CSV: BOM, CRLF after every
 * record, formulas neutralised, quoted where needed.
 *
 * @example toCsv([['a / A'], ['=1+1']]) === '\uFEFFa / A\r\n"\'=1+1"\r\n'
 */
export function toCsv(rows: readonly (readonly unknown[])[]): string {
  return stringify(
    rows.map((row) => row.map(cellValue)),
    { ...CSV_STRINGIFY_OPTIONS, quoted_match: [...CSV_STRINGIFY_OPTIONS.quoted_match] },
  );
}
