/**
 * The affected fields of a breach, summed per dataset: how many records
 * held each one sealed and how many in clear.
 */
import type { CategoryKind, Dataset } from '../catalogue-types.ts';
import type { AffectedFieldSummary, AffectedRecord } from './types.ts';

const KIND_ORDER: readonly CategoryKind[] = [
  'basic',
  'identifier',
  'sensitive',
  'financial',
  'my-number',
];

/** Category kinds without repeats, in the order of the catalogue. */
export function sortKinds(kinds: Iterable<CategoryKind>): CategoryKind[] {
  const set = new Set(kinds);
  return KIND_ORDER.filter((k) => set.has(k));
}

/** The affected fields and documents of each dataset, summed over records. */
export function summariseFields(
  records: readonly AffectedRecord[],
  datasets: ReadonlyMap<string, Dataset>,
): AffectedFieldSummary[] {
  const byKey = new Map<string, AffectedFieldSummary>();
  for (const r of records) {
    for (const item of r.items) {
      const key = `${r.dataset}\u0000${item.kind}\u0000${item.name}`;
      const prior = byKey.get(key);
      const spec = item.kind === 'field' ? datasets.get(r.dataset)?.fields[item.name] : undefined;
      byKey.set(key, {
        dataset: r.dataset,
        name: item.name,
        kind: item.kind,
        labelJa: spec?.label.ja ?? (item.kind === 'document' ? `添付文書「${item.name}」` : item.name),
        categories: sortKinds([...(prior?.categories ?? []), ...item.categories]),
        sealedRecords: (prior?.sealedRecords ?? 0) + (item.sealed ? 1 : 0),
        clearRecords: (prior?.clearRecords ?? 0) + (item.sealed ? 0 : 1),
      });
    }
  }
  return [...byKey.values()];
}
