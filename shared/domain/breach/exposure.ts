/**
 * Which subjects a breach exposed: the encryption safe harbour (高度な暗号化,
 * 施行規則第7条第1号) is applied per trigger, over the items that trigger
 * looks at, and never when the keys may have leaked too.
 */
import type { CategoryKind } from '../catalogue-types.ts';
import type { AffectedItem, AffectedRecord } from './types.ts';

/** Subjects split by whether their relevant data was protected. */
export interface Exposure {
  /** Subjects with an unprotected relevant item. */
  readonly exposed: Set<string>;
  /** Subjects whose relevant items were all protected. */
  readonly shielded: Set<string>;
}

/** Splits subjects by whether their items matching `relevant` were protected. */
export function exposure(
  records: readonly AffectedRecord[],
  relevant: (item: AffectedItem) => boolean,
  keyExposed: boolean,
): Exposure {
  const exposed = new Set<string>();
  const touched = new Set<string>();
  for (const r of records) {
    for (const item of r.items) {
      if (!relevant(item)) {
        continue;
      }
      touched.add(r.subjectPseudonym);
      if (!item.sealed || keyExposed) {
        exposed.add(r.subjectPseudonym);
      }
    }
  }
  const shielded = new Set([...touched].filter((s) => !exposed.has(s)));
  return { exposed, shielded };
}

/** Items of one category kind. */
export const hasKind = (kind: CategoryKind) => (item: AffectedItem) =>
  item.categories.includes(kind);
/** Every item. */
export const anyItem = () => true;

/** The items a trigger (APPI or My Number) looks at. */
export function relevantTo(id: string): (item: AffectedItem) => boolean {
  switch (id) {
    case 'sensitive':
      return hasKind('sensitive');
    case 'financial':
      return hasKind('financial');
    case 'improper-purpose':
    case 'subject-count':
      return anyItem;
    default:
      return hasKind('my-number');
  }
}
