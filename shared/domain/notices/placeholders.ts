/**
 * The small placeholder syntax of a controller's own notice wording: a
 * name in braces, `{requestId}`, replaced by plain text. Nothing else is
 * interpreted (no expressions, no HTML), an unknown name or a stray brace
 * is a catalogue problem, and the filled text is escaped like any other.
 */
import type { Problem } from '../../errors.ts';

/** Placeholders every kind of notice fills. */
export const NOTICE_PLACEHOLDERS = [
  /** Request id. */
  'requestId',
  /** Day the request was received. */
  'receivedDate',
  /** Day of the decision (the notice's date). */
  'decidedDate',
  /** Deadline in force (after an extension, the new one). */
  'deadline',
  /** 開示請求, 訂正請求 or 利用停止請求. */
  'requestName',
  /** Controller's name. */
  'controllerName',
  /** Issuer, e.g. 茨城県知事. */
  'issuer',
] as const;

/** Placeholders only an extension notice fills. */
export const EXTENSION_PLACEHOLDERS = [
  /** Days added. */
  'extensionDays',
] as const;

/** A placeholder name. */
export type NoticePlaceholder =
  | (typeof NOTICE_PLACEHOLDERS)[number]
  | (typeof EXTENSION_PLACEHOLDERS)[number];

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** Problems of a text's placeholders at `path`, given the names allowed. */
export function placeholderProblems(
  text: string,
  path: string,
  allowed: readonly string[],
): Problem[] {
  const problems: Problem[] = [...text.matchAll(PLACEHOLDER)]
    .filter((m) => !allowed.includes(m[1] ?? ''))
    .map((m) => ({
      path,
      message: `has an unknown placeholder ${m[0]}; use ${allowed.map((a) => `{${a}}`).join(', ')}`,
    }));
  if (/[{}]/.test(text.replace(PLACEHOLDER, ''))) {
    problems.push({ path, message: 'has a brace outside a placeholder; braces only enclose a placeholder name' });
  }
  return problems;
}

/**
 * Replaces every known placeholder in one pass (a value is never read as a
 * template itself); an unknown one stays as written.
 * @example fillPlaceholders('請求番号 {requestId}', { requestId: 'R-1' }) // '請求番号 R-1'
 */
export function fillPlaceholders(
  text: string,
  values: Readonly<Partial<Record<NoticePlaceholder, string>>>,
): string {
  return text.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(values, name) ? (values[name as NoticePlaceholder] ?? whole) : whole,
  );
}
