import { describe, expect, it } from 'vitest';
import type { MemoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import type { SubjectRequest } from '#shared/domain/requests.ts';
import { ConflictError, ValidationError } from '#shared/errors.ts';
import { readRecord } from '#shared/use-cases/read-record.ts';
import {
  completeRequest,
  correctionOf,
  correctRecord,
  eraseSubject,
  exportSubject,
  type RequestInput,
  registerRequest,
} from '#shared/use-cases/subject-requests.ts';
import { eventsOf, expectTrailVerifies, ingest, killAtEveryCall, requestInput, sampleOf, world, filedAndApproved } from './world.ts';

const input = requestInput;

async function holding(): Promise<MemoryDeps> {
  const deps = world();
  await ingest(deps, sampleOf('ibk-0001', 'ibk-0002', 'tcg-pay-0002'));
  return deps;
}

/** Exports the subject's data and stores the package, as the export workflow does. */
async function exported(deps: MemoryDeps, requestId: string, subjectId: string) {
  const request = await registerRequest(deps, input(requestId, 'export', subjectId));
  const { pkg } = await exportSubject(deps, request);
  await deps.exports.save(requestId, pkg.files.map((f) => ({ name: f.name, bytes: f.bytes })));
  await completeRequest(deps, requestId, { status: 'completed', outcome: {}, reasons: [] });
  return pkg;
}

async function frozenBy(deps: MemoryDeps, subjectId: string): Promise<(readonly string[])[]> {
  const records = await deps.records.listBySubject(await deps.pseudonyms.pseudonym(subjectId));
  return records.map((r) => r.pendingRequests);
}

describe('registerRequest', () => {
  it('stores the request by pseudonym with its personal values sealed, and freezes the records', async () => {
    // Prepare
    const deps = await holding();
    // Act
    const request = await registerRequest(deps, input('req-1', 'export', 'S-IBK-1001'));
    // Assess
    const stored = await deps.requests.get('req-1');
    expect(stored).toEqual(request);
    expect(JSON.stringify(stored)).not.toMatch(/S-IBK-1001|ev-2026-001/);
    expect(await frozenBy(deps, 'S-IBK-1001')).toEqual([['req-1']]);
    expect(await eventsOf(deps, 'request')).toHaveLength(1);
  });

  it('returns the stored request on a retry and refuses the id for another type', async () => {
    // Prepare
    const deps = await holding();
    const first = await registerRequest(deps, input('req-1', 'export', 'S-IBK-1001'));
    // Act
    const again = await registerRequest(deps, input('req-1', 'export', 'S-IBK-1001'));
    const other = registerRequest(deps, input('req-1', 'erase', 'S-IBK-1001'));
    // Assess
    expect(again).toEqual(first);
    await expect(other).rejects.toBeInstanceOf(ConflictError);
    expect(await eventsOf(deps, 'request')).toHaveLength(1);
  });

  it.each([
    ['a path as request id', input('../exports/x', 'export', 'S-IBK-1001'), 'requestId'],
    ['a control character in the subject', input('req-2', 'export', 'S-IBK\u00001001'), 'subjectId'],
    ['an unknown verification', { ...input('req-3', 'erase', 'S-IBK-1001'), verification: { method: 'vibes', evidenceRef: 'x' } }, 'requester'],
    ['parameters on an erase', input('req-4', 'erase', 'S-IBK-1001', { recordId: 'ibk-0001' }), 'params'],
    ['a field the dataset does not have', input('req-5', 'correct', 'S-IBK-1002', { recordId: 'ibk-0002', set: { bogus: 1 } }), 'params.set.bogus'],
    ['another subject\u2019s record', input('req-6', 'correct', 'S-IBK-1001', { recordId: 'ibk-0002', set: { email: 'x@example.jp' } }), 'params.recordId'],
  ])('refuses %s naming the field, leaving no request, key, freeze or event', async (_what, hostile, path) => {
    // Prepare
    const deps = world();
    await ingest(deps, sampleOf('ibk-0002'));
    const keys = deps.keys.size;
    const head = await deps.audit.headSize();
    // Act
    const error = await registerRequest(deps, hostile as RequestInput).catch((e) => e);
    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.path)).toContain(path);
    expect(await deps.requests.get(hostile.requestId)).toBeUndefined();
    expect(deps.keys.size).toBe(keys);
    expect(await deps.audit.headSize()).toBe(head);
    expect(await frozenBy(deps, 'S-IBK-1002')).toEqual([[]]);
  });

  it('killed at every port call and retried, freezes the records and audits the request once', async () => {
    await killAtEveryCall(
      holding,
      (deps) => registerRequest(deps, input('req-k', 'export', 'S-IBK-1001')),
      (deps) => registerRequest(deps, input('req-k', 'export', 'S-IBK-1001')),
      async (deps, killedAt) => {
        await deps.audit.integrate();
        expect(await frozenBy(deps, 'S-IBK-1001'), `killed at ${killedAt}`).toEqual([['req-k']]);
        expect(await eventsOf(deps, 'request')).toHaveLength(1);
      },
    );
  });
});

