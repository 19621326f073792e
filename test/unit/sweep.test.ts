import { describe, expect, it } from 'vitest';
import type { StoredRecord, Tombstone } from '#shared/domain/record.ts';
import { addCounts, addsUp, batches, countItems, decide, NO_COUNTS, skipReason } from '#shared/domain/sweep.ts';
import { planSweep } from '#shared/use-cases/plan-sweep.ts';
import type { DueEntry, Page, RecordStore } from '#shared/ports/index.ts';

const due = '2026-11-22T00:00:00.000Z';
const record = (over: Partial<StoredRecord> = {}): StoredRecord =>
  ({
    recordId: 'r',
    subjectId: 's',
    dataset: 'd',
    purposes: ['p'],
    categories: ['basic'],
    fieldCategories: {},
    retention: { basis: 'law', legalRef: 'x', period: 'P1Y', trigger: 'acquired', dueAt: due },
    consentRefs: [],
    acquiredAt: '2025-11-22T00:00:00.000Z',
    events: {},
    policyVersion: 'v',
    holds: [],
    pendingRequests: [],
    status: 'active',
    fields: {},
    sealed: {},
    documents: [],
    createdAt: '2025-11-22T00:00:00.000Z',
    updatedAt: '2025-11-22T00:00:00.000Z',
    version: 1,
    ...over,
  }) as StoredRecord;
const tombstone: Tombstone = { recordId: 'r', status: 'erased', dataset: 'd', basis: 'law', legalRef: 'x', erasedAt: due, cause: 'retention', policyVersion: 'v' };
const hold = { id: 'h', reason: 'case 1', placedBy: 'a', placedAt: due };

describe('sweep decisions', () => {
  it.each<[string, StoredRecord | Tombstone | undefined, string, string]>([
    ['due exactly now', record(), due, 'purge'],
    ['due a millisecond later', record(), '2026-11-21T23:59:59.999Z', 'not-due'],
    ['due at 09:00 JST, swept at 09:00 JST', record({ retention: { basis: 'law', legalRef: 'x', period: 'P1Y', trigger: 'acquired', dueAt: new Date('2026-11-22T09:00:00+09:00').toISOString() } }), '2026-11-22T00:00:00.000Z', 'purge'],
    ['without a due time (event not recorded)', record({ retention: { basis: 'law', legalRef: 'x', period: 'P1Y', trigger: 'event:x' } }), '2100-01-01T00:00:00.000Z', 'not-due'],
    ['under a legal hold', record({ holds: [hold] }), due, 'held'],
    ['with a pending subject request', record({ pendingRequests: ['q-1'] }), due, 'pending-request'],
    ['held and pending: the hold is reported', record({ holds: [hold], pendingRequests: ['q-1'] }), due, 'held'],
    ['restricted (suspension of use) but due', record({ status: 'restricted' }), due, 'purge'],
    ['already a tombstone', tombstone, due, 'already-erased'],
    ['gone (deleted by the TTL backstop)', undefined, due, 'missing'],
  ])('a record %s → %s', (_name, item, now, want) => {
    expect(decide(item, new Date(now))).toBe(want);
  });

  it('explains why a record was kept, without personal data', () => {
    expect(skipReason(record({ holds: [hold] }), 'held')).toBe('legal hold: case 1');
    expect(skipReason(record({ pendingRequests: ['q-1'] }), 'pending-request')).toBe('pending subject request q-1');
  });
});

describe('sweep report arithmetic', () => {
  it('counts every planned record exactly once and adds up across pages', () => {
    const page1 = countItems([
      { recordId: 'a', decision: 'purge', objectVersions: 3, keyDestroyed: true },
      { recordId: 'b', decision: 'held' },
      { recordId: 'c', decision: 'already-erased' },
    ]);
    const page2 = countItems([
      { recordId: 'd', decision: 'purge', objectVersions: 0 },
      { recordId: 'e', decision: 'missing' },
      { recordId: 'f', decision: 'pending-request' },
      { recordId: 'g', decision: 'not-due' },
    ]);
    const total = addCounts(addCounts(NO_COUNTS, page1), page2);
    expect(total).toEqual({ planned: 7, purged: 2, held: 1, pendingRequest: 1, notDue: 1, alreadyErased: 1, missing: 1, objectVersionsDeleted: 3, keysDestroyed: 1 });
    expect(addsUp(total)).toBe(true);
    expect(addsUp({ ...total, purged: 3 })).toBe(false);
  });

  it('splits ids into bounded batches', () => {
    expect(batches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(batches([], 2)).toEqual([]);
  });
});

describe('sweep planning', () => {
  it('reads only the due index, shard by shard, and pages with a cursor', async () => {
    // Prepare: 8 shards with 3 due records each
    const calls: [number, string, number, string | undefined][] = [];
    const store = {
      listDue: async (shard: number, before: string, limit: number, cursor?: string): Promise<Page<DueEntry>> => {
        calls.push([shard, before, limit, cursor]);
        const all = [0, 1, 2].map((i) => ({ recordId: `s${shard}-${i}`, dueAt: before }));
        const start = cursor === undefined ? 0 : Number(cursor);
        const items = all.slice(start, start + limit);
        const next = start + limit < all.length ? String(start + limit) : undefined;
        return next === undefined ? { items } : { items, cursor: next };
      },
    } as unknown as RecordStore;
    // Act
    const first = await planSweep({ records: store }, { now: due, pageSize: 10, batchSize: 4 });
    const second = await planSweep({ records: store }, { now: due, pageSize: 10, batchSize: 4, ...(first.next ? { cursor: first.next } : {}) });
    const third = await planSweep({ records: store }, { now: due, pageSize: 10, batchSize: 4, ...(second.next ? { cursor: second.next } : {}) });
    // Assess
    const ids = [first, second, third].flatMap((p) => p.batches.flat());
    expect(ids).toHaveLength(24);
    expect(new Set(ids).size).toBe(24);
    expect(first.batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(third.next).toBeUndefined();
    expect(calls.every(([, before]) => before === due)).toBe(true);
  });
});
