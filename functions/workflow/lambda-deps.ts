/**
 * Composition root of the Lambda functions: env → AWS clients → adapters.
 * Built once per container at module scope; the catalogue is bundled at
 * build time (esbuild `define`), so a function always runs the catalogue
 * version it was deployed with.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient, type SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { DynamoKeyStore } from '#shared/adapters/aws/dynamo-key-store.ts';
import { DynamoRecordStore } from '#shared/adapters/aws/dynamo-record-store.ts';
import { DynamoRequestStore } from '#shared/adapters/aws/dynamo-request-store.ts';
import { S3ExportStore } from '#shared/adapters/aws/s3-export-store.ts';
import { KmsCheckpointSigner } from '#shared/adapters/aws/kms-checkpoint-signer.ts';
import { KmsEventAuthenticator } from '#shared/adapters/aws/kms-event-authenticator.ts';
import { KmsKeyService } from '#shared/adapters/aws/kms-key-service.ts';
import { KmsPseudonymizer } from '#shared/adapters/aws/kms-pseudonymizer.ts';
import { S3CheckpointSink } from '#shared/adapters/aws/s3-checkpoint-sink.ts';
import { S3ObjectStore } from '#shared/adapters/aws/s3-object-store.ts';
import { ENV, requireEnv } from '#shared/config/env.ts';
import { parseCatalogue } from '#shared/domain/catalogue.ts';
import type { Catalogue } from '#shared/domain/catalogue-types.ts';
import { ConfigError } from '#shared/errors.ts';
import { jsonLogger, type MetricFields, withMetrics } from '#shared/logging.ts';
import type { ReceiptTaskDeps } from './erasure-receipt-tasks.ts';
import type { RequestTaskDeps } from './request-tasks.ts';
import type { SweepTaskDeps } from './sweep-tasks.ts';

declare const __WASURE_CATALOGUE__: string | undefined;

/** Options of the AWS composition root (the CLI's `--stack` mode sets them). */
export interface AwsDepsOptions {
  /** The catalogue. @default the one compiled into the function */
  readonly catalogue?: Catalogue;
  /** SDK client configuration (region, credentials). @default the Lambda environment's */
  readonly clientConfig?: { readonly region?: string };
}

/**
 * Log fields that are also CloudWatch metrics (the stateless stack's alarms
 * watch them): what quarantine holds after a sweep, and a broken audit head.
 */
export const METRICS: MetricFields = {
  'sweep.finish': ['quarantineObjects', 'quarantineBytes'],
  'audit.head-broken': ['headSize'],
  'audit.sequence': ['integrated', 'maxDelayMs'],
};

function bundledCatalogue(): Catalogue {
  if (typeof __WASURE_CATALOGUE__ !== 'string') {
    throw new ConfigError('no policy catalogue was compiled into this build');
  }
  return parseCatalogue(JSON.parse(__WASURE_CATALOGUE__));
}

