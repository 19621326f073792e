/**
 * The one composition root: resource names + SDK clients → adapters → the
 * ports use cases and handlers take. Three callers, one wiring:
 *
 * - a Lambda function: names from its environment (`namesFromEnv`), the
 *   variables infra set for exactly the resources it is bound to;
 * - `--stack`: names from the stack's outputs (`namesFromOutputs`), with
 *   the caller's credentials;
 * - the embedded mode: the manifest's local names, clients pointed at the
 *   stand-ins.
 *
 * An adapter whose resource a caller was not given is an `unavailable`
 * stand-in that throws a ConfigError naming the resource (and its
 * variable) at its first use, so a function reaching for a store it was
 * not bound to fails clearly, and one that never does needs no variable
 * (and no permission) for it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { KMSClient, SigningAlgorithmSpec } from '@aws-sdk/client-kms';
import type { S3Client } from '@aws-sdk/client-s3';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { DynamoKeyStore } from '#shared/adapters/aws/dynamo-key-store.ts';
import { DynamoRecordStore } from '#shared/adapters/aws/dynamo-record-store.ts';
import { DynamoRequestStore } from '#shared/adapters/aws/dynamo-request-store.ts';
import { EventBridgeRequestEvents } from '#shared/adapters/aws/eventbridge-request-events.ts';
import { KmsCheckpointSigner } from '#shared/adapters/aws/kms-checkpoint-signer.ts';
import { KmsEventAuthenticator } from '#shared/adapters/aws/kms-event-authenticator.ts';
import { KmsKeyService } from '#shared/adapters/aws/kms-key-service.ts';
import { KmsPseudonymizer } from '#shared/adapters/aws/kms-pseudonymizer.ts';
import { S3CheckpointSink } from '#shared/adapters/aws/s3-checkpoint-sink.ts';
import { S3ExportStore } from '#shared/adapters/aws/s3-export-store.ts';
import { S3ObjectStore } from '#shared/adapters/aws/s3-object-store.ts';
import { type ResourceName, type ResourceNames, requireName } from '#shared/config/resources.ts';
import type { Catalogue } from '#shared/domain/catalogue-types.ts';
import type { Logger } from '#shared/logging.ts';
import type { Clock, ExportStore, Ids } from '#shared/ports/index.ts';
import type { RequestEvents } from '#shared/ports/request-events.ts';
import type { LifecycleDeps } from '#shared/use-cases/deps.ts';
import type { RequestLedger } from '#shared/use-cases/subject-requests.ts';

/** The SDK clients the adapters talk through (the caller creates and ends them). */
export interface Clients {
  readonly dynamodb: DynamoDBClient;
  readonly s3: S3Client;
  readonly kms: KMSClient;
  /** Starts sweep continuations; none in the embedded mode (it runs them itself). */
  readonly sfn?: SFNClient;
  /** Publishes request outcomes; none in the embedded mode (it writes them to a file). */
  readonly events?: EventBridgeClient;
}

/** How to compose. */
export interface ComposeOptions {
  readonly catalogue: Catalogue;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly log?: Logger;
  /**
   * `deployed`: functions on AWS (or `--stack`) — writers only stage audit
   * events and the one sequencer chains them; only the checkpointer signs;
   * objects are written SSE-KMS under the data key; the checkpoint bucket
   * is versioned. `embedded`: one local process that holds its state
   * directory chains its own events and may sign.
   */
  readonly mode: 'deployed' | 'embedded';
  /** Who MACs the audit events this process writes (the function's name on AWS). */
  readonly writer: string;
  /** TTL backstop grace after the due time, in days. @default 30 */
  readonly ttlGraceDays?: number;
  /** Algorithm of the checkpoint signing key. @default ECDSA_SHA_256 deployed, ED25519_SHA_512 embedded */
  readonly signingAlgorithm?: SigningAlgorithmSpec;
  /** Where disclosure packages go when not in a bucket (the embedded mode's directory). */
  readonly exports?: ExportStore;
  /** Where request outcomes go when not on a bus (the embedded mode's `events.jsonl`). */
  readonly events?: RequestEvents;
}

