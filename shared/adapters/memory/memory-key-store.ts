/**
 * KeyStore in memory with DynamoKeyStore's conditions: a key is stored
 * only when absent, a use is counted only on an existing key, and a
 * destruction (with its audit events, in one commit) happens only when the
 * key exists and, given `unlessUsedSince`, was not used since.
 */
import type { AuditEventInput, KeyStore, StoredKey } from '../../ports/index.ts';
import type { Faults } from './faults.ts';
import { restoreInto } from './memory-backup.ts';
import type { MemoryOutbox } from './memory-audit-trail.ts';

/** In-memory {@link KeyStore}. */
export class MemoryKeyStore implements KeyStore {
  private readonly items = new Map<string, StoredKey>();

  constructor(
    private readonly faults: Faults,
    private readonly outbox: MemoryOutbox,
  ) {}

  private copy(key: StoredKey): StoredKey {
    return { ...key, wrapped: new Uint8Array(key.wrapped), uses: key.uses ?? 0 };
  }

  get(subjectPseudonym: string): Promise<StoredKey | undefined> {
    return this.faults.run('keys.get', () => {
      const key = this.items.get(subjectPseudonym);
      return key === undefined ? undefined : this.copy(key);
    });
  }

  existing(subjectPseudonyms: readonly string[]): Promise<Set<string>> {
    return this.faults.run('keys.existing', () => new Set(subjectPseudonyms.filter((s) => this.items.has(s))));
  }

  putIfAbsent(key: StoredKey): Promise<StoredKey> {
    return this.faults.run('keys.putIfAbsent', () => {
      const stored = this.items.get(key.subjectPseudonym);
      if (stored !== undefined) {
        return this.copy(stored);
      }
      this.items.set(key.subjectPseudonym, { ...key, wrapped: new Uint8Array(key.wrapped) });
      return key;
    });
  }

  use(subjectPseudonym: string): Promise<boolean> {
    return this.faults.run('keys.use', () => {
      const key = this.items.get(subjectPseudonym);
      if (key === undefined) {
        return false;
      }
      this.items.set(subjectPseudonym, { ...key, uses: (key.uses ?? 0) + 1 });
      return true;
    });
  }

  async destroy(
    subjectPseudonym: string,
    unlessUsedSince?: number,
    audit: readonly AuditEventInput[] = [],
  ): Promise<boolean> {
    const staged = await this.outbox.stage(audit);
    return this.faults.run('keys.destroy', () => {
      const key = this.items.get(subjectPseudonym);
      if (key !== undefined && (unlessUsedSince === undefined || (key.uses ?? 0) === unlessUsedSince)) {
        this.items.delete(subjectPseudonym);
        this.outbox.commit(staged);
        return true;
      }
      // Gone already counts as destroyed; a key used since it was read is kept.
      return key === undefined && unlessUsedSince === undefined;
    });
  }

  /** How many keys are held (a test's view of the table). Not a port method. */
  get size(): number {
    return this.items.size;
  }

  /** A copy of the whole table (a backup). Not a port method. */
  backup(): ReadonlyMap<string, StoredKey> {
    return structuredClone(this.items);
  }

  /** Replaces the table with a backup, as a restore does. Not a port method. */
  restore(backup: ReadonlyMap<string, StoredKey>): void {
    restoreInto(this.items, backup);
  }
}
