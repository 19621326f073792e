/**
 * What operators decide on a filed request (決裁 and the deadline's
 * course): approve, reject, withdraw; extend the deadline once (Art.
 * 83(2)); pause the clock while waiting for the requester and resume it.
 * Each decision is one conditional write of the request together with its
 * audit event (both or neither), naming the operator; the operator's
 * free-text reason stays in the request, never in the trail. Also the
 * erasure preview an approver reads, computed by the rule the erasure
 * itself applies.
 */
import type { Controller } from '../domain/catalogue-types.ts';
import { type ApprovalDecision, decideApproval, operatorProblems, reasonProblems } from '../domain/request-approval.ts';
import { deadlineRule, extendDeadline, shiftDeadline } from '../domain/request-deadlines.ts';
import type { SubjectRequest, TimelineEntry } from '../domain/requests.ts';
import { isTombstone } from '../domain/record.ts';
import { ConflictError, NotFoundError, type Problem, ValidationError } from '../errors.ts';
import type { AuditEventInput } from '../ports/index.ts';
import { erasureKeepGround, type KeepGround, type RequestDeps, setPending } from './subject-requests.ts';

async function load(deps: RequestDeps, requestId: string): Promise<SubjectRequest> {
  const request = await deps.requests.get(requestId);
  if (request === undefined) {
    throw new NotFoundError(`request ${requestId} does not exist`);
  }
  return request;
}

function refuse(requestId: string, what: string, problems: Problem[]): void {
  if (problems.length > 0) throw new ValidationError(`request ${requestId} cannot be ${what}`, problems);
}

/** The audit event of an operator's decision: ids and facts only. */
function decisionEvent(deps: RequestDeps, request: SubjectRequest, operator: string, decision: string, facts: Record<string, string | number> = {}): AuditEventInput {
  return {
    action: 'request',
    actor: `operator:${operator}`,
    subjectPseudonym: request.subjectPseudonym,
    policyVersion: deps.catalogue.version,
    outcome: 'ok',
    details: { requestId: request.requestId, type: request.type, decision, operator, ...facts },
  };
}

/** The controllers whose deadline rule a request follows. */
function controllersOf(deps: RequestDeps, request: SubjectRequest): readonly Controller[] {
  const all = deps.catalogue.controllers;
  const named = all.find((c) => c.id === request.controllerId);
  return named === undefined ? all : [named];
}

/** The rule of the controller (the first candidate's when none is named). */
function ruleOf(deps: RequestDeps, request: SubjectRequest) {
  return deadlineRule(controllersOf(deps, request)[0]?.requestDeadline);
}

/** Writes `next` over `request` with its event; a concurrent change is reported, not overwritten. */
async function write(deps: RequestDeps, request: SubjectRequest, next: SubjectRequest, event: AuditEventInput): Promise<SubjectRequest> {
  try {
    await deps.requests.update(next, request.version, [event]);
  } catch (error) {
    if (error instanceof ConflictError) {
      throw new ConflictError(`request ${request.requestId} was changed by someone else meanwhile; look at it again (wasure request show ${request.requestId})`);
    }
    throw error;
  }
  await deps.audit.integrate();
  return next;
}

/** An operator's decision on a filed request. */
export interface DecisionInput {
  readonly requestId: string;
  readonly operator: string;
  readonly decision: ApprovalDecision;
  /** Required for reject and withdraw. */
  readonly reason?: string;
}

/**
 * Approves, rejects or withdraws a filed request. The filer cannot
 * approve (four eyes); only the filer withdraws; reject and withdraw need
 * a reason, end the request (status `rejected` / `withdrawn`) and release
 * its freeze. Approval changes nothing else: the caller then runs the
 * request's workflow, which refuses to run one not approved. Repeating the
 * same decision by the same operator (a retry after a crash) answers the
 * request as it stands and finishes the release.
 */
