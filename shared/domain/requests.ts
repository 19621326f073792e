/**
 * Data-subject requests (開示等の請求, APPI Arts. 32–39): the types, who
 * may make them, how identity was verified, and their deadlines.
 */
import { jstDeadline } from './jst.ts';

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

/** Request status. */
export type RequestStatus =
  | 'received'
  | 'completed'
  | 'partially-completed'
  | 'refused';

/** A request as stored. */
export interface SubjectRequest {
  /** Request id (idempotency key). */
  readonly requestId: string;
  /** Type. */
  readonly type: RequestType;
  /** Subject. */
  readonly subjectId: string;
  /** Requester. */
  readonly requester: Requester;
  /** Identity verification. */
  readonly verification: Verification;
  /** When received (ISO). */
  readonly receivedAt: string;
  /** Deadline (ISO). */
  readonly deadline: string;
  /** Status. */
  readonly status: RequestStatus;
  /** Parameters: target record, fields to set/unset. */
  readonly params: Readonly<Record<string, unknown>>;
  /** Outcome summary (no personal data). */
  readonly outcome?: Readonly<Record<string, unknown>>;
  /** Reasons for refusals and partial outcomes (APPI Art. 36). */
  readonly reasons: readonly string[];
  /** When completed (ISO). */
  readonly completedAt?: string;
  /** Optimistic-lock version. */
  readonly version: number;
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
