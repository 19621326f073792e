/**
 * Writes audit checkpoints to S3 (an Object-Lock bucket on AWS) and reads
 * them back for verification: a locked checkpoint outlives any change to
 * the table, so a truncated or rewritten trail cannot hide behind it.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { IntegrityError } from '../../errors.ts';
import { S3ObjectStore } from './s3-object-store.ts';
import type { ArchivedCheckpoint, CheckpointArchive } from '../../ports/audit.ts';
import type { ObjectVersion } from '../../ports/index.ts';

/** Options of {@link S3CheckpointSink}. */
export interface S3CheckpointSinkOptions {
  /**
   * The bucket is versioned (Object Lock on AWS): the archive is read by
   * version, the oldest of each key, and extra versions are reported.
   * @default false (the embedded stand-in keeps one version)
   */
  readonly versioned?: boolean;
}

/** Prefix of checkpoint documents. */
export const CHECKPOINT_PREFIX = 'checkpoints/';

/** The checkpoint index a document name carries, or undefined. */
export function checkpointIndexOf(key: string): number | undefined {
  const m = /^checkpoints\/(\d{1,15})\.json$/.exec(key);
  return m === null ? undefined : Number(m[1]);
}

/** S3 implementation of {@link CheckpointArchive}. */
export class S3CheckpointSink implements CheckpointArchive {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly options: S3CheckpointSinkOptions = {},
  ) {}

  /**
   * Writes a checkpoint document, create-only: a second write of the same
   * name is refused by S3 (`If-None-Match: *`, 412), never an overwrite.
   *
   * @throws IntegrityError when the name is already archived
   */
  async put(name: string, body: Uint8Array): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: name,
          Body: body,
          ContentType: 'application/json',
          // Object Lock requires an integrity checksum on every write.
          ChecksumAlgorithm: 'SHA256',
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      // 409 is S3's answer to a concurrent conditional write of the same key.
      if ((error as Error).name === 'PreconditionFailed' || (error as Error).name === 'ConditionalRequestConflict') {
        throw new IntegrityError(
          `checkpoint ${checkpointIndexOf(name) ?? name} already archived: refusing to overwrite`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async readAll(fromIndex = 0): Promise<ArchivedCheckpoint[]> {
    const store = new S3ObjectStore(this.client, this.bucket, { versioned: this.options.versioned ?? false });
    const byKey = new Map<string, ObjectVersion[]>();
    for (const v of await store.listVersions(CHECKPOINT_PREFIX)) {
      byKey.set(v.key, [...(byKey.get(v.key) ?? []), v]);
    }
    const archived: ArchivedCheckpoint[] = [];
    for (const [key, versions] of [...byKey].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const oldest = oldestVersion(versions);
      const index = checkpointIndexOf(key);
      if (index !== undefined && index < fromIndex) {
        // Older than what the caller verifies: counted, not read.
        archived.push({ key, versions: versions.length, document: undefined });
        continue;
      }
      const out =
        oldest === undefined
          ? undefined
          : await this.client.send(
              new GetObjectCommand({
                Bucket: this.bucket,
                Key: key,
                ...(oldest.versionId === undefined ? {} : { VersionId: oldest.versionId }),
              }),
            );
      const text = await out?.Body?.transformToString('utf8');
      archived.push({ key, versions: versions.length, document: text === undefined ? null : JSON.parse(text) });
    }
    return archived;
  }
}

/**
 * The first-written version among a key's versions (delete markers hold
 * no document). S3 lists each key's versions newest first, so it is the
 * last one listed; listing times have one-second steps and cannot order
 * two writes within a second.
 */
function oldestVersion(versions: readonly ObjectVersion[]): ObjectVersion | undefined {
  return versions.filter((v) => !v.deleteMarker).at(-1);
}
