/**
 * The decision notice of a request (決定通知書): which notice a decided
 * request gets, filled from the request as stored and the catalogue, then
 * rendered by the notices domain. Nothing personal is printed: the
 * requester is 「請求者 様」, the request is named by its id, the fields by
 * their catalogue labels.
 */
import type { Catalogue, Controller } from '../domain/catalogue-types.ts';
import { type NoticeInput, type NoticeKind, renderDecisionNotice } from '../domain/notices/index.ts';
import type { SubjectRequest } from '../domain/requests.ts';
import { ValidationError } from '../errors.ts';

/** Which notice: the decision's, or the extension's (延長通知). */
export type NoticeOccasion = 'decision' | 'extension';

function refuse(request: SubjectRequest, message: string): never {
  throw new ValidationError(`request ${request.requestId} has no ${message.startsWith('extension') ? 'extension notice' : 'decision notice'}`, [
    { path: 'REQUEST_ID', message },
  ]);
}

/** The label of a field of any dataset of the controller (the field name when none has it). */
function fieldLabel(catalogue: Catalogue, controller: Controller, field: string): string {
  for (const d of catalogue.datasets) {
    if (d.controller !== controller.id) continue;
    const spec = d.fields[field];
    if (spec !== undefined) return spec.label.ja;
  }
  return field;
}

/** The kind of notice a decided request gets, or a refusal saying why it gets none. */
export function noticeKindOf(request: SubjectRequest, occasion: NoticeOccasion): NoticeKind {
  if (occasion === 'extension') {
    if (request.extension === undefined) refuse(request, 'extension: its deadline was not extended (wasure request extend)');
    return 'extension';
  }
  const adverse = request.status === 'refused' || request.status === 'rejected';
  switch (request.status) {
    case 'received':
      return refuse(request, 'it is not decided yet');
    case 'withdrawn':
      return refuse(request, 'it was withdrawn (取下げ): there is no decision to notify');
    case 'failed':
      return refuse(request, 'its handling failed: decide it again first');
    default:
      break;
  }
  switch (request.type) {
    case 'export': {
      if (adverse) return 'non-disclosure';
      const withheld = Number(request.outcome?.withheld ?? 0);
      return request.status === 'partially-completed' || withheld > 0 ? 'partial-disclosure' : 'disclosure';
    }
    case 'correct':
      return adverse ? 'non-correction' : 'correction';
    case 'erase':
    case 'restrict':
    case 'stop-provision':
      return adverse ? 'non-suspension' : 'suspension';
    default:
      return refuse(request, `a ${request.type} request is answered without a decision notice`);
  }
}

/** The notice input of a request: its controller (the request's, or `controllerId`), kind and particulars. */
export function noticeInputOf(
  catalogue: Catalogue,
  request: SubjectRequest,
  options: { readonly occasion?: NoticeOccasion; readonly controllerId?: string; readonly serial?: string } = {},
): NoticeInput {
  const id = options.controllerId ?? request.controllerId;
  const controller = catalogue.controllers.find((c) => c.id === id);
  if (controller === undefined) {
    throw new ValidationError(`request ${request.requestId} has no decision notice`, [
      {
        path: '--controller',
        message:
          id === undefined
            ? `the request names no controller: give --controller (${catalogue.controllers.map((c) => c.id).join(', ')})`
            : `"${id}" is not a controller of the catalogue`,
      },
    ]);
  }
  const occasion = options.occasion ?? 'decision';
  const kind = noticeKindOf(request, occasion);
  // A rejection's reason is the approver's own words (without who said it); a refusal's, the handling's.
  const rejection = request.status === 'rejected' ? request.timeline?.find((t) => t.kind === 'rejected')?.reason : undefined;
  const reasons = rejection !== undefined ? [rejection] : request.reasons.filter((r) => !r.startsWith('record '));
  const extended = request.timeline?.find((t) => t.kind === 'extended');
  const decidedAt = occasion === 'extension' ? (extended?.at ?? request.receivedAt) : (request.completedAt ?? request.approval?.decidedAt ?? request.receivedAt);
  const datasets = catalogue.datasets.filter((d) => d.controller === controller.id).map((d) => d.name.ja);
  const outcome = request.outcome ?? {};
  const withheldItems = (outcome.withheldItems as { field: string; ground: string }[] | undefined) ?? [];
  const decision: NoticeInput['decision'] = (() => {
    switch (kind) {
      case 'disclosure':
      case 'partial-disclosure':
        return {
          subject: datasets.join('、'),
          records: Number(outcome.records ?? 0),
          ...(kind === 'partial-disclosure'
            ? {
                withheld: [...new Map(withheldItems.map((w) => [`${w.field}\u0000${w.ground}`, { label: fieldLabel(catalogue, controller, w.field), ground: w.ground }])).values()],
              }
            : {}),
        };
      case 'non-disclosure':
        return { subject: datasets.join('、'), grounds: reasons.length > 0 ? reasons : ['（理由を記入）'] };
      case 'correction':
        return { subject: datasets.join('、'), correctedFields: ((outcome.changed as string[] | undefined) ?? []).map((f) => fieldLabel(catalogue, controller, f)) };
      case 'suspension': {
        const kept = request.reasons.filter((r) => r.startsWith('record '));
        return {
          subject: datasets.join('、'),
          records: Array.isArray(outcome.erased) ? outcome.erased.length : Number(outcome.recordsConcerned ?? 0),
          ...(kept.length > 0 ? { notes: [`次の${kept.length}件は法令に基づく保存又は訴訟等に備えた保全のため、消去していない。`] } : {}),
        };
      }
      case 'extension':
        return { subject: datasets.join('、') };
      default:
        return { subject: datasets.join('、'), reason: reasons.join('；') || '（理由を記入）' };
    }
  })();
  return {
    kind,
    controller,
    ...(controller.notices === undefined ? {} : { setting: controller.notices }),
    ...(options.serial === undefined ? {} : { documentSerial: options.serial }),
    request: {
      requestId: request.requestId,
      type: request.type,
      receivedAt: request.receivedAt,
      decidedAt,
      deadline: request.deadline,
      ...(request.extension === undefined ? {} : { extension: { ...request.extension } }),
    },
    decision,
  };
}

/** The notice of a request as one A4 HTML document. */
export function renderRequestNotice(
  catalogue: Catalogue,
  request: SubjectRequest,
  options: { readonly occasion?: NoticeOccasion; readonly controllerId?: string; readonly serial?: string } = {},
): { kind: NoticeKind; html: string } {
  const input = noticeInputOf(catalogue, request, options);
  return { kind: input.kind, html: renderDecisionNotice(input) };
}
