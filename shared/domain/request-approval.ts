/**
 * Four-eyes approval of requests (決裁): one operator files, another
 * approves or rejects, before anything changes. Also the request's
 * timeline (filed, decided, extended, paused, resumed), which the notices
 * and the annual statistics read. Pure; the use cases store and audit it.
 */
import { LifecycleError, type Problem, ValidationError } from '../errors.ts';
import { type Approval, type ApprovalState, REQUEST_TYPES, type RequestType, type SubjectRequest } from './requests.ts';

/** What may need approval: a request type, or a manual sweep outside the schedule. */
export type ApprovalSubject = RequestType | 'sweep';

/** Everything that may be put under approval. */
export const APPROVAL_SUBJECTS: readonly ApprovalSubject[] = [...REQUEST_TYPES, 'sweep'];

/**
 * A controller's approval policy as the catalogue states it:
 * `{ "requires": ["erase", "correct", "sweep"] }`. @default nothing needs approval
 */
export interface ApprovalSetting {
  /** What is filed and then approved by a second operator. */
  readonly requires: readonly ApprovalSubject[];
}

/** Operator ids: staff ids, not names. */
export const OPERATOR_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@:/-]{0,127}$/;

/** Problems of an operator id given as `path` (empty when acceptable). */
export function operatorProblems(value: string | undefined, path = 'operator'): Problem[] {
  if (value === undefined || value === '') {
    return [{ path, message: 'an operator must be identified (--operator ID or WASURE_OPERATOR)' }];
  }
  if (!OPERATOR_PATTERN.test(value)) {
    return [
      {
        path,
        message: `"${value.slice(0, 40)}" is not an operator id: 1 to 128 letters, digits, ".", "_", "@", ":", "/" or "-" (a staff id, not a name)`,
      },
    ];
  }
  return [];
}

/** Problems of a catalogue's `approval` setting at `path`. */
export function approvalSettingProblems(value: unknown, path: string): Problem[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [{ path, message: 'must be an object like { "requires": ["erase", "correct"] }' }];
  }
  const o = value as Record<string, unknown>;
  const problems: Problem[] = [];
  for (const key of Object.keys(o)) {
    if (key !== 'requires') problems.push({ path: `${path}.${key}`, message: 'is not a known setting (requires)' });
  }
  if (!Array.isArray(o.requires)) {
    problems.push({ path: `${path}.requires`, message: `must be a list of ${APPROVAL_SUBJECTS.join(', ')}` });
    return problems;
  }
  o.requires.forEach((s, i) => {
    if (!(APPROVAL_SUBJECTS as readonly unknown[]).includes(s)) {
      problems.push({ path: `${path}.requires[${i}]`, message: `"${String(s)}" is not one of ${APPROVAL_SUBJECTS.join(', ')}` });
    }
  });
  return problems;
}

/** Whether `subject` needs approval under a controller's setting. */
export function needsApproval(setting: ApprovalSetting | undefined, subject: ApprovalSubject): boolean {
  return setting?.requires.includes(subject) ?? false;
}


/** A decision an operator takes on a filed request. */
export type ApprovalDecision = 'approve' | 'reject' | 'withdraw';

/**
 * The approval after `operator` takes `decision` on a request `filedBy`
 * another. Refused ({@link ValidationError} naming the field): a request
 * that needs no approval or was already decided, self-approval (the filer
 * may only withdraw), a rejection or withdrawal without a reason.
 */
export function decideApproval(
  current: Approval | undefined,
  filedBy: string | undefined,
  operator: string,
  decision: ApprovalDecision,
  reason: string | undefined,
  at: Date,
): Approval {
  const problems: Problem[] = [...operatorProblems(operator)];
  if (current === undefined) {
    problems.push({ path: 'request', message: 'this request needed no approval and has been carried out' });
  } else if (current.state !== 'pending') {
    problems.push({
      path: 'request',
      message: `was already ${current.state}${current.decidedBy === undefined ? '' : ` by ${current.decidedBy}`}${current.decidedAt === undefined ? '' : ` at ${current.decidedAt}`}`,
    });
  }
  if (decision === 'approve' && filedBy !== undefined && operator === filedBy) {
    problems.push({
      path: 'operator',
      message: `${operator} filed this request and cannot approve it: a second operator must (決裁, four eyes)`,
    });
  }
  if (decision === 'withdraw' && filedBy !== undefined && operator !== filedBy) {
    problems.push({ path: 'operator', message: `only the operator who filed it (${filedBy}) withdraws a request; reject it instead` });
  }
  if (decision !== 'approve' && (reason === undefined || reason.trim() === '')) {
    problems.push({ path: 'reason', message: `a ${decision === 'reject' ? 'rejection' : 'withdrawal'} needs a reason (--reason TEXT)` });
  }
  if (problems.length > 0) {
    throw new ValidationError(`the request cannot be ${decision === 'approve' ? 'approved' : decision === 'reject' ? 'rejected' : 'withdrawn'}`, problems);
  }
  const state: ApprovalState = decision === 'approve' ? 'approved' : decision === 'reject' ? 'rejected' : 'withdrawn';
  return { state, decidedBy: operator, decidedAt: at.toISOString() };
}


/** Longest reason kept, in characters. */
export const MAX_REASON_LENGTH = 1000;

/** Problems of an officer's free-text reason at `path`. */
export function reasonProblems(value: string | undefined, path = 'reason'): Problem[] {
  if (value === undefined) return [];
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters other than line breaks
  if (value.length > MAX_REASON_LENGTH || /[\u0000-\u0009\u000b-\u001f\u007f]/.test(value)) {
    return [{ path, message: `must be at most ${MAX_REASON_LENGTH} characters without control characters` }];
  }
  return [];
}

/** Why a request's workflow may not run now, or undefined when it may: approval pending, rejected or withdrawn. */
export function notApproved(request: Pick<SubjectRequest, 'requestId' | 'approval'>): string | undefined {
  const state = request.approval?.state;
  if (state === undefined || state === 'approved') return undefined;
  return state === 'pending'
    ? `request ${request.requestId} awaits approval by a second operator (wasure request approve ${request.requestId} --operator ID); nothing is changed before`
    : `request ${request.requestId} was ${state}; it is not carried out`;
}

/**
 * Refuses (LifecycleError) to act on a request its controller put under
 * approval and that is not approved: the workflow's load and execute steps
 * refuse it before anything changes, its failure step leaves it as it is,
 * and the use cases refuse a caller that skips the workflow.
 */
export function assertApproved(request: Pick<SubjectRequest, 'requestId' | 'approval'>): void {
  const waiting = notApproved(request);
  if (waiting !== undefined) throw new LifecycleError(waiting);
}
