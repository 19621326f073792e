/**
 * Writes audit checkpoints to S3 (an Object-Lock bucket on AWS) and reads
 * them back for verification: a locked checkpoint outlives any change to
 * the table, so a truncated or rewritten trail cannot hide behind it.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { IntegrityError } from '../../errors.ts';
import { S3ObjectStore } from './s3-object-store.ts';
import type { CheckpointArchive } from '../../ports/audit.ts';

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
