/**
 * The reporter header of a breach report (報告者), as the PPC form asks
 * it: the controller's name, address and representative from the catalogue,
 * plus the reporting desk from the controller's `breachReporter` setting.
 * The contact is a role, not a person's name, so the catalogue holds no
 * staff names.
 */
import { type Problem, ValidationError } from '../../errors.ts';
import type { Controller } from '../catalogue-types.ts';
import { noticeTextProblems } from '../notices/setting-problems.ts';

export type { BreachReporterSetting } from './reporter-setting.ts';
import type { BreachReporterSetting } from './reporter-setting.ts';

const KEYS = ['department', 'contactTitle', 'phone', 'email', 'corporateNumber', 'localGovernmentCode', 'delegatedTo'];
const REQUIRED = ['department', 'contactTitle', 'phone', 'email'];

/** Whether `n` is a 法人番号: 13 digits whose first is the check digit of the other 12. */
export function isCorporateNumber(n: string): boolean {
  if (!/^\d{13}$/.test(n)) {
    return false;
  }
  const base = [...n.slice(1)].reverse().map(Number);
  const sum = base.reduce((s, p, i) => s + p * (i % 2 === 0 ? 1 : 2), 0);
  return Number(n[0]) === 9 - (sum % 9);
}

/** Whether `c` is a 全国地方公共団体コード: 5 digits and their check digit. */
export function isLocalGovernmentCode(c: string): boolean {
  if (!/^\d{6}$/.test(c)) {
    return false;
  }
  const sum = [...c.slice(0, 5)].reduce((s, d, i) => s + Number(d) * (6 - i), 0);
  return Number(c[5]) === (11 - (sum % 11)) % 10;
}

function formatProblems(key: string, value: string, path: string): Problem[] {
  const shown = JSON.stringify(value.slice(0, 40));
  switch (key) {
    case 'phone':
      return /^\+?[0-9()\- ]{6,20}$/.test(value) && (value.match(/\d/g)?.length ?? 0) >= 6
        ? []
        : [{ path, message: `${shown} is not a phone number (ASCII digits, "-", "+", "(", ")", spaces)` }];
    case 'email':
      return /^[^\s@<>"(),;:]+@[^\s@<>"(),;:]+\.[A-Za-z]{2,}$/.test(value) && value.length <= 254
        ? []
        : [{ path, message: `${shown} is not an e-mail address` }];
    case 'corporateNumber':
      return isCorporateNumber(value) ? [] : [{ path, message: `${shown} is not a 法人番号 (13 digits, check digit first)` }];
    case 'localGovernmentCode':
      return isLocalGovernmentCode(value) ? [] : [{ path, message: `${shown} is not a 団体コード (6 digits, check digit last)` }];
    default:
      return [];
  }
}

/**
 * Every problem of a catalogue `breachReporter` setting at `path`, named
 * by path: not an object, an unknown key, a required text missing, a text
 * of several lines or too long, a bad phone, e-mail, 法人番号 or 団体コード.
 * @example
 * reporterSettingProblems({ department: '総務課' }, 'controllers[0].breachReporter')
 * // [{ path: 'controllers[0].breachReporter.contactTitle', ... }, ...]
 */
export function reporterSettingProblems(value: unknown, path: string): Problem[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ path, message: 'must be an object like { "department": "…", "contactTitle": "…", "phone": "…", "email": "…" }' }];
  }
  const o = value as Record<string, unknown>;
  const problems: Problem[] = Object.keys(o)
    .filter((k) => !KEYS.includes(k))
    .map((k) => ({ path: `${path}.${k}`, message: `is not a reporter setting (${KEYS.join(', ')})` }));
  for (const key of KEYS) {
    if (o[key] === undefined && !REQUIRED.includes(key)) {
      continue;
    }
    const p = `${path}.${key}`;
    const text = noticeTextProblems(o[key], p, false);
    problems.push(...(text.length > 0 ? text : formatProblems(key, o[key] as string, p)));
  }
  return problems;
}

/** One row of the reporter header. */
export interface HeaderRow {
  /** Japanese label, e.g. 担当部署. */
  readonly label: string;
  /** The value, or 【要記入】. */
  readonly value: string;
  /** True when someone has to fill it in. */
  readonly toFill: boolean;
}

const TO_FILL = '【要記入】';

/**
 * The reporter header of a draft: name, address and representative from
 * the catalogue, the desk from `setting`; a value missing is 【要記入】.
 * A business is asked its 法人番号, a public body its 団体コード.
 */
export function reporterHeader(controller: Controller, setting: BreachReporterSetting | undefined): HeaderRow[] {
  const row = (label: string, value: string | undefined): HeaderRow =>
    value === undefined || value.trim() === ''
      ? { label, value: TO_FILL, toFill: true }
      : { label, value, toFill: false };
  return [
    row(controller.publicBody ? '行政機関等の名称' : '事業者の名称', controller.name.ja),
    row('所在地', controller.address),
    row(controller.publicBody ? '機関の長' : '代表者', controller.representative),
    controller.publicBody
      ? row('団体コード（地方公共団体の場合）', setting?.localGovernmentCode)
      : row('法人番号（法人の場合）', setting?.corporateNumber),
    row('担当部署', setting?.department),
    row('担当者の役職', setting?.contactTitle),
    row('電話番号', setting?.phone),
    row('電子メールアドレス', setting?.email),
  ];
}

/**
 * Each controller's `breachReporter` setting, read through a narrow cast
 * until the catalogue declares and validates the field; a bad one is
 * refused here by its catalogue path.
 */
export function reporterSettings(controllers: readonly Controller[]): Record<string, BreachReporterSetting> {
  const settings: Record<string, BreachReporterSetting> = {};
  const problems: Problem[] = [];
  controllers.forEach((c, i) => {
    const value = (c as Controller & { readonly breachReporter?: unknown }).breachReporter;
    if (value === undefined) {
      return;
    }
    const found = reporterSettingProblems(value, `controllers[${i}].breachReporter`);
    problems.push(...found);
    if (found.length === 0) {
      settings[c.id] = value as BreachReporterSetting;
    }
  });
  if (problems.length > 0) {
    throw new ValidationError('the catalogue has a bad breachReporter setting', problems);
  }
  return settings;
}
