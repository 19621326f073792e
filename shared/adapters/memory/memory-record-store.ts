/**
 * RecordStore in memory, item for item as DynamoRecordStore writes the
 * table: a live record carries its index attributes (`liveDataset`, due
 * shard and key, TTL `expiresAt`), a tombstone replaces the whole item and
 * so drops out of every index, document intents are `intent#` items of the
 * same table. Conditions are the adapter's (id absent; version equal and
 * not erased), failing with the same results and error classes, and a
 * write given audit events stages them in the same synchronous commit.
 */
import type { StoredRecord, Tombstone } from '../../domain/record.ts';
import { dueIndexAttributes, ttlEpochSeconds } from '../../domain/retention.ts';
import { ConflictError } from '../../errors.ts';
import type { AuditEventInput, DueEntry, Page, RecordStore } from '../../ports/index.ts';
import type { Faults } from './faults.ts';
import { restoreInto } from './memory-backup.ts';
import type { MemoryOutbox } from './memory-audit-trail.ts';

type Item = Record<string, unknown>;

const INTENT = 'intent#';

/** A page of sorted index entries after `cursor` (the last sort key), cut at `limit`. */
export function pageOf<T>(sorted: readonly T[], keyOf: (t: T) => string, limit: number, cursor?: string): Page<T> {
  const after = cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
  const rest = after === undefined ? sorted : sorted.filter((t) => keyOf(t) > after);
  const items = rest.slice(0, limit);
  const last = items[items.length - 1];
  // As DynamoDB: a page cut by its limit has a cursor, even when nothing follows.
  return items.length === limit && last !== undefined
    ? { items, cursor: Buffer.from(keyOf(last), 'utf8').toString('base64url') }
    : { items };
}

/** In-memory {@link RecordStore}. */
export class MemoryRecordStore implements RecordStore {
  private readonly items = new Map<string, Item>();

  constructor(
    private readonly faults: Faults,
    private readonly outbox: MemoryOutbox,
    private readonly graceDays = 30,
  ) {}

  private run<T>(what: string, effect: () => T | Promise<T>): Promise<T> {
    return this.faults.run(`records.${what}`, effect);
  }

  /** Stages `audit`, then (in one tick) writes when `condition` holds. */
  private async commit(
    what: string,
    audit: readonly AuditEventInput[],
    condition: (current: Item | undefined) => boolean,
    write: () => void,
    recordId: string,
  ): Promise<boolean> {
    const staged = await this.outbox.stage(audit);
    return this.run(what, () => {
      if (!condition(this.items.get(recordId))) {
        return false;
      }
      write();
      this.outbox.commit(staged);
      return true;
    });
  }

  private itemOf(record: StoredRecord): Item {
    const dueAt = record.retention.dueAt;
    return structuredClone({
      ...record,
      liveDataset: record.dataset,
      ...(dueAt === undefined
        ? {}
        : {
            ...dueIndexAttributes(record.recordId, dueAt),
            expiresAt: ttlEpochSeconds(dueAt > record.createdAt ? dueAt : record.createdAt, this.graceDays),
          }),
    });
  }

  private static strip(item: Item): StoredRecord | Tombstone {
    const { dueShard: _s, dueKey: _k, expiresAt: _e, liveDataset: _d, ...rest } = structuredClone(item);
    return rest as unknown as StoredRecord | Tombstone;
  }

  private static live(current: Item | undefined, version: number): boolean {
    return current !== undefined && current.version === version && current.status !== 'erased';
  }

  async create(record: StoredRecord, audit: readonly AuditEventInput[]): Promise<void> {
    const created = await this.commit(
      'create',
      audit,
      (current) => current === undefined,
      () => {
        this.items.set(record.recordId, this.itemOf(record));
        if (record.documents.length > 0) {
          this.items.delete(`${INTENT}${record.recordId}`);
        }
      },
      record.recordId,
    );
    if (!created) {
      throw new ConflictError(`record ${record.recordId} already exists`);
    }
  }

  beginDocuments(recordId: string): Promise<void> {
    return this.run('beginDocuments', () => {
      // Wall-clock time, as the DynamoDB adapter notes it.
      this.items.set(`${INTENT}${recordId}`, {
        recordId: `${INTENT}${recordId}`,
        intent: 'documents',
        startedAt: new Date().toISOString(),
      });
    });
  }

  abandonedDocuments(before: string): Promise<string[]> {
    return this.run('abandonedDocuments', () =>
      [...this.items.values()]
        .filter((i) => String(i.recordId).startsWith(INTENT) && String(i.startedAt) < before)
        .map((i) => String(i.recordId).slice(INTENT.length)),
    );
  }

  endDocuments(recordId: string): Promise<void> {
    return this.run('endDocuments', () => {
      this.items.delete(`${INTENT}${recordId}`);
    });
  }

  get(recordId: string): Promise<StoredRecord | Tombstone | undefined> {
    return this.run('get', () => {
      const item = this.items.get(recordId);
      return item === undefined ? undefined : MemoryRecordStore.strip(item);
    });
  }

