/**
 * KeyStore over DynamoDB: wrapped per-subject data keys, by the subject's
 * keyed pseudonym (the raw subject id never reaches the table, so nothing
 * of it is left in free pages or replicas once the key is destroyed).
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { TransientStoreError } from '../../errors.ts';
import type { AuditEventInput, KeyStore, StoredKey } from '../../ports/index.ts';
import { batchGet } from './batch-get.ts';
import type { AuditOutbox } from './dynamo-audit-trail.ts';

/**
 * DynamoDB implementation of {@link KeyStore}; a destruction and its audit
 * events are one transaction.
 */
export class DynamoKeyStore implements KeyStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly outbox: AuditOutbox,
  ) {}

  async get(subjectPseudonym: string): Promise<StoredKey | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: marshall({ subjectPseudonym }),
        ConsistentRead: true,
      }),
    );
    if (out.Item === undefined) {
      return undefined;
    }
    const item = unmarshall(out.Item);
    return {
      subjectPseudonym: item.subjectPseudonym,
      keyId: item.keyId,
      wrapped: new Uint8Array(item.wrapped),
      createdAt: item.createdAt,
      uses: typeof item.uses === 'number' ? item.uses : 0,
    };
  }

  async existing(subjectPseudonyms: readonly string[]): Promise<Set<string>> {
    const items = await batchGet(this.client, this.table, 'subjectPseudonym', subjectPseudonyms, 'subjectPseudonym');
    return new Set(items.map((i) => String(i.subjectPseudonym)));
  }

  async putIfAbsent(key: StoredKey): Promise<StoredKey> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall(key),
          ConditionExpression: 'attribute_not_exists(subjectPseudonym)',
        }),
      );
      return key;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) {
        throw error;
      }
      const stored = await this.get(key.subjectPseudonym);
      if (stored === undefined) {
        // Destroyed between our write and read: try once more.
        return this.putIfAbsent(key);
      }
      return stored;
    }
  }

  async use(subjectPseudonym: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: marshall({ subjectPseudonym }),
          UpdateExpression: 'SET #uses = if_not_exists(#uses, :zero) + :one',
          ConditionExpression: 'attribute_exists(subjectPseudonym)',
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

  async destroy(
    subjectPseudonym: string,
    unlessUsedSince?: number,
    audit: readonly AuditEventInput[] = [],
  ): Promise<boolean> {
    const staged = await this.outbox.stage(audit);
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: marshall({ subjectPseudonym }),
                // Audited only when this call is the one that destroys it.
                ConditionExpression:
                  unlessUsedSince === undefined
                    ? 'attribute_exists(subjectPseudonym)'
                    : 'attribute_exists(subjectPseudonym) AND (#uses = :n OR (attribute_not_exists(#uses) AND :n = :zero))',
                ...(unlessUsedSince === undefined
                  ? {}
                  : {
                      ExpressionAttributeNames: { '#uses': 'uses' },
                      ExpressionAttributeValues: marshall({ ':n': unlessUsedSince, ':zero': 0 }),
                    }),
              },
            },
            ...staged,
          ],
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) {
        throw error;
      }
      if (error.CancellationReasons?.[0]?.Code !== 'ConditionalCheckFailed') {
        throw new TransientStoreError('destroy key: transaction cancelled', { cause: error });
      }
      // Gone already (destroyed by another erasure) counts as destroyed; a
      // key used since it was read is kept.
      return (await this.get(subjectPseudonym)) === undefined && unlessUsedSince === undefined;
    }
  }
}
