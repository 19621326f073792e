/**
 * The one Markdown escape of the registers: catalogue text can neither
 * break a table nor add markup.
 */

/**
 * Escapes Markdown syntax and folds line breaks into spaces.
 * @example escapeMarkdown('a|b<c>') === 'a\\|b\\<c\\>'
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/([|*_`[\]<>#])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}
