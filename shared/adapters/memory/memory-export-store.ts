/**
 * The store of disclosure packages in memory, as S3ExportStore uses its
 * versioned bucket: files under `exports/{requestId}/`, expiry a retention
 * period after the clock, every version and delete marker of a package
 * counted and removed, a request id that is not a plain name refused
 * before it becomes a prefix. Expiry is the bucket's lifecycle rule on S3,
 * so `purgeExpired` removes nothing here either.
 */
import type { Clock, ExportStore, ObjectVersion, PackageFile } from '../../ports/index.ts';
import { packagePrefix, readObjectPackage } from '../object-package.ts';
import type { MemoryObjectStore } from './memory-object-store.ts';

/** In-memory {@link ExportStore} over a versioned {@link MemoryObjectStore}. */
export class MemoryExportStore implements ExportStore {
  constructor(
    readonly bucket: MemoryObjectStore,
    private readonly clock: Clock,
    private readonly retentionDays = 7,
  ) {}

  async save(
    requestId: string,
    files: readonly { name: string; bytes: Uint8Array }[],
  ): Promise<{ location: string; expiresAt: string }> {
    for (const file of files) {
      await this.bucket.put(`exports/${requestId}/${file.name}`, file.bytes, 'application/octet-stream', {});
    }
    const expiresAt = new Date(this.clock.now().getTime() + this.retentionDays * 86_400_000).toISOString();
    return { location: `memory://exports/${requestId}/manifest.json`, expiresAt };
  }

  async packageObjects(requestId: string): Promise<number> {
    return (await this.packageVersions(requestId)).length;
  }

  async remove(requestId: string): Promise<number> {
    const versions = await this.packageVersions(requestId);
    await this.bucket.deleteVersions(versions);
    return versions.length;
  }

  read(requestId: string): Promise<PackageFile[]> {
    return readObjectPackage(this.bucket, requestId);
  }

  private packageVersions(requestId: string): Promise<ObjectVersion[]> {
    return this.bucket.listVersions(packagePrefix(requestId));
  }

  async purgeExpired(): Promise<number> {
    return 0;
  }
}
