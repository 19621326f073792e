/**
 * The Lambda functions' entry to the composition root (functions/compose.ts):
 * the resources a function is bound to come from its environment, the SDK
 * clients from the Lambda environment. Built once per container at module
 * scope; the catalogue is bundled at build time (esbuild `define`), so a
 * function always runs the catalogue version it was deployed with.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient, type SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { KmsCheckpointSigner } from '#shared/adapters/aws/kms-checkpoint-signer.ts';
import { ENV } from '#shared/config/env.ts';
import { namesFromEnv, type ResourceNames } from '#shared/config/resources.ts';
import { parseCatalogue } from '#shared/domain/catalogue.ts';
import type { Catalogue } from '#shared/domain/catalogue-types.ts';
import { ConfigError } from '#shared/errors.ts';
import { jsonLogger, type MetricFields, withMetrics } from '#shared/logging.ts';
import { type ComposedDeps, composeDeps, unavailable } from '../compose.ts';
import type { ReceiptTaskDeps } from './erasure-receipt-tasks.ts';
import type { RequestTaskDeps } from './request-tasks.ts';
import type { SweepTaskDeps } from './sweep-tasks.ts';

declare const __WASURE_CATALOGUE__: string | undefined;

/** Options of the AWS composition (the CLI's `--stack` mode sets them). */
export interface AwsDepsOptions {
  /** The catalogue. @default the one compiled into the function */
  readonly catalogue?: Catalogue;
  /** SDK client configuration (region, credentials). @default the Lambda environment's */
  readonly clientConfig?: { readonly region?: string };
  /** The resources' names. @default those the environment binds (`namesFromEnv`) */
  readonly names?: ResourceNames;
}

/**
 * Log fields that are also CloudWatch metrics (the stateless stack's alarms
 * watch them): what quarantine holds after a sweep, a broken audit head, and
 * how many open requests are past their deadline.
 */
export const METRICS: MetricFields = {
  'sweep.finish': ['quarantineObjects', 'quarantineBytes'],
  'audit.head-broken': ['headSize'],
  'audit.sequence': ['integrated', 'maxDelayMs'],
  'request.checkOverdue': ['overdue'],
};

function bundledCatalogue(): Catalogue {
  if (typeof __WASURE_CATALOGUE__ !== 'string') {
    throw new ConfigError('no policy catalogue was compiled into this build');
  }
  return parseCatalogue(JSON.parse(__WASURE_CATALOGUE__));
}

/** The composed dependencies of a function (or `--stack`), and the release of its clients. */
export type AwsDeps = ComposedDeps & { readonly names: ResourceNames; readonly kms: KMSClient; release(): void };

/** Composes the deployed adapters over the resources the environment (or `options.names`) names. */
export function lambdaDeps(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: AwsDepsOptions = {},
): AwsDeps {
  const config = { ...options.clientConfig };
  const clients = {
    dynamodb: new DynamoDBClient(config),
    s3: new S3Client(config),
    kms: new KMSClient(config),
    sfn: new SFNClient(config),
    events: new EventBridgeClient(config),
  };
  const names = options.names ?? namesFromEnv(env);
  const namespace = env[ENV.metricsNamespace];
  const deps = composeDeps(names, clients, {
    mode: 'deployed',
    writer: env.AWS_LAMBDA_FUNCTION_NAME ?? 'wasure-cli',
    catalogue: options.catalogue ?? bundledCatalogue(),
    clock: { now: () => new Date() },
    ids: { next: () => randomUUID() },
    log: namespace === undefined ? jsonLogger() : withMetrics(jsonLogger(), namespace, METRICS),
    ttlGraceDays: Number(env[ENV.ttlGraceDays] ?? 30),
    signingAlgorithm: (env[ENV.auditSigningAlgorithm] ?? 'ECDSA_SHA_256') as SigningAlgorithmSpec,
  });
  return {
    ...deps,
    names,
    kms: clients.kms,
    // A CLI process (`--stack`) ends its clients; a Lambda container keeps them.
    release: () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

/** The sweep tasks' dependencies. */
export function lambdaSweepDeps(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: AwsDepsOptions = {},
): SweepTaskDeps & AwsDeps {
  return lambdaDeps(env, options);
}

/** The subject-request tasks' dependencies: disclosure packages go to the exports bucket. */
export function lambdaRequestDeps(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: AwsDepsOptions = {},
): RequestTaskDeps & AwsDeps & { readonly exports: NonNullable<AwsDeps['exports']> } {
  const deps = lambdaDeps(env, options);
  return { ...deps, exports: deps.exports ?? unavailable(deps.names, ['exportsBucket']) };
}

/**
 * The erasure-receipt task's dependencies: it reads the requests and audit
 * tables, asks KMS for the public half of the key that signed the
 * checkpoint (GetPublicKey; it is never bound to the signing key, and
 * cannot sign) and saves the package in the exports bucket.
 */
export function lambdaReceiptDeps(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: AwsDepsOptions = {},
): ReceiptTaskDeps {
  const deps = lambdaRequestDeps(env, options);
  return {
    // A reader: the trail without the writer's MAC key or the signer.
    trail: deps.checkpointer,
    signer: { publicKeyPem: (keyId) => new KmsCheckpointSigner(deps.kms, keyId).publicKeyPem() },
    requests: deps.requests,
    exports: deps.exports,
    clock: deps.clock,
    ...(deps.log === undefined ? {} : { log: deps.log }),
  };
}
