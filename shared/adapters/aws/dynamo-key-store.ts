/** KeyStore over DynamoDB: wrapped per-subject data keys. */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { KeyStore, StoredKey } from '../../ports/index.ts';
import { batchGet } from './batch-get.ts';

/** DynamoDB implementation of {@link KeyStore}. */
export class DynamoKeyStore implements KeyStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async get(subjectId: string): Promise<StoredKey | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: marshall({ subjectId }),
        ConsistentRead: true,
      }),
    );
    if (out.Item === undefined) {
      return undefined;
    }
    const item = unmarshall(out.Item);
    return {
      subjectId: item.subjectId,
      keyId: item.keyId,
      wrapped: new Uint8Array(item.wrapped),
      createdAt: item.createdAt,
      uses: typeof item.uses === 'number' ? item.uses : 0,
    };
  }

  async existing(subjectIds: readonly string[]): Promise<Set<string>> {
    const items = await batchGet(this.client, this.table, 'subjectId', subjectIds, 'subjectId');
    return new Set(items.map((i) => String(i.subjectId)));
  }

  async putIfAbsent(key: StoredKey): Promise<StoredKey> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall(key),
          ConditionExpression: 'attribute_not_exists(subjectId)',
        }),
      );
      return key;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw error;
      }
      const stored = await this.get(key.subjectId);
      if (stored === undefined) {
        // Destroyed between our write and read: try once more.
        return this.putIfAbsent(key);
      }
      return stored;
    }
  }

  async use(subjectId: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: marshall({ subjectId }),
          UpdateExpression: 'SET #uses = if_not_exists(#uses, :zero) + :one',
          ConditionExpression: 'attribute_exists(subjectId)',
          ExpressionAttributeNames: { '#uses': 'uses' },
          ExpressionAttributeValues: marshall({ ':zero': 0, ':one': 1 }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return false;
      }
      throw error;
    }
  }

  async destroy(subjectId: string, unlessUsedSince?: number): Promise<boolean> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.table,
          Key: marshall({ subjectId }),
          ...(unlessUsedSince === undefined
            ? {}
            : {
                ConditionExpression: 'attribute_not_exists(subjectId) OR #uses = :n OR (attribute_not_exists(#uses) AND :n = :zero)',
                ExpressionAttributeNames: { '#uses': 'uses' },
                ExpressionAttributeValues: marshall({ ':n': unlessUsedSince, ':zero': 0 }),
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return false;
      }
      throw error;
    }
  }
}
