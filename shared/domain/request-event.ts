/**
 * The event other systems receive when a subject request is decided (an
 * EventBridge event on AWS, a JSON line locally): ids, type, status and
 * the onward recipients' catalogue ids. No personal data and no pseudonym:
 * a consumer that needs more reads the request through wasure.
 */
import type { OnwardNotice } from './onward-notice-types.ts';
import type { RequestStatus, RequestType, SubjectRequest } from './requests.ts';

/** The event's source. */
export const REQUEST_EVENT_SOURCE = 'wasure.requests';

/** The event's detail type. */
export const REQUEST_DECIDED = 'Subject request decided';

/** The detail of a {@link REQUEST_DECIDED} event (documented in the README). */
export interface RequestDecidedDetail {
  readonly requestId: string;
  readonly type: RequestType;
  readonly status: RequestStatus;
  /** The controller that answered it (catalogue id), when the request names one. */
  readonly controllerId?: string;
  /** When it ended (ISO). */
  readonly completedAt: string;
  /** The recipients owed an onward notice (catalogue ids, once each); empty when none. */
  readonly onwardRecipients: readonly string[];
}

/** One event as published. */
export interface RequestEvent {
  readonly source: typeof REQUEST_EVENT_SOURCE;
  readonly detailType: typeof REQUEST_DECIDED;
  readonly detail: RequestDecidedDetail;
}

/**
 * The event of a request that has ended.
 * @example requestDecidedEvent(done).detail.onwardRecipients // ['ibaraki-employers']
 */
export function requestDecidedEvent(
  request: Pick<SubjectRequest, 'requestId' | 'type' | 'status' | 'controllerId' | 'completedAt'> & {
    readonly onward?: readonly Pick<OnwardNotice, 'recipientId'>[];
  },
): RequestEvent {
  return {
    source: REQUEST_EVENT_SOURCE,
    detailType: REQUEST_DECIDED,
    detail: {
      requestId: request.requestId,
      type: request.type,
      status: request.status,
      ...(request.controllerId === undefined ? {} : { controllerId: request.controllerId }),
      completedAt: request.completedAt ?? '',
      onwardRecipients: [...new Set((request.onward ?? []).map((n) => n.recipientId))],
    },
  };
}
