import { describe, expect, it } from 'vitest';
import type { MemoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import { ValidationError } from '#shared/errors.ts';
import { addHold } from '#shared/use-cases/manage-holds.ts';
import {
  decideRequest,
  extendRequest,
  pauseRequest,
  pausedDays,
  previewErasure,
  resumeRequest,
} from '#shared/use-cases/request-decisions.ts';
import { checkOpenRequests, eraseSubject, registerRequest } from '#shared/use-cases/subject-requests.ts';
import { eventsOf, expectTrailVerifies, ingest, killAtEveryCall, line, requestInput, sampleLines, sampleOf, world } from './world.ts';

/** A line of the sample, re-addressed to another record id and subject. */
function copyOf(recordId: string, as: { recordId: string; subjectId: string }) {
  const text = sampleLines().find((l) => JSON.parse(l.text).recordId === recordId)?.text as string;
  return line({ ...JSON.parse(text), ...as });
}

/** S-IBK-1001 holds ibk-0001 (erasable), ibk-hold (under a legal hold) and pay-law (payroll, kept by law). */
async function mixedSubject(): Promise<MemoryDeps> {
  const deps = world();
  await ingest(deps, [
    ...sampleOf('ibk-0001'),
    copyOf('ibk-0002', { recordId: 'ibk-hold', subjectId: 'S-IBK-1001' }),
    copyOf('tcg-pay-0002', { recordId: 'pay-law', subjectId: 'S-IBK-1001' }),
  ]);
  await addHold(deps, { target: { recordId: 'ibk-hold' }, reason: 'case 2026-9', actor: 'admin:legal' });
  return deps;
}

async function frozen(deps: MemoryDeps, subjectId: string): Promise<string[]> {
  return (await deps.records.listBySubject(await deps.pseudonyms.pseudonym(subjectId))).flatMap((r) => [...r.pendingRequests]);
}

describe('filing under approval (決裁)', () => {
  it('files an erasure of a public body\'s records as pending, names its controller and filer, and audits the filing', async () => {
    // Prepare
    const deps = world();
    await ingest(deps, sampleOf('ibk-0001'));
    // Act
    const filed = await registerRequest(deps, requestInput('q-1', 'erase', 'S-IBK-1001'));
    // Assess
    expect(filed).toMatchObject({ status: 'received', controllerId: 'ibaraki-pref', filedBy: 'clerk-1', approval: { state: 'pending' } });
    const [event] = await eventsOf(deps, 'request');
    expect(event?.details).toMatchObject({ requestId: 'q-1', operator: 'clerk-1', approval: 'pending', controller: 'ibaraki-pref' });
  });

  it('refuses to file it without an operator, and files a business\'s erasure without approval', async () => {
    // Prepare
    const deps = world();
    await ingest(deps, sampleOf('ibk-0001', 'gnm-0001'));
    const { operator: _none, ...anonymous } = requestInput('q-2', 'erase', 'S-IBK-1001');
    // Act
    const refused = await registerRequest(deps, anonymous).catch((e: unknown) => e);
    const business = await registerRequest(deps, requestInput('q-3', 'erase', 'S-GNM-2001'));
    // Assess
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).problems).toEqual([expect.objectContaining({ path: 'operator' })]);
    expect(await deps.requests.get('q-2')).toBeUndefined();
    expect(business.approval).toBeUndefined();
    expect(business.controllerId).toBe('gunma-yorozu');
  });

  it('refuses a controller not in the catalogue, and a hostile operator id', async () => {
    // Prepare
    const deps = world();
    await ingest(deps, sampleOf('ibk-0001'));
    // Act
    const unknown = await registerRequest(deps, { ...requestInput('q-4', 'erase', 'S-IBK-1001'), controllerId: 'no-such' }).catch((e: unknown) => e);
    const hostile = await registerRequest(deps, { ...requestInput('q-5', 'erase', 'S-IBK-1001'), operator: '<script>' }).catch((e: unknown) => e);
    // Assess
    expect((unknown as ValidationError).problems).toEqual([expect.objectContaining({ path: 'controllerId' })]);
    expect((hostile as ValidationError).problems).toEqual([expect.objectContaining({ path: 'operator' })]);
    expect(await deps.requests.listAll()).toEqual([]);
  });
});

