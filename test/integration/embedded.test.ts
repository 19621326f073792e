import type { AuditOutbox } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import {
  GenerateMacCommand,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { afterAll, describe, expect, it } from 'vitest';
import { DynamoKeyStore } from '#shared/adapters/aws/dynamo-key-store.ts';
import { KmsKeyService } from '#shared/adapters/aws/kms-key-service.ts';
import { S3ObjectStore } from '#shared/adapters/aws/s3-object-store.ts';
import { tableName } from '#shared/adapters/aws/table-schema.ts';
import { TABLES } from '#shared/config/resources.ts';
import { ConfigError, KeyUnavailableError } from '#shared/errors.ts';
import { startEmbedded } from '#functions/local/embedded.ts';
import { killCliChildren, startScriptChild } from '../cli-run.ts';
import { withEmbedded } from './harness.ts';

const env = withEmbedded();
afterAll(killCliChildren);
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

const answers = async (endpoint: string): Promise<boolean> => {
  const client = new DynamoDBClient({ region: 'ap-northeast-1', endpoint, credentials, maxAttempts: 1 });
  try {
    await client.send(new ListTablesCommand({}));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
};

const endpointOf = async (client: DynamoDBClient): Promise<string> => {
  const url = await client.config.endpoint?.();
  return `${url?.protocol}//${url?.hostname}:${url?.port}`;
};

describe('embedded tables', () => {
  it.each(TABLES.map((t) => [t.id, t] as const))(
    '%s has the keys, indexes, TTL and stream of its definition',
    async (_id, def) => {
      // Prepare
      const name = tableName(def, env().names);
      // Act
      const table = (await env().dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table;
      const ttl = (await env().dynamodb.send(new DescribeTimeToLiveCommand({ TableName: name })))
        .TimeToLiveDescription;
      // Assess
      const key = (pk: { name: string }, sk?: { name: string }) => [
        { AttributeName: pk.name, KeyType: 'HASH' },
        ...(sk === undefined ? [] : [{ AttributeName: sk.name, KeyType: 'RANGE' }]),
      ];
      expect(table?.TableStatus).toBe('ACTIVE');
      expect(table?.KeySchema).toEqual(key(def.partitionKey, def.sortKey));
      const indexes = (table?.GlobalSecondaryIndexes ?? [])
        .map((g) => ({ name: g.IndexName, key: g.KeySchema, projection: g.Projection?.ProjectionType }))
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
      const expected = def.indexes
        .map((i) => ({ name: i.indexName, key: key(i.partitionKey, i.sortKey), projection: i.projection }))
        .sort((a, b) => a.name.localeCompare(b.name));
      expect(indexes).toEqual(expected);
      const types = Object.fromEntries((table?.AttributeDefinitions ?? []).map((a) => [a.AttributeName, a.AttributeType]));
      for (const attribute of [def.partitionKey, def.sortKey, ...def.indexes.flatMap((i) => [i.partitionKey, i.sortKey])]) {
        if (attribute !== undefined) {
          expect(types[attribute.name]).toBe(attribute.type);
        }
      }
      expect(table?.StreamSpecification?.StreamEnabled ?? false).toBe(def.stream);
      if (def.stream) {
        expect(table?.StreamSpecification?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
      }
      expect(ttl?.TimeToLiveStatus === 'ENABLED' ? ttl.AttributeName : undefined).toBe(def.ttlAttribute);
    },
  );
});

describe('embedded S3 (s3rver, unversioned)', () => {
  it('stores, reads, lists past one page and deletes documents', async () => {
    // Prepare
    const store = new S3ObjectStore(env().s3, env().names.documentsBucket, { versioned: false });
    const prefix = `records/${randomUUID()}/`;
    const keys = Array.from({ length: 1_005 }, (_, i) => `${prefix}${String(i).padStart(4, '0')}.txt`);
    for (let i = 0; i < keys.length; i += 50) {
      await Promise.all(
        keys.slice(i, i + 50).map((k) => store.put(k, new TextEncoder().encode(k), 'text/plain', { record: 'r1' })),
      );
    }
    // Act
    const read = await store.get(keys[7] as string);
    const listed = await store.listVersions(prefix);
    await store.deleteVersions(listed);
    // Assess
    expect(new TextDecoder().decode(read)).toBe(keys[7]);
    expect(listed.map((v) => v.key).sort()).toEqual(keys);
    expect(listed.every((v) => v.versionId === undefined && !v.deleteMarker)).toBe(true);
    expect(await store.listVersions(prefix)).toEqual([]);
    expect(await store.get(keys[7] as string)).toBeUndefined();
  });

  it('refuses a versioned listing instead of silently listing current objects', async () => {
    // Prepare: the default (AWS) store expects a versioned bucket.
    const store = new S3ObjectStore(env().s3, env().names.documentsBucket);
    // Act
    const listing = store.listVersions('records/');
    // Assess: s3rver 3.7.1 has no route for GET ?versions and answers 405.
    await expect(listing).rejects.toMatchObject({ name: 'MethodNotAllowed' });
  });
});

describe('local key service through the real KMS client', () => {
  it('wraps and unwraps a data key bound to its context and refuses another context', async () => {
    // Prepare
    const keys = new KmsKeyService(env().kms, env().keyIds.data);
    const context = { keyId: randomUUID() };
    // Act
    const generated = await keys.generateDataKey(context);
    const unwrapped = await keys.unwrap(generated.wrapped, context);
    // Assess
    expect(generated.plaintext).toHaveLength(32);
    expect(Buffer.from(generated.wrapped).includes(Buffer.from(generated.plaintext))).toBe(false);
    expect(Buffer.from(unwrapped).equals(Buffer.from(generated.plaintext))).toBe(true);
    await expect(keys.unwrap(generated.wrapped, { keyId: randomUUID() })).rejects.toBeInstanceOf(KeyUnavailableError);
    await expect(keys.unwrap(generated.wrapped, {})).rejects.toBeInstanceOf(KeyUnavailableError);
  });

  it('refuses a key id it does not hold', async () => {
    const keys = new KmsKeyService(env().kms, 'no-such-key');
    await expect(keys.generateDataKey({ keyId: 'k' })).rejects.toMatchObject({ name: 'NotFoundException' });
  });

  it('makes and checks HMAC-SHA-256 MACs and Ed25519 signatures', async () => {
    // Prepare
    const { kms, keyIds } = env();
    const message = new TextEncoder().encode('checkpoint 42');
    const tampered = new TextEncoder().encode('checkpoint 43');
    // Act
    const mac = await kms.send(new GenerateMacCommand({ KeyId: keyIds.hmac, MacAlgorithm: 'HMAC_SHA_256', Message: message }));
    const signed = await kms.send(
      new SignCommand({ KeyId: keyIds.signing, SigningAlgorithm: 'ED25519_SHA_512', MessageType: 'RAW', Message: message }),
    );
    // Assess
    const macOk = await kms.send(
      new VerifyMacCommand({ KeyId: keyIds.hmac, MacAlgorithm: 'HMAC_SHA_256', Message: message, Mac: mac.Mac }),
    );
    expect(macOk.MacValid).toBe(true);
    await expect(
      kms.send(new VerifyMacCommand({ KeyId: keyIds.hmac, MacAlgorithm: 'HMAC_SHA_256', Message: tampered, Mac: mac.Mac })),
    ).rejects.toMatchObject({ name: 'KMSInvalidMacException' });
    const sigOk = await kms.send(
      new VerifyCommand({
        KeyId: keyIds.signing,
        SigningAlgorithm: 'ED25519_SHA_512',
        MessageType: 'RAW',
        Message: message,
        Signature: signed.Signature,
      }),
    );
    expect(sigOk.SignatureValid).toBe(true);
    await expect(
      kms.send(
        new VerifyCommand({
          KeyId: keyIds.signing,
          SigningAlgorithm: 'ED25519_SHA_512',
          MessageType: 'RAW',
          Message: tampered,
          Signature: signed.Signature,
        }),
      ),
    ).rejects.toMatchObject({ name: 'KMSInvalidSignatureException' });
  });

  it('keeps its master keys in files only the owner can read', async () => {
    for (const file of ['data.key', 'hmac.key', 'signing.pem', 'audit-mac.key']) {
      expect((await stat(join(env().dir, 'kms', file))).mode & 0o077).toBe(0);
    }
  });
});

/** Key-store tests stage no audit events. */
const noAudit: AuditOutbox = { stage: async () => [] };

describe('DynamoKeyStore on DynamoDB Local', () => {
  it('keeps one key when two writers race, and destroys it idempotently', async () => {
    // Prepare
    const store = new DynamoKeyStore(env().dynamodb, env().names.keysTable, noAudit);
    const subjectId = `subject-${randomUUID()}`;
    const candidate = (n: number) => ({
      subjectPseudonym: subjectId,
      keyId: `key-${n}`,
      wrapped: new Uint8Array([n, n, n]),
      createdAt: new Date().toISOString(),
    });
    // Act
    const [a, b] = await Promise.all([store.putIfAbsent(candidate(1)), store.putIfAbsent(candidate(2))]);
    const stored = await store.get(subjectId);
    // Assess
    expect(a?.keyId).toBe(b?.keyId);
    expect(stored?.keyId).toBe(a?.keyId);
    expect(Array.from(stored?.wrapped ?? [])).toEqual(Array.from(a?.wrapped ?? []));
    await store.destroy(subjectId);
    await store.destroy(subjectId);
    expect(await store.get(subjectId)).toBeUndefined();
  });
});

describe('persistent state directory', () => {
  const dirs: string[] = [];
  const tempDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wasure-persist-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('keeps keys, documents and key material across a restart and stops the JVM', async () => {
    // Prepare
    const dir = await tempDir();
    const first = await startEmbedded({ dir, persist: true });
    const firstEndpoint = await endpointOf(first.dynamodb);
    const wrapped = await new KmsKeyService(first.kms, first.keyIds.data).generateDataKey({ keyId: 'k1' });
    await new DynamoKeyStore(first.dynamodb, first.names.keysTable, noAudit).putIfAbsent({
      subjectPseudonym: 's1',
      keyId: 'k1',
      wrapped: wrapped.wrapped,
      createdAt: '2026-01-01T00:00:00.000Z',
    });
    await new S3ObjectStore(first.s3, first.names.documentsBucket, { versioned: false }).put(
      'records/r1/a.txt',
      new TextEncoder().encode('kept'),
      'text/plain',
      {},
    );
    // Act
    await first.stop();
    const stoppedAnswers = await answers(firstEndpoint);
    const second = await startEmbedded({ dir, persist: true });
    try {
      const key = await new DynamoKeyStore(second.dynamodb, second.names.keysTable, noAudit).get('s1');
      const doc = await new S3ObjectStore(second.s3, second.names.documentsBucket, { versioned: false }).get(
        'records/r1/a.txt',
      );
      const plaintext = await new KmsKeyService(second.kms, second.keyIds.data).unwrap(key?.wrapped ?? new Uint8Array(), {
        keyId: 'k1',
      });
      // Assess
      expect(stoppedAnswers).toBe(false);
      expect(key?.keyId).toBe('k1');
      expect(new TextDecoder().decode(doc)).toBe('kept');
      expect(Buffer.from(plaintext).equals(Buffer.from(wrapped.plaintext))).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it('refuses a directory another live process holds and takes over a stale lock', async () => {
    // Prepare: the parent of this worker is alive; a very high pid is not.
    const busy = await tempDir();
    await writeFile(join(busy, 'lock'), String(process.ppid));
    const stale = await tempDir();
    await writeFile(join(stale, 'lock'), '4194303');
    // Act
    const refused = await startEmbedded({ dir: busy, persist: true }).catch((error: unknown) => error);
    const taken = await startEmbedded({ dir: stale, persist: false });
    const lockWhileRunning = await readFile(join(stale, 'lock'), 'utf8');
    await taken.stop();
    // Assess
    expect(refused).toBeInstanceOf(ConfigError);
    expect(JSON.parse(lockWhileRunning)).toMatchObject({ pid: process.pid, jvmPid: expect.any(Number) });
    await expect(stat(join(stale, 'lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('stops DynamoDB Local when the wasure process is ended by SIGTERM', async () => {
    // Prepare: a process that starts the stand-ins the way bin/wasure.mjs runs the CLI.
    const dir = await tempDir();
    const script = join(dir, 'hold.mts');
    const module = pathToFileURL(join(process.cwd(), 'functions/local/embedded.ts')).href;
    await writeFile(
      script,
      `import { startEmbedded } from ${JSON.stringify(module)};
const e = await startEmbedded({ dir: ${JSON.stringify(join(dir, 'state'))}, persist: true });
const url = await e.dynamodb.config.endpoint();
console.log('ENDPOINT http://' + url.hostname + ':' + url.port);
setInterval(() => undefined, 1000);
`,
    );
    const { child } = startScriptChild(script);
    const endpoint = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /ENDPOINT (\S+)/.exec(out);
        if (match?.[1] !== undefined) {
          resolve(match[1]);
        }
      });
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    const runningAnswers = await answers(endpoint);
    // Act
    const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, signal) => r(signal)));
    child.kill('SIGTERM');
    const signal = await exited;
    await new Promise((r) => setTimeout(r, 500));
    // Assess
    expect(runningAnswers).toBe(true);
    expect(signal).toBe('SIGTERM');
    expect(await answers(endpoint)).toBe(false);
    await expect(stat(join(dir, 'state', 'lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
