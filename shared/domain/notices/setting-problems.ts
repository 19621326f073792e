/**
 * Validation of a controller's notice settings as the catalogue states
 * them (`controllers[i].notices`): every bad field named by its path,
 * unknown keys refused, placeholders checked against the kind.
 */
import type { Problem } from '../../errors.ts';
import { EXTENSION_PLACEHOLDERS, NOTICE_PLACEHOLDERS, placeholderProblems } from './placeholders.ts';
import { NOTICE_KINDS } from './setting-types.ts';

const SETTING_KEYS = ['era', 'issuer', 'documentNumberPrefix', 'templates', 'appealInstructions'];
const TEMPLATE_KEYS = ['title', 'lead'];

/** Longest one-line value (title, issuer, prefix), in characters. */
export const MAX_NOTICE_LINE_LENGTH = 100;

/** Longest paragraph value (lead, 教示), in characters. */
export const MAX_NOTICE_TEXT_LENGTH = 2000;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(value: Record<string, unknown>, path: string, keys: readonly string[], what: string): Problem[] {
  return Object.keys(value)
    .filter((k) => !keys.includes(k))
    .map((k) => ({ path: `${path}.${k}`, message: `is not ${what} (${keys.join(', ')})` }));
}

/**
 * Problems of a text at `path`: a non-blank string of at most `max`
 * characters without control characters, line breaks only where allowed.
 */
export function noticeTextProblems(value: unknown, path: string, multiline: boolean): Problem[] {
  const max = multiline ? MAX_NOTICE_TEXT_LENGTH : MAX_NOTICE_LINE_LENGTH;
  if (typeof value !== 'string' || value.trim() === '') {
    return [{ path, message: 'must be a non-blank string' }];
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters a printed notice cannot show
  const control = multiline ? /[\u0000-\u0009\u000b-\u001f\u007f]/ : /[\u0000-\u001f\u007f]/;
  if (value.length > max || control.test(value)) {
    return [{ path, message: `must be at most ${max} characters without control characters${multiline ? '' : ' or line breaks'}` }];
  }
  return [];
}

function templateProblems(value: unknown, path: string, allowed: readonly string[]): Problem[] {
  if (!isObject(value)) {
    return [{ path, message: 'must be an object with title and/or lead' }];
  }
  const problems = unknownKeys(value, path, TEMPLATE_KEYS, 'a template field');
  for (const key of TEMPLATE_KEYS) {
    if (value[key] === undefined) continue;
    const at = `${path}.${key}`;
    const text = noticeTextProblems(value[key], at, key === 'lead');
    problems.push(...(text.length > 0 ? text : placeholderProblems(value[key] as string, at, allowed)));
  }
  return problems;
}

/**
 * Every problem of a catalogue notice setting at `path`, each named by the
 * exact path of the bad field. Given `publicBody: false`, 教示 text is
 * refused too: no administrative appeal lies against a business.
 * @example noticeSettingProblems({ era: 'heisei' }, 'controllers[0].notices')
 * // [{ path: 'controllers[0].notices.era', message: 'must be wareki or gregorian' }]
 */
export function noticeSettingProblems(
  value: unknown,
  path: string,
  options: { readonly publicBody?: boolean } = {},
): Problem[] {
  if (!isObject(value)) {
    return [{ path, message: 'must be an object' }];
  }
  const problems = unknownKeys(value, path, SETTING_KEYS, 'a notice setting');
  if (value.era !== undefined && value.era !== 'wareki' && value.era !== 'gregorian') {
    problems.push({ path: `${path}.era`, message: 'must be wareki or gregorian' });
  }
  for (const key of ['issuer', 'documentNumberPrefix']) {
    if (value[key] !== undefined) problems.push(...noticeTextProblems(value[key], `${path}.${key}`, false));
  }
  const appeal = value.appealInstructions;
  if (appeal !== undefined) {
    const at = `${path}.appealInstructions`;
    const text = noticeTextProblems(appeal, at, true);
    problems.push(...(text.length > 0 ? text : placeholderProblems(appeal as string, at, NOTICE_PLACEHOLDERS)));
    if (options.publicBody === false) {
      problems.push({ path: at, message: 'a business gives no 教示 (no administrative appeal lies against it); name the complaint contact instead' });
    }
  }
  const templates = value.templates;
  if (templates !== undefined && !isObject(templates)) {
    problems.push({ path: `${path}.templates`, message: 'must be an object keyed by notice kind' });
  } else if (templates !== undefined) {
    problems.push(...unknownKeys(templates, `${path}.templates`, NOTICE_KINDS, 'a notice kind'));
    for (const kind of NOTICE_KINDS) {
      if (templates[kind] === undefined) continue;
      const allowed = kind === 'extension' ? [...NOTICE_PLACEHOLDERS, ...EXTENSION_PLACEHOLDERS] : NOTICE_PLACEHOLDERS;
      problems.push(...templateProblems(templates[kind], `${path}.templates.${kind}`, allowed));
    }
  }
  return problems;
}
