import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeRequestEvents } from '#shared/adapters/aws/eventbridge-request-events.ts';
import { JsonlRequestEvents } from '#shared/adapters/local/jsonl-request-events.ts';
import { requestDecidedEvent } from '#shared/domain/request-event.ts';
import { TransientStoreError } from '#shared/errors.ts';

const BUS = 'arn:aws:events:ap-northeast-1:123456789012:event-bus/default';
const eventbridge = mockClient(EventBridgeClient);
const event = requestDecidedEvent({
  requestId: 'req-1',
  type: 'erase',
  status: 'completed',
  controllerId: 'ibaraki-pref',
  completedAt: '2026-12-01T00:00:00.000Z',
  onward: [{ recipientId: 'ibaraki-employers' }],
});

describe('EventBridgeRequestEvents', () => {
  beforeEach(() => eventbridge.reset());

  it('puts one entry on the bus with the documented source, detail type and detail', async () => {
    // Prepare
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
    // Act
    await new EventBridgeRequestEvents(new EventBridgeClient({}), BUS).publish(event);
    // Assess
    expect(eventbridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input)).toEqual([{
      Entries: [
        {
          EventBusName: BUS,
          Source: 'wasure.requests',
          DetailType: 'Subject request decided',
          Detail: JSON.stringify({ requestId: 'req-1', type: 'erase', status: 'completed', controllerId: 'ibaraki-pref', completedAt: '2026-12-01T00:00:00.000Z', onwardRecipients: ['ibaraki-employers'] }),
        },
      ],
    }]);
  });

  it('fails on an entry the bus did not accept, so the step is retried', async () => {
    // Prepare
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'ThrottlingException' }] });
    // Act
    const error = await new EventBridgeRequestEvents(new EventBridgeClient({}), BUS).publish(event).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(TransientStoreError);
    expect((error as Error).message).toContain('ThrottlingException');
  });
});

describe('JsonlRequestEvents', () => {
  it('appends one owner-only JSON line per event, in the shape a rule target receives', async () => {
    // Prepare
    const file = join(await mkdtemp(join(tmpdir(), 'wasure-events-')), 'events.jsonl');
    const events = new JsonlRequestEvents(file);
    // Act
    await events.publish(event);
    await events.publish(event);
    // Assess
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({ source: 'wasure.requests', 'detail-type': 'Subject request decided', detail: event.detail });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
