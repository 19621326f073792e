/**
 * Composition root for the CLI and the local runner: options → clients →
 * adapters → the ports use cases take. Lambda handlers have their own,
 * env-driven root in functions/workflow/lambda-deps.ts, which `--stack`
 * reuses with the stack's outputs as the environment.
 */
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { DynamoKeyStore } from '#shared/adapters/aws/dynamo-key-store.ts';
import { DynamoRecordStore } from '#shared/adapters/aws/dynamo-record-store.ts';
import { DynamoRequestStore } from '#shared/adapters/aws/dynamo-request-store.ts';
import { KmsCheckpointSigner } from '#shared/adapters/aws/kms-checkpoint-signer.ts';
import { KmsEventAuthenticator } from '#shared/adapters/aws/kms-event-authenticator.ts';
import { KmsKeyService } from '#shared/adapters/aws/kms-key-service.ts';
import { KmsPseudonymizer } from '#shared/adapters/aws/kms-pseudonymizer.ts';
import { S3CheckpointSink } from '#shared/adapters/aws/s3-checkpoint-sink.ts';
import { S3ObjectStore } from '#shared/adapters/aws/s3-object-store.ts';
import { parseCatalogue } from '#shared/domain/catalogue.ts';
import type { Catalogue } from '#shared/domain/catalogue-types.ts';
import { ConfigError, ValidationError } from '#shared/errors.ts';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DEFAULT_REGION, OUTPUTS } from '#shared/config/stack.ts';
import { type DeployedStack, openDeployedStack, output, stackEnvironment } from './deployed-stack.ts';
import { lambdaRequestDeps } from './workflow/lambda-deps.ts';
import type { Clock, Ids } from '#shared/ports/index.ts';
import type { LifecycleDeps } from '#shared/use-cases/deps.ts';
import { recoverInterrupted } from '#shared/use-cases/recover-interrupted.ts';
import type { RequestDeps } from '#shared/use-cases/subject-requests.ts';
import { readJsonFile } from './io/read-json-file.ts';
import { type Embedded, startEmbedded } from './local/embedded.ts';

/** The sample catalogue derived from the seed policies. */
export const SAMPLE_CATALOGUE = fileURLToPath(
  new URL('../shared/samples/catalogue.json', import.meta.url),
);

/** How to open a runtime. */
export interface RuntimeOptions {
  /** Working directory. */
  readonly cwd: string;
  /** Environment. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Embedded state directory. @default `${cwd}/.wasure` */
  readonly dir?: string | undefined;
  /** Fixed clock for local runs (ISO time). */
  readonly now?: string | undefined;
  /** Catalogue file. @default the sample catalogue */
  readonly catalogueFile?: string | undefined;
  /** Deployed stack (prefix) to operate instead of the embedded stores. */
  readonly stack?: string | undefined;
  /** AWS region of the deployed stack. @default AWS_REGION, else ap-northeast-1 */
  readonly region?: string | undefined;
  /** Keep embedded state on disk. @default true */
  readonly persist?: boolean;
  /** Diagnostics sink (stderr). */
  readonly log?: (line: string) => void;
}

/** What both modes offer: the ports plus what is needed to close them. */
interface RuntimeBase {
  /** Ports for use cases. */
  readonly deps: LifecycleDeps;
  /** Ports plus the request store, for subject requests and provisions. */
  readonly requestDeps: RequestDeps;
  /** The audit trail adapter (reader, checkpoints). */
  readonly audit: DynamoAuditTrail;
  /** Stops the stand-ins or releases the clients. */
  close(): Promise<void>;
}

/** The embedded local default. */
export interface EmbeddedRuntime extends RuntimeBase {
  readonly mode: 'embedded';
  /** The embedded stand-ins (clients, names, key ids). */
  readonly embedded: Embedded;
}

/** A deployed stack (`--stack`). */
export interface StackRuntime extends RuntimeBase {
  readonly mode: 'stack';
  /** The stack's outputs. */
  readonly stack: DeployedStack;
  /** Starts and watches executions of its state machines. */
  readonly sfn: SFNClient;
}

/** An open runtime. */
export type Runtime = EmbeddedRuntime | StackRuntime;

/** A clock: fixed at `now` when given, the system clock otherwise. */
export function clockAt(now: string | undefined): Clock {
  if (now === undefined) {
    return { now: () => new Date() };
  }
  const t = Date.parse(now);
  if (Number.isNaN(t) || !/\d{4}-\d{2}-\d{2}T/.test(now)) {
    throw new ValidationError('--now is not an ISO-8601 time', [
      { path: '--now', message: `"${now}" is not an ISO-8601 time` },
    ]);
  }
  return { now: () => new Date(t) };
}

/** Random UUID ids. */
export const uuidIds: Ids = { next: () => randomUUID() };

