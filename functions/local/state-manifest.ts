/**
 * The manifest of a persistent state directory (`state.json`, 0600). It
 * binds the three stores made together: DynamoDB Local's database file and
 * a marker item holding the state id, s3rver's marker object holding the
 * same id, and the SHA-256 fingerprint of the key service's key files. It
 * also holds the directory's credentials (the access key id names the
 * DynamoDB Local file; the secret signs every request to the local S3 and
 * key service). A store that is missing or belongs to another state is a
 * ConfigError naming it; only a brand-new, empty directory is initialised.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateTableCommand, type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { KEY_FILES, keyStoreFingerprint, writeFileAtomic } from '#shared/adapters/local/kms-server.ts';
import type { LocalCredentials } from '#shared/adapters/local/sigv4-verifier.ts';
import { ConfigError } from '#shared/errors.ts';
import { LOCAL_REGION } from './dynamodb-local.ts';

/** The table and bucket holding the state id marker (embedded mode only). */
export const STATE_TABLE = 'wasure-local-state';
/** See {@link STATE_TABLE}. */
export const STATE_BUCKET = 'wasure-local-state';
const MARKER_KEY = 'state.json';

/** Store subdirectories of a state directory. */
export const STORE_DIRS = { dynamodb: 'dynamodb', s3: 's3', kms: 'kms' } as const;

/** The manifest file. */
export interface StateManifest {
  readonly format: 1;
  /** Random id written into every store. */
  readonly stateId: string;
  readonly createdAt: string;
  /** The directory's credentials. */
  readonly credentials: LocalCredentials;
  /** Database file of DynamoDB Local under dynamodb/. */
  readonly dynamodbFile: string;
  /** SHA-256 of the key files (undefined until initialisation completes). */
  readonly kmsFingerprint?: string;
  /** False while the stores are being initialised. */
  readonly complete: boolean;
}

/** How the stores are opened. */
export type StatePlan =
  | { readonly kind: 'open'; readonly manifest: StateManifest }
  | { readonly kind: 'create'; readonly manifest: StateManifest; readonly adopted: boolean };

const manifestPath = (dir: string) => join(dir, 'state.json');

const entries = (path: string): string[] => {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
};

const present = (dir: string) => ({
  dynamodb: entries(join(dir, STORE_DIRS.dynamodb)).some((f) => f.endsWith('.db')),
  s3: entries(join(dir, STORE_DIRS.s3)).length > 0,
  kms: KEY_FILES.some((f) => existsSync(join(dir, STORE_DIRS.kms, f))),
});

/** Random credentials: a 20-character key id and a 40-character secret. */
export function newCredentials(): LocalCredentials {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = randomBytes(16);
  const id = Array.from(bytes, (b) => alphabet[b % 32]).join('');
  return { accessKeyId: `WSRL${id}`, secretAccessKey: randomBytes(30).toString('base64url') };
}

