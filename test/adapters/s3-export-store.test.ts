import { DeleteObjectsCommand, ListObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3ExportStore } from '#shared/adapters/aws/s3-export-store.ts';
import { ValidationError } from '#shared/errors.ts';

const s3 = mockClient(S3Client);
const clock = { now: () => new Date('2026-11-22T00:00:00.000Z') };

describe('S3ExportStore.remove', () => {
  beforeEach(() => s3.reset());

  it('deletes every version and delete marker under the package prefix, by version id', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand).resolves({
      IsTruncated: false,
      Versions: [{ Key: 'exports/q-1/data.csv', VersionId: 'v1' }, { Key: 'exports/q-1/data.csv', VersionId: 'v2' }, { Key: 'exports/q-1/summary.html', VersionId: 'v3' }],
      DeleteMarkers: [{ Key: 'exports/q-1/data.json', VersionId: 'dm1' }],
    });
    s3.on(DeleteObjectsCommand).resolves({ Errors: [] });
    const store = new S3ExportStore(new S3Client({}), 'exports-bucket', clock);
    // Act
    const removed = await store.remove('q-1');
    // Assess
    expect(removed).toBe(4);
    expect(s3.commandCalls(ListObjectVersionsCommand)[0]?.args[0].input).toMatchObject({ Bucket: 'exports-bucket', Prefix: 'exports/q-1/' });
    expect(s3.commandCalls(DeleteObjectsCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'exports-bucket',
      Delete: {
        Objects: [
          { Key: 'exports/q-1/data.csv', VersionId: 'v1' },
          { Key: 'exports/q-1/data.csv', VersionId: 'v2' },
          { Key: 'exports/q-1/summary.html', VersionId: 'v3' },
          { Key: 'exports/q-1/data.json', VersionId: 'dm1' },
        ],
      },
    });
  });

  it('finds nothing to delete once the package is gone', async () => {
    // Prepare
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });
    const store = new S3ExportStore(new S3Client({}), 'exports-bucket', clock);
    // Act
    const [held, removed] = [await store.packageObjects('q-1'), await store.remove('q-1')];
    // Assess
    expect([held, removed]).toEqual([0, 0]);
    expect(s3.commandCalls(DeleteObjectsCommand)).toEqual([]);
  });

  it('lists current objects on the unversioned embedded stand-in', async () => {
    // Prepare
    s3.on(ListObjectsCommand).resolves({ IsTruncated: false, Contents: [{ Key: 'exports/q-1/data.csv' }] });
    s3.on(DeleteObjectsCommand).resolves({ Errors: [] });
    const store = new S3ExportStore(new S3Client({}), 'exports-bucket', clock, 7, 3600, false);
    // Act
    const removed = await store.remove('q-1');
    // Assess
    expect(removed).toBe(1);
    expect(s3.commandCalls(DeleteObjectsCommand)[0]?.args[0].input.Delete?.Objects).toEqual([{ Key: 'exports/q-1/data.csv' }]);
  });

  it.each(['', '../x', 'a/b', '*'])('refuses %j as a request id: a partial prefix would reach other packages', async (id) => {
    // Act / Assess
    await expect(new S3ExportStore(new S3Client({}), 'exports-bucket', clock).remove(id)).rejects.toBeInstanceOf(ValidationError);
    expect(s3.calls()).toEqual([]);
  });
});
