/**
 * The facts of a stored record as a breach affects it (no field values).
 *
 * Assumptions where the records cannot tell:
 * - A value is "encrypted" only when it was sealed with the subject's data
 *   key; clear values never qualify, whatever the storage encryption.
 * - A document carries every category of its record, because its contents
 *   are not classified field by field.
 */
import type { StoredRecord } from '../record.ts';
import type { AffectedItem, AffectedRecord } from './types.ts';

/**
 * The facts of one stored record as affected by a breach: all its fields
 * and documents, or only those named.
 */
export function affectedFromRecord(
  record: StoredRecord,
  names?: readonly string[],
): { affected: AffectedRecord; unknownNames: string[] } {
  const fieldNames = [
    ...Object.keys(record.fields),
    ...Object.keys(record.sealed),
  ];
  const wanted = names === undefined ? undefined : new Set(names);
  const items: AffectedItem[] = [];
  for (const name of fieldNames) {
    if (wanted !== undefined && !wanted.has(name)) {
      continue;
    }
    items.push({
      name,
      kind: 'field',
      categories: [record.fieldCategories[name] ?? 'basic'],
      sealed: Object.hasOwn(record.sealed, name),
    });
  }
  for (const doc of record.documents) {
    if (wanted !== undefined && !wanted.has(doc.name)) {
      continue;
    }
    items.push({
      name: doc.name,
      kind: 'document',
      categories: record.categories,
      sealed: doc.sealed,
    });
  }
  const known = new Set([...fieldNames, ...record.documents.map((d) => d.name)]);
  return {
    affected: {
      recordId: record.recordId,
      subjectPseudonym: record.subjectPseudonym,
      dataset: record.dataset,
      categories: record.categories,
      items,
    },
    unknownNames: (names ?? []).filter((n) => !known.has(n)),
  };
}
