import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '#shared/domain/audit-chain.ts';
import { isTombstone, type StoredRecord, type Tombstone } from '#shared/domain/record.ts';
import { ConflictError } from '#shared/errors.ts';
import type { AuditEventInput, ObjectVersion, StoredKey } from '#shared/ports/index.ts';
import type { LifecycleDeps } from '#shared/use-cases/deps.ts';
import { RECONCILE_ACTOR, reconcileRestore } from '#shared/use-cases/reconcile-restore.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const ERASED_AT = '2026-11-23T00:00:00.000Z';
const record = (recordId: string, subject: string, over: Partial<StoredRecord> = {}): StoredRecord =>
  ({
    recordId,
    subjectPseudonym: subject,
    dataset: 'd',
    purposes: ['p'],
    categories: ['basic'],
    fieldCategories: { name: 'basic' },
    retention: { basis: 'necessity', legalRef: 'x', period: 'P1Y', trigger: 'acquired', dueAt: '2026-01-01T00:00:00.000Z' },
    consentRefs: [],
    acquiredAt: '2025-01-01T00:00:00.000Z',
    events: {},
    policyVersion: 'v',
    holds: [],
    pendingRequests: [],
    status: 'active',
    fields: {},
    sealed: { name: 'sealed' },
    documents: [],
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    version: 1,
    ...over,
  }) as StoredRecord;
const erasure = (recordId: string, subject: string, eventId = `e-${recordId}`): AuditEvent => ({
  eventId,
  seq: 1,
  time: ERASED_AT,
  actor: 'system:sweep',
  action: 'erasure',
  recordId,
  subjectPseudonym: subject,
  outcome: 'ok',
  details: { cause: 'retention' },
});
const keyDestroyed = (subject: string): AuditEvent => ({
  eventId: `k-${subject}`,
  seq: 2,
  time: ERASED_AT,
  actor: 'system:requests',
  action: 'key-destroyed',
  subjectPseudonym: subject,
  outcome: 'ok',
  details: { cause: 'request:r-1' },
});
const key = (subject: string, createdAt = '2025-01-01T00:00:00.000Z'): StoredKey => ({
  subjectPseudonym: subject,
  keyId: `key-${subject}`,
  wrapped: new Uint8Array([1]),
  createdAt,
  uses: 1,
});

/** In-memory stores behind the ports the reconciliation uses. */
function world(input: {
  records?: (StoredRecord | Tombstone)[];
  keys?: StoredKey[];
  objects?: string[];
  events: AuditEvent[];
}) {
  const records = new Map((input.records ?? []).map((r) => [r.recordId, r]));
  const keys = new Map((input.keys ?? []).map((k) => [k.subjectPseudonym, k]));
  const objects = new Set(input.objects ?? []);
  const written: AuditEventInput[] = [];
  const live = () => [...records.values()].filter((r): r is StoredRecord => !isTombstone(r));
  const deps = {
    records: {
      get: async (id: string) => records.get(id),
      listBySubject: async (s: string) => live().filter((r) => r.subjectPseudonym === s),
      // The erasure's claim: a versioned write of the erasing mark.
      update: async (r: StoredRecord, expected: number) => {
        const current = records.get(r.recordId);
        if (current === undefined || isTombstone(current) || current.version !== expected) {
          throw new ConflictError(`record ${r.recordId} is not at version ${expected}`);
        }
        records.set(r.recordId, r);
      },
      replaceWithTombstone: async (t: Tombstone, _v: number, audit: readonly AuditEventInput[]) => {
        records.set(t.recordId, t);
        written.push(...audit);
        return true;
      },
    },
    objects: {
      listVersions: async (prefix: string): Promise<ObjectVersion[]> =>
        [...objects].filter((k) => k.startsWith(prefix)).map((k) => ({ key: k, versionId: undefined, deleteMarker: false })),
      deleteVersions: async (versions: readonly ObjectVersion[]) => {
        for (const v of versions) objects.delete(v.key);
      },
    },
    keys: {
      get: async (s: string) => keys.get(s),
      destroy: async (s: string, _uses?: number, audit: readonly AuditEventInput[] = []) => {
        const had = keys.delete(s);
        if (had) written.push(...audit);
        return had;
      },
    },
    audit: {
      append: async (events: readonly AuditEventInput[]) => {
        written.push(...events);
      },
      integrate: async () => 0,
    },
    clock: { now: () => new Date('2026-11-24T00:00:00.000Z') },
    ids: { next: () => 'id' },
    catalogue: sampleCatalogue(),
    auditReader: { readEvents: async () => input.events },
  } as unknown as LifecycleDeps & { auditReader: { readEvents(): Promise<AuditEvent[]> } };
  return { deps, records, keys, objects, written };
}

