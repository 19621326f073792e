/**
 * Writes audit checkpoints to S3 (an Object-Lock bucket on AWS) and reads
 * them back for verification: a locked checkpoint outlives any change to
 * the table, so a truncated or rewritten trail cannot hide behind it.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from './s3-object-store.ts';
import type { CheckpointArchive } from '../../ports/audit.ts';

/** Prefix of checkpoint documents. */
export const CHECKPOINT_PREFIX = 'checkpoints/';

/** S3 implementation of {@link CheckpointArchive}. */
export class S3CheckpointSink implements CheckpointArchive {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async put(name: string, body: Uint8Array): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: name,
        Body: body,
        ContentType: 'application/json',
        // Object Lock requires an integrity checksum on every write.
        ChecksumAlgorithm: 'SHA256',
      }),
    );
  }

  async readAll(): Promise<unknown[]> {
    // Current objects only: a checkpoint is written once and never replaced.
    const current = new S3ObjectStore(this.client, this.bucket, { versioned: false });
    const keys = (await current.listVersions(CHECKPOINT_PREFIX)).map((v) => v.key);
    const documents: unknown[] = [];
    for (const key of keys.sort()) {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      documents.push(JSON.parse((await out.Body?.transformToString('utf8')) ?? 'null'));
    }
    return documents;
  }
}
