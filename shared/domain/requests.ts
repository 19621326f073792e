/**
 * Data-subject requests (開示等の請求, APPI Arts. 32–39): the types, who
 * may make them, how identity was verified, and their deadlines.
 */
import type { Problem } from '../errors.ts';
import { jstDeadline } from './jst.ts';
import type { OnwardNotice } from './onward-notice-types.ts';

/**
 * State name of the failure-completion task of every request workflow,
 * which the execute and complete steps' catch leads to. (A request state
 * name; it belongs with REQUEST_STATES in workflow-names.ts.)
 */
export const REQUEST_FAIL_STATE = 'FailRequest';

/** Request types. */
export const REQUEST_TYPES = [
  'export',
  'correct',
  'erase',
  'restrict',
  'lift-restriction',
  'stop-provision',
  'purposes',
] as const;

/** A request type. */
export type RequestType = (typeof REQUEST_TYPES)[number];

/** Who made the request (Tochigi rules Art. 12-3; APPI Art. 37(3)). */
export type RequesterKind =
  | 'subject'
  | 'statutory-agent-minor'
  | 'statutory-agent-adult-ward'
  | 'delegated-agent';

/** The requester. An agent is named by reference, not by name. */
export interface Requester {
  /** Kind. */
  readonly kind: RequesterKind;
  /** Reference of the agent's record or power of attorney (no name). */
  readonly agentRef?: string;
}

/** Identity verification methods accepted (documents are not stored). */
export const VERIFICATION_METHODS = [
  'my-number-card',
  'driver-licence',
  'passport',
  'residence-card',
  'health-insurance-card',
  'in-person',
  'authenticated-account',
] as const;

/** How identity was verified. */
export interface Verification {
  /** Method. */
  readonly method: (typeof VERIFICATION_METHODS)[number];
  /** Reference to the evidence kept elsewhere (e.g. case file number). */
  readonly evidenceRef: string;
}

/** Where an approval stands. */
export type ApprovalState = 'pending' | 'approved' | 'rejected' | 'withdrawn';

/** A request's approval. */
export interface Approval {
  /** State. */
  readonly state: ApprovalState;
  /** Who decided (approver; the filer for a withdrawal). */
  readonly decidedBy?: string;
  /** When (ISO). */
  readonly decidedAt?: string;
}

/** Kinds of timeline entries. */
export type TimelineKind = 'filed' | 'approved' | 'rejected' | 'withdrawn' | 'extended' | 'paused' | 'resumed' | 'executed';

/** One entry of a request's timeline (no personal data: operator ids, officers' reasons). */
export interface TimelineEntry {
  readonly kind: TimelineKind;
  /** When (ISO). */
  readonly at: string;
  /** Operator id, when an operator acted. */
  readonly by?: string;
  /** The reason given (rejection, withdrawal, extension, pause). */
  readonly reason?: string;
  /** Days (extension: added; resumed: days the clock stood still). */
  readonly days?: number;
}

/** Request status. */
export type RequestStatus =
  | 'received'
  | 'completed'
  | 'partially-completed'
  | 'refused'
  | 'failed'
  /** Its approver rejected it before anything changed (決裁で不承認). */
  | 'rejected'
  /** The operator who filed it withdrew it before approval (取下げ). */
  | 'withdrawn';

/**
 * A request as stored. The subject is kept only as its keyed pseudonym;
 * every personal value the request keeps (the subject id an export
 * discloses, the agent and evidence references, the values a correction
 * sets) is in `sealed`, each under the subject's data key, so destroying
 * the key leaves nothing readable about the person.
 */
