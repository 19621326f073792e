/**
 * Onward notices (APPI Art. 97 for public bodies; good practice for
 * businesses): a correction or erasure of data that was provided to third
 * parties lists those recipients, from the audit trail's `provision`
 * events (they outlive the provision records an erasure removes), drafts
 * the letter to each, and tracks each to `sent`. Every change of the
 * notices is one write of the request together with its audit event.
 */
import type { Label } from '../domain/catalogue-types.ts';
import {
  mergeOnward,
  type OnwardNotice,
  onwardNoticesOf,
  onwardRecipients,
  owesOnwardNotice,
  renderOnwardNotice,
} from '../domain/onward-notice.ts';
import { operatorProblems } from '../domain/request-approval.ts';
import type { SubjectRequest } from '../domain/requests.ts';
import { ConflictError, NotFoundError, type Problem, ValidationError } from '../errors.ts';
import type { AuditReader } from '../ports/audit.ts';
import type { AuditEventInput } from '../ports/index.ts';
import type { RequestDeps } from './subject-requests.ts';

/** Ports of the onward notices: the request ports and a reader of the trail. */
export type OnwardDeps = RequestDeps & {
  /** Reads the subject's `provision` events (by pseudonym). */
  readonly trail: Pick<AuditReader, 'readEvents'>;
};

/** The request, or NotFoundError. */
async function load(deps: RequestDeps, requestId: string): Promise<SubjectRequest> {
  const found = await deps.requests.get(requestId);
  if (found !== undefined) return found;
  throw new NotFoundError(`request ${requestId} does not exist`);
}

/** Throws a ValidationError naming the fields when there are problems. */
function refuse(requestId: string, what: string, problems: readonly Problem[]): void {
  if (problems.length === 0) return;
  throw new ValidationError(`request ${requestId}: ${what}`, [...problems]);
}

function onwardEvent(deps: RequestDeps, request: SubjectRequest, actor: string, facts: Record<string, string | number>): AuditEventInput {
  return {
    action: 'request',
    actor,
    subjectPseudonym: request.subjectPseudonym,
    policyVersion: deps.catalogue.version,
    outcome: 'ok',
    details: { requestId: request.requestId, type: request.type, ...facts },
  };
}

/**
 * The recipients a correction may concern: those the corrected record's
 * dataset may be provided to; undefined (all) for an erasure or a record
 * no longer there.
 */
async function concerned(deps: RequestDeps, request: SubjectRequest): Promise<ReadonlySet<string> | undefined> {
  if (request.type !== 'correct') return undefined;
  const dataset = await correctedDataset(deps, request);
  return dataset === undefined ? undefined : new Set(dataset.recipients);
}

/**
 * The catalogue dataset of the record a correction names, read through the
 * subject's records (the query the completing function already makes).
 */
async function correctedDataset(deps: RequestDeps, request: SubjectRequest) {
  const recordId = request.params.recordId;
  if (recordId === undefined) return undefined;
  const record = (await deps.records.listBySubject(request.subjectPseudonym)).find((r) => r.recordId === recordId);
  return record === undefined ? undefined : deps.catalogue.datasets.find((d) => d.id === record.dataset);
}

/**
 * Drafts the onward notices of a completed or partially completed
 * correction or erasure: one per successful provision of the subject made
 * before the request ended, stored on the request with a `request` event
 * (`onward: drafted`) in one write. Safe to run again: notices already
 * there keep their state, and nothing is written when there is nothing
 * new, so a rerun drafts once. A request with no provision gets an empty
 * list (checked, nobody to tell).
 */
export async function draftOnwardNotices(deps: OnwardDeps, requestId: string): Promise<SubjectRequest> {
  const request = await load(deps, requestId);
  refuse(requestId, 'owes no onward notice', owesOnwardNotice(request)
    ? []
    : [{ path: 'requestId', message: `is a ${request.status} ${request.type} request: only a completed or partially completed correction or erasure is passed on to recipients` }]);
  const recipients = await concerned(deps, request);
  const events = await deps.trail.readEvents({ subjectPseudonym: request.subjectPseudonym });
  const drafted = onwardNoticesOf(events, request, recipients === undefined ? {} : { recipients });
  const onward = mergeOnward(request.onward, drafted);
  if (request.onward !== undefined && onward.length === request.onward.length) {
    // Drafted before: the event was staged with it; a crash may have left it unchained.
    await deps.audit.integrate();
    return request;
  }
  const next: SubjectRequest = { ...request, onward, version: request.version + 1 };
  const event = onwardEvent(deps, request, 'system:requests', {
    onward: 'drafted',
    recipients: onwardRecipients(onward).length,
    notices: onward.length,
  });
  try {
    await deps.requests.update(next, request.version, [event]);
  } catch (error) {
    // Another run drafted (or an operator marked one sent) meanwhile: merge again.
    if (error instanceof ConflictError) return draftOnwardNotices(deps, requestId);
    throw error;
  }
  await deps.audit.integrate();
  return next;
}

