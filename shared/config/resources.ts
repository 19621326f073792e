/**
 * The resource manifest: one entry per deployed resource (table, bucket,
 * KMS key, state machine), carrying everything the three places that name
 * it need: its definition (tables and buckets built from it by the CDK
 * stateful stack and by the embedded stores), the environment variable a
 * function is told its name or ARN in, the stack output `--stack` reads it
 * from, and its name in the embedded local mode.
 *
 * One name for one thing: the manifest key (`recordsTable`, `pseudonymKey`)
 * is the resource's name in infra, in {@link ResourceNames}, in the
 * composition root and in the README's resource table.
 * `test/infra/resources.test.ts` proves each entry has an output, is bound
 * to some function (where it has a variable) and has a README row.
 */
import {
  AUDIT_TABLE,
  type BucketDefinition,
  CHECKPOINTS_BUCKET,
  DOCUMENTS_BUCKET,
  KEYS_TABLE,
  LANDING_BUCKET,
  RECORDS_TABLE,
  REQUESTS_TABLE,
  type TableDefinition,
} from '../domain/store-definitions.ts';
import { ConfigError } from '../errors.ts';

/** What a manifest entry is. */
export type ResourceKind = 'table' | 'bucket' | 'key' | 'state-machine' | 'event-bus';

/** One deployed resource. */
export interface Resource {
  /** Table, bucket, key, state machine or event bus. */
  readonly kind: ResourceKind;
  /** What it holds, in one line (the README row says the same). */
  readonly holds: string;
  /** CloudFormation output (key) with its name or ARN. */
  readonly output: string;
  /** Environment variable a function bound to it is told its name or ARN in; none for what no function is told. */
  readonly env?: string;
  /** Its name (tables, buckets) or key id in the embedded local mode; none where that mode has no such resource. */
  readonly local?: string;
  /** The table's definition (both the CDK stack and the embedded stores build it). */
  readonly table?: TableDefinition;
  /**
   * The CDK construct id of the table or bucket (its logical id derives
   * from it: changing it would replace the resource and its data).
   */
  readonly construct?: string;
  /** The bucket's definition. */
  readonly bucket?: BucketDefinition;
}

/** Every deployed resource, by its one name. */
export const RESOURCES = {
  recordsTable: {
    kind: 'table',
    construct: 'RecordsTable',
    holds: 'records, their tags and tombstones',
    table: RECORDS_TABLE,
    env: 'WASURE_RECORDS_TABLE',
    output: 'RecordsTableName',
    local: 'wasure-records',
  },
  keysTable: {
    kind: 'table',
    construct: 'DataKeysTable',
    holds: 'per-subject data keys, wrapped by the data key (no backups: crypto-shredding)',
    table: KEYS_TABLE,
    env: 'WASURE_KEYS_TABLE',
    output: 'DataKeysTableName',
    local: 'wasure-data-keys',
  },
  auditTable: {
    kind: 'table',
    construct: 'AuditTable',
    holds: 'the audit trail: staged and chained events, head, checkpoints, verifier cursor',
    table: AUDIT_TABLE,
    env: 'WASURE_AUDIT_TABLE',
    output: 'AuditTableName',
    local: 'wasure-audit',
  },
  requestsTable: {
    kind: 'table',
    construct: 'RequestsTable',
    holds: 'subject requests and the directives they leave',
    table: REQUESTS_TABLE,
    env: 'WASURE_REQUESTS_TABLE',
    output: 'RequestsTableName',
    local: 'wasure-requests',
  },
  documentsBucket: {
    kind: 'bucket',
    construct: 'Documents',
    holds: 'documents of records, every version',
    bucket: DOCUMENTS_BUCKET,
    env: 'WASURE_DOCUMENTS_BUCKET',
    output: 'DocumentsBucketName',
    local: 'wasure-documents',
  },
  checkpointsBucket: {
    kind: 'bucket',
    construct: 'AuditCheckpoints',
    holds: 'signed audit checkpoints (Object Lock on AWS)',
    bucket: CHECKPOINTS_BUCKET,
    env: 'WASURE_CHECKPOINTS_BUCKET',
    output: 'CheckpointsBucketName',
    local: 'wasure-audit-checkpoints',
  },
  landingBucket: {
    kind: 'bucket',
    construct: 'Landing',
    holds: 'data dropped by other systems, and refused data in quarantine',
    bucket: LANDING_BUCKET,
    env: 'WASURE_LANDING_BUCKET',
    output: 'LandingBucketName',
    local: 'wasure-landing',
  },
  exportsBucket: {
    kind: 'bucket',
    construct: 'Exports',
    holds: 'disclosure packages and erasure receipts (expire after days); a directory in the embedded mode',
    env: 'WASURE_EXPORTS_BUCKET',
    output: 'ExportsBucketName',
  },
  dataKey: {
    kind: 'key',
    holds: 'KMS key wrapping per-subject data keys and encrypting stores',
    env: 'WASURE_DATA_KEY_ARN',
    output: 'DataKeyArn',
    local: 'wasure-local-data-key',
  },
  pseudonymKey: {
    kind: 'key',
    holds: 'KMS HMAC key deriving subject pseudonyms',
    env: 'WASURE_PSEUDONYM_KEY_ARN',
    output: 'AuditPseudonymKeyArn',
    local: 'wasure-local-hmac-key',
  },
  signingKey: {
    kind: 'key',
    holds: 'KMS asymmetric key signing audit checkpoints (the checkpointer only)',
    env: 'WASURE_AUDIT_SIGNING_KEY_ARN',
    output: 'AuditSigningKeyArn',
    local: 'wasure-local-signing-key',
  },
  auditMacKey: {
    kind: 'key',
    holds: 'KMS HMAC key with which audit writers prove each event they write',
    env: 'WASURE_AUDIT_MAC_KEY_ARN',
    output: 'AuditMacKeyArn',
    local: 'wasure-local-audit-mac-key',
  },
  eventBus: {
    kind: 'event-bus',
    holds: 'the EventBridge bus request outcomes are published on (the account\'s `default` bus); `events.jsonl` in the embedded mode',
    env: 'WASURE_EVENT_BUS_ARN',
    output: 'RequestEventBusArn',
  },
  sweepStateMachine: {
    kind: 'state-machine',
    holds: 'the retention sweep (started by its schedule and by `wasure sweep --stack`)',
    output: 'SweepStateMachineArn',
  },
} as const satisfies Record<string, Resource>;