export async function decideRequest(deps: RequestDeps, input: DecisionInput): Promise<SubjectRequest> {
  refuse(input.requestId, 'decided', [...operatorProblems(input.operator), ...reasonProblems(input.reason)]);
  const request = await load(deps, input.requestId);
  const done = { approve: 'approved', reject: 'rejected', withdraw: 'withdrawn' }[input.decision];
  if (request.approval?.state === done && request.approval.decidedBy === input.operator) {
    if (done !== 'approved') await setPending(deps, request.subjectPseudonym, request.requestId, false);
    // The decision's event was staged with it; a crash may have left it unchained.
    await deps.audit.integrate();
    return request;
  }
  const now = deps.clock.now();
  const approval = decideApproval(request.approval, request.filedBy, input.operator, input.decision, input.reason, now);
  const entry: TimelineEntry = {
    kind: approval.state as TimelineEntry['kind'],
    at: now.toISOString(),
    by: input.operator,
    ...(input.reason === undefined || input.reason.trim() === '' ? {} : { reason: input.reason.trim() }),
  };
  const ends = approval.state !== 'approved';
  const next: SubjectRequest = {
    ...request,
    approval,
    timeline: [...(request.timeline ?? []), entry],
    ...(ends
      ? {
          status: approval.state === 'rejected' ? ('rejected' as const) : ('withdrawn' as const),
          outcome: { decision: approval.state },
          reasons: [...request.reasons, `${approval.state} by ${input.operator}: ${(input.reason ?? '').trim()}`],
          completedAt: now.toISOString(),
        }
      : {}),
    version: request.version + 1,
  };
  const written = await write(deps, request, next, decisionEvent(deps, request, input.operator, approval.state));
  if (ends) await setPending(deps, written.subjectPseudonym, written.requestId, false);
  return written;
}

/** Problems that stop a change to an open request's deadline. */
function openProblems(request: SubjectRequest): Problem[] {
  return request.status === 'received' ? [] : [{ path: 'request', message: `is ${request.status}: only an open request's deadline changes` }];
}

/**
 * Extends an open request's deadline once, by 1 to 30 days, with the
 * written reason the requester is told (Art. 83(2)), under the controller's
 * closed-day rule. Audited with the days and the new deadline.
 */
export async function extendRequest(
  deps: RequestDeps,
  input: { readonly requestId: string; readonly operator: string; readonly days: number; readonly reason: string },
): Promise<SubjectRequest> {
  refuse(input.requestId, 'extended', [...operatorProblems(input.operator), ...reasonProblems(input.reason)]);
  const request = await load(deps, input.requestId);
  refuse(input.requestId, 'extended', openProblems(request));
  const extended = extendDeadline(
    { deadline: request.deadline, ...(request.extension === undefined ? {} : { extension: request.extension }) },
    ruleOf(deps, request),
    input.days,
    input.reason,
  );
  const now = deps.clock.now();
  const next: SubjectRequest = {
    ...request,
    deadline: extended.deadline,
    ...(extended.extension === undefined ? {} : { extension: extended.extension }),
    timeline: [...(request.timeline ?? []), { kind: 'extended', at: now.toISOString(), by: input.operator, reason: input.reason.trim(), days: input.days }],
    version: request.version + 1,
  };
  return write(deps, request, next, decisionEvent(deps, request, input.operator, 'extended', { days: input.days, deadline: extended.deadline }));
}

/**
 * Stops an open request's clock while the requester is asked for
 * something (補正: the days it takes do not count, Art. 83(1)); the
 * overdue check passes a paused request by.
 */
export async function pauseRequest(
  deps: RequestDeps,
  input: { readonly requestId: string; readonly operator: string; readonly reason: string },
): Promise<SubjectRequest> {
  refuse(input.requestId, 'paused', [
    ...operatorProblems(input.operator),
    ...reasonProblems(input.reason),
    ...(input.reason.trim() === '' ? [{ path: 'reason', message: 'a pause needs a reason: what the requester was asked for (--reason TEXT)' }] : []),
  ]);
  const request = await load(deps, input.requestId);
  refuse(input.requestId, 'paused', [
    ...openProblems(request),
    ...(request.pausedSince === undefined ? [] : [{ path: 'request', message: `is already paused since ${request.pausedSince}` }]),
  ]);
  const now = deps.clock.now();
  const next: SubjectRequest = {
    ...request,
    pausedSince: now.toISOString(),
    timeline: [...(request.timeline ?? []), { kind: 'paused', at: now.toISOString(), by: input.operator, reason: input.reason.trim() }],
    version: request.version + 1,
  };
  return write(deps, request, next, decisionEvent(deps, request, input.operator, 'paused'));
}

