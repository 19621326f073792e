/**
 * The public register in the format asked for.
 */
import { renderRegisterCsv } from './render-csv.ts';
import { renderRegisterHtml } from './render-html.ts';
import { renderRegisterMd } from './render-md.ts';
import type { PublicRegister, RegisterFormat } from './types.ts';

/** Renders the register in one format. */
export function renderRegister(
  register: PublicRegister,
  format: RegisterFormat,
): string {
  switch (format) {
    case 'md':
      return renderRegisterMd(register);
    case 'html':
      return renderRegisterHtml(register);
    case 'csv':
      return renderRegisterCsv(register);
  }
}
