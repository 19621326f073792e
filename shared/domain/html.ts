/**
 * The one HTML escape every renderer uses (breach report, public register,
 * disclosure summary), so that text from the catalogue or a record can
 * never open a tag or leave an attribute value.
 */

/**
 * Escapes `& < > " '` for HTML text and quoted attribute values.
 * @example
 * escapeHtml('<a href="x">') // '&lt;a href=&quot;x&quot;&gt;'
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