/** Everything composed: the lifecycle ports and the audit roles. */
export interface ComposedDeps extends LifecycleDeps {
  /** The audit trail this process writes through (stages only, when deployed). */
  readonly audit: DynamoAuditTrail;
  /** The trail with the checkpoint signer (its own object when deployed). */
  readonly checkpointer: DynamoAuditTrail;
  /** The trail that chains staged events (the sequencer function's; inline in the embedded mode). */
  readonly sequencer: DynamoAuditTrail;
  /** Subject requests and their directives. */
  readonly requests: RequestLedger;
  /** Disclosure packages and receipts: the exports bucket, or the given directory; none otherwise (the sweep then leaves exports alone). */
  readonly exports?: ExportStore;
  /** Request outcomes for other systems: the event bus, or the given file; none otherwise. */
  readonly events?: RequestEvents;
  /** Signs a checkpoint of the trail. */
  readonly checkpoint: () => Promise<unknown>;
  /** Starts a sweep continuation (deployed only). */
  readonly continueAsNew: (input: Record<string, unknown>) => Promise<string>;
}

/**
 * An adapter this caller was not given the resources of: any use throws a
 * ConfigError naming the first missing resource.
 */
export function unavailable<T extends object>(names: ResourceNames, needs: readonly ResourceName[]): T {
  const fail = (): never => {
    for (const name of needs) requireName(names, name);
    throw new Error(`unavailable adapter over ${needs.join(', ')}`);
  };
  return new Proxy({} as T, {
    get: (_target, property) => (property === 'then' ? undefined : fail()),
  });
}

/**
 * The resources each deployed adapter needs: what a function must be told
 * (and granted) to use it. (Embedded, objects and landing need no data
 * key: s3rver does no SSE-KMS, and one process is the whole audit.)
 */
export const ADAPTER_NEEDS = {
  records: ['recordsTable'],
  objects: ['documentsBucket', 'dataKey'],
  landing: ['landingBucket', 'dataKey'],
  keys: ['keysTable'],
  keyService: ['dataKey'],
  pseudonyms: ['pseudonymKey'],
  // A writer proves each event it stages with the audit MAC key.
  audit: ['auditTable', 'auditMacKey'],
  requests: ['requestsTable'],
  exports: ['exportsBucket'],
  events: ['eventBus'],
} as const satisfies Record<string, readonly ResourceName[]>;

/** Builds `make()` when every resource in `needs` is named, else an {@link unavailable} stand-in. */
function when<T extends object>(names: ResourceNames, needs: readonly ResourceName[], make: () => T): T {
  return needs.every((n) => names[n] !== undefined) ? make() : unavailable<T>(names, needs);
}