describe('decideRequest', () => {
  it('refuses self-approval, changing nothing; a second operator approves, audited with the operator', async () => {
    // Prepare
    const deps = world();
    await ingest(deps, sampleOf('ibk-0001'));
    await registerRequest(deps, requestInput('q-a', 'erase', 'S-IBK-1001'));
    const before = await deps.requests.get('q-a');
    // Act
    const self = await decideRequest(deps, { requestId: 'q-a', operator: 'clerk-1', decision: 'approve' }).catch((e: unknown) => e);
    const unchanged = await deps.requests.get('q-a');
    const approved = await decideRequest(deps, { requestId: 'q-a', operator: 'chief-2', decision: 'approve' });
    // Assess
    expect(self).toBeInstanceOf(ValidationError);
    expect((self as ValidationError).problems[0]).toMatchObject({ path: 'operator', message: expect.stringContaining('cannot approve') });
    expect(unchanged).toEqual(before);
    expect(approved.approval).toMatchObject({ state: 'approved', decidedBy: 'chief-2' });
    expect(approved.status).toBe('received');
    expect(approved.timeline?.map((t) => t.kind)).toEqual(['filed', 'approved']);
    const decisions = (await eventsOf(deps, 'request')).filter((e) => e.details?.decision !== undefined);
    expect(decisions.map((e) => [e.actor, e.details?.decision])).toEqual([['operator:chief-2', 'approved']]);
    await expectTrailVerifies(deps);
  });

  it('refuses a second decision, a withdrawal by another operator and a rejection without reason', async () => {
    // Prepare
    const deps = world();
    await ingest(deps, sampleOf('ibk-0001'));
    await registerRequest(deps, requestInput('q-b', 'erase', 'S-IBK-1001'));
    // Act
    const byOther = await decideRequest(deps, { requestId: 'q-b', operator: 'chief-2', decision: 'withdraw', reason: 'x' }).catch((e: unknown) => e);
    const noReason = await decideRequest(deps, { requestId: 'q-b', operator: 'chief-2', decision: 'reject' }).catch((e: unknown) => e);
    await decideRequest(deps, { requestId: 'q-b', operator: 'chief-2', decision: 'approve' });
    const again = await decideRequest(deps, { requestId: 'q-b', operator: 'chief-3', decision: 'reject', reason: 'late' }).catch((e: unknown) => e);
    // Assess
    expect((byOther as ValidationError).problems[0]?.message).toContain('only the operator who filed it');
    expect((noReason as ValidationError).problems[0]?.path).toBe('reason');
    expect((again as ValidationError).problems[0]?.message).toContain('already approved by chief-2');
  });

  it('a rejection ends the request, releases the records its correction froze, and erases nothing', async () => {
    // Prepare
    const deps = world();
    await ingest(deps, sampleOf('ibk-0001'));
    await registerRequest(deps, requestInput('q-c', 'correct', undefined, { recordId: 'ibk-0001', set: { phone: '029-000-0000' } }));
    const frozenBefore = await frozen(deps, 'S-IBK-1001');
    // Act
    const rejected = await decideRequest(deps, { requestId: 'q-c', operator: 'chief-2', decision: 'reject', reason: '訂正の根拠資料なし' });
    // Assess
    expect(frozenBefore).toEqual(['q-c']);
    expect(rejected).toMatchObject({ status: 'rejected', approval: { state: 'rejected', decidedBy: 'chief-2' } });
    expect(rejected.completedAt).toBeDefined();
    expect(await frozen(deps, 'S-IBK-1001')).toEqual([]);
    expect(await deps.records.get('ibk-0001')).toMatchObject({ recordId: 'ibk-0001' });
    const [decision] = (await eventsOf(deps, 'request')).filter((e) => e.details?.decision === 'rejected');
    expect(JSON.stringify(decision)).not.toContain('訂正の根拠資料なし');
  });

  it('killed at every port call and rerun, ends rejected once, with one decision event and no record left frozen', async () => {
    const calls = await killAtEveryCall(
      async () => {
        const deps = world();
        await ingest(deps, sampleOf('ibk-0001'));
        await registerRequest(deps, requestInput('q-k', 'correct', undefined, { recordId: 'ibk-0001', set: { phone: '029-000-0000' } }));
        return deps;
      },
      (deps) => decideRequest(deps, { requestId: 'q-k', operator: 'chief-2', decision: 'reject', reason: 'r' }),
      (deps) => decideRequest(deps, { requestId: 'q-k', operator: 'chief-2', decision: 'reject', reason: 'r' }),
      async (deps) => {
        expect((await deps.requests.get('q-k'))?.status).toBe('rejected');
        expect(await frozen(deps, 'S-IBK-1001')).toEqual([]);
        expect((await eventsOf(deps, 'request')).filter((e) => e.details?.decision === 'rejected')).toHaveLength(1);
        await expectTrailVerifies(deps);
      },
    );
    expect(calls).toBeGreaterThan(2);
  });
});

