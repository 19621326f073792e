/** Embedded-mode implementation of {@link RequestEvents}: one JSON line per event. */
import { appendFile, chmod } from 'node:fs/promises';
import type { RequestEvent, RequestEvents } from '../../ports/request-events.ts';

/**
 * Appends each event to a file (`<stateDir>/events.jsonl`), owner-only, in
 * the shape EventBridge delivers (`source`, `detail-type`, `detail`), so a
 * consumer written for the bus can be tried on the file.
 */
export class JsonlRequestEvents implements RequestEvents {
  constructor(private readonly file: string) {}

  async publish(event: RequestEvent): Promise<void> {
    const line = JSON.stringify({ source: event.source, 'detail-type': event.detailType, detail: event.detail });
    await appendFile(this.file, `${line}\n`, { mode: 0o600 });
    // `mode` applies only when the file is created: keep an older one owner-only too.
    await chmod(this.file, 0o600);
  }
}
