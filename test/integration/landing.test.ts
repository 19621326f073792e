import { GetObjectCommand, ListObjectsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LifecycleDeps } from '#shared/use-cases/deps.ts';
import { readRecord } from '#shared/use-cases/read-record.ts';
import type { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { clockAt, embeddedDeps } from '#functions/runtime.ts';
import { type LandingWatcher, watchLanding } from '#functions/local/landing-watcher.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';
import { withEmbedded } from './harness.ts';

const covid = (recordId: string, subjectId: string, consent = true) =>
  JSON.stringify({
    recordId,
    subjectId,
    dataset: 'saitama-covid-line',
    purposes: ['saitama-2'],
    acquiredAt: '2026-10-01T10:00:00+09:00',
    ...(consent ? { consent: { refs: ['line-consent'], sensitive: true } } : {}),
    fields: { ageBand: '30代', medicalHistory: `高血圧-${subjectId}` },
  });

describe('landing bucket → tagger (s3rver events, embedded stores)', () => {
  const env = withEmbedded();
  let deps: LifecycleDeps;
  let audit: DynamoAuditTrail;
  let watcher: LandingWatcher;
  const put = (key: string, body: string, metadata: Record<string, string> = {}, contentType = 'text/plain') =>
    env().s3.send(new PutObjectCommand({ Bucket: env().names.landingBucket, Key: key, Body: body, ContentType: contentType, Metadata: metadata }));
  const keys = async (prefix: string) =>
    ((await env().s3.send(new ListObjectsCommand({ Bucket: env().names.landingBucket, Prefix: prefix }))).Contents ?? []).map((o) => o.Key);
  const text = async (bucket: string, key: string) =>
    (await env().s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString();

  beforeAll(() => {
    ({ deps, audit } = embeddedDeps(env(), sampleCatalogue(), clockAt('2026-11-22T00:00:00Z')));
    watcher = watchLanding(env(), deps);
  });
  afterAll(() => watcher?.stop());

  it('ingests a landed batch: records tagged and sealed, the landing copy removed', async () => {
    // Act
    await put('landing/line-2026-11.jsonl', `${covid('land-1', 'S-L1')}\n${covid('land-2', 'S-L2')}\n`, {}, 'application/x-ndjson');
    const [summary] = await watcher.idle();
    // Assess
    expect(summary).toMatchObject({ objects: 1, stored: 2, refused: 0 });
    const stored = await deps.records.get('land-1');
    expect(stored).toMatchObject({ dataset: 'saitama-covid-line', subjectPseudonym: await deps.pseudonyms.pseudonym('S-L1'), purposes: ['saitama-2'] });
    expect(JSON.stringify(stored)).not.toContain('高血圧');
    expect((await readRecord(deps, { recordId: 'land-1', purpose: 'saitama-2', actor: 't' })).fields.medicalHistory).toBe('高血圧-S-L1');
    expect(await keys('landing/')).toEqual([]);
    expect(await keys('quarantine/')).toEqual([]);
  });

  it('moves a landed document into the documents bucket as a record tagged by its metadata', async () => {
    await put('landing/consult/memo-77.txt', '相談メモ：返済計画の見直し', {
      'wasure-dataset': 'gunma-consultations',
      'wasure-subject': 'S-L3',
      'wasure-purposes': 'gunma-consult',
      'wasure-record-id': 'land-doc-1',
    });
    const summaries = await watcher.idle();
    expect(summaries.at(-1)).toMatchObject({ objects: 1, stored: 1, refused: 0 });
    const record = await deps.records.get('land-doc-1');
    expect(record).toMatchObject({ subjectPseudonym: await deps.pseudonyms.pseudonym('S-L3'), dataset: 'gunma-consultations' });
    const docs = await deps.objects.listVersions('records/land-doc-1/');
    expect(docs.map((d) => d.key)).toEqual(['records/land-doc-1/memo-77.txt']);
    expect(await keys('landing/')).toEqual([]);
  });

  it('quarantines what it refuses with the reasons, stores the rest, and loses nothing', async () => {
    // Prepare: one good line, one sensitive line without consent, one unknown dataset
    const bad = covid('land-bad', 'S-L5', false);
    const unknown = JSON.stringify({ recordId: 'land-x', subjectId: 'S-L6', dataset: 'nope', purposes: ['p'], acquiredAt: '2026-10-01T10:00:00+09:00', fields: {} });
    await put('landing/mixed.jsonl', `${covid('land-ok', 'S-L4')}\n${bad}\n${unknown}\n`);
    // Act
    const summary = (await watcher.idle()).at(-1);
    // Assess
    expect(summary).toMatchObject({ objects: 1, stored: 1, refused: 2 });
    expect(await deps.records.get('land-ok')).toBeDefined();
    expect(await deps.records.get('land-bad')).toBeUndefined();
    expect(await keys('landing/')).toEqual([]);
    expect((await keys('quarantine/')).sort()).toEqual(['quarantine/mixed.jsonl', 'quarantine/mixed.jsonl.reasons.json']);
    expect(await text(env().names.landingBucket, 'quarantine/mixed.jsonl')).toBe(`${bad}\n${unknown}\n`);
    const reasons = JSON.parse((await text(env().names.landingBucket, 'quarantine/mixed.jsonl.reasons.json')) ?? '{}');
    expect(reasons.stored).toEqual([{ line: 1, recordId: 'land-ok' }]);
    expect(reasons.refused.map((r: { line: number }) => r.line)).toEqual([2, 3]);
    expect(JSON.stringify(reasons.refused[1].problems)).toContain('unknown dataset');
  });

  it('quarantines a document whose metadata does not tag it, naming each missing header', async () => {
    await put('landing/scan-001.txt', '本人確認書類の写し', { 'wasure-dataset': 'jlis-inquiries' });
    const summary = (await watcher.idle()).at(-1);
    expect(summary).toMatchObject({ stored: 0, refused: 1 });
    const reasons = JSON.parse((await text(env().names.landingBucket, 'quarantine/scan-001.txt.reasons.json')) ?? '{}');
    expect(reasons.refused[0].problems.map((p: { path: string }) => p.path)).toEqual(['x-amz-meta-wasure-subject', 'x-amz-meta-wasure-purposes']);
    expect(await text(env().names.landingBucket, 'quarantine/scan-001.txt')).toBe('本人確認書類の写し');
    const refusals = (await audit.readEvents()).filter((e) => e.action === 'ingest-refused' && e.details?.source === 'landing');
    expect(refusals).toHaveLength(1);
  });

  it('does nothing on a redelivered event, and catches up objects that landed unwatched', async () => {
    // Prepare: the same event again (the object is gone), then an object landed while stopped
    watcher.stop();
    await put('landing/late.jsonl', `${covid('land-late', 'S-L7')}\n`);
    watcher = watchLanding(env(), deps);
    // Act
    const caughtUp = await watcher.catchUp();
    const again = await watcher.catchUp();
    // Assess
    expect(caughtUp).toMatchObject({ objects: 1, stored: 1 });
    expect(again).toMatchObject({ objects: 0, stored: 0 });
    expect(await deps.records.get('land-late')).toBeDefined();
  });
});
