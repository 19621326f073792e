/** RequestStore over DynamoDB (requests table, subject index). */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { SubjectRequest } from '../../domain/requests.ts';
import { INDEX } from '../../domain/store-definitions.ts';
import { ConflictError } from '../../errors.ts';
import type { RequestStore } from '../../ports/index.ts';

/** DynamoDB implementation of {@link RequestStore}. */
export class DynamoRequestStore implements RequestStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  async get(requestId: string): Promise<SubjectRequest | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: marshall({ requestId }),
        ConsistentRead: true,
      }),
    );
    return out.Item === undefined
      ? undefined
      : (unmarshall(out.Item) as SubjectRequest);
  }

  async create(request: SubjectRequest): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall(request, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(requestId)',
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

  async update(request: SubjectRequest, expectedVersion: number): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall(request, { removeUndefinedValues: true }),
          ConditionExpression: '#v = :v',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: marshall({ ':v': expectedVersion }),
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        throw new ConflictError(
          `request ${request.requestId} is not at version ${expectedVersion}`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async listBySubject(subjectId: string): Promise<SubjectRequest[]> {
    const items: SubjectRequest[] = [];
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEX.bySubject,
          KeyConditionExpression: 'subjectId = :s',
          ExpressionAttributeValues: marshall({ ':s': subjectId }),
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        items.push(unmarshall(item) as SubjectRequest);
      }
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }
}