/** Whole JST calendar days from `since` to `now` that the clock stood still (the day of the pause counts once it has begun). */
export function pausedDays(since: string, now: Date): number {
  const day = (at: number) => Math.floor((at + 9 * 3_600_000) / 86_400_000);
  return Math.max(0, day(now.getTime()) - day(Date.parse(since)));
}

/** Starts a paused request's clock again: the deadline moves by the days it stood still. */
export async function resumeRequest(
  deps: RequestDeps,
  input: { readonly requestId: string; readonly operator: string },
): Promise<SubjectRequest> {
  refuse(input.requestId, 'resumed', operatorProblems(input.operator));
  const request = await load(deps, input.requestId);
  refuse(input.requestId, 'resumed', [
    ...openProblems(request),
    ...(request.pausedSince === undefined ? [{ path: 'request', message: 'is not paused' }] : []),
  ]);
  const now = deps.clock.now();
  const days = pausedDays(request.pausedSince as string, now);
  const deadline = shiftDeadline(request.deadline, days, ruleOf(deps, request));
  const { pausedSince: _since, ...rest } = request;
  const next: SubjectRequest = {
    ...rest,
    deadline,
    timeline: [...(request.timeline ?? []), { kind: 'resumed', at: now.toISOString(), by: input.operator, days }],
    version: request.version + 1,
  };
  return write(deps, request, next, decisionEvent(deps, request, input.operator, 'resumed', { days, deadline }));
}

/** What an erasure request would do, as its approver sees it before deciding. */
export interface ErasurePreview {
  /** Records it would erase (ids), with their dataset. */
  readonly erase: readonly { readonly recordId: string; readonly dataset: string }[];
  /** Records it would keep, with the ground. */
  readonly keep: readonly ({ readonly recordId: string; readonly dataset: string } & KeepGround)[];
  /** Whether the subject's key would be destroyed (nothing kept). */
  readonly keyDestroyed: boolean;
  /** The subject's disclosure packages it would remove (export requests made). */
  readonly exportRequests: number;
  /** Other open requests of the subject (ids and types), which the erasure does not wait for. */
  readonly openRequests: readonly { readonly requestId: string; readonly type: string }[];
  /** Counts. */
  readonly counts: { readonly erase: number; readonly keepLaw: number; readonly keepHold: number };
}

/**
 * The erasure preview: each live record of the subject with what the
 * erasure would do to it at `now`, by the same rule (erasureKeepGround).
 */
export async function previewErasure(deps: RequestDeps, request: SubjectRequest): Promise<ErasurePreview> {
  const now = deps.clock.now();
  const erase: { recordId: string; dataset: string }[] = [];
  const keep: ({ recordId: string; dataset: string } & KeepGround)[] = [];
  for (const record of await deps.records.listBySubject(request.subjectPseudonym)) {
    if (isTombstone(record)) continue;
    const ground = erasureKeepGround(record, now);
    if (ground === undefined) erase.push({ recordId: record.recordId, dataset: record.dataset });
    else keep.push({ recordId: record.recordId, dataset: record.dataset, ...ground });
  }
  const others = (await deps.requests.listBySubject(request.subjectPseudonym)).filter((r) => r.requestId !== request.requestId);
  return {
    erase,
    keep,
    keyDestroyed: keep.length === 0,
    exportRequests: others.filter((r) => r.type === 'export').length,
    openRequests: others.filter((r) => r.status === 'received').map((r) => ({ requestId: r.requestId, type: r.type })),
    counts: { erase: erase.length, keepLaw: keep.filter((k) => k.ground === 'law').length, keepHold: keep.filter((k) => k.ground === 'hold').length },
  };
}
