import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { DeleteObjectsCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { runCli } from '#functions/cli/main.ts';
import { KmsKeyService } from '#shared/adapters/aws/kms-key-service.ts';
import { withEmbedded } from './harness.ts';

const env = withEmbedded();
const wrong = { accessKeyId: 'AKIAWRONGWRONGWRONG0', secretAccessKey: 'not-the-secret' };

const portOf = async (client: DynamoDBClient | S3Client | KMSClient): Promise<number> =>
  Number((await client.config.endpoint?.())?.port);

/** This machine's own non-loopback addresses (never any other host). */
const ownAddresses = (): string[] =>
  Object.entries(networkInterfaces()).flatMap(([name, list]) =>
    (list ?? [])
      .filter((a) => !a.internal)
      .map((a) => (a.family === 'IPv6' && a.address.startsWith('fe80:') ? `${a.address}%${name}` : a.address)),
  );

const tryConnect = (host: string, port: number): Promise<string> =>
  new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });

const rawPost = (port: number, headers: Record<string, string>, body: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.once('error', reject);
    req.end(body);
  });

const jvmPid = async (): Promise<number> => (JSON.parse(await readFile(join(env().dir, 'lock'), 'utf8')) as { jvmPid: number }).jvmPid;

describe('embedded stand-ins seen from the network', () => {
  it('listen on loopback only: this machine\'s own non-loopback addresses are refused', async () => {
    // Prepare
    const addresses = ownAddresses();
    const ports = [await portOf(env().dynamodb), await portOf(env().s3), await portOf(env().kms)];
    // Act
    const outcomes = await Promise.all(
      addresses.flatMap((host) => ports.map(async (port) => `${host}:${port} ${await tryConnect(host, port)}`)),
    );
    const loopback = await Promise.all(ports.map((port) => tryConnect('127.0.0.1', port)));
    const ss = spawnSync('ss', ['-Hltn'], { encoding: 'utf8' }).stdout;
    // Assess
    expect(addresses.length).toBeGreaterThan(0);
    expect(loopback).toEqual(['connected', 'connected', 'connected']);
    for (const outcome of outcomes) {
      expect(outcome).toMatch(/ ECONNREFUSED$/);
    }
    for (const port of ports) {
      const listeners = ss.split('\n').filter((line) => line.split(/\s+/)[3]?.endsWith(`:${port}`));
      expect(listeners.length).toBeGreaterThan(0);
      for (const line of listeners) {
        expect(line.split(/\s+/)[3]).toMatch(/^(127\.0\.0\.1|\[::ffff:127\.0\.0\.1\]):\d+$/);
      }
    }
  });

  it('runs DynamoDB Local through the launcher with telemetry off', async () => {
    // Prepare
    const pid = await jvmPid();
    // Act
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    // Assess
    expect(cmdline.some((a) => a.endsWith('dynamodb-local-launcher.java'))).toBe(true);
    expect(cmdline).toContain('-disableTelemetry');
    expect(cmdline).not.toContain('-sharedDb');
  });

  it('serves DynamoDB data only to the state directory\'s access key id', async () => {
    // Prepare
    const endpoint = `http://127.0.0.1:${await portOf(env().dynamodb)}`;
    const stranger = new DynamoDBClient({ region: 'ap-northeast-1', endpoint, credentials: wrong, maxAttempts: 1 });
    try {
      // Act
      const ours = await env().dynamodb.send(new ListTablesCommand({}));
      const theirs = await stranger.send(new ListTablesCommand({}));
      // Assess
      expect(ours.TableNames).toContain(env().names.recordsTable);
      expect(theirs.TableNames ?? []).toEqual([]);
    } finally {
      stranger.destroy();
    }
  });
});

