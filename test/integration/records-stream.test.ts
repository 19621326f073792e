import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import type { LifecycleDeps } from '#shared/use-cases/deps.ts';
import { ingestRecords } from '#shared/use-cases/ingest-records.ts';
import { auditRecordChanges } from '#shared/use-cases/audit-record-changes.ts';
import { toChanges } from '#functions/events/records-stream-changes.ts';
import { type Embedded, startEmbedded } from '#functions/local/embedded.ts';
import { drainRecordsStream } from '#functions/local/records-stream-poller.ts';
import { clockAt, embeddedDeps } from '#functions/runtime.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const tochigi = (recordId: string) => ({
  recordId,
  subjectId: `S-${recordId}`,
  dataset: 'tochigi-self-reliance',
  purposes: ['tochigi-self-reliance'],
  acquiredAt: '2015-04-01T09:00:00+09:00',
  events: { 'contract-ended': '2016-03-31T17:00:00+09:00' },
  consent: { refs: ['c-1'], sensitive: true },
  fields: { clientNo: 'K-1', disabilityStatus: '療育手帳 B' },
  documents: [{ name: 'contract.txt', contentType: 'text/plain', text: '利用契約書' }],
});

describe('records-table stream on the embedded stores', () => {
  let embedded: Embedded;
  let dir: string;
  let deps: LifecycleDeps;
  let audit: DynamoAuditTrail;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-stream-'));
    embedded = await startEmbedded({ dir, persist: false });
    ({ deps, audit } = embeddedDeps(embedded, sampleCatalogue(), clockAt('2026-11-22T00:00:00Z')));
    const report = await ingestRecords(deps, [tochigi('ttl-1'), tochigi('direct-1')].map((o, i) => ({ line: i + 1, text: JSON.stringify(o) })), { actor: 'test' });
    expect(report.rejected).toEqual([]);
  });

  afterAll(async () => {
    await embedded?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('flags writes that bypassed wasure and deletions outside it, read from the real stream', async () => {
    // Prepare: someone writes and deletes with the raw API
    await embedded.dynamodb.send(new PutItemCommand({ TableName: embedded.names.recordsTable, Item: marshall({ recordId: 'rogue-1', name: '誰か' }) }));
    await embedded.dynamodb.send(new DeleteItemCommand({ TableName: embedded.names.recordsTable, Key: marshall({ recordId: 'direct-1' }) }));
    // Act
    const first = await drainRecordsStream(embedded, deps);
    const again = await drainRecordsStream(embedded, deps);
    // Assess
    expect(first).toMatchObject({ untaggedWrites: 1, directDeletes: 1 });
    expect(again).toEqual({ ttlExpiries: 0, untaggedWrites: 0, directDeletes: 0, other: 0 });
    const flagged = (await audit.readEvents()).filter((e) => e.outcome === 'failed');
    // Events staged at one clock time are chained in event-id order.
    expect(flagged.map((e) => [e.action, e.recordId]).sort()).toEqual([
      ['erasure', 'direct-1'],
      ['untagged-write', 'rogue-1'],
    ]);
    expect(JSON.stringify(flagged)).not.toContain('誰か');
    // the erasure is finished all the same: documents, tombstone, its event
    expect(await deps.records.get('direct-1')).toMatchObject({ status: 'erased', cause: 'direct-delete' });
    expect(await deps.objects.listVersions('records/direct-1/')).toEqual([]);
  });

  it('finishes a TTL expiry like a sweep and audits it as the backstop', async () => {
    // Prepare: the stream record DynamoDB writes when TTL deletes an item
    const old = await embedded.dynamodb.send(new GetItemCommand({ TableName: embedded.names.recordsTable, Key: marshall({ recordId: 'ttl-1' }) }));
    await embedded.dynamodb.send(new DeleteItemCommand({ TableName: embedded.names.recordsTable, Key: marshall({ recordId: 'ttl-1' }) }));
    const event = {
      Records: [
        {
          // as DynamoDB Local delivers it: a name the SDK does not know
          eventName: 'UNKNOWN_TO_SDK_VERSION',
          userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
          dynamodb: { OldImage: old.Item as Record<string, unknown> },
        },
      ],
    };
    // Act: twice, as a redelivery would
    const report = await auditRecordChanges(deps, toChanges(event.Records));
    await auditRecordChanges(deps, toChanges(event.Records));
    // Assess
    expect(report.ttlExpiries).toBe(1);
    expect(await deps.records.get('ttl-1')).toMatchObject({ status: 'erased', cause: 'ttl' });
    expect(await deps.objects.listVersions('records/ttl-1/')).toEqual([]);
    expect(await deps.keys.get(await deps.pseudonyms.pseudonym('S-ttl-1'))).toBeUndefined();
    const ttlEvents = (await audit.readEvents()).filter((e) => e.details?.cause === 'ttl');
    expect(ttlEvents.map((e) => e.action).sort()).toEqual(['erasure', 'key-destroyed']);
    expect((await (await import('#shared/use-cases/verify-audit.ts')).verifyAudit(audit)).ok).toBe(true);
  });
});
