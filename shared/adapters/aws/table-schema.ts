/**
 * Creates tables from the shared definitions (the embedded mode's one path
 * to its tables; the CDK stack builds the same definitions).
 */
import {
  type AttributeDefinition,
  type CreateTableCommandInput,
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { requireName, type ResourceNames, TABLE_RESOURCES } from '../../config/resources.ts';
import type { TableDefinition } from '../../domain/store-definitions.ts';
import { ConfigError } from '../../errors.ts';

/**
 * The physical name of a defined table.
 *
 * @throws ConfigError for a definition without a name in `names`.
 */
export function tableName(def: TableDefinition, names: ResourceNames): string {
  const entry = TABLE_RESOURCES.find((t) => t.table.id === def.id);
  if (entry === undefined) {
    throw new ConfigError(`table ${def.id} is not in the resource manifest`);
  }
  return requireName(names, entry.name);
}

/**
 * CreateTable input for a definition: on-demand billing, a new-and-old
 * image stream where the definition asks for one. Encryption and PITR are
 * left to the CDK stack; the local stand-in has neither.
 */
export function toCreateTableInput(
  def: TableDefinition,
  name: string,
): CreateTableCommandInput {
  const attributes = new Map<string, AttributeDefinition>();
  const add = (a: { name: string; type: 'S' | 'N' | 'B' } | undefined) => {
    if (a !== undefined) {
      attributes.set(a.name, { AttributeName: a.name, AttributeType: a.type });
    }
  };
  add(def.partitionKey);
  add(def.sortKey);
  for (const index of def.indexes) {
    add(index.partitionKey);
    add(index.sortKey);
  }
  const keySchema = (
    pk: { name: string },
    sk: { name: string } | undefined,
  ): CreateTableCommandInput['KeySchema'] => [
    { AttributeName: pk.name, KeyType: 'HASH' },
    ...(sk === undefined ? [] : [{ AttributeName: sk.name, KeyType: 'RANGE' as const }]),
  ];
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()],
    KeySchema: keySchema(def.partitionKey, def.sortKey),
    ...(def.indexes.length === 0
      ? {}
      : {
          GlobalSecondaryIndexes: def.indexes.map((i) => ({
            IndexName: i.indexName,
            KeySchema: keySchema(i.partitionKey, i.sortKey),
            Projection: { ProjectionType: i.projection },
          })),
        }),
    ...(def.stream
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }
      : {}),
  };
}

/**
 * Creates the missing tables, waits until each is active and turns on TTL
 * where the definition has it (also on a table an earlier version of
 * wasure created without it).
 *
 * @throws ConfigError when a created table does not become active in time.
 */
export async function ensureTables(
  client: DynamoDBClient,
  defs: readonly TableDefinition[],
  names: ResourceNames,
  options: { readonly activeTimeoutMs?: number } = {},
): Promise<void> {
  for (const def of defs) {
    const name = tableName(def, names);
    let exists = true;
    try {
      await client.send(new DescribeTableCommand({ TableName: name }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) {
        throw error;
      }
      exists = false;
    }
    if (!exists) {
      await client.send(new CreateTableCommand(toCreateTableInput(def, name)));
      await waitUntilActive(client, name, options.activeTimeoutMs ?? 30_000);
    }
    if (def.ttlAttribute !== undefined) {
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }));
      if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
          }),
        );
      }
    }
  }
}

async function waitUntilActive(
  client: DynamoDBClient,
  name: string,
  timeoutMs: number,
): Promise<void> {
  const started = Date.now();
  for (;;) {
    const out = await client.send(new DescribeTableCommand({ TableName: name }));
    if (out.Table?.TableStatus === 'ACTIVE') {
      return;
    }
    if (Date.now() - started > timeoutMs) {
      throw new ConfigError(
        `table ${name} is still ${out.Table?.TableStatus ?? 'unknown'} after ${timeoutMs} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
