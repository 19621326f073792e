/**
 * BatchGetItem in chunks of 100 keys, with unprocessed keys retried, for
 * the sweep's per-batch reads (one request instead of one per record).
 */
import {
  type AttributeValue,
  BatchGetItemCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { TransientStoreError } from '../../errors.ts';

/** Reads items by a single-attribute key; returns them unmarshalled. */
export async function batchGet(
  client: DynamoDBClient,
  table: string,
  keyName: string,
  keys: readonly string[],
  projection?: string,
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  const unique = [...new Set(keys)];
  for (let i = 0; i < unique.length; i += 100) {
    let pending: Record<string, AttributeValue>[] = unique
      .slice(i, i + 100)
      .map((k) => marshall({ [keyName]: k }));
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 8) {
        throw new TransientStoreError(`BatchGetItem left ${pending.length} keys unprocessed`);
      }
      if (attempt > 0) {
        await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
      }
      const out = await client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [table]: {
              Keys: pending,
              ConsistentRead: true,
              ...(projection === undefined ? {} : { ProjectionExpression: projection }),
            },
          },
        }),
      );
      for (const item of out.Responses?.[table] ?? []) {
        found.push(unmarshall(item));
      }
      pending = (out.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, AttributeValue>[];
    }
  }
  return found;
}