describe('exportSubject', () => {
  it('discloses every held record of the subject in clear, audited per record, and releases the freeze', async () => {
    // Prepare
    const deps = await holding();
    // Act
    const pkg = await exported(deps, 'req-x', 'S-IBK-1001');
    // Assess
    const text = pkg.files.map((f) => Buffer.from(f.bytes).toString('utf8')).join('\n');
    expect(text).toContain('水戸 花子');
    expect(text).not.toContain('日立 太郎');
    expect(pkg.recordCount).toBe(1);
    expect(await deps.exports.packageObjects('req-x')).toBe(pkg.files.length);
    expect(await eventsOf(deps, 'export', 'ibk-0001')).toHaveLength(1);
    expect(await frozenBy(deps, 'S-IBK-1001')).toEqual([[]]);
    await expectTrailVerifies(deps);
  });
});

describe('eraseSubject', () => {
  it('erases the records, the key and every disclosure package of the subject', async () => {
    // Prepare
    const deps = await holding();
    await exported(deps, 'req-x', 'S-IBK-1001');
    const request = await filedAndApproved(deps, input('req-e', 'erase', 'S-IBK-1001'));
    // Act
    const result = await eraseSubject(deps, request);
    // Assess
    expect(result).toMatchObject({ erased: ['ibk-0001'], kept: [], keyDestroyed: true, exportPackages: 1 });
    expect(await deps.exports.packageObjects('req-x')).toBe(0);
    expect(await deps.keys.get(request.subjectPseudonym)).toBeUndefined();
    expect((await deps.records.get('ibk-0002'))?.status).toBe('active');
    await expectTrailVerifies(deps);
  });

  it('keeps a record the law requires, with the reason, and its key', async () => {
    // Prepare: tcg-pay-0002 is payroll kept by law until 2033
    const deps = await holding();
    const request = await filedAndApproved(deps, input('req-e', 'erase', 'S-TCG-E6002'));
    // Act
    const result = await eraseSubject(deps, request);
    // Assess
    expect(result.erased).toEqual([]);
    expect(result.kept[0]?.reason).toMatch(/retention required by law/);
    expect(result.keyDestroyed).toBe(false);
    expect((await deps.records.get('tcg-pay-0002'))?.status).toBe('active');
  });

  it('killed at every port call and rerun, ends with nothing of the subject and one event per erasure', async () => {
    const prepare = async () => {
      const deps = await holding();
      await exported(deps, 'req-x', 'S-IBK-1001');
      const request = await filedAndApproved(deps, input('req-e', 'erase', 'S-IBK-1001'));
      return { deps, request };
    };
    const run = ({ deps, request }: { deps: MemoryDeps; request: SubjectRequest }) => eraseSubject(deps, request);
    const calls = await killAtEveryCall(prepare, run, run, async ({ deps, request }, killedAt) => {
      expect((await deps.records.get('ibk-0001'))?.status, `killed at ${killedAt}`).toBe('erased');
      expect((await eventsOf(deps, 'erasure', 'ibk-0001')).filter((e) => e.outcome === 'ok')).toHaveLength(1);
      expect(await deps.objects.listVersions('records/ibk-0001/')).toEqual([]);
      expect(await deps.exports.packageObjects('req-x')).toBe(0);
      expect(await deps.keys.get(request.subjectPseudonym)).toBeUndefined();
      expect(await eventsOf(deps, 'key-destroyed')).toHaveLength(1);
      await expectTrailVerifies(deps);
    });
    expect(calls).toBeGreaterThan(8);
  });
});

describe('correctRecord', () => {
  it('changes a field sealed again, audited with the write, readable for a purpose', async () => {
    // Prepare
    const deps = await holding();
    const request = await filedAndApproved(
      deps,
      input('req-c', 'correct', 'S-IBK-1002', { recordId: 'ibk-0002', set: { email: 'taro@new.example.jp' }, unset: ['screeningNote'] }),
    );
    const change = await correctionOf(deps, request);
    // Act
    const result = await correctRecord(deps, request, change as NonNullable<typeof change>);
    // Assess
    expect(result.changed).toEqual(['email', 'screeningNote']);
    const read = await readRecord(deps, { recordId: 'ibk-0002', purpose: 'ibaraki-1', actor: 'admin:test' });
    expect(read.fields.email).toBe('taro@new.example.jp');
    expect(read.fields).not.toHaveProperty('screeningNote');
    expect(JSON.stringify(await deps.records.get('ibk-0002'))).not.toContain('taro@new');
    expect(await eventsOf(deps, 'correction', 'ibk-0002')).toHaveLength(1);
    await expectTrailVerifies(deps);
  });

  it('refuses a correction that puts sensitive facts into a field, changing nothing', async () => {
    // Prepare: the text bad-0007 of the refused sample was refused for at ingest
    const deps = world();
    await ingest(deps, sampleOf('ibk-0003'));
    const request = await filedAndApproved(
      deps,
      input('req-c', 'correct', 'S-IBK-1003', { recordId: 'ibk-0003', set: { desiredOccupation: '通院中のため短時間勤務を希望' } }),
    );
    const change = await correctionOf(deps, request);
    // Act
    const error = await correctRecord(deps, request, change as NonNullable<typeof change>).catch((e) => e);
    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.path)).toContain('fields.desiredOccupation');
    expect(await deps.records.get('ibk-0003')).toMatchObject({ version: 2 });
    expect(await eventsOf(deps, 'correction')).toHaveLength(0);
  });
});
