import { describe, expect, it } from 'vitest';
import { assertNoPersonalData } from '#shared/domain/audit-event.ts';
import type { RequestType, SubjectRequest } from '#shared/domain/requests.ts';
import type { AuditEventInput, ExportStore } from '#shared/ports/index.ts';
import { type EraseDeps, eraseSubject } from '#shared/use-cases/subject-requests.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const request = (requestId: string, type: RequestType, subject = 'p-1'): SubjectRequest =>
  ({
    requestId,
    type,
    subjectPseudonym: subject,
    requester: { kind: 'subject' },
    verification: { method: 'passport' },
    receivedAt: '2026-11-20T00:00:00.000Z',
    deadline: '2026-12-04T14:59:59.999Z',
    status: type === 'erase' ? 'received' : 'completed',
    params: {},
    sealed: {},
    reasons: [],
    version: 1,
  }) as SubjectRequest;

/** In-memory ports of an erasure: requests, packages (request id → file names), the trail. */
function world(requests: SubjectRequest[], packages: Record<string, string[]>) {
  const files = new Map(Object.entries(packages));
  const written: AuditEventInput[] = [];
  let crashOnRemove = false;
  const exports: ExportStore = {
    save: async () => ({ location: '', expiresAt: '' }),
    purgeExpired: async () => 0,
    packageObjects: async (id) => files.get(id)?.length ?? 0,
    read: async () => [],
    remove: async (id) => {
      if (crashOnRemove) {
        crashOnRemove = false;
        throw new Error('crash');
      }
      const n = files.get(id)?.length ?? 0;
      files.delete(id);
      return n;
    },
  };
  const deps = {
    records: { listBySubject: async () => [] },
    keys: { get: async () => undefined },
    requests: { listBySubject: async (s: string) => requests.filter((r) => r.subjectPseudonym === s) },
    exports,
    audit: {
      append: async (events: readonly AuditEventInput[]) => {
        for (const e of events) assertNoPersonalData(e);
        written.push(...events);
      },
      integrate: async () => 0,
    },
    clock: { now: () => new Date('2026-11-24T00:00:00.000Z') },
    catalogue: sampleCatalogue(),
  } as unknown as EraseDeps;
  return { deps, files, written, crashNextRemove: () => (crashOnRemove = true) };
}

const erase = request('q-erase', 'erase');
const subjectRequests = [request('q-exp-1', 'export'), request('q-correct', 'correct'), request('q-exp-2', 'export'), erase];
const packages = {
  'q-exp-1': ['data.csv', 'data.json', 'summary.html'],
  'q-exp-2': ['data.csv', 'data.json', 'summary.html', 'manifest.json'],
  'q-other': ['data.csv'],
};

describe('eraseSubject and the subject\'s disclosure packages', () => {
  it('removes the package of every export request of the subject, each removal audited by ids only', async () => {
    // Prepare
    const w = world([...subjectRequests, request('q-other', 'export', 'p-2')], packages);
    // Act
    const result = await eraseSubject(w.deps, erase);
    // Assess
    expect(result.exportPackages).toBe(2);
    expect([...w.files.keys()]).toEqual(['q-other']);
    expect(w.written).toEqual([
      expect.objectContaining({ action: 'erasure', actor: 'system:requests', subjectPseudonym: 'p-1', outcome: 'ok', details: { cause: 'request:q-erase', scope: 'export', exportRequestId: 'q-exp-1', objects: 3 } }),
      expect.objectContaining({ action: 'erasure', subjectPseudonym: 'p-1', details: { cause: 'request:q-erase', scope: 'export', exportRequestId: 'q-exp-2', objects: 4 } }),
    ]);
    expect(w.written.every((e) => e.subjectId === undefined && e.recordId === undefined)).toBe(true);
  });

  it.each<[string, Record<string, string[]>, number]>([
    ['packages already removed', {}, 0],
    ['one package expired, the other still held', { 'q-exp-2': ['data.csv'] }, 1],
  ])('skips what is gone without an event (%s)', async (_case, held, removed) => {
    // Prepare
    const w = world(subjectRequests, held);
    // Act
    const result = await eraseSubject(w.deps, erase);
    // Assess
    expect(result.exportPackages).toBe(removed);
    expect(w.files.size).toBe(0);
    expect(w.written).toHaveLength(removed);
  });

  it('is harmless when run again: nothing left, no new event', async () => {
    // Prepare
    const w = world(subjectRequests, packages);
    await eraseSubject(w.deps, erase);
    const events = w.written.length;
    // Act
    const again = await eraseSubject(w.deps, request('q-erase-2', 'erase'));
    // Assess
    expect(again.exportPackages).toBe(0);
    expect(w.written).toHaveLength(events);
  });

  it('finishes after a crash between the event and the deletion, never a deletion unproven', async () => {
    // Prepare
    const w = world(subjectRequests, packages);
    w.crashNextRemove();
    // Act
    await expect(eraseSubject(w.deps, erase)).rejects.toThrow('crash');
    const rerun = await eraseSubject(w.deps, erase);
    // Assess
    expect(rerun.exportPackages).toBe(2);
    expect([...w.files.keys()]).toEqual(['q-other']);
    expect(w.written.map((e) => e.details?.exportRequestId)).toEqual(['q-exp-1', 'q-exp-1', 'q-exp-2']);
  });
});