  getMany(recordIds: readonly string[]): Promise<Map<string, StoredRecord | Tombstone>> {
    return this.run('getMany', () => {
      const found = new Map<string, StoredRecord | Tombstone>();
      for (const id of recordIds) {
        const item = this.items.get(id);
        if (item !== undefined) {
          found.set(id, MemoryRecordStore.strip(item));
        }
      }
      return found;
    });
  }

  listBySubject(subjectPseudonym: string): Promise<StoredRecord[]> {
    return this.run('listBySubject', () =>
      [...this.items.values()]
        .filter((i) => i.subjectPseudonym === subjectPseudonym && i.status !== 'erased')
        .sort((a, b) => (String(a.recordId) < String(b.recordId) ? -1 : 1))
        .map((i) => MemoryRecordStore.strip(i) as StoredRecord),
    );
  }

  listDue(shard: number, dueBefore: string, limit: number, cursor?: string): Promise<Page<DueEntry>> {
    return this.run('listDue', () => {
      const bound = `${dueBefore}#\uffff`;
      const keys = [...this.items.values()]
        .filter((i) => i.dueShard === String(shard) && String(i.dueKey) <= bound)
        .map((i) => String(i.dueKey))
        .sort();
      const page = pageOf(keys, (k) => k, limit, cursor);
      const items = page.items.map((k) => {
        const at = k.lastIndexOf('#');
        return { recordId: k.slice(at + 1), dueAt: k.slice(0, at) };
      });
      return page.cursor === undefined ? { items } : { items, cursor: page.cursor };
    });
  }

  async replaceWithTombstone(
    tombstone: Tombstone,
    expectedVersion: number,
    audit: readonly AuditEventInput[],
  ): Promise<boolean> {
    let found: Item | undefined;
    const written = await this.commit(
      'replaceWithTombstone',
      audit,
      (current) => {
        found = current;
        return MemoryRecordStore.live(current, expectedVersion);
      },
      () => this.items.set(tombstone.recordId, structuredClone({ ...tombstone })),
      tombstone.recordId,
    );
    // Already gone or erased: false; a live record at another version: a conflict.
    if (written || found === undefined || found.status === 'erased') {
      return written;
    }
    throw new ConflictError(
      `record ${tombstone.recordId} changed (version ${String(found.version)}, expected ${expectedVersion})`,
    );
  }

  writeTombstone(tombstone: Tombstone, audit: readonly AuditEventInput[]): Promise<boolean> {
    return this.commit(
      'writeTombstone',
      audit,
      (current) => current === undefined,
      () => this.items.set(tombstone.recordId, structuredClone({ ...tombstone })),
      tombstone.recordId,
    );
  }

  async update(record: StoredRecord, expectedVersion: number, audit: readonly AuditEventInput[] = []): Promise<void> {
    const written = await this.commit(
      'update',
      audit,
      (current) => MemoryRecordStore.live(current, expectedVersion),
      () => this.items.set(record.recordId, this.itemOf(record)),
      record.recordId,
    );
    if (!written) {
      throw new ConflictError(`record ${record.recordId} is not at version ${expectedVersion}`);
    }
  }

  private datasetIds(dataset: string): string[] {
    return [...this.items.values()]
      .filter((i) => i.liveDataset === dataset)
      .map((i) => String(i.recordId))
      .sort();
  }

  listIdsByDataset(dataset: string, cursor?: string, limit = 1000): Promise<Page<string>> {
    return this.run('listIdsByDataset', () => pageOf(this.datasetIds(dataset), (id) => id, limit, cursor));
  }

  countByDataset(dataset: string): Promise<number> {
    return this.run('countByDataset', () => this.datasetIds(dataset).length);
  }

  /**
   * What DynamoDB's TTL does: deletes every item whose `expiresAt` (epoch
   * seconds) is at or before `now`, and returns their old images with
   * every attribute, as the table's stream hands them to the TTL backstop.
   * Not a port method.
   */
  expireTtl(now: Date): Readonly<Record<string, unknown>>[] {
    const gone: Item[] = [];
    for (const [id, item] of this.items) {
      if (typeof item.expiresAt === 'number' && item.expiresAt * 1000 <= now.getTime()) {
        this.items.delete(id);
        gone.push(structuredClone(item));
      }
    }
    return gone;
  }

  /**
   * Removes an item as a delete outside wasure would (console, a role's
   * DeleteItem); returns its old image as the stream gives it. Not a port
   * method.
   */
  deleteItem(recordId: string): Readonly<Record<string, unknown>> | undefined {
    const item = this.items.get(recordId);
    this.items.delete(recordId);
    return item === undefined ? undefined : structuredClone(item);
  }

  /** A copy of the whole table (a backup). Not a port method. */
  backup(): ReadonlyMap<string, Item> {
    return structuredClone(this.items);
  }

  /** Replaces the table with a backup, as a restore does. Not a port method. */
  restore(backup: ReadonlyMap<string, Item>): void {
    restoreInto(this.items, backup);
  }
}