describe('previewErasure', () => {
  it('shows what the approved erasure then does: erased, kept by law with reference and date, kept under hold', async () => {
    // Prepare
    const deps = await mixedSubject();
    const filed = await registerRequest(deps, requestInput('q-p', 'erase', 'S-IBK-1001'));
    // Act
    const preview = await previewErasure(deps, filed);
    const approved = await decideRequest(deps, { requestId: 'q-p', operator: 'chief-2', decision: 'approve' });
    const done = await eraseSubject(deps, approved);
    // Assess
    expect(preview.counts).toEqual({ erase: 1, keepLaw: 1, keepHold: 1 });
    expect(preview.erase.map((r) => r.recordId)).toEqual(done.erased);
    expect(preview.keep.map((k) => ({ recordId: k.recordId, reason: k.reason }))).toEqual(done.kept);
    expect(preview.keyDestroyed).toBe(done.keyDestroyed);
    const law = preview.keep.find((k) => k.ground === 'law');
    expect(law?.reference).toContain('所得税法');
    expect(law?.until).toMatch(/^\d{4}-/);
    expect(preview.keep.find((k) => k.ground === 'hold')?.reference).toBe('case 2026-9');
  });

  it('predicts the key\'s destruction when nothing is kept, as the erasure then does', async () => {
    // Prepare
    const deps = world();
    await ingest(deps, sampleOf('ibk-0001'));
    const filed = await registerRequest(deps, requestInput('q-all', 'erase', 'S-IBK-1001'));
    // Act
    const preview = await previewErasure(deps, filed);
    const done = await eraseSubject(deps, await decideRequest(deps, { requestId: 'q-all', operator: 'chief-2', decision: 'approve' }));
    // Assess
    expect(preview.erase.map((r) => r.recordId)).toEqual(done.erased);
    expect(preview.keyDestroyed).toBe(true);
    expect(done.keyDestroyed).toBe(true);
  });
});

describe('the deadline\'s course', () => {
  it('gives a prefecture\'s request the 30 days of Art. 83(1), moved past the year-end closure to the next working day', async () => {
    // Prepare: received 2026-12-01 (JST); day 30 is 2026-12-31, closed (12-29..01-03), so is 01-01..01-03 (and 01-03 is a Sunday)
    const deps = world('2026-12-01T01:00:00Z');
    await ingest(deps, sampleOf('ibk-0001'));
    // Act
    const filed = await registerRequest(deps, requestInput('q-d', 'export', 'S-IBK-1001'));
    // Assess
    expect(filed.deadline).toBe('2027-01-04T14:59:59.999Z');
  });

  it('extends once with a reason, moved past closed days, and refuses a second extension', async () => {
    // Prepare
    const deps = world();
    await ingest(deps, sampleOf('ibk-0001'));
    const filed = await registerRequest(deps, requestInput('q-x', 'export', 'S-IBK-1001'));
    // Act
    const extended = await extendRequest(deps, { requestId: 'q-x', operator: 'chief-2', days: 30, reason: '資料が大量のため' });
    const twice = await extendRequest(deps, { requestId: 'q-x', operator: 'chief-2', days: 5, reason: 'again' }).catch((e: unknown) => e);
    // Assess
    expect(Date.parse(extended.deadline)).toBeGreaterThanOrEqual(Date.parse(filed.deadline) + 30 * 86_400_000);
    expect(extended.extension).toEqual({ days: 30, reason: '資料が大量のため' });
    expect((twice as ValidationError).problems[0]?.path).toBe('extension');
    expect((await eventsOf(deps, 'request')).filter((e) => e.details?.decision === 'extended')).toHaveLength(1);
  });

  it('a paused request is not overdue; resuming moves the deadline by the days the clock stood still', async () => {
    // Prepare
    const deps = world('2026-12-01T01:00:00Z');
    // A business without a closed-day rule: the deadline moves by exactly the days paused.
    await ingest(deps, sampleOf('gnm-0002'));
    const filed = await registerRequest(deps, requestInput('q-z', 'export', 'S-GNM-2002'));
    await pauseRequest(deps, { requestId: 'q-z', operator: 'clerk-1', reason: '本人確認書類の追完を依頼' });
    expect(filed.controllerId).toBe('gunma-yorozu');
    deps.clock.set('2027-01-05T01:00:00Z');
    // Act
    const overdueWhilePaused = await checkOpenRequests(deps);
    const resumed = await resumeRequest(deps, { requestId: 'q-z', operator: 'clerk-1' });
    // Assess
    expect(overdueWhilePaused).toEqual([]);
    expect(resumed.pausedSince).toBeUndefined();
    expect(resumed.timeline?.at(-1)).toMatchObject({ kind: 'resumed', days: 35 });
    expect(Date.parse(resumed.deadline) - Date.parse(filed.deadline)).toBe(35 * 86_400_000);
  });

  it('counts paused days by JST calendar day', () => {
    expect(pausedDays('2026-12-01T14:59:00Z', new Date('2026-12-01T15:01:00Z'))).toBe(1);
    expect(pausedDays('2026-12-01T15:01:00Z', new Date('2026-12-02T14:00:00Z'))).toBe(0);
    expect(pausedDays('2026-12-02T00:00:00Z', new Date('2026-12-01T00:00:00Z'))).toBe(0);
  });
});
