import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsCommand, ListObjectVersionsCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { S3ExportStore } from '#shared/adapters/aws/s3-export-store.ts';
import { DirectoryExportStore } from '#shared/adapters/local/directory-export-store.ts';
import { MemoryExportStore } from '#shared/adapters/memory/memory-export-store.ts';
import { Faults } from '#shared/adapters/memory/faults.ts';
import { MemoryObjectStore } from '#shared/adapters/memory/memory-object-store.ts';
import { ValidationError } from '#shared/errors.ts';

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const at = (iso: string) => ({ now: () => new Date(iso) });
const FILES = [
  { name: 'data.json', bytes: bytes('{"records":[]}') },
  { name: 'docs/letter.html', bytes: bytes('<p>hi</p>') },
];

describe('DirectoryExportStore.read', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-exports-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('returns the saved files by name, without its expiry file', async () => {
    // Prepare
    const store = new DirectoryExportStore(dir, at('2026-11-22T00:00:00Z'));
    await store.save('req-1', FILES);
    // Act
    const files = await store.read('req-1');
    // Assess
    expect(files.map((f) => [f.name, text(f.bytes)])).toEqual([
      ['data.json', '{"records":[]}'],
      ['docs/letter.html', '<p>hi</p>'],
    ]);
    expect(await readdir(join(dir, 'req-1'))).toContain('.expires-at');
  });

  it('returns nothing for a package past its expiry, or never saved', async () => {
    // Prepare
    await new DirectoryExportStore(dir, at('2026-11-01T00:00:00Z')).save('req-1', FILES);
    const later = new DirectoryExportStore(dir, at('2026-11-08T00:00:00Z'));
    // Act
    const [expired, missing] = [await later.read('req-1'), await later.read('req-2')];
    // Assess
    expect([expired, missing]).toEqual([[], []]);
  });

  it('refuses a request id that is not a plain name', async () => {
    // Act + Assess
    await expect(new DirectoryExportStore(dir, at('2026-11-22T00:00:00Z')).read('../etc')).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('MemoryExportStore.read', () => {
  it('returns the current files of the package, none once removed', async () => {
    // Prepare
    const store = new MemoryExportStore(new MemoryObjectStore(new Faults(), 'exports'), at('2026-11-22T00:00:00Z'));
    await store.save('req-1', FILES);
    await store.save('req-10', [{ name: 'other.json', bytes: bytes('x') }]);
    // Act
    const files = await store.read('req-1');
    await store.remove('req-1');
    // Assess: only its own prefix, not req-10's
    expect(files.map((f) => [f.name, text(f.bytes)])).toEqual([
      ['data.json', '{"records":[]}'],
      ['docs/letter.html', '<p>hi</p>'],
    ]);
    expect(await store.read('req-1')).toEqual([]);
    await expect(store.read('req-')).resolves.toEqual([]);
    await expect(store.read('a/b')).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('S3ExportStore.read', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  const body = (t: string) => ({ transformToByteArray: async () => bytes(t) }) as never;

  it('lists the package prefix and reads each current object with GetObject', async () => {
    // Prepare: two versions of one key and a deleted key
    s3.on(ListObjectVersionsCommand).resolves({
      IsTruncated: false,
      Versions: [{ Key: 'exports/q-1/data.json', VersionId: 'v2' }, { Key: 'exports/q-1/data.json', VersionId: 'v1' }, { Key: 'exports/q-1/summary.html', VersionId: 'v3' }],
      DeleteMarkers: [{ Key: 'exports/q-1/gone.csv', VersionId: 'dm1' }],
    });
    s3.on(GetObjectCommand, { Key: 'exports/q-1/data.json' }).resolves({ Body: body('{"a":1}') });
    s3.on(GetObjectCommand, { Key: 'exports/q-1/summary.html' }).rejects(new NoSuchKey({ message: 'gone', $metadata: {} }));
    const store = new S3ExportStore(new S3Client({}), 'exports-bucket', at('2026-11-22T00:00:00Z'));
    // Act
    const files = await store.read('q-1');
    // Assess
    expect(files.map((f) => [f.name, text(f.bytes)])).toEqual([['data.json', '{"a":1}']]);
    expect(s3.commandCalls(ListObjectVersionsCommand)[0]?.args[0].input).toMatchObject({ Bucket: 'exports-bucket', Prefix: 'exports/q-1/' });
    expect(s3.commandCalls(GetObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'exports-bucket', Key: 'exports/q-1/data.json' },
      { Bucket: 'exports-bucket', Key: 'exports/q-1/summary.html' },
    ]);
  });

  it('lists current objects on the unversioned embedded stand-in', async () => {
    // Prepare
    s3.on(ListObjectsCommand).resolves({ IsTruncated: false, Contents: [{ Key: 'exports/q-1/data.json' }] });
    s3.on(GetObjectCommand).resolves({ Body: body('x') });
    const store = new S3ExportStore(new S3Client({}), 'exports-bucket', at('2026-11-22T00:00:00Z'), 7, 3600, false);
    // Act
    const files = await store.read('q-1');
    // Assess
    expect(files.map((f) => f.name)).toEqual(['data.json']);
    expect(s3.commandCalls(ListObjectsCommand)[0]?.args[0].input).toMatchObject({ Prefix: 'exports/q-1/' });
  });

  it('refuses a request id that would widen the prefix', async () => {
    // Act + Assess
    await expect(new S3ExportStore(new S3Client({}), 'b', at('2026-11-22T00:00:00Z')).read('')).rejects.toBeInstanceOf(ValidationError);
    expect(s3.calls()).toEqual([]);
  });
});
