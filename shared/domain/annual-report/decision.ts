/**
 * The decision (決定) a request ended in, as the annual statistics count
 * it: a pure mapping from the request's status, outcome and approval.
 *
 * Request types fall in three families, each with its own wording:
 * - `disclosure` (開示: `export`, and `purposes`, the notice of purposes),
 * - `correction` (訂正: `correct`),
 * - `suspension` (利用停止等: `erase`, `restrict`, `stop-provision`, and
 *   `lift-restriction`, the resumption that ends a suspension).
 *
 * | status / outcome                                | decision      | disclosure  | correction | suspension     |
 * | ----------------------------------------------- | ------------- | ----------- | ---------- | -------------- |
 * | `completed`, something held                     | `full`        | 全部開示    | 訂正       | 利用停止等     |
 * | `completed`, nothing held (see {@link heldNothing}) | `absent`  | 不開示（不存在） | 不訂正（不存在） | 不利用停止（不存在） |
 * | `partially-completed`                           | `partial`     | 部分開示    | 一部訂正   | 一部利用停止等 |
 * | `refused`                                       | `refused`     | 不開示      | 不訂正     | 不利用停止     |
 * | `rejected` (決裁で不承認: nothing was done)      | `refused`     | 不開示      | 不訂正     | 不利用停止     |
 * | `withdrawn` (取下げ)                             | `withdrawn`   | 取下げ      | 取下げ     | 取下げ         |
 * | `failed` (handling stopped on an error or lapsed) | `failed`    | 処理不能    | 処理不能   | 処理不能       |
 * | `received` (approval pending or not yet run)    | `pending`     | 未決定      | 未決定     | 未決定         |
 *
 * A rejection counts as a refusal because the requester is answered that
 * nothing will be done, which the law treats as a decision not to
 * disclose, correct or stop (不開示決定等); its reason is the ground.
 * A failed request is no decision: it must be answered again, and is
 * counted apart so that it is neither hidden nor taken for a refusal.
 */
import type { RequestType, SubjectRequest } from '../requests.ts';

/** Families of request types, each with its own decision wording. */
export type RequestFamily = 'disclosure' | 'correction' | 'suspension';

/** Decision categories, in the order the report lists them. */
export const DECISIONS = ['full', 'partial', 'refused', 'absent', 'withdrawn', 'failed', 'pending'] as const;

/** A decision category. */
export type Decision = (typeof DECISIONS)[number];

/** Family of each request type. */
export const FAMILY_OF: Readonly<Record<RequestType, RequestFamily>> = {
  export: 'disclosure',
  purposes: 'disclosure',
  correct: 'correction',
  erase: 'suspension',
  restrict: 'suspension',
  'stop-provision': 'suspension',
  'lift-restriction': 'suspension',
};

/** Japanese name of each family. */
export const FAMILY_JA: Readonly<Record<RequestFamily, string>> = {
  disclosure: '開示',
  correction: '訂正',
  suspension: '利用停止等',
};

/** Japanese wording of each decision by family. */
export const DECISION_JA: Readonly<Record<RequestFamily, Readonly<Record<Decision, string>>>> = {
  disclosure: {
    full: '全部開示',
    partial: '部分開示',
    refused: '不開示',
    absent: '不開示（不存在）',
    withdrawn: '取下げ',
    failed: '処理不能',
    pending: '未決定',
  },
  correction: {
    full: '訂正',
    partial: '一部訂正',
    refused: '不訂正',
    absent: '不訂正（不存在）',
    withdrawn: '取下げ',
    failed: '処理不能',
    pending: '未決定',
  },
  suspension: {
    full: '利用停止等',
    partial: '一部利用停止等',
    refused: '不利用停止',
    absent: '不利用停止（不存在）',
    withdrawn: '取下げ',
    failed: '処理不能',
    pending: '未決定',
  },
};

/** Japanese names of the request types. */
export const REQUEST_TYPE_JA: Readonly<Record<RequestType, string>> = {
  export: '開示',
  purposes: '利用目的の通知',
  correct: '訂正',
  erase: '消去',
  restrict: '利用停止',
  'lift-restriction': '利用停止の解除',
  'stop-provision': '第三者提供の停止',
};

const emptyList = (v: unknown) => Array.isArray(v) && v.length === 0;

/**
 * Whether a completed request's outcome says the subject had nothing to
 * act on (保有個人情報不存在): an export with `dataHeld: false`, a
 * restriction or its lifting that touched no record, an erasure that erased
 * and kept nothing. Other outcomes, and outcomes that do not say, count as
 * something held.
 */
export function heldNothing(type: RequestType, outcome: Readonly<Record<string, unknown>> | undefined): boolean {
  if (outcome === undefined) {
    return false;
  }
  switch (type) {
    case 'export':
      return outcome.dataHeld === false;
    case 'restrict':
      return emptyList(outcome.restricted);
    case 'lift-restriction':
      return emptyList(outcome.resumed);
    case 'erase':
      return outcome.erased === 0 && emptyList(outcome.kept);
    case 'stop-provision':
      return outcome.recordsConcerned === 0;
    default:
      return false;
  }
}

/**
 * The decision category of a request (see the table above).
 * @example decisionOf({ type: 'export', status: 'partially-completed' }) === 'partial'
 */
export function decisionOf(request: Pick<SubjectRequest, 'type' | 'status' | 'outcome' | 'approval'>): Decision {
  switch (request.status) {
    case 'completed':
      return heldNothing(request.type, request.outcome) ? 'absent' : 'full';
    case 'partially-completed':
      return 'partial';
    case 'refused':
    case 'rejected':
      return 'refused';
    case 'withdrawn':
      return 'withdrawn';
    case 'failed':
      return 'failed';
    case 'received':
      // An approval decided but not yet written into the status is still
      // a decision: the approver's rejection or the filer's withdrawal.
      if (request.approval?.state === 'rejected') return 'refused';
      if (request.approval?.state === 'withdrawn') return 'withdrawn';
      return 'pending';
  }
}

/** The Japanese wording of a request's decision, e.g. 部分開示. */
export function decisionJa(type: RequestType, decision: Decision): string {
  return DECISION_JA[FAMILY_OF[type]][decision];
}

/**
 * The ground (理由) a reason states, without the record and item it is
 * about, so that the same ground counts once across records:
 * `record r1 item phone withheld: Art. 33(2)(i)` → `Art. 33(2)(i)`,
 * `record r2: encrypted items …` → `encrypted items …`.
 */
export function groundOf(reason: string): string {
  const withheld = /^record \S+ item \S+ withheld: (.+)$/s.exec(reason);
  if (withheld?.[1] !== undefined) {
    return withheld[1].trim();
  }
  const onRecord = /^record \S+?:? (.+)$/s.exec(reason);
  if (onRecord?.[1] !== undefined) {
    return onRecord[1].trim();
  }
  return reason.trim();
}

/**
 * The distinct grounds of a request: its reasons, and the reason of its
 * rejection or withdrawal from its timeline.
 */
export function groundsOf(request: Pick<SubjectRequest, 'reasons' | 'timeline'>): string[] {
  const decided = (request.timeline ?? [])
    .filter((t) => (t.kind === 'rejected' || t.kind === 'withdrawn') && t.reason !== undefined)
    .map((t) => t.reason as string);
  return [...new Set([...request.reasons, ...decided].map(groundOf).filter((g) => g !== ''))];
}