describe('local key service authentication', () => {
  it('refuses an unsigned call and one signed with another secret, and serves the right one', async () => {
    // Prepare
    const port = await portOf(env().kms);
    const keys = new KmsKeyService(env().kms, env().keyIds.data);
    const { wrapped } = await keys.generateDataKey({ keyId: 'k' });
    const body = JSON.stringify({
      CiphertextBlob: Buffer.from(wrapped).toString('base64'),
      EncryptionContext: { keyId: 'k' },
    });
    const stranger = new KMSClient({ region: 'ap-northeast-1', endpoint: `http://127.0.0.1:${port}`, credentials: wrong, maxAttempts: 1 });
    const ownId = (await env().kms.config.credentials()).accessKeyId;
    const forger = new KMSClient({
      region: 'ap-northeast-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: ownId, secretAccessKey: 'guessed' },
      maxAttempts: 1,
    });
    try {
      // Act
      const unsigned = await rawPost(
        port,
        { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Decrypt' },
        body,
      );
      const other = stranger.send(new DecryptCommand({ CiphertextBlob: wrapped, EncryptionContext: { keyId: 'k' } }));
      const forged = forger.send(new DecryptCommand({ CiphertextBlob: wrapped, EncryptionContext: { keyId: 'k' } }));
      const own = await env().kms.send(new DecryptCommand({ CiphertextBlob: wrapped, EncryptionContext: { keyId: 'k' } }));
      // Assess
      expect(unsigned.status).toBe(400);
      expect(JSON.parse(unsigned.body)).toMatchObject({ __type: 'AccessDeniedException' });
      expect(unsigned.body).not.toContain('Plaintext');
      await expect(other).rejects.toMatchObject({ name: 'AccessDeniedException' });
      await expect(forged).rejects.toMatchObject({ name: 'AccessDeniedException' });
      expect(own.Plaintext).toHaveLength(32);
    } finally {
      stranger.destroy();
      forger.destroy();
    }
  });

  it('refuses another local user (uid 65534), who cannot read the secret either', async () => {
    // Prepare
    const port = await portOf(env().kms);
    const { wrapped } = await new KmsKeyService(env().kms, env().keyIds.data).generateDataKey({ keyId: 'k' });
    const script = `const http = require('node:http'); const fs = require('node:fs');
let secret = 'unreadable';
try { secret = fs.readFileSync(${JSON.stringify(join(env().dir, 'kms', 'data.key'))}).length; } catch (e) { secret = e.code; }
const req = http.request({ host: '127.0.0.1', port: ${port}, method: 'POST', path: '/', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'TrentService.Decrypt' } }, (res) => {
  let b = ''; res.on('data', (c) => { b += c; }); res.on('end', () => console.log(JSON.stringify({ uid: process.getuid(), secret, status: res.statusCode, body: b })));
});
req.end(${JSON.stringify(JSON.stringify({ CiphertextBlob: Buffer.from(wrapped).toString('base64'), EncryptionContext: { keyId: 'k' } }))});
`;
    // Act
    // Asynchronous: the key service answering it runs in this very process.
    const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script]);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
      });
      child.stderr.on('data', (c: Buffer) => {
        stderr += c.toString();
      });
      child.once('close', (status) => resolve({ status, stdout, stderr }));
    });
    // Assess: this machine lets root switch user; elsewhere setpriv fails and the test says so.
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { uid: number; secret: unknown; status: number; body: string };
    expect(result.uid).toBe(65534);
    expect(result.secret).toBe('EACCES');
    expect(result.status).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ __type: 'AccessDeniedException' });
  });
});

