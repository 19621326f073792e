import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import type { LifecycleDeps } from '#shared/use-cases/deps.ts';
import { ingestRecords } from '#shared/use-cases/ingest-records.ts';
import { drainRecordsStream } from '#functions/local/records-stream-poller.ts';
import { clockAt, embeddedDeps } from '#functions/runtime.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';
import { withEmbedded } from './harness.ts';

// DynamoDB Local (2026-01-16) runs a TTL deletion job against the wall
// clock about every 10 s; it deletes items whose TTL lies between five
// years ago and now, as DynamoDB does, whatever clock wasure runs on.
const WAIT_MS = 150_000;

describe('a real TTL expiry on DynamoDB Local, through the records stream poller', () => {
  const env = withEmbedded();
  let deps: LifecycleDeps;
  let audit: DynamoAuditTrail;

  beforeAll(async () => {
    // wasure's clock lags the stand-in's wall clock on purpose (as with
    // `--now` in the past): the stand-in's TTL removal is still a TTL expiry.
    ({ deps, audit } = embeddedDeps(env(), sampleCatalogue(), clockAt(new Date(Date.now() - 20 * 86_400_000).toISOString())));
    const line = JSON.stringify({
      recordId: 'ttl-real-1',
      subjectId: 'S-ttl-real-1',
      dataset: 'gunma-consultations',
      purposes: ['gunma-consult'],
      acquiredAt: '2019-05-10T10:00:00+09:00',
      events: { 'case-closed': '2020-03-31T17:00:00+09:00' },
      fields: { consulterId: 'C-9001', consultationSummary: '販路拡大の相談' },
      documents: [{ name: 'plan.txt', contentType: 'text/plain', text: '事業計画書' }],
    });
    expect((await ingestRecords(deps, [{ line: 1, text: line }], { actor: 'test' })).rejected).toEqual([]);
  });

  it('finishes the erasure DynamoDB Local\'s TTL job started: documents, key, tombstone, audited as ttl', { timeout: 180_000 }, async () => {
    // Prepare: the record's TTL passed a minute ago (no sweep erased it in its grace)
    const { dynamodb, names } = env();
    const table = names.recordsTable;
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: table,
        Key: marshall({ recordId: 'ttl-real-1' }),
        UpdateExpression: 'SET expiresAt = :e',
        ExpressionAttributeValues: marshall({ ':e': Math.floor(Date.now() / 1000) - 60 }),
      }),
    );
    const started = Date.now();
    let deleted = false;
    while (!deleted && Date.now() - started < WAIT_MS) {
      await new Promise((r) => setTimeout(r, 2_000));
      const got = await dynamodb.send(new GetItemCommand({ TableName: table, Key: marshall({ recordId: 'ttl-real-1' }), ConsistentRead: true }));
      deleted = got.Item === undefined;
    }
    expect(deleted, `DynamoDB Local did not delete the expired item within ${WAIT_MS / 1000} s`).toBe(true);
    // Act
    const report = await drainRecordsStream(env(), deps);
    // Assess
    expect(report).toMatchObject({ ttlExpiries: 1, directDeletes: 0 });
    expect(await deps.records.get('ttl-real-1')).toMatchObject({ status: 'erased', cause: 'ttl' });
    expect(await deps.objects.listVersions('records/ttl-real-1/')).toEqual([]);
    expect(await deps.keys.get(await deps.pseudonyms.pseudonym('S-ttl-real-1'))).toBeUndefined();
    const events = (await audit.readEvents()).filter((e) => e.details?.cause === 'ttl');
    expect(events.map((e) => e.action).sort()).toEqual(['erasure', 'key-destroyed']);
    expect((await audit.readEvents()).filter((e) => e.outcome === 'failed')).toEqual([]);
  });
});
