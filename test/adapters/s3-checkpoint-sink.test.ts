import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { S3CheckpointSink } from '#shared/adapters/aws/s3-checkpoint-sink.ts';
import { IntegrityError } from '#shared/errors.ts';

// The embedded S3 stand-in is unversioned: reading the Object-Lock archive
// by version is checked here against the S3 API contract.
const s3 = mockClient(S3Client);
const body = (text: string) => ({ transformToString: async () => text }) as never;

describe('S3CheckpointSink on the versioned Object-Lock bucket', () => {
  beforeEach(() => s3.reset());

  it('reads the oldest version of each checkpoint and counts every version of its key', async () => {
    // Prepare: checkpoint 1 was overwritten (S3 lists a key's versions newest first) and then delete-marked
    s3.on(ListObjectVersionsCommand).resolves({
      IsTruncated: false,
      Versions: [
        { Key: 'checkpoints/0000000000.json', VersionId: 'a1' },
        { Key: 'checkpoints/0000000001.json', VersionId: 'b2-new' },
        { Key: 'checkpoints/0000000001.json', VersionId: 'b1-old' },
      ],
      DeleteMarkers: [{ Key: 'checkpoints/0000000001.json', VersionId: 'b3-dm' }],
    });
    s3.on(GetObjectCommand, { VersionId: 'a1' }).callsFake(() => ({ Body: body('{"index":0}') }));
    s3.on(GetObjectCommand, { VersionId: 'b1-old' }).callsFake(() => ({ Body: body('{"index":1,"original":true}') }));
    const sink = new S3CheckpointSink(new S3Client({}), 'archive', { versioned: true });
    // Act
    const archived = await sink.readAll();
    // Assess
    expect(archived).toEqual([
      { key: 'checkpoints/0000000000.json', versions: 1, document: { index: 0 } },
      { key: 'checkpoints/0000000001.json', versions: 3, document: { index: 1, original: true } },
    ]);
    expect(s3.commandCalls(ListObjectVersionsCommand)[0]?.args[0].input).toMatchObject({ Bucket: 'archive', Prefix: 'checkpoints/' });
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input.VersionId)).toEqual(['a1', 'b1-old']);
  });

  it('writes create-only and names the checkpoint S3 refuses to overwrite', async () => {
    // Prepare
    s3.on(PutObjectCommand).rejects(
      new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } }),
    );
    const sink = new S3CheckpointSink(new S3Client({}), 'archive', { versioned: true });
    // Act
    const put = sink.put('checkpoints/0000000012.json', Buffer.from('{}'));
    // Assess
    await expect(put).rejects.toBeInstanceOf(IntegrityError);
    await expect(put).rejects.toThrow('checkpoint 12 already archived: refusing to overwrite');
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({ Bucket: 'archive', Key: 'checkpoints/0000000012.json', IfNoneMatch: '*' });
  });
});
