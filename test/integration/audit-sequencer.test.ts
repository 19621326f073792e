import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { KmsEventAuthenticator } from '#shared/adapters/aws/kms-event-authenticator.ts';
import { KmsPseudonymizer } from '#shared/adapters/aws/kms-pseudonymizer.ts';
import type { AuditEventInput } from '#shared/ports/index.ts';
import { verifyAudit } from '#shared/use-cases/verify-audit.ts';
import { clockAt, embeddedDeps, uuidIds } from '#functions/runtime.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';
import { withEmbedded } from './harness.ts';

const events = (n: number, tag: string): AuditEventInput[] =>
  Array.from({ length: n }, (_, i) => ({ action: 'read', actor: 'sequencer-test', recordId: `${tag}-${i}`, outcome: 'ok' }));

/** A client that dies (throws, as a killed process stops) at its `at`-th call; `calls` counts them. */
function dyingAt(client: DynamoDBClient, at: number): { client: DynamoDBClient; calls: () => number } {
  let n = 0;
  const dying = new Proxy(client, {
    get(target, prop, receiver) {
      if (prop !== 'send') return Reflect.get(target, prop, receiver);
      return async (command: never) => {
        n += 1;
        if (n === at) throw Object.assign(new Error(`killed at call ${at}`), { name: 'Killed' });
        return target.send(command);
      };
    },
  });
  return { client: dying, calls: () => n };
}

describe('the audit sequencer with deferred writers, on the embedded stores', () => {
  const env = withEmbedded();
  const props = (client: DynamoDBClient) => ({
    client,
    table: env().names.auditTable,
    pseudonymizer: new KmsPseudonymizer(env().kms, env().keyIds.hmac),
    authenticator: new KmsEventAuthenticator(env().kms, env().keyIds.auditMac, 'wasure-test'),
    clock: clockAt('2026-11-22T00:00:00Z'),
    ids: uuidIds,
  });
  const verifier = () => embeddedDeps(env(), sampleCatalogue(), clockAt('2026-11-22T00:00:00Z')).audit;

  it('lets writers return after staging, without touching the head, and one sequencer chains everything', async () => {
    // Prepare: 8 writers, as 8 Lambda containers
    const writers = Array.from({ length: 8 }, () => new DynamoAuditTrail({ ...props(env().dynamodb), sequencing: 'deferred' }));
    const before = await verifier().headSize();
    // Act
    await Promise.all(writers.map((w, k) => w.append(events(15, `w${k}`))));
    // Assess: all staged, none chained, the writers integrate nothing
    expect(await verifier().headSize()).toBe(before);
    expect(await writers[0]?.integrate()).toBe(0);
    expect(await verifier().pendingCount()).toBe(120);
    const sequencer = new DynamoAuditTrail(props(env().dynamodb));
    expect(await sequencer.sequence()).toBe(120);
    expect(sequencer.maxDelayMs).toBeGreaterThanOrEqual(0);
    expect(await verifier().pendingCount()).toBe(0);
    expect(await verifyAudit(verifier(), { full: true })).toMatchObject({ ok: true, eventsChecked: before + 120 });
  });

  it('loses no staged event and chains none twice, whatever call the sequencer dies at', { timeout: 600_000 }, async () => {
    // Prepare: how many calls one sequencing of 60 staged events makes
    const writer = new DynamoAuditTrail({ ...props(env().dynamodb), sequencing: 'deferred' });
    await writer.append(events(60, 'count'));
    const counting = dyingAt(env().dynamodb, Number.POSITIVE_INFINITY);
    await new DynamoAuditTrail(props(counting.client)).sequence();
    const calls = counting.calls();
    expect(calls).toBeGreaterThan(5);
    for (let at = 1; at <= calls; at += 1) {
      const before = await verifier().headSize();
      await writer.append(events(60, `crash${at}`));
      // Act: a sequencer dies at call `at`; the next one finishes
      const dying = dyingAt(env().dynamodb, at);
      await expect(new DynamoAuditTrail(props(dying.client)).sequence()).rejects.toThrow(`killed at call ${at}`);
      await new DynamoAuditTrail(props(env().dynamodb)).sequence();
      // Assess: every event chained once, the trail verifies
      expect(await verifier().pendingCount(), `died at call ${at}`).toBe(0);
      expect(await verifier().headSize(), `died at call ${at}`).toBe(before + 60);
    }
    const verdict = await verifyAudit(verifier(), { full: true });
    expect(verdict).toMatchObject({ ok: true });
    const ids = (await verifier().readEvents()).map((e) => e.recordId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
