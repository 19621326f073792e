import { describe, expect, it } from 'vitest';
import { documentLine, isBatch, isLandingKey, landedObjects, quarantineKey } from '#shared/domain/landing.ts';

describe('landing events and objects', () => {
  it('reads the created object from an EventBridge event and from S3 notifications (keys URL-decoded)', () => {
    expect(
      landedObjects({ 'detail-type': 'Object Created', source: 'aws.s3', detail: { bucket: { name: 'b' }, object: { key: 'landing/a.jsonl' } } }),
    ).toEqual([{ bucket: 'b', key: 'landing/a.jsonl' }]);
    expect(
      landedObjects({
        Records: [
          { eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'landing/%E7%9B%B8%E8%AB%87+memo.txt' } } },
          { eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: 'b' }, object: { key: 'landing/x' } } },
        ],
      }),
    ).toEqual([{ bucket: 'b', key: 'landing/相談 memo.txt' }]);
    expect(landedObjects({ 'detail-type': 'Object Deleted', detail: {} })).toEqual([]);
  });

  it('tags keys under landing/ only, and keeps refused ones under quarantine/', () => {
    expect(isLandingKey('landing/a.txt')).toBe(true);
    expect(isLandingKey('landing/')).toBe(false);
    expect(isLandingKey('quarantine/a.txt')).toBe(false);
    expect(quarantineKey('landing/x/a.jsonl')).toBe('quarantine/x/a.jsonl');
    expect(isBatch('landing/a.jsonl', 'text/plain')).toBe(true);
    expect(isBatch('landing/a.txt', 'application/x-ndjson')).toBe(true);
    expect(isBatch('landing/a.pdf', 'application/pdf')).toBe(false);
  });

  it('turns a document and its metadata into an ingest line with a stable record id', () => {
    const object = {
      key: 'landing/memo.txt',
      body: Buffer.from('メモ'),
      contentType: 'text/plain',
      metadata: { 'wasure-dataset': 'gunma-consultations', 'wasure-subject': 'S-1', 'wasure-purposes': 'a, b', 'wasure-consent-refs': 'c1' },
    };
    const line = documentLine(object, '2026-11-22T00:00:00.000Z');
    expect('text' in line).toBe(true);
    const parsed = JSON.parse((line as { text: string }).text);
    expect(parsed).toMatchObject({
      subjectId: 'S-1',
      dataset: 'gunma-consultations',
      purposes: ['a', 'b'],
      acquiredAt: '2026-11-22T00:00:00.000Z',
      consent: { refs: ['c1'] },
      documents: [{ name: 'memo.txt', contentType: 'text/plain', base64: Buffer.from('メモ').toString('base64') }],
    });
    expect(parsed.recordId).toMatch(/^land-[0-9a-f]{24}$/);
    expect(JSON.parse((documentLine(object, 'later') as { text: string }).text).recordId).toBe(parsed.recordId);
  });

  it('names every missing or malformed metadata header', () => {
    const line = documentLine({ key: 'landing/x', body: new Uint8Array(), contentType: 'text/plain', metadata: { 'wasure-consent-sensitive': 'yes' } }, 't');
    expect('problems' in line && line.problems.map((p) => p.path)).toEqual([
      'x-amz-meta-wasure-dataset',
      'x-amz-meta-wasure-subject',
      'x-amz-meta-wasure-purposes',
      'x-amz-meta-wasure-consent-sensitive',
    ]);
  });
});
