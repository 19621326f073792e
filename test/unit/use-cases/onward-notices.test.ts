import { describe, expect, it } from 'vitest';
import type { MemoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import type { RequestEvent } from '#shared/domain/request-event.ts';
import type { SubjectRequest } from '#shared/domain/requests.ts';
import { ValidationError } from '#shared/errors.ts';
import { requestTasks } from '#functions/workflow/request-tasks.ts';
import { draftOnwardNotices, markOnwardSent, onwardLetters } from '#shared/use-cases/onward-notices.ts';
import { provide } from '#shared/use-cases/provision-records.ts';
import { decideRequest } from '#shared/use-cases/request-decisions.ts';
import { registerRequest } from '#shared/use-cases/subject-requests.ts';
import { expectTrailVerifies, ingest, killAtEveryCall, requestInput, sampleOf, world } from './world.ts';

const SUBJECT = 'S-IBK-1001';
const RECIPIENT = 'ibaraki-employers';

type World = MemoryDeps & { published: RequestEvent[] };

/** The subject's records held and provided to an employer, then a request filed and approved (決裁). */
async function provided(type: 'erase' | 'correct' = 'erase'): Promise<World> {
  const deps = world();
  await ingest(deps, sampleOf('ibk-0001', 'ibk-0002'));
  await provide(deps, { subjectId: SUBJECT, recipientId: RECIPIENT, basis: 'consent', consentRef: 'ibk-reg-form-v3', actor: 'admin:test' });
  const params = type === 'correct' ? { recordId: 'ibk-0001', set: { email: 'new@example.jp' } } : undefined;
  await registerRequest(deps, requestInput('req-1', type, type === 'correct' ? undefined : SUBJECT, params));
  await decideRequest(deps, { requestId: 'req-1', operator: 'chief-2', decision: 'approve' });
  return { ...deps, published: [] };
}

/** The request's workflow as the state machine runs it: execute, then complete. */
async function carryOut(deps: World, type: 'erase' | 'correct' = 'erase'): Promise<SubjectRequest> {
  const tasks = requestTasks({ ...deps, events: { publish: async (e) => void deps.published.push(e) } });
  const executed = await tasks.execute(type)({ requestId: 'req-1' });
  await tasks.complete(executed);
  return (await deps.requests.get('req-1')) as SubjectRequest;
}

async function onwardEvents(deps: MemoryDeps, onward: string) {
  return (await deps.audit.readEvents()).filter((e) => e.action === 'request' && e.details?.onward === onward);
}

describe('onward notices', () => {
  it('lists the recipient the erased subject was provided to, drafted, with the provision record id', async () => {
    // Prepare
    const deps = await provided();
    // Act
    const done = await carryOut(deps);
    // Assess
    const provision = (await deps.audit.readEvents()).find((e) => e.action === 'provision');
    // The provision record itself is kept for its own statutory period: partially completed.
    expect(done.status).toBe('partially-completed');
    expect(done.onward).toEqual([
      { recipientId: RECIPIENT, provisionedAt: provision?.time, provisionRecordId: provision?.recordId, records: 1, state: 'drafted' },
    ]);
    expect(await onwardEvents(deps, 'drafted')).toHaveLength(1);
    expect(deps.published.map((e) => e.detail)).toEqual([
      { requestId: 'req-1', type: 'erase', status: 'partially-completed', controllerId: 'ibaraki-pref', completedAt: done.completedAt, onwardRecipients: [RECIPIENT] },
    ]);
    await expectTrailVerifies(deps);
  });

  it('writes one letter per recipient in the controller\'s name, without the subject', async () => {
    // Prepare
    const deps = await provided();
    const done = await carryOut(deps);
    // Act
    const letters = await onwardLetters(deps, done);
    // Assess
    expect(letters.map((l) => l.recipientId)).toEqual([RECIPIENT]);
    const html = letters[0]?.html ?? '';
    expect(html).toContain('会員が応募した企業等');
    expect(html).toContain(done.onward?.[0]?.provisionRecordId as string);
    expect(html).toContain('第97条');
    for (const personal of [SUBJECT, done.subjectPseudonym, 'req-1', '水戸 花子', 'hanako@example.jp']) expect(html).not.toContain(personal);
  });

  it('names a correction\'s fields by their catalogue labels', async () => {
    // Prepare
    const deps = await provided('correct');
    const done = await carryOut(deps, 'correct');
    // Act
    const letters = await onwardLetters(deps, done);
    // Assess
    expect(done.onward?.map((n) => n.recipientId)).toEqual([RECIPIENT]);
    expect(letters[0]?.html).toContain('メールアドレス');
    expect(letters[0]?.html).not.toContain('new@example.jp');
  });

  it('marks a notice sent, audited with the operator, and keeps it sent when drafted again', async () => {
    // Prepare
    const deps = await provided();
    await carryOut(deps);
    // Act
    const sent = await markOnwardSent(deps, { requestId: 'req-1', recipientId: RECIPIENT, operator: 'clerk-3' });
    const again = await draftOnwardNotices({ ...deps, trail: deps.audit }, 'req-1');
    // Assess
    expect(sent.onward?.[0]).toMatchObject({ state: 'sent', sentBy: 'clerk-3', sentAt: '2026-12-01T00:00:00.000Z' });
    expect(again.onward).toEqual(sent.onward);
    const events = await onwardEvents(deps, 'sent');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: 'operator:clerk-3', details: { recipient: RECIPIENT, operator: 'clerk-3', requestId: 'req-1' } });
    expect(await onwardEvents(deps, 'drafted')).toHaveLength(1);
    await expectTrailVerifies(deps);
  });

  it.each([
    ['an unknown recipient', { recipientId: 'nobody' }, 'recipientId'],
    ['a bad operator id', { operator: '山田 太郎' }, 'operator'],
    ['no operator', { operator: '' }, 'operator'],
  ])('refuses %s, naming the field, changing nothing', async (_what, change, path) => {
    // Prepare
    const deps = await provided();
    const before = await carryOut(deps);
    // Act
    const error = await markOnwardSent(deps, { requestId: 'req-1', recipientId: RECIPIENT, operator: 'clerk-3', ...change }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.path)).toEqual([path]);
    expect(await deps.requests.get('req-1')).toEqual(before);
  });

  it('refuses a notice already marked sent', async () => {
    // Prepare
    const deps = await provided();
    await carryOut(deps);
    await markOnwardSent(deps, { requestId: 'req-1', recipientId: RECIPIENT, operator: 'clerk-3' });
    // Act
    const error = await markOnwardSent(deps, { requestId: 'req-1', recipientId: RECIPIENT, operator: 'clerk-4' }).catch((e: unknown) => e);
    // Assess
    expect((error as ValidationError).problems).toEqual([{ path: 'recipientId', message: expect.stringContaining('already marked sent by clerk-3') }]);
  });

  it('refuses to draft for a request that is not a completed correction or erasure', async () => {
    // Prepare
    const deps = await provided();
    // Act
    const error = await draftOnwardNotices({ ...deps, trail: deps.audit }, 'req-1').catch((e: unknown) => e);
    // Assess
    expect((error as ValidationError).problems.map((p) => p.path)).toEqual(['requestId']);
  });

  it('drafts an empty list for a subject never provided to anyone', async () => {
    // Prepare
    const deps = { ...world(), published: [] as RequestEvent[] };
    await ingest(deps, sampleOf('ibk-0002'));
    await registerRequest(deps, requestInput('req-1', 'erase', 'S-IBK-1002'));
    await decideRequest(deps, { requestId: 'req-1', operator: 'chief-2', decision: 'approve' });
    // Act
    const done = await carryOut(deps);
    // Assess
    expect(done.onward).toEqual([]);
    expect(deps.published[0]?.detail.onwardRecipients).toEqual([]);
  });

  it.each([false, true])('drafts exactly once however the completion is killed and rerun (killed after the call took effect: %s)', async (afterEffect) => {
    const calls = await killAtEveryCall(
      async () => {
        const deps = await provided();
        const tasks = requestTasks({ ...deps, events: { publish: async (e) => void deps.published.push(e) } });
        const executed = await tasks.execute('erase')({ requestId: 'req-1' });
        return { deps, complete: () => tasks.complete(executed) };
      },
      (state) => state.complete(),
      (state) => state.complete(),
      async ({ deps }, killedAt) => {
        const done = (await deps.requests.get('req-1')) as SubjectRequest;
        expect(done.onward?.map((n) => [n.recipientId, n.state]), `killed at ${killedAt}`).toEqual([[RECIPIENT, 'drafted']]);
        expect(await onwardEvents(deps, 'drafted'), `killed at ${killedAt}`).toHaveLength(1);
        expect(deps.published.at(-1)?.detail.onwardRecipients).toEqual([RECIPIENT]);
        await expectTrailVerifies(deps);
      },
      { afterEffect },
    );
    expect(calls).toBeGreaterThan(5);
  });
});