/** Composes the adapters over `names` and `clients`. */
export function composeDeps(names: ResourceNames, clients: Clients, options: ComposeOptions): ComposedDeps {
  const { dynamodb, s3, kms } = clients;
  const { clock, ids } = options;
  const deployed = options.mode === 'deployed';
  const name = (r: ResourceName) => requireName(names, r);
  const has = (r: ResourceName) => names[r] !== undefined;
  const pseudonyms = when(names, ADAPTER_NEEDS.pseudonyms, () => new KmsPseudonymizer(kms, name('pseudonymKey')));
  const trailProps = {
    ...(options.log === undefined ? {} : { log: options.log }),
    client: dynamodb,
    table: names.auditTable ?? '',
    pseudonymizer: pseudonyms,
    ...(has('checkpointsBucket')
      ? { sink: new S3CheckpointSink(s3, name('checkpointsBucket'), deployed ? { versioned: true } : {}) }
      : {}),
    ...(has('auditMacKey')
      ? { authenticator: new KmsEventAuthenticator(kms, name('auditMacKey'), options.writer) }
      : {}),
    clock,
    ids,
  };
  const signer = has('signingKey')
    ? {
        signer: new KmsCheckpointSigner(
          kms,
          name('signingKey'),
          options.signingAlgorithm ?? (deployed ? 'ECDSA_SHA_256' : 'ED25519_SHA_512'),
        ),
      }
    : {};
  const trail = (props: ConstructorParameters<typeof DynamoAuditTrail>[0], needs: readonly ResourceName[] = ['auditTable']) =>
    when(names, needs, () => new DynamoAuditTrail(props));
  // Deployed, writers never sign and never chain: they stage, the one
  // sequencer function chains, and only the checkpointer holds the signer
  // (and is only given the signing key where it is bound to it). The
  // embedded process is all three.
  // A deployed writer without the MAC key would stage unproven (v1)
  // events the verifier refuses: it is unavailable instead.
  const audit = deployed
    ? trail({ ...trailProps, sequencing: 'deferred' }, ADAPTER_NEEDS.audit)
    : trail({ ...trailProps, ...signer });
  const sequencer = deployed ? trail(trailProps) : audit;
  const checkpointer = deployed ? trail({ ...trailProps, sequencing: 'deferred', ...signer }) : audit;
  const objectOptions = deployed ? { kmsKeyId: names.dataKey ?? '' } : { versioned: false };
  // Embedded, buckets need no data key (s3rver does no SSE-KMS).
  const bucketNeeds = (adapter: 'objects' | 'landing'): readonly ResourceName[] =>
    deployed ? ADAPTER_NEEDS[adapter] : ADAPTER_NEEDS[adapter].filter((r) => r !== 'dataKey');
  const sfn = clients.sfn;
  return {
    records: when(names, ADAPTER_NEEDS.records, () =>
      new DynamoRecordStore(dynamodb, name('recordsTable'), audit, { ttlGraceDays: options.ttlGraceDays ?? 30 }),
    ),
    objects: when(names, bucketNeeds('objects'), () => new S3ObjectStore(s3, name('documentsBucket'), objectOptions)),
    // Given the landing bucket, the sweep, export and erase cover its quarantine.
    ...(bucketNeeds('landing').every(has)
      ? { landing: new S3ObjectStore(s3, name('landingBucket'), objectOptions) }
      : {}),
    keys: when(names, ADAPTER_NEEDS.keys, () => new DynamoKeyStore(dynamodb, name('keysTable'), audit)),
    keyService: when(names, ADAPTER_NEEDS.keyService, () => new KmsKeyService(kms, name('dataKey'))),
    audit,
    sequencer,
    checkpointer,
    pseudonyms,
    clock,
    ids,
    catalogue: options.catalogue,
    ...(options.log === undefined ? {} : { log: options.log }),
    requests: when(names, ADAPTER_NEEDS.requests, () => new DynamoRequestStore(dynamodb, name('requestsTable'), audit)),
    ...(options.exports !== undefined
      ? { exports: options.exports }
      : ADAPTER_NEEDS.exports.every(has)
        ? { exports: new S3ExportStore(s3, name('exportsBucket'), clock) }
        : {}),
    ...(options.events !== undefined
      ? { events: options.events }
      : clients.events !== undefined
        ? { events: when(names, ADAPTER_NEEDS.events, () => new EventBridgeRequestEvents(clients.events as EventBridgeClient, name('eventBus'))) }
        : {}),
    checkpoint: () => checkpointer.checkpoint(),
    continueAsNew: async (input) => {
      const arn = input.stateMachineArn;
      if (typeof arn !== 'string' || sfn === undefined) {
        throw new Error('continuation needs the state machine ARN and a Step Functions client');
      }
      const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, input: JSON.stringify(input) }));
      return out.executionArn ?? '';
    },
  };
}
