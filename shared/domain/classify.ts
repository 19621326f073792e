/**
 * Classification: the category of every field of an incoming record, from
 * the catalogue's declaration and from detectors on names and values.
 * Detection only ever raises a category; it never lowers a declared one.
 */
import type { Problem } from '../errors.ts';
import type { CategoryKind, Dataset } from './catalogue-types.ts';
import { isLuhnValid, isValidMyNumber } from './my-number.ts';
import { digitRuns, normaliseText } from './normalise.ts';

const RANK: Readonly<Record<CategoryKind, number>> = {
  basic: 0,
  identifier: 1,
  financial: 2,
  sensitive: 3,
  'my-number': 4,
};

/** Field names that denote health or medical data (要配慮個人情報). */
const HEALTH_NAME =
  /(health|medical|diagnos|disease|illness|symptom|medication|medicine|prescription|disabilit|condition|病歴|病名|診断|症状|服薬|服用|体調|障害|健康|受診)/i;
/** Field names that denote criminal records (要配慮個人情報). */
const CRIMINAL_NAME =
  /(criminal|conviction|arrest|offen[cs]e|犯罪|前科|逮捕|被疑|被告)/i;
/** Field names that denote creed, race or social status (要配慮個人情報). */
const BELIEF_NAME = /(religion|creed|race|ethnic|信条|人種|社会的身分)/i;
/** Field names that denote financial data. */
const FINANCE_NAME =
  /(bank|account.?number|card.?number|iban|口座|カード番号|credit)/i;
/** Free-text phrases that reveal sensitive facts. */
const SENSITIVE_TEXT =
  /(病歴|既往歴|通院|入院|服用|診断され|障害者手帳|逮捕|前科|有罪判決|犯罪被害)/;

/** What was found for one field. */
export interface FieldClass {
  /** Final category. */
  readonly category: CategoryKind;
  /** Why, when a detector raised it. */
  readonly detectedBy?: string;
}

/** Result of classifying a record's fields. */
export interface Classification {
  /** Category per field. */
  readonly fields: Readonly<Record<string, FieldClass>>;
  /** Category kinds present. */
  readonly categories: readonly CategoryKind[];
  /** Problems: undeclared fields, invalid My Numbers, forbidden categories. */
  readonly problems: readonly Problem[];
}

function higher(a: CategoryKind, b: CategoryKind): CategoryKind {
  return RANK[b] > RANK[a] ? b : a;
}

function texts(value: unknown): string[] {
  if (typeof value === 'string') {
    return [value];
  }
  if (typeof value === 'number') {
    return [String(value)];
  }
  if (Array.isArray(value)) {
    return value.flatMap(texts);
  }
  if (typeof value === 'object' && value !== null) {
    return Object.values(value).flatMap(texts);
  }
  return [];
}

/**
 * Detects a category from a field's name and value. Values are normalised
 * first ({@link normaliseText}): full-width digits, any dash (the katakana ー
 * too), dots, slashes and spaces between digit groups do not hide a My
 * Number or a card number.
 */
export function detect(
  rawName: string,
  value: unknown,
): { category: CategoryKind; by: string } | undefined {
  const values = texts(value).map(normaliseText);
  const name = normaliseText(rawName);
  for (const text of values) {
    const runs = digitRuns(text);
    if (runs.some((r) => r.digits.length === 12 && isValidMyNumber(r.digits))) {
      return { category: 'my-number', by: 'My Number with valid check digit' };
    }
    if (runs.some((r) => r.digits.length >= 13 && isLuhnValid(r.digits))) {
      return { category: 'financial', by: 'card number (Luhn)' };
    }
  }
  if (HEALTH_NAME.test(name)) {
    return { category: 'sensitive', by: 'health or medical field' };
  }
  if (CRIMINAL_NAME.test(name)) {
    return { category: 'sensitive', by: 'criminal-record field' };
  }
  if (BELIEF_NAME.test(name)) {
    return { category: 'sensitive', by: 'creed, race or social-status field' };
  }
  if (values.some((t) => SENSITIVE_TEXT.test(t))) {
    return { category: 'sensitive', by: 'sensitive facts in free text' };
  }
  if (FINANCE_NAME.test(name)) {
    return { category: 'financial', by: 'bank or card field' };
  }
  return undefined;
}

/**
 * Classifies every field of a record against its dataset. Problems name the
 * field: undeclared fields, a declared My Number field whose value fails the
 * check digit, and categories the dataset may not hold.
 */
export function classifyFields(
  dataset: Dataset,
  fields: Readonly<Record<string, unknown>>,
): Classification {
  const problems: Problem[] = [];
  const result: Record<string, FieldClass> = {};
  const allowed = new Set(dataset.categories);
  for (const [name, value] of Object.entries(fields)) {
    const path = `fields.${name}`;
    const spec = dataset.fields[name];
    if (spec === undefined) {
      problems.push({
        path,
        message: `field is not declared in dataset "${dataset.id}" (purpose limitation: only catalogued items may be stored)`,
      });
      continue;
    }
    if (value === null || value === undefined || value === '') {
      continue;
    }
    if (
      spec.category === 'my-number' &&
      !texts(value).every((t) => isValidMyNumber(t))
    ) {
      problems.push({
        path,
        message: 'is not a valid My Number (12 digits with a correct check digit)',
      });
      continue;
    }
    const found = detect(name, value);
    const category = found ? higher(spec.category, found.category) : spec.category;
    if (!allowed.has(category)) {
      problems.push({
        path,
        message: `holds ${category} data (${found?.by ?? 'declared'}) but dataset "${dataset.id}" may not hold ${category} data`,
      });
      continue;
    }
    result[name] =
      found !== undefined && category !== spec.category
        ? { category, detectedBy: found.by }
        : { category };
  }
  const categories = [
    ...new Set(Object.values(result).map((f) => f.category)),
  ].sort((a, b) => RANK[a] - RANK[b]);
  return { fields: result, categories, problems };
}
