/**
 * The Japanese labels of the category kinds, in one table. Each kind has
 * two wordings on purpose: a breach report names data by the harm it may
 * cause (施行規則第7条), while the public register describes the kind of
 * data held, with examples (APPI Art. 32).
 */
import type { CategoryKind } from './catalogue-types.ts';

/** The Japanese labels of one category kind. */
export interface CategoryLabel {
  /** As a breach report (漏えい等報告) names it. */
  readonly report: string;
  /** As the public register (保有個人データの公表) describes it. */
  readonly register: string;
}

/**
 * Japanese labels of every category kind.
 * @example
 * CATEGORY_LABELS.sensitive.report // '要配慮個人情報'
 */
export const CATEGORY_LABELS: Readonly<Record<CategoryKind, CategoryLabel>> = {
  basic: { report: '基本情報', register: '基本情報（氏名・連絡先等）' },
  identifier: { report: '識別子', register: '識別子（ID・番号等）' },
  sensitive: { report: '要配慮個人情報', register: '要配慮個人情報' },
  'my-number': {
    report: '特定個人情報（個人番号）',
    register: '特定個人情報（個人番号）',
  },
  financial: {
    report: '財産的被害のおそれがある情報（口座・カード等）',
    register: '財産に関する情報（口座等）',
  },
};