export interface SubjectRequest {
  /** Request id (idempotency key). */
  readonly requestId: string;
  /** Type. */
  readonly type: RequestType;
  /** The subject's keyed pseudonym (requests are indexed by it). */
  readonly subjectPseudonym: string;
  /** Requester kind (its agent reference is sealed). */
  readonly requester: Pick<Requester, 'kind'>;
  /** Identity verification method (its evidence reference is sealed). */
  readonly verification: Pick<Verification, 'method'>;
  /** When received (ISO). */
  readonly receivedAt: string;
  /** Deadline (ISO). */
  readonly deadline: string;
  /** Status. */
  readonly status: RequestStatus;
  /**
   * Parameters without personal values: the record a correction names and
   * the names of the fields it unsets.
   */
  readonly params: Readonly<{ recordId?: string; unset?: readonly string[] }>;
  /**
   * Sealed personal values by {@link SealedRequestValue} name: `subjectId`,
   * `agentRef`, `evidenceRef`, `set.FIELD`.
   */
  readonly sealed: Readonly<Record<string, string>>;
  /** Outcome summary (no personal data). */
  readonly outcome?: Readonly<Record<string, unknown>>;
  /** Reasons for refusals and partial outcomes (APPI Art. 36). */
  readonly reasons: readonly string[];
  /** When completed (ISO). */
  readonly completedAt?: string;
  /**
   * `false` while a registration is unfinished: the request exists but the
   * subject's records may not be frozen yet and its `request` event not
   * written. A retry of the registration finishes it; absent means done.
   */
  readonly registered?: false;
  /** The controller that answers it (catalogue id); absent on requests filed before controllers were named. */
  readonly controllerId?: string;
  /** The operator who filed it (a staff id). */
  readonly filedBy?: string;
  /** Its approval, when the controller's policy requires one; execution waits for `approved`. */
  readonly approval?: Approval;
  /** What happened to it, oldest first (filed, decided, extended, paused, resumed, executed). */
  readonly timeline?: readonly TimelineEntry[];
  /** The deadline's one extension (Art. 83(2)), if granted. */
  readonly extension?: Readonly<{ days: number; reason: string }>;
  /** Since when the clock stands still waiting for the requester (補正), if it does. */
  readonly pausedSince?: string;
  /** Notices to the third parties the subject's data was provided to, once a correction or erasure is done (APPI Art. 97). */
  readonly onward?: readonly OnwardNotice[];
  /** Download links of a disclosure's package handed out by the console (kept by token digest; see export-links.ts). */
  readonly downloadLinks?: readonly DownloadLink[];
  /** Optimistic-lock version. */
  readonly version: number;
}

/** A one-time download link of a request's package: the token's SHA-256 digest, never the token. */
export interface DownloadLink {
  readonly digest: string;
  /** The operator it was handed to; only they may use it. */
  readonly operator: string;
  readonly expiresAt: string;
  /** Spent (kept until it expires, so a second use is named as one). */
  readonly used?: true;
}

/** Names of the sealed values of a request (`set.` + a field name for correction values). */
export type SealedRequestValue = 'subjectId' | 'agentRef' | 'evidenceRef' | `set.${string}`;

/** Associated data of a request's sealed value: binds it to its request and name. */
export function requestAad(requestId: string, name: SealedRequestValue): string {
  return `request\u0000${requestId}\u0000${name}`;
}

/** Default days to answer: a suit is possible two weeks after a request (APPI Art. 39). */
export const DEFAULT_REQUEST_DEADLINE_DAYS = 14;

/** The deadline of a request received at `receivedAt`. */
export function requestDeadline(
  receivedAt: Date,
  days: number = DEFAULT_REQUEST_DEADLINE_DAYS,
): string {
  return jstDeadline(receivedAt, days).toISOString();
}

/** Problems with a requester / verification pair (empty when acceptable). */
export function requesterProblems(
  requester: Requester,
  verification: Verification | undefined,
): string[] {
  const problems: string[] = [];
  if (requester.kind !== 'subject' && (requester.agentRef ?? '') === '') {
    problems.push(
      'an agent must be identified by a reference to the proof of agency (--agent-ref)',
    );
  }
  if (verification === undefined) {
    problems.push('identity must be verified before a request is handled (--verified-by METHOD --evidence REF)');
  } else {
    if (!(VERIFICATION_METHODS as readonly string[]).includes(verification.method)) {
      problems.push(
        `"${verification.method}" is not an accepted verification method (${VERIFICATION_METHODS.join(', ')})`,
      );
    }
    if (verification.evidenceRef.trim() === '') {
      problems.push('the evidence reference must not be empty');
    }
  }
  return problems;
}

/**
 * Request ids: they name the execution, the export package directory and
 * the S3 prefix, so only letters, digits, ".", "_" and "-", starting with a
 * letter or digit, at most 64 characters.
 */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Longest subject id, agent or evidence reference accepted. */
export const MAX_REFERENCE_LENGTH = 128;

/** Longest deadline that may be given, in days. */
export const MAX_REQUEST_DEADLINE_DAYS = 90;

const CONTROL = /\p{Cc}/u;

/** Problems of a free-text reference (empty, too long, control characters). */
function referenceProblems(path: string, value: string | undefined): Problem[] {
  if (value === undefined || value.trim() === '') {
    return [{ path, message: 'must not be empty' }];
  }
  if (value.length > MAX_REFERENCE_LENGTH || CONTROL.test(value)) {
    return [{ path, message: `must be at most ${MAX_REFERENCE_LENGTH} characters without control characters` }];
  }
  return [];
}

/** The parts of a request that can be checked without any store. */
export interface RequestShape {
  readonly requestId: string;
  readonly type: string;
  /** The subject; a correction may instead name only its record. */
  readonly subjectId?: string;
  readonly requester: Requester;
  readonly verification?: Verification;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly deadlineDays?: number;
}

/**
 * Problems of a request's own input (ids, requester, verification,
 * deadline), found before anything is stored. Parameters that depend on
 * the catalogue or the subject's records are checked by the use case.
 */