/** Marking one recipient's notices sent. */
export interface MarkSentInput {
  readonly requestId: string;
  readonly recipientId: string;
  /** The operator who sent it (a staff id). */
  readonly operator: string;
}

/**
 * Marks every drafted notice to one recipient as sent, by the operator,
 * audited (`onward: sent`, the recipient and the operator) in the same
 * write. Refused, naming the field: a bad operator id, a request without
 * notices, a recipient it owes none, or one already marked sent.
 */
export async function markOnwardSent(deps: RequestDeps, input: MarkSentInput): Promise<SubjectRequest> {
  refuse(input.requestId, 'cannot mark a notice sent', operatorProblems(input.operator));
  const request = await load(deps, input.requestId);
  const notices = request.onward;
  if (notices === undefined) {
    refuse(input.requestId, 'has no onward notices', [
      { path: 'requestId', message: `no onward notice was drafted for it (wasure request onward ${input.requestId})` },
    ]);
    return request;
  }
  const own = notices.filter((n) => n.recipientId === input.recipientId);
  const drafted = own.filter((n) => n.state === 'drafted');
  if (own.length === 0) {
    const known = onwardRecipients(notices);
    refuse(input.requestId, 'cannot mark a notice sent', [
      {
        path: 'recipientId',
        message: `"${input.recipientId.slice(0, 64)}" is owed no notice by this request (${known.length === 0 ? 'it owes none' : `recipients: ${known.join(', ')}`})`,
      },
    ]);
  }
  if (drafted.length === 0) {
    const sent = own[0] as OnwardNotice;
    refuse(input.requestId, 'cannot mark a notice sent', [
      { path: 'recipientId', message: `the notice to ${input.recipientId} was already marked sent by ${sent.sentBy ?? '?'} at ${sent.sentAt ?? '?'}` },
    ]);
  }
  const at = deps.clock.now().toISOString();
  const next: SubjectRequest = {
    ...request,
    onward: notices.map((n) =>
      n.recipientId === input.recipientId && n.state === 'drafted' ? { ...n, state: 'sent' as const, sentAt: at, sentBy: input.operator } : n,
    ),
    version: request.version + 1,
  };
  const event = onwardEvent(deps, request, `operator:${input.operator}`, {
    onward: 'sent',
    recipient: input.recipientId,
    operator: input.operator,
    notices: drafted.length,
  });
  try {
    await deps.requests.update(next, request.version, [event]);
  } catch (error) {
    if (error instanceof ConflictError) {
      throw new ConflictError(`request ${request.requestId} was changed meanwhile; look at it again (wasure request onward ${request.requestId})`, { cause: error });
    }
    throw error;
  }
  await deps.audit.integrate();
  return next;
}

/** One letter: the recipient and its A4 HTML. */
export interface OnwardLetter {
  readonly recipientId: string;
  readonly html: string;
}

/**
 * The letter to each recipient of a request's notices (one per recipient,
 * listing each provision), in the controller's name; a correction names
 * the corrected fields by their catalogue labels.
 */
export async function onwardLetters(deps: RequestDeps, request: SubjectRequest): Promise<OnwardLetter[]> {
  const controller = deps.catalogue.controllers.find((c) => c.id === request.controllerId);
  const fields = request.type === 'correct' ? await correctedLabels(deps, request) : [];
  const issuedAt = deps.clock.now().toISOString();
  return onwardRecipients(request.onward).map((recipientId) => {
    const recipient = deps.catalogue.recipients.find((r) => r.id === recipientId) ?? { id: recipientId, name: { ja: recipientId, en: recipientId } };
    return {
      recipientId,
      html: renderOnwardNotice({
        request,
        recipient,
        controller,
        notices: (request.onward ?? []).filter((n) => n.recipientId === recipientId),
        fields,
        issuedAt,
      }),
    };
  });
}

/** The catalogue labels of the fields a correction changed (its outcome's `changed`). */
async function correctedLabels(deps: RequestDeps, request: SubjectRequest): Promise<Label[]> {
  const changed = request.outcome?.changed;
  const names = Array.isArray(changed) ? changed.filter((x): x is string => typeof x === 'string') : [];
  const dataset = await correctedDataset(deps, request);
  return names.map((name) => dataset?.fields[name]?.label ?? { ja: name, en: name });
}
