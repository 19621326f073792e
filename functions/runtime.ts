/**
 * The CLI's runtime: options → the embedded stand-ins or a deployed stack's
 * outputs → the one composition root (compose.ts), which the Lambda
 * functions use too, with their environment's names.
 */
import { randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { JsonlRequestEvents } from '#shared/adapters/local/jsonl-request-events.ts';
import { parseCatalogue } from '#shared/domain/catalogue.ts';
import type { Catalogue } from '#shared/domain/catalogue-types.ts';
import { ConfigError, ValidationError } from '#shared/errors.ts';
import { SFNClient } from '@aws-sdk/client-sfn';
import { DEFAULT_REGION, OUTPUTS } from '#shared/config/stack.ts';
import { type DeployedStack, openDeployedStack, output, resourceNames } from './deployed-stack.ts';
import { type ComposedDeps, composeDeps } from './compose.ts';
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

/** Composes the ports over the embedded stand-ins (the one composition root, local names). */
export function embeddedDeps(
  embedded: Embedded,
  catalogue: Catalogue,
  clock: Clock,
  ids: Ids = uuidIds,
): { deps: ComposedDeps; audit: DynamoAuditTrail } {
  const deps = composeDeps(
    embedded.names,
    { dynamodb: embedded.dynamodb, s3: embedded.s3, kms: embedded.kms },
    { mode: 'embedded', writer: 'wasure-local', catalogue, clock, ids, events: new JsonlRequestEvents(join(embedded.dir, 'events.jsonl')) },
  );
  return { deps, audit: deps.audit };
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
  const deps = lambdaRequestDeps({}, { catalogue, clientConfig: { region }, names: resourceNames(stack) });
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
      requestDeps: deps,
      embedded,
      audit,
      close: () => embedded.stop(),
    };
  } catch (error) {
    await embedded.stop();
    throw error;
  }
}
