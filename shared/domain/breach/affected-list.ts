/**
 * The affected-records file given to a breach assessment: its entries and
 * the problems found while reading it.
 */
import type { Problem } from '../../errors.ts';

/** One line of an affected-records file. */
export interface AffectedEntry {
  /** Record id. */
  readonly recordId: string;
  /** Only these fields/documents were affected; all when absent. */
  readonly fields?: readonly string[];
}

/**
 * Parses an affected-records file: one record id per line, or JSON lines
 * `{"recordId": "…", "fields": ["…"]}`. Blank lines and `#` comments are
 * skipped; repeated ids are merged.
 */
export function parseAffectedList(text: string): {
  entries: AffectedEntry[];
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const byId = new Map<string, Set<string> | undefined>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const path = `line ${i + 1}`;
    if (line === '' || line.startsWith('#')) {
      return;
    }
    let recordId: string;
    let fields: string[] | undefined;
    if (line.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        problems.push({ path, message: 'is not valid JSON' });
        return;
      }
      const o = parsed as { recordId?: unknown; fields?: unknown };
      if (typeof o.recordId !== 'string' || o.recordId === '') {
        problems.push({ path: `${path}: recordId`, message: 'must be a non-empty string' });
        return;
      }
      if (
        o.fields !== undefined &&
        !(Array.isArray(o.fields) && o.fields.every((f) => typeof f === 'string'))
      ) {
        problems.push({ path: `${path}: fields`, message: 'must be an array of field names' });
        return;
      }
      recordId = o.recordId;
      fields = o.fields as string[] | undefined;
    } else {
      if (/\s/.test(line)) {
        problems.push({ path, message: 'a record id has no spaces' });
        return;
      }
      recordId = line;
    }
    const prior = byId.get(recordId);
    if (byId.has(recordId) && prior === undefined) {
      return;
    }
    if (fields === undefined) {
      byId.set(recordId, undefined);
    } else {
      byId.set(recordId, new Set([...(prior ?? []), ...fields]));
    }
  });
  const entries = [...byId].map(([recordId, fields]) =>
    fields === undefined ? { recordId } : { recordId, fields: [...fields] },
  );
  return { entries, problems };
}
