/**
 * ObjectStore over S3. On a versioned bucket every version and delete
 * marker is listed and deleted by version id, so erasure leaves nothing
 * behind. The embedded S3 stand-in has no versioning: the runtime says so
 * explicitly with `versioned: false`, never by guessing.
 */
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsCommand,
  ListObjectVersionsCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { TransientStoreError } from '../../errors.ts';
import type { LandingStore, ObjectVersion, StoredObject } from '../../ports/index.ts';

/** Options of {@link S3ObjectStore}. */
export interface S3ObjectStoreOptions {
  /** KMS key for SSE-KMS on put; bucket default encryption when absent. */
  readonly kmsKeyId?: string;
  /**
   * Whether the bucket keeps versions. Only the embedded stand-in sets
   * false, because it cannot list versions.
   * @default true
   */
  readonly versioned?: boolean;
  /** Retries of keys a DeleteObjects call reports as failed. @default 5 */
  readonly maxRetries?: number;
  /** First backoff in ms (doubles each retry). @default 100 */
  readonly backoffMs?: number;
}

/** Size and time of a listed version, when the listing has them. */
function sized(v: { Size?: number; LastModified?: Date }): { size?: number; lastModified?: string } {
  return {
    ...(v.Size === undefined ? {} : { size: v.Size }),
    ...(v.LastModified === undefined ? {} : { lastModified: v.LastModified.toISOString() }),
  };
}

/** Keys a single DeleteObjects call may carry. */
export const DELETE_BATCH = 1_000;

/** S3 implementation of {@link ObjectStore} (and of {@link LandingStore}, which also reads metadata). */
export class S3ObjectStore implements LandingStore {
  private readonly versioned: boolean;
  private readonly maxRetries: number;
  private readonly backoffMs: number;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly options: S3ObjectStoreOptions = {},
  ) {
    this.versioned = options.versioned ?? true;
    this.maxRetries = options.maxRetries ?? 5;
    this.backoffMs = options.backoffMs ?? 100;
  }

  async put(
    key: string,
    body: Uint8Array,
    contentType: string,
    metadata: Readonly<Record<string, string>>,
  ): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        Metadata: { ...metadata },
        ...(this.options.kmsKeyId === undefined
          ? {}
          : { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.options.kmsKeyId }),
      }),
    );
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.read(key))?.body;
  }

  async read(key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key }),
      );
      return {
        body: out.Body === undefined ? new Uint8Array() : await out.Body.transformToByteArray(),
        contentType: out.ContentType ?? 'application/octet-stream',
        metadata: out.Metadata ?? {},
      };
    } catch (error) {
      if (error instanceof NoSuchKey || (error as Error).name === 'NoSuchKey') {
        return undefined;
      }
      throw error;
    }
  }

  async listVersions(prefix: string): Promise<ObjectVersion[]> {
    return this.versioned ? this.listAllVersions(prefix) : this.listCurrent(prefix);
  }

  private async listAllVersions(prefix: string): Promise<ObjectVersion[]> {
    const found: ObjectVersion[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
        }),
      );
      for (const v of out.Versions ?? []) {
        found.push({ key: v.Key as string, versionId: v.VersionId, deleteMarker: false, ...sized(v) });
      }
      for (const m of out.DeleteMarkers ?? []) {
        found.push({ key: m.Key as string, versionId: m.VersionId, deleteMarker: true, ...sized(m) });
      }
      keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
      versionMarker = out.IsTruncated ? out.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
    return found;
  }

  // ListObjects (v1) pages by the last key; the embedded stand-in's v2
  // continuation tokens need a cipher Node 20 only has with the legacy
  // OpenSSL provider.
  private async listCurrent(prefix: string): Promise<ObjectVersion[]> {
    const found: ObjectVersion[] = [];
    let marker: string | undefined;
    do {
      const out = await this.client.send(
        new ListObjectsCommand({ Bucket: this.bucket, Prefix: prefix, Marker: marker }),
      );
      for (const o of out.Contents ?? []) {
        found.push({ key: o.Key as string, versionId: undefined, deleteMarker: false, ...sized(o) });
      }
      marker = out.IsTruncated ? found[found.length - 1]?.key : undefined;
    } while (marker !== undefined);
    return found;
  }

  async deleteVersions(versions: readonly ObjectVersion[]): Promise<void> {
    for (let i = 0; i < versions.length; i += DELETE_BATCH) {
      await this.deleteBatch(versions.slice(i, i + DELETE_BATCH));
    }
  }

  private async deleteBatch(batch: readonly ObjectVersion[]): Promise<void> {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      const out = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: {
            Quiet: true,
            Objects: pending.map((v) => ({
              Key: v.key,
              ...(v.versionId === undefined ? {} : { VersionId: v.versionId }),
            })),
          },
        }),
      );
      const failed = new Set(
        (out.Errors ?? []).map((e) => `${e.Key}\u0000${e.VersionId ?? ''}`),
      );
      pending = pending.filter((v) => failed.has(`${v.key}\u0000${v.versionId ?? ''}`));
      if (pending.length === 0) {
        return;
      }
      if (attempt >= this.maxRetries) {
        throw new TransientStoreError(
          `could not delete ${pending.length} object version(s): ${pending
            .slice(0, 5)
            .map((v) => v.key)
            .join(', ')}`,
        );
      }
      await new Promise((r) => setTimeout(r, this.backoffMs * 2 ** attempt));
    }
  }
}
