/**
 * Creates tables from the shared definitions (the embedded mode's one path
 * to its tables; the CDK stack builds the same definitions).
 */
import {
  type AttributeDefinition,
  type CreateTableCommandInput,
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  AUDIT_TABLE,
  KEYS_TABLE,
  RECORDS_TABLE,
  REQUESTS_TABLE,
  type StoreNames,
  type TableDefinition,
} from '../../domain/store-definitions.ts';
import { ConfigError } from '../../errors.ts';

/** The physical name of a defined table. */
export function tableName(def: TableDefinition, names: StoreNames): string {
  const byId: Record<string, string> = {
    [RECORDS_TABLE.id]: names.recordsTable,
    [KEYS_TABLE.id]: names.keysTable,
    [AUDIT_TABLE.id]: names.auditTable,
    [REQUESTS_TABLE.id]: names.requestsTable,
  };
  const name = byId[def.id];
  if (name === undefined) {
    throw new ConfigError(`no physical name for table ${def.id}`);
  }
  return name;
}

/** CreateTable input for a definition. */
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

/** Creates the missing tables, waits until active, enables TTL. */
export async function ensureTables(
  client: DynamoDBClient,
  defs: readonly TableDefinition[],
  names: StoreNames,
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
    if (exists) {
      continue;
    }
    await client.send(new CreateTableCommand(toCreateTableInput(def, name)));
    for (let i = 0; i < 100; i += 1) {
      const out = await client.send(new DescribeTableCommand({ TableName: name }));
      if (out.Table?.TableStatus === 'ACTIVE') {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (def.ttlAttribute !== undefined) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: def.ttlAttribute, Enabled: true },
        }),
      );
    }
  }
}
