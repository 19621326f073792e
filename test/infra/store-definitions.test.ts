import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableName } from '#shared/adapters/aws/table-schema.ts';
import { TABLES } from '#shared/config/resources.ts';
import { createApp } from '#infra/create-app.ts';
import { type Embedded, startEmbedded } from '#functions/local/embedded.ts';

type Props = Record<string, any>;

const byName = <T extends Record<string, any>>(items: T[] | undefined, key: string) =>
  [...(items ?? [])].sort((a, b) => String(a[key]).localeCompare(String(b[key])));

describe('the embedded tables match the synthesized template', () => {
  let embedded: Embedded;
  let dir: string;
  let synthesized: Props[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-defs-'));
    embedded = await startEmbedded({ dir, persist: false });
    const { stateful } = createApp({ nag: false, context: { 'aws:cdk:bundling-stacks': [] } });
    synthesized = Object.values(Template.fromStack(stateful).findResources('AWS::DynamoDB::Table')).map((r) => r.Properties as Props);
  });

  afterAll(async () => {
    await embedded?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(TABLES.map((t) => [t.id, t]))('%s has the same keys, indexes, TTL and stream', async (_id, def) => {
    // Prepare
    const local = (await embedded.dynamodb.send(new DescribeTableCommand({ TableName: tableName(def, embedded.names) }))).Table;
    const ttl = (await embedded.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: tableName(def, embedded.names) }))).TimeToLiveDescription;
    const keyOf = (schema: { AttributeName?: string; KeyType?: string }[] | undefined) =>
      (schema ?? []).map((k) => `${k.AttributeName}:${k.KeyType}`).join(',');
    // Act
    const deployed = synthesized.find((t) => keyOf(t.KeySchema) === keyOf(local?.KeySchema));
    // Assess
    expect(deployed, `no synthesized table with key ${keyOf(local?.KeySchema)}`).toBeDefined();
    expect(byName(local?.AttributeDefinitions, 'AttributeName')).toEqual(byName(deployed?.AttributeDefinitions, 'AttributeName'));
    const gsi = (list: Props[] | undefined) =>
      byName(list, 'IndexName').map((g) => ({ name: g.IndexName, key: keyOf(g.KeySchema), projection: g.Projection.ProjectionType }));
    expect(gsi(local?.GlobalSecondaryIndexes as Props[] | undefined)).toEqual(gsi(deployed?.GlobalSecondaryIndexes));
    expect(local?.StreamSpecification?.StreamViewType).toBe(deployed?.StreamSpecification?.StreamViewType);
    expect(ttl?.TimeToLiveStatus === 'ENABLED' ? ttl.AttributeName : undefined).toBe(deployed?.TimeToLiveSpecification?.AttributeName);
    expect(def.ttlAttribute).toBe(deployed?.TimeToLiveSpecification?.AttributeName);
  });

  it('defines exactly the tables the stack deploys', () => {
    expect(synthesized).toHaveLength(TABLES.length);
  });
});