/** A resource's one name. */
export type ResourceName = keyof typeof RESOURCES;

/** The names of the resources of one kind (`ResourceNameOf<'table'>`). */
export type ResourceNameOf<K extends ResourceKind> = {
  [N in ResourceName]: (typeof RESOURCES)[N]['kind'] extends K ? N : never;
}[ResourceName];

/** Every resource name, in manifest order. */
export const RESOURCE_NAMES = Object.keys(RESOURCES) as ResourceName[];

/** Physical names (tables, buckets) and ARNs or key ids (keys, state machines) of the resources one deployment or one local directory has. */
export type ResourceNames = Partial<Record<ResourceName, string>>;

/** A resource's manifest entry, widened (optional fields readable). */
export function resource(name: ResourceName): Resource {
  return RESOURCES[name];
}

/** The names a function was told in its environment (the variables it was bound to). */
export function namesFromEnv(env: Readonly<Record<string, string | undefined>>): ResourceNames {
  const names: ResourceNames = {};
  for (const name of RESOURCE_NAMES) {
    const variable = resource(name).env;
    const value = variable === undefined ? undefined : env[variable];
    if (value !== undefined && value !== '') names[name] = value;
  }
  return names;
}

/** The names a deployed stack's outputs give (`--stack`). */
export function namesFromOutputs(outputs: Readonly<Record<string, string>>): ResourceNames {
  const names: ResourceNames = {};
  for (const name of RESOURCE_NAMES) {
    const value = outputs[resource(name).output];
    if (value !== undefined) names[name] = value;
  }
  return names;
}

/** The resources the embedded local mode has, by name, with their local names. */
export type LocalNames = {
  readonly [K in ResourceName as (typeof RESOURCES)[K] extends { readonly local: string } ? K : never]: string;
};

/** The names of the embedded local mode. */
export const LOCAL_NAMES = Object.fromEntries(
  RESOURCE_NAMES.flatMap((name) => {
    const local = resource(name).local;
    return local === undefined ? [] : [[name, local]];
  }),
) as LocalNames;

/**
 * A resource's name, or a ConfigError saying which variable (or output)
 * would have named it: a function reaching for a resource it was not
 * bound to fails at that call, naming the resource.
 */
export function requireName(names: ResourceNames, name: ResourceName): string {
  const value = names[name];
  if (value === undefined) {
    const r = resource(name);
    throw new ConfigError(
      `resource ${name} is not configured here${r.env === undefined ? '' : ` (environment variable ${r.env}`}${r.env === undefined ? ` (stack output ${r.output})` : `, stack output ${r.output})`}`,
    );
  }
  return value;
}

/** The table resources, with their definitions and construct ids. */
export const TABLE_RESOURCES = RESOURCE_NAMES.flatMap((name) => {
  const { table, construct } = resource(name);
  return table === undefined ? [] : [{ name, table, construct: construct ?? name }];
});

/** The bucket resources with a definition (the embedded mode creates these). */
export const BUCKET_RESOURCES = RESOURCE_NAMES.flatMap((name) => {
  const bucket = resource(name).bucket;
  return bucket === undefined ? [] : [{ name, bucket }];
});

/** Every table definition, in manifest order (the embedded mode creates these; the stateful stack builds them). */
export const TABLES: readonly TableDefinition[] = TABLE_RESOURCES.map((t) => t.table);