export function requestInputProblems(input: RequestShape): Problem[] {
  const problems: Problem[] = [];
  if (!REQUEST_ID_PATTERN.test(input.requestId)) {
    problems.push({
      path: 'requestId',
      message: 'must be 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit',
    });
  }
  if (!(REQUEST_TYPES as readonly string[]).includes(input.type)) {
    problems.push({ path: 'type', message: `must be one of ${REQUEST_TYPES.join(', ')}` });
  }
  const byRecord = input.type === 'correct' && typeof input.params?.recordId === 'string';
  if (input.subjectId !== undefined || !byRecord) {
    problems.push(...referenceProblems('subjectId', input.subjectId));
  }
  const kinds: readonly RequesterKind[] = ['subject', 'statutory-agent-minor', 'statutory-agent-adult-ward', 'delegated-agent'];
  if (!kinds.includes(input.requester.kind)) {
    problems.push({ path: 'requester', message: `must be one of ${kinds.join(', ')}` });
  } else if (input.requester.kind === 'subject' && input.requester.agentRef !== undefined) {
    problems.push({ path: 'requester.agentRef', message: 'is only for an agent (name the agent kind)' });
  } else if (input.requester.kind !== 'subject' && input.requester.agentRef !== undefined) {
    problems.push(...referenceProblems('requester.agentRef', input.requester.agentRef));
  }
  const requester = kinds.includes(input.requester.kind) ? input.requester : { kind: 'subject' as const };
  problems.push(...requesterProblems(requester, input.verification).map((message) => ({ path: 'requester', message })));
  if (input.verification !== undefined && input.verification.evidenceRef.trim() !== '') {
    problems.push(...referenceProblems('verification.evidenceRef', input.verification.evidenceRef));
  }
  const days = input.deadlineDays;
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > MAX_REQUEST_DEADLINE_DAYS)) {
    problems.push({ path: 'deadlineDays', message: `must be a whole number from 1 to ${MAX_REQUEST_DEADLINE_DAYS}` });
  }
  return problems;
}

/**
 * Days a request may stay open after its deadline before the alarm fires
 * and its freeze of the subject's records lapses: long enough to finish a
 * late answer by hand, short enough that a stuck request cannot keep data
 * past its retention for long.
 */
export const REQUEST_OVERDUE_GRACE_DAYS = 7;

/** When an open request's freeze lapses: its deadline plus the grace. */
export function requestLapsesAt(request: Pick<SubjectRequest, 'deadline'>): string {
  return new Date(Date.parse(request.deadline) + REQUEST_OVERDUE_GRACE_DAYS * 86_400_000).toISOString();
}

/** Where an open request stands at `now`. */
export type OpenRequestState = 'on-time' | 'overdue' | 'lapsed';

/**
 * `overdue` once its deadline has passed, `lapsed` once the grace after it
 * has passed too (the deadline instant itself is still on time).
 */
export function openRequestState(request: Pick<SubjectRequest, 'deadline'>, now: Date): OpenRequestState {
  if (now.getTime() > Date.parse(requestLapsesAt(request))) {
    return 'lapsed';
  }
  return now.getTime() > Date.parse(request.deadline) ? 'overdue' : 'on-time';
}

/**
 * Where a request stands at `now`, in a word: its status once ended;
 * `paused` while its clock stands still; else `awaiting-approval` or
 * `open`, with `overdue` / `lapsed` added past its deadline.
 */
export function requestStanding(request: Omit<SubjectRequest, 'sealed'>, now: Date): string {
  if (request.status !== 'received') return request.status;
  if (request.pausedSince !== undefined) return 'paused';
  const waiting = request.approval?.state === 'pending' ? 'awaiting-approval' : 'open';
  const state = openRequestState(request, now);
  return state === 'on-time' ? waiting : `${waiting}, ${state}`;
}

/**
 * Years a finished request is kept: 3, as the catalogue keeps the records
 * of handling requests (jlis-inquiries: 対応完了後3年) and as long as the
 * longest APPI provision-record period (Rules Art. 21: 3 years), so the
 * answer can be shown to the Commission or in a suit.
 */
export const REQUEST_RETENTION_YEARS = 3;

/**
 * When a finished request's item expires (table TTL), or undefined: an
 * open request, and a stop of third-party provision, which is a standing
 * directive and must outlive any retention.
 */
export function requestExpiresAt(request: Pick<SubjectRequest, 'type' | 'status' | 'completedAt'>): string | undefined {
  const standing =
    request.type === 'stop-provision' && (request.status === 'completed' || request.status === 'partially-completed');
  if (request.status === 'received' || request.completedAt === undefined || standing) {
    return undefined;
  }
  const at = new Date(request.completedAt);
  at.setUTCFullYear(at.getUTCFullYear() + REQUEST_RETENTION_YEARS);
  return at.toISOString();
}
