/** EventBridge implementation of {@link RequestEvents}. */
import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { TransientStoreError } from '../../errors.ts';
import type { RequestEvent, RequestEvents } from '../../ports/request-events.ts';

/** Puts each request event on one bus, through an injected client. */
export class EventBridgeRequestEvents implements RequestEvents {
  /**
   * @param bus the bus's name or ARN (the account's `default` bus by default
   *   in the stack)
   */
  constructor(
    private readonly client: EventBridgeClient,
    private readonly bus: string,
  ) {}

  async publish(event: RequestEvent): Promise<void> {
    const out = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.bus,
            Source: event.source,
            DetailType: event.detailType,
            Detail: JSON.stringify(event.detail),
          },
        ],
      }),
    );
    // PutEvents answers 200 with per-entry failures (throttling, internal).
    if ((out.FailedEntryCount ?? 0) > 0) {
      const code = out.Entries?.[0]?.ErrorCode ?? 'unknown';
      throw new TransientStoreError(`the request event was not accepted by EventBridge (${code})`);
    }
  }
}
