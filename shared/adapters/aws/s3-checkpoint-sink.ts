/** Writes audit checkpoints to S3 (an Object-Lock bucket on AWS). */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CheckpointSink } from '../../ports/audit.ts';

/** S3 implementation of {@link CheckpointSink}. */
export class S3CheckpointSink implements CheckpointSink {
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
}
