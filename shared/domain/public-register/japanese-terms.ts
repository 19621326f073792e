/**
 * The Japanese wording of the public register: its title, retention bases,
 * retention periods and their starting events, and provision bases.
 */
import type { RetentionBasis } from '../catalogue-types.ts';
import { parseDuration } from '../duration.ts';

/** The register's title. */
export const REGISTER_TITLE =
  '保有個人データに関する事項の公表（個人情報データベース簿）';

/** Retention bases in Japanese. */
export const BASIS_JA: Readonly<Record<RetentionBasis, string>> = {
  law: '法令',
  contract: '契約',
  consent: '本人の同意',
  necessity: '利用目的の達成に必要な範囲',
};

const EVENT_JA: Readonly<Record<string, string>> = {
  'membership-withdrawn': '退会',
  'case-closed': '案件終了',
  'inquiry-closed': '対応完了',
  'contract-ended': '契約終了',
  'filing-deadline': '法定申告期限の翌日',
};

/** Bases of provision to a third party in Japanese, besides the listed exceptions. */
export const PROVISION_BASIS_JA: Readonly<Record<string, string>> = {
  consent: '本人の同意',
  'joint-use': '共同利用',
};

/** An ISO-8601 duration in Japanese: `P5Y` → `5年`, `P1Y6M` → `1年6か月`. */
export function periodJa(period: string): string {
  const d = parseDuration(period);
  if (d === undefined) {
    return period;
  }
  const parts = [
    [d.years, '年'],
    [d.months, 'か月'],
    [d.weeks, '週間'],
    [d.days, '日'],
    [d.hours, '時間'],
    [d.minutes, '分'],
    [d.seconds, '秒'],
  ] as const;
  const text = parts
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join('');
  return text === '' ? '0日' : text;
}

/** A retention trigger in Japanese, as the start of the period. */
export function triggerJa(trigger: string): string {
  if (trigger === 'acquired') {
    return '取得日';
  }
  if (trigger === 'last-activity') {
    return '最終利用日';
  }
  const name = trigger.startsWith('event:') ? trigger.slice(6) : trigger;
  return EVENT_JA[name] ?? `事由「${name}」の発生`;
}
