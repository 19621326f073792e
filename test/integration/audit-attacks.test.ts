import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { S3CheckpointSink } from '#shared/adapters/aws/s3-checkpoint-sink.ts';
import { IntegrityError } from '#shared/errors.ts';
import { withEmbedded } from './harness.ts';

describe('audit trail under attack on the embedded stores', () => {
  const env = withEmbedded();

  const readArchived = async (key: string) => {
    const out = await env().s3.send(new GetObjectCommand({ Bucket: env().names.checkpointsBucket, Key: key }));
    return out.Body?.transformToString('utf8');
  };

  it('archives a checkpoint once: a second write of the same name fails and the first stays', async () => {
    // Prepare
    const embedded = env();
    const sink = new S3CheckpointSink(embedded.s3, embedded.names.checkpointsBucket);
    const key = 'checkpoints/0000000777.json';
    await sink.put(key, Buffer.from('{"index":777,"first":true}'));
    // Act
    const second = sink.put(key, Buffer.from('{"index":777,"first":false}'));
    // Assess
    await expect(second).rejects.toBeInstanceOf(IntegrityError);
    await expect(second).rejects.toThrow('checkpoint 777 already archived: refusing to overwrite');
    // a plain PutObject or a DELETE, as a role with those rights would send, is refused too
    await expect(
      embedded.s3.send(new PutObjectCommand({ Bucket: embedded.names.checkpointsBucket, Key: key, Body: 'forged' })),
    ).rejects.toThrow(/create-only/);
    await expect(
      embedded.s3.send(new DeleteObjectCommand({ Bucket: embedded.names.checkpointsBucket, Key: key })),
    ).rejects.toThrow(/create-only/);
    expect(await readArchived(key)).toBe('{"index":777,"first":true}');
  });
});
