/**
 * ExportStore on S3: the package is written under `exports/{requestId}/`
 * of the exports bucket (SSE-KMS; a lifecycle rule expires it after the
 * export retention) and delivered as a presigned URL of its manifest.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Clock, ExportStore } from '../../ports/index.ts';

/** S3 implementation of {@link ExportStore}. */
export class S3ExportStore implements ExportStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly clock: Clock,
    private readonly retentionDays = 7,
    private readonly urlSeconds = 3600,
  ) {}

  async save(
    requestId: string,
    files: readonly { name: string; bytes: Uint8Array }[],
  ): Promise<{ location: string; expiresAt: string }> {
    for (const file of files) {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: `exports/${requestId}/${file.name}`,
          Body: file.bytes,
          ServerSideEncryption: 'aws:kms',
        }),
      );
    }
    const location = await getSignedUrl(
      this.client,
      new GetObjectCommand({ Bucket: this.bucket, Key: `exports/${requestId}/manifest.json` }),
      { expiresIn: this.urlSeconds },
    );
    const expiresAt = new Date(this.clock.now().getTime() + this.retentionDays * 86_400_000).toISOString();
    return { location, expiresAt };
  }

  /** The bucket's lifecycle rule expires packages; nothing to do here. */
  async purgeExpired(): Promise<number> {
    return 0;
  }
}
