/** Backups of the in-memory tables and buckets: deep copies in and out. */

/** Replaces the contents of `target` with a deep copy of `backup`. */
export function restoreInto<K, V>(target: Map<K, V>, backup: ReadonlyMap<K, V>): void {
  target.clear();
  for (const [key, value] of structuredClone(backup)) {
    target.set(key, value);
  }
}
