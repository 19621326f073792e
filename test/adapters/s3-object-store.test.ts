import {
  DeleteObjectsCommand,
  ListObjectVersionsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '#shared/adapters/aws/s3-object-store.ts';
import { TransientStoreError } from '#shared/errors.ts';

// The embedded S3 stand-in has no versioning: the versioned path is
// checked here against the S3 API contract.
const s3 = mockClient(S3Client);

describe('S3ObjectStore on a versioned bucket', () => {
  beforeEach(() => s3.reset());

  it('lists every version and delete marker across pages', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand, { KeyMarker: undefined })
      .resolves({
        IsTruncated: true,
        NextKeyMarker: 'records/r1/a.txt',
        NextVersionIdMarker: 'v2',
        Versions: [{ Key: 'records/r1/a.txt', VersionId: 'v1' }, { Key: 'records/r1/a.txt', VersionId: 'v2' }],
      })
      .on(ListObjectVersionsCommand, { KeyMarker: 'records/r1/a.txt', VersionIdMarker: 'v2' })
      .resolves({
        IsTruncated: false,
        Versions: [{ Key: 'records/r1/b.txt', VersionId: 'v3' }],
        DeleteMarkers: [{ Key: 'records/r1/a.txt', VersionId: 'dm1' }],
      });
    const store = new S3ObjectStore(new S3Client({}), 'docs');
    // Act
    const versions = await store.listVersions('records/r1/');
    // Assess
    expect(versions).toEqual([
      { key: 'records/r1/a.txt', versionId: 'v1', deleteMarker: false },
      { key: 'records/r1/a.txt', versionId: 'v2', deleteMarker: false },
      { key: 'records/r1/b.txt', versionId: 'v3', deleteMarker: false },
      { key: 'records/r1/a.txt', versionId: 'dm1', deleteMarker: true },
    ]);
    expect(s3.commandCalls(ListObjectVersionsCommand)[0]?.args[0].input).toMatchObject({ Bucket: 'docs', Prefix: 'records/r1/' });
  });

  it('deletes by version id in calls of at most 1,000 keys', async () => {
    s3.on(DeleteObjectsCommand).resolves({ Errors: [] });
    const store = new S3ObjectStore(new S3Client({}), 'docs');
    const versions = Array.from({ length: 2_345 }, (_, i) => ({ key: `records/r/${i}`, versionId: `v${i}`, deleteMarker: i % 2 === 0 }));
    await store.deleteVersions(versions);
    const calls = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects ?? []);
    expect(calls.map((c) => c.length)).toEqual([1000, 1000, 345]);
    expect(calls[0]?.[7]).toEqual({ Key: 'records/r/7', VersionId: 'v7' });
  });

  it('retries keys the bucket reports as failed, then gives up with a named error', async () => {
    s3.on(DeleteObjectsCommand)
      .resolvesOnce({ Errors: [{ Key: 'records/r/1', VersionId: 'v1', Code: 'SlowDown' }] })
      .resolves({ Errors: [] });
    const store = new S3ObjectStore(new S3Client({}), 'docs', { backoffMs: 1 });
    await store.deleteVersions([
      { key: 'records/r/0', versionId: 'v0', deleteMarker: false },
      { key: 'records/r/1', versionId: 'v1', deleteMarker: false },
    ]);
    expect(s3.commandCalls(DeleteObjectsCommand)[1]?.args[0].input.Delete?.Objects).toEqual([{ Key: 'records/r/1', VersionId: 'v1' }]);

    s3.reset();
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'records/r/1', VersionId: 'v1', Code: 'InternalError' }] });
    await expect(
      new S3ObjectStore(new S3Client({}), 'docs', { backoffMs: 1, maxRetries: 2 }).deleteVersions([{ key: 'records/r/1', versionId: 'v1', deleteMarker: false }]),
    ).rejects.toBeInstanceOf(TransientStoreError);
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(3);
  });
});