describe('reconcileRestore', () => {
  it('erases a record the restore brought back, with its documents and then its key, audited by the reconciler', async () => {
    // Prepare
    const w = world({
      records: [record('r-1', 'p-1', { documents: [{ name: 'a', key: 'records/r-1/a', contentType: 't', size: 1, sha256: 'x', sealed: true }] })],
      keys: [key('p-1')],
      objects: ['records/r-1/a'],
      events: [erasure('r-1', 'p-1'), keyDestroyed('p-1')],
    });
    // Act
    const report = await reconcileRestore(w.deps, { since: '2026-11-22T12:00:00.000Z', dryRun: false });
    // Assess
    expect(report).toMatchObject({ checked: 2, alreadyGone: 0, reapplied: 2, skipped: 0 });
    expect(isTombstone(w.records.get('r-1') as StoredRecord)).toBe(true);
    expect([...w.objects]).toEqual([]);
    expect(w.keys.size).toBe(0);
    expect(w.written.map((e) => [e.action, e.actor])).toEqual([
      ['key-destroyed', RECONCILE_ACTOR],
      ['erasure', RECONCILE_ACTOR],
    ]);
  });

  it.each<[string, Parameters<typeof world>[0], Record<string, number>]>([
    ['everything still gone', { records: [], events: [erasure('r-1', 'p-1'), keyDestroyed('p-1')] }, { checked: 2, alreadyGone: 2, reapplied: 0 }],
    ['a key created after its destruction (a new ingest) is kept', { keys: [key('p-1', '2026-11-23T10:00:00.000Z')], events: [keyDestroyed('p-1')] }, { checked: 1, alreadyGone: 1, reapplied: 0 }],
    ['documents back beside a tombstone are removed', { records: [], objects: ['records/r-1/a', 'records/r-10/b'], events: [erasure('r-1', 'p-1')] }, { checked: 1, alreadyGone: 0, reapplied: 1 }],
    ['a key still sealing a live record not erased since is reported, not destroyed', { records: [record('r-2', 'p-1')], keys: [key('p-1')], events: [keyDestroyed('p-1')] }, { checked: 1, reapplied: 0, skipped: 1 }],
    ['skipped and failed erasures are not re-applied', { records: [record('r-1', 'p-1')], events: [{ ...erasure('r-1', 'p-1'), outcome: 'skipped' }] }, { checked: 0, reapplied: 0 }],
  ])('%s', async (_name, input, counts) => {
    // Prepare
    const w = world(input);
    // Act
    const report = await reconcileRestore(w.deps, { since: '2026-11-22T12:00:00.000Z', dryRun: false });
    // Assess
    expect(report).toMatchObject(counts);
    expect([...w.objects].filter((k) => k.startsWith('records/r-1/'))).toEqual([]);
    expect(w.objects.has('records/r-10/b') || input.objects === undefined).toBe(true);
  });

  it('changes nothing in a dry run, and counts what it would re-apply', async () => {
    // Prepare
    const w = world({ records: [record('r-1', 'p-1')], keys: [key('p-1')], events: [erasure('r-1', 'p-1'), keyDestroyed('p-1')] });
    // Act
    const report = await reconcileRestore(w.deps, { since: '2026-11-22T12:00:00.000Z', dryRun: true });
    // Assess
    expect(report).toMatchObject({ dryRun: true, checked: 2, reapplied: 2, skipped: 0 });
    expect(isTombstone(w.records.get('r-1') as StoredRecord)).toBe(false);
    expect(w.keys.size).toBe(1);
    expect(w.written).toEqual([]);
  });
});
