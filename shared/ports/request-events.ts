/** Port of the events other systems receive about subject requests. */
import type { RequestEvent } from '../domain/request-event.ts';

export type { RequestEvent } from '../domain/request-event.ts';

/**
 * Publishes request events: EventBridge on AWS, a JSON-lines file in the
 * embedded mode. Delivery is at least once: a rerun of the step that
 * publishes publishes again, so consumers key on request id and status.
 */
export interface RequestEvents {
  /** Publishes one event; resolves once it is accepted. */
  publish(event: RequestEvent): Promise<void>;
}