/** Builds the sweep dependencies from the function's environment. */
export function lambdaSweepDeps(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: AwsDepsOptions = {},
): SweepTaskDeps & {
  readonly audit: DynamoAuditTrail;
  readonly checkpointer: DynamoAuditTrail;
  readonly sequencer: DynamoAuditTrail;
  release(): void;
} {
  const config = { ...options.clientConfig };
  const dynamodb = new DynamoDBClient(config);
  const kms = new KMSClient(config);
  const s3 = new S3Client(config);
  const clock = { now: () => new Date() };
  const ids = { next: () => randomUUID() };
  const pseudonyms = new KmsPseudonymizer(kms, requireEnv(env, ENV.auditHmacKeyArn));
  const namespace = env[ENV.metricsNamespace];
  const log = namespace === undefined ? jsonLogger() : withMetrics(jsonLogger(), namespace, METRICS);
  const trailProps = {
    log,
    client: dynamodb,
    table: requireEnv(env, ENV.auditTable),
    pseudonymizer: pseudonyms,
    ...(env[ENV.checkpointsBucket] === undefined
      ? {}
      : { sink: new S3CheckpointSink(s3, requireEnv(env, ENV.checkpointsBucket), { versioned: true }) }),
    ...(env[ENV.auditMacKeyArn] === undefined
      ? {}
      : {
          authenticator: new KmsEventAuthenticator(
            kms,
            requireEnv(env, ENV.auditMacKeyArn),
            env.AWS_LAMBDA_FUNCTION_NAME ?? 'wasure-cli',
          ),
        }),
    clock,
    ids,
  };
  // Writers never sign: only the checkpointer (FinishSweep, the verifier)
  // holds the signer, so an append can never need kms:Sign. Nor do they
  // chain: they stage, and the one sequencer function integrates.
  const audit = new DynamoAuditTrail({ ...trailProps, sequencing: 'deferred' });
  const sequencer = new DynamoAuditTrail(trailProps);
  const checkpointer = new DynamoAuditTrail({
    ...trailProps,
    sequencing: 'deferred',
    ...(env[ENV.auditSigningKeyArn] === undefined
      ? {}
      : {
          signer: new KmsCheckpointSigner(
            kms,
            requireEnv(env, ENV.auditSigningKeyArn),
            (env[ENV.auditSigningAlgorithm] ?? 'ECDSA_SHA_256') as SigningAlgorithmSpec,
          ),
        }),
  });
  const sfn = new SFNClient(config);
  return {
    records: new DynamoRecordStore(dynamodb, requireEnv(env, ENV.recordsTable), audit, {
      ttlGraceDays: Number(env[ENV.ttlGraceDays] ?? 30),
    }),
    objects: new S3ObjectStore(s3, requireEnv(env, ENV.documentsBucket), {
      kmsKeyId: requireEnv(env, ENV.dataKeyArn),
    }),
    // Functions given the landing bucket sweep, export and erase its quarantine.
    ...(env[ENV.landingBucket] === undefined
      ? {}
      : { landing: new S3ObjectStore(s3, requireEnv(env, ENV.landingBucket), { kmsKeyId: requireEnv(env, ENV.dataKeyArn) }) }),
    keys: new DynamoKeyStore(dynamodb, requireEnv(env, ENV.keysTable), audit),
    keyService: new KmsKeyService(kms, requireEnv(env, ENV.dataKeyArn)),
    audit,
    pseudonyms,
    clock,
    ids,
    catalogue: options.catalogue ?? bundledCatalogue(),
    log,
    // A CLI process (`--stack`) ends its clients; a Lambda container keeps them.
    release: () => {
      for (const client of [dynamodb, kms, s3, sfn]) client.destroy();
    },
    checkpointer,
    sequencer,
    checkpoint: () => checkpointer.checkpoint(),
    continueAsNew: async (input) => {
      const arn = input.stateMachineArn;
      if (typeof arn !== 'string') {
        throw new Error('continuation needs the state machine ARN');
      }
      const out = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify(input) }),
      );
      return out.executionArn ?? '';
    },
  };
}

/** Builds the subject-request dependencies from the function's environment. */
export function lambdaRequestDeps(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: AwsDepsOptions = {},
): RequestTaskDeps & { readonly audit: DynamoAuditTrail; readonly checkpointer: DynamoAuditTrail; release(): void } {
  const base = lambdaSweepDeps(env, options);
  const config = { ...options.clientConfig };
  const dynamodb = new DynamoDBClient(config);
  const s3 = new S3Client(config);
  return {
    ...base,
    requests: new DynamoRequestStore(dynamodb, requireEnv(env, ENV.requestsTable)),
    exports: new S3ExportStore(s3, requireEnv(env, ENV.exportsBucket), base.clock),
    release: () => {
      base.release();
      dynamodb.destroy();
      s3.destroy();
    },
  };
}

/**
 * Builds the erasure-receipt task's dependencies: it reads the requests and
 * audit tables, asks KMS for the public half of the key that signed the
 * checkpoint (GetPublicKey; it is never told the signing key, and cannot
 * sign) and saves the package in the exports bucket.
 */
export function lambdaReceiptDeps(
  env: Readonly<Record<string, string | undefined>> = process.env,
  options: AwsDepsOptions = {},
): ReceiptTaskDeps {
  const config = { ...options.clientConfig };
  const dynamodb = new DynamoDBClient(config);
  const kms = new KMSClient(config);
  const s3 = new S3Client(config);
  const clock = { now: () => new Date() };
  const trail = new DynamoAuditTrail({
    client: dynamodb,
    table: requireEnv(env, ENV.auditTable),
    // The receipt reads events by the pseudonym the request stores.
    pseudonymizer: { pseudonym: () => Promise.reject(new ConfigError('the receipt task does not pseudonymise')) },
    clock,
    ids: { next: () => randomUUID() },
  });
  return {
    trail,
    signer: { publicKeyPem: (keyId) => new KmsCheckpointSigner(kms, keyId).publicKeyPem() },
    requests: new DynamoRequestStore(dynamodb, requireEnv(env, ENV.requestsTable)),
    exports: new S3ExportStore(s3, requireEnv(env, ENV.exportsBucket), clock),
    clock,
    log: jsonLogger(),
  };
}