async function readManifest(dir: string): Promise<StateManifest | undefined> {
  let text: string;
  try {
    text = await readFile(manifestPath(dir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read ${manifestPath(dir)}: ${(error as Error).message}`, { cause: error });
  }
  try {
    const value = JSON.parse(text) as Partial<StateManifest>;
    if (
      value.format !== 1 ||
      typeof value.stateId !== 'string' ||
      typeof value.credentials?.accessKeyId !== 'string' ||
      typeof value.credentials.secretAccessKey !== 'string' ||
      typeof value.dynamodbFile !== 'string' ||
      typeof value.complete !== 'boolean'
    ) {
      throw new Error('fields are missing');
    }
    return value as StateManifest;
  } catch (error) {
    throw new ConfigError(`${manifestPath(dir)} is not a wasure state manifest: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Writes the manifest atomically (0600). */
export async function writeManifest(dir: string, manifest: StateManifest): Promise<void> {
  const { accessKeyId, secretAccessKey } = manifest.credentials;
  const clean = { ...manifest, credentials: { accessKeyId, secretAccessKey } };
  await writeFileAtomic(manifestPath(dir), `${JSON.stringify(clean, null, 2)}\n`);
}

/**
 * Decides how to open a persistent state directory, before any store
 * starts: reads the manifest and checks each store is on disk; a new
 * directory (no store at all) gets a fresh manifest; a directory from
 * before manifests existed, with all three stores, is adopted (its shared
 * DynamoDB Local file is renamed to the new key id's file).
 */
export async function planState(dir: string, log: (line: string) => void): Promise<StatePlan> {
  const manifest = await readManifest(dir);
  const found = present(dir);
  if (manifest === undefined) {
    const names = (Object.keys(found) as (keyof typeof found)[]).filter((k) => found[k]);
    const fresh = (): StateManifest => {
      const credentials = newCredentials();
      return {
        format: 1,
        stateId: randomUUID(),
        createdAt: new Date().toISOString(),
        credentials,
        dynamodbFile: `${credentials.accessKeyId}_${LOCAL_REGION}.db`,
        complete: false,
      };
    };
    if (names.length === 0) {
      const created = fresh();
      await writeManifest(dir, created);
      return { kind: 'create', manifest: created, adopted: false };
    }
    const shared = join(dir, STORE_DIRS.dynamodb, 'shared-local-instance.db');
    if (names.length === 3 && existsSync(shared)) {
      const created = fresh();
      await rename(shared, join(dir, STORE_DIRS.dynamodb, created.dynamodbFile));
      await writeManifest(dir, created);
      log(`${dir}: adopted a state directory from before state manifests`);
      return { kind: 'create', manifest: created, adopted: true };
    }
    const missing = (['dynamodb', 's3', 'kms'] as const).filter((k) => !found[k]);
    throw new ConfigError(
      `${dir} has no state manifest (state.json) but holds ${names.join(', ')} data${missing.length > 0 ? ` without ${missing.join(', ')}` : ''}: refusing to create new stores beside it; restore state.json or the missing stores, or use a new --local DIR`,
    );
  }
  if (!manifest.complete) {
    return { kind: 'create', manifest, adopted: false };
  }
  if (!existsSync(join(dir, STORE_DIRS.dynamodb, manifest.dynamodbFile))) {
    throw new ConfigError(
      `the DynamoDB store of ${dir} is missing (${STORE_DIRS.dynamodb}/${manifest.dynamodbFile}): records, keys and the audit trail are gone or moved; restore it or use a new --local DIR`,
    );
  }
  if (!existsSync(join(dir, STORE_DIRS.s3, STATE_BUCKET))) {
    throw new ConfigError(
      `the S3 store of ${dir} is missing (${STORE_DIRS.s3}/): documents and checkpoints are gone or moved; restore it or use a new --local DIR`,
    );
  }
  if (!found.kms) {
    throw new ConfigError(
      `the key store of ${dir} is missing (${STORE_DIRS.kms}/): new master keys are not made over an existing state; restore it or use a new --local DIR`,
    );
  }
  const fingerprint = await keyStoreFingerprint(join(dir, STORE_DIRS.kms));
  if (fingerprint !== manifest.kmsFingerprint) {
    throw new ConfigError(
      `the key store of ${dir} (${STORE_DIRS.kms}/) holds other keys than the ones this state was created with (fingerprint ${fingerprint.slice(0, 12)}…, manifest ${String(manifest.kmsFingerprint).slice(0, 12)}…)`,
    );
  }
  return { kind: 'open', manifest };
}

/**
 * Reads the state id of the DynamoDB store. Opening a state that has one,
 * it asks again before calling it absent: once in CI, under load, a store
 * the previous run had just closed answered the first read after start as
 * if the marker were not there (DynamoDB Local runs its own TTL deletions
 * on the same SQLite file from start; the cause was not pinned down), and
 * an absent marker refuses the whole state. A store really replaced by an
 * empty one is still refused, about 4 s later.
 */
async function readDynamoMarker(dynamodb: DynamoDBClient, attempts: number): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    const value = await readDynamoMarkerOnce(dynamodb);
    if (value !== undefined || attempt >= attempts) return value;
    await new Promise((r) => setTimeout(r, 250 * attempt));
  }
}

function readDynamoMarkerOnce(dynamodb: DynamoDBClient): Promise<string | undefined> {
  return dynamodb
    .send(new GetItemCommand({ TableName: STATE_TABLE, Key: { id: { S: 'state' } }, ConsistentRead: true }))
    .then((r) => r.Item?.stateId?.S)
    .catch((error: unknown) => {
      if ((error as Error).name === 'ResourceNotFoundException') return undefined;
      throw error;
    });
}

async function readMarkers(
  dynamodb: DynamoDBClient,
  s3: S3Client,
  attempts: number,
): Promise<{ dynamodb?: string; s3?: string }> {
  const item = await readDynamoMarker(dynamodb, attempts);
  const object = await s3
    .send(new GetObjectCommand({ Bucket: STATE_BUCKET, Key: MARKER_KEY }))
    .then(async (r) => (JSON.parse((await r.Body?.transformToString()) ?? '{}') as { stateId?: string }).stateId)
    .catch((error: unknown) => {
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw error;
    });
  return { ...(item === undefined ? {} : { dynamodb: item }), ...(object === undefined ? {} : { s3: object }) };
}

/**
 * With the stores running: checks (open) or writes (create) the state id
 * in DynamoDB and S3, then completes the manifest with the key
 * fingerprint. A store holding another state's id, or none when it should,
 * is a ConfigError naming the store.
 */
export async function bindStores(
  dir: string,
  plan: StatePlan,
  clients: { readonly dynamodb: DynamoDBClient; readonly s3: S3Client },
): Promise<void> {
  const { stateId } = plan.manifest;
  const markers = await readMarkers(clients.dynamodb, clients.s3, plan.kind === 'open' ? 6 : 1);
  const describe = (store: string, value: string | undefined) =>
    value === undefined
      ? `the ${store} store of ${dir} carries no state id: it was replaced by an empty one`
      : `the ${store} store of ${dir} belongs to another state (${value}, this directory is ${stateId})`;
  if (plan.kind === 'open' || plan.adopted === false) {
    // On resume of an interrupted creation, a marker may already be there, but only ours.
    for (const [store, value] of [
      ['DynamoDB', markers.dynamodb],
      ['S3', markers.s3],
    ] as const) {
      if (value !== stateId && (plan.kind === 'open' || value !== undefined)) {
        throw new ConfigError(`${describe(store, value)}; restore it or use a new --local DIR`);
      }
    }
  }
  if (plan.kind === 'open') return;
  await clients.dynamodb
    .send(
      new CreateTableCommand({
        TableName: STATE_TABLE,
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    )
    .catch((error: unknown) => {
      if ((error as Error).name !== 'ResourceInUseException') throw error;
    });
  await clients.dynamodb.send(
    new PutItemCommand({ TableName: STATE_TABLE, Item: { id: { S: 'state' }, stateId: { S: stateId } } }),
  );
  await clients.s3.send(
    new PutObjectCommand({
      Bucket: STATE_BUCKET,
      Key: MARKER_KEY,
      Body: JSON.stringify({ stateId }),
      ContentType: 'application/json',
    }),
  );
  const kmsFingerprint = await keyStoreFingerprint(join(dir, STORE_DIRS.kms));
  await writeManifest(dir, { ...plan.manifest, kmsFingerprint, complete: true });
}