/** Loads and validates a catalogue file. */
export async function loadCatalogue(file: string): Promise<Catalogue> {
  return parseCatalogue(await readJsonFile(file));
}

/** Builds the ports over embedded stand-ins. */
export function embeddedDeps(
  embedded: Embedded,
  catalogue: Catalogue,
  clock: Clock,
  ids: Ids = uuidIds,
): { deps: LifecycleDeps; audit: DynamoAuditTrail } {
  const pseudonyms = new KmsPseudonymizer(embedded.kms, embedded.keyIds.hmac);
  const audit = new DynamoAuditTrail({
    client: embedded.dynamodb,
    table: embedded.names.auditTable,
    pseudonymizer: pseudonyms,
    signer: new KmsCheckpointSigner(embedded.kms, embedded.keyIds.signing),
    sink: new S3CheckpointSink(embedded.s3, embedded.names.checkpointsBucket),
    authenticator: new KmsEventAuthenticator(embedded.kms, embedded.keyIds.auditMac, 'wasure-local'),
    clock,
    ids,
  });
  const deps: LifecycleDeps = {
    records: new DynamoRecordStore(embedded.dynamodb, embedded.names.recordsTable, audit),
    objects: new S3ObjectStore(embedded.s3, embedded.names.documentsBucket, {
      versioned: false,
    }),
    // Quarantine under the landing bucket is swept, exported and erased.
    landing: new S3ObjectStore(embedded.s3, embedded.names.landingBucket, { versioned: false }),
    keys: new DynamoKeyStore(embedded.dynamodb, embedded.names.keysTable, audit),
    keyService: new KmsKeyService(embedded.kms, embedded.keyIds.data),
    audit,
    pseudonyms,
    clock,
    ids,
    catalogue,
  };
  return { deps, audit };
}

/**
 * Opens a deployed stack: the same adapters the functions use, over SDK
 * clients with the caller's credentials, named by the stack outputs. The
 * catalogue must be the version compiled into the deployed functions.
 */
export async function openStackRuntime(options: RuntimeOptions & { readonly stack: string }): Promise<StackRuntime> {
  if (options.now !== undefined) {
    throw new ConfigError('--now only applies to the embedded stores: a deployed stack runs on the real clock');
  }
  const region = options.region ?? options.env.AWS_REGION ?? options.env.AWS_DEFAULT_REGION ?? DEFAULT_REGION;
  const catalogue = await loadCatalogue(
    options.catalogueFile === undefined ? SAMPLE_CATALOGUE : resolve(options.cwd, options.catalogueFile),
  );
  const stack = await openDeployedStack(options.stack, region);
  const deployed = output(stack, OUTPUTS.catalogueVersion);
  if (deployed !== catalogue.version) {
    throw new ConfigError(
      `the stack runs catalogue version ${deployed}, this CLI has ${catalogue.version}: pass the deployed catalogue with --catalogue, or deploy this one`,
    );
  }
  const deps = lambdaRequestDeps(stackEnvironment(stack), { catalogue, clientConfig: { region } });
  const sfn = new SFNClient({ region });
  return {
    mode: 'stack',
    deps,
    requestDeps: deps,
    // Verifies and checkpoints: the trail with the signer.
    audit: deps.checkpointer,
    stack,
    sfn,
    close: async () => {
      sfn.destroy();
      deps.release();
    },
  };
}

/** Opens the runtime: a deployed stack with `stack`, else the embedded stand-ins. */
export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  if (options.stack !== undefined) {
    return openStackRuntime({ ...options, stack: options.stack });
  }
  return openEmbeddedRuntime(options);
}

/** Opens the embedded runtime (starting the local stand-ins). */
export async function openEmbeddedRuntime(options: RuntimeOptions): Promise<EmbeddedRuntime> {
  const clock = clockAt(options.now);
  const catalogue = await loadCatalogue(
    options.catalogueFile === undefined
      ? SAMPLE_CATALOGUE
      : resolve(options.cwd, options.catalogueFile),
  );
  const dir = resolve(options.cwd, options.dir ?? join('.wasure'));
  const embedded = await startEmbedded({
    dir,
    persist: options.persist ?? true,
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  try {
    const { deps, audit } = embeddedDeps(embedded, catalogue, clock);
    // One process holds the state directory: whatever a crash left staged
    // or half-written is finished before this command does anything.
    await recoverInterrupted(deps, '9999-12-31T23:59:59.999Z');
    await audit.notePolicyVersion(catalogue.version, 'system:cli');
    return {
      mode: 'embedded',
      deps,
      requestDeps: {
        ...deps,
        requests: new DynamoRequestStore(
          embedded.dynamodb,
          embedded.names.requestsTable,
        ),
      },
      embedded,
      audit,
      close: () => embedded.stop(),
    };
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}