describe('local S3 guard', () => {
  const rawKeyPut = (rawPath: string, credentials?: { accessKeyId: string; secretAccessKey: string }) => {
    // The real SDK signer, with the wire path replaced before signing.
    const client = new S3Client({
      region: 'ap-northeast-1',
      endpoint: `http://127.0.0.1:${portOfSync()}`,
      forcePathStyle: true,
      maxAttempts: 1,
      credentials: credentials ?? (() => env().s3.config.credentials()),
    });
    client.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { path: string }).path = rawPath;
        return next(args);
      },
      { step: 'build', name: 'rawPath' },
    );
    return client
      .send(new PutObjectCommand({ Bucket: env().names.landingBucket, Key: 'placeholder', Body: 'escaped' }))
      .finally(() => client.destroy());
  };
  let s3Port = 0;
  const portOfSync = () => s3Port;

  it('refuses unsigned and wrongly signed requests', async () => {
    // Prepare
    s3Port = await portOf(env().s3);
    // Act
    const unsigned = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: s3Port, method: 'PUT', path: `/${env().names.documentsBucket}/records/x.txt` },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.once('error', reject);
      req.end('hello');
    });
    const wrongSecret = rawKeyPut(`/${env().names.landingBucket}/landing/ok.txt`, wrong);
    // Assess
    expect(unsigned).toBe(403);
    await expect(wrongSecret).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(
      env().s3.send(new GetObjectCommand({ Bucket: env().names.documentsBucket, Key: 'records/x.txt' })),
    ).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it.each([
    ['..%2F in one segment', (b: string) => `/${b}/landing/..%2F..%2F..%2Fescape-a.txt`],
    ['plain .. segments', (b: string) => `/${b}/landing/../../../escape-b.txt`],
    ['an encoded backslash', (b: string) => `/${b}/landing/..%5C..%5Cescape-c.txt`],
    ['a NUL', (b: string) => `/${b}/landing/escape-d%00.txt`],
    ['a bucket not served', () => '/..%2F..%2Fescape-e/x.txt'],
  ])('refuses a correctly signed PUT whose key has %s, writing nothing outside', async (_what, path) => {
    // Prepare
    s3Port = await portOf(env().s3);
    // Act
    const put = rawKeyPut(path(env().names.landingBucket));
    // Assess
    await expect(put).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    for (const at of [env().dir, join(env().dir, 's3'), join(env().dir, '..')]) {
      for (const name of ['escape-a', 'escape-b', 'escape-c', 'escape-e']) {
        expect(existsSync(join(at, `${name}.txt._S3rver_object`))).toBe(false);
      }
    }
  });

  it('refuses batch-delete keys that climb out of the bucket (keys in the body, past the URL guard)', async () => {
    // Prepare: a file where "../../victim.txt" of the landing bucket would resolve.
    const victim = join(env().dir, 'victim.txt._S3rver_object');
    await writeFile(victim, 'keep me');
    // Act
    const result = await env()
      .s3.send(
        new DeleteObjectsCommand({
          Bucket: env().names.landingBucket,
          Delete: { Objects: [{ Key: '../../victim.txt' }] },
        }),
      )
      .catch((error: unknown) => error);
    // Assess
    expect(existsSync(victim)).toBe(true);
    expect(JSON.stringify(result)).not.toMatch(/"Deleted":\[\{"Key":"\.\.\/\.\.\/victim\.txt"/);
  });
});

describe('wasure land', () => {
  it.each([['../../../../escape.txt'], ['a/../../escape.txt'], ['/etc/escape.txt'], ['..\\..\\escape.txt']])(
    'refuses --key %s with exit 2 before anything is stored',
    async (key) => {
      // Prepare
      const local = join(env().dir, '..', `land-${process.pid}`);
      const file = join(env().dir, 'batch.jsonl');
      await writeFile(file, '{}\n');
      let stderr = '';
      // Act
      const code = await runCli(['land', file, '--key', key, '--local', local], {
        stdout: () => undefined,
        stderr: (t) => {
          stderr += t;
        },
        env: {},
        cwd: process.cwd(),
      });
      // Assess
      expect(code).toBe(2);
      expect(stderr).toContain('--key: the object key');
      expect(existsSync(local)).toBe(false);
      for (const at of [env().dir, join(env().dir, '..'), join(env().dir, '..', '..')]) {
        expect(existsSync(join(at, 'escape.txt._S3rver_object'))).toBe(false);
      }
    },
  );
});
