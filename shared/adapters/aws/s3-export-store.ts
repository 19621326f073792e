/**
 * ExportStore on S3: the package is written under `exports/{requestId}/`
 * of the exports bucket (SSE-KMS; a lifecycle rule expires it after the
 * export retention) and delivered as a presigned URL of its manifest.
 * Erasing the subject removes the package at once: every version and
 * delete marker under its prefix.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Clock, ExportStore, ObjectVersion, PackageFile } from '../../ports/index.ts';
import { packagePrefix, readObjectPackage } from '../object-package.ts';
import { S3ObjectStore } from './s3-object-store.ts';

/** S3 implementation of {@link ExportStore}. */
export class S3ExportStore implements ExportStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly clock: Clock,
    private readonly retentionDays = 7,
    private readonly urlSeconds = 3600,
    /** Whether the bucket keeps versions (false only for the embedded S3 stand-in). */
    private readonly versioned = true,
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

  async packageObjects(requestId: string): Promise<number> {
    return (await this.packageVersions(requestId)).length;
  }

  async remove(requestId: string): Promise<number> {
    const versions = await this.packageVersions(requestId);
    await this.objects().deleteVersions(versions);
    return versions.length;
  }

  /** The package's current files: listed, then each read with GetObject through the injected client. */
  read(requestId: string): Promise<PackageFile[]> {
    return readObjectPackage(this.objects(), requestId);
  }

  /** Every version and delete marker under the package's prefix. */
  private async packageVersions(requestId: string): Promise<ObjectVersion[]> {
    return this.objects().listVersions(packagePrefix(requestId));
  }

  private objects(): S3ObjectStore {
    return new S3ObjectStore(this.client, this.bucket, { versioned: this.versioned });
  }

  /** The bucket's lifecycle rule expires packages; nothing to do here. */
  async purgeExpired(): Promise<number> {
    return 0;
  }
}
