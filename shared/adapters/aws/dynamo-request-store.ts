/**
 * RequestStore over DynamoDB (requests table; index by subject; sparse
 * index of open requests by deadline). Besides the request, an item
 * carries `openState` while the request is open (so it is in the open
 * index) and `expiresAt` (epoch seconds, the table's TTL) once it ended.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { requestExpiresAt, type SubjectRequest } from '../../domain/requests.ts';
import { INDEX } from '../../domain/store-definitions.ts';
import { ConflictError, TransientStoreError } from '../../errors.ts';
import type { AuditEventInput } from '../../ports/index.ts';
import type { AuditOutbox } from './dynamo-audit-trail.ts';
import type { RequestLedger } from '../../use-cases/subject-requests.ts';

/** Value of `openState` on open requests (the open index's one partition). */
const OPEN = 'open';

/** The item of a request: the request, its index marker and its TTL. */
function toItem(request: SubjectRequest) {
  const expiresAt = requestExpiresAt(request);
  return marshall(
    {
      ...request,
      ...(request.status === 'received' ? { openState: OPEN } : {}),
      ...(expiresAt === undefined ? {} : { expiresAt: Math.floor(Date.parse(expiresAt) / 1000) }),
    },
    { removeUndefinedValues: true },
  );
}

/** The request of an item (index marker and TTL dropped). */
function fromItem(item: Record<string, AttributeValue>): SubjectRequest {
  const { openState: _open, expiresAt: _expires, ...request } = unmarshall(item);
  return request as SubjectRequest;
}

/** DynamoDB implementation of {@link RequestLedger}. */
export class DynamoRequestStore implements RequestLedger {
  /**
   * @param outbox stages the audit events an update carries, in the same
   *   transaction (the trail whose writer MAC key this process holds).
   */
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly outbox?: AuditOutbox,
  ) {}

  async get(requestId: string): Promise<SubjectRequest | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: marshall({ requestId }),
        ConsistentRead: true,
      }),
    );
    return out.Item === undefined ? undefined : fromItem(out.Item);
  }

  async create(request: SubjectRequest): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: toItem(request),
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

  async update(request: SubjectRequest, expectedVersion: number, audit: readonly AuditEventInput[] = []): Promise<void> {
    const put = {
      TableName: this.table,
      Item: toItem(request),
      ConditionExpression: '#v = :v',
      ExpressionAttributeNames: { '#v': 'version' },
      ExpressionAttributeValues: marshall({ ':v': expectedVersion }),
    };
    try {
      if (audit.length === 0) {
        await this.client.send(new PutItemCommand(put));
        return;
      }
      if (this.outbox === undefined) {
        throw new Error('this request store was built without an audit outbox; it cannot write audit events');
      }
      const staged = await this.outbox.stage(audit);
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: [{ Put: put }, ...staged] }));
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') {
          throw new ConflictError(`request ${request.requestId} is not at version ${expectedVersion}`, { cause: error });
        }
        throw new TransientStoreError(
          `update request: transaction cancelled (${reasons.map((r) => r.Code ?? 'None').join(', ')})`,
          { cause: error },
        );
      }
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

  /** Every request of a subject, by the subject's keyed pseudonym, oldest first. */
  async listBySubject(subjectPseudonym: string): Promise<SubjectRequest[]> {
    const items: SubjectRequest[] = [];
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEX.bySubject,
          KeyConditionExpression: 'subjectPseudonym = :s',
          ExpressionAttributeValues: marshall({ ':s': subjectPseudonym }),
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        items.push(fromItem(item));
      }
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  async listOpen(deadlineBefore: string): Promise<SubjectRequest[]> {
    const items: SubjectRequest[] = [];
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEX.openByDeadline,
          KeyConditionExpression: 'openState = :o AND deadline < :d',
          ExpressionAttributeValues: marshall({ ':o': OPEN, ':d': deadlineBefore }),
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        items.push(fromItem(item));
      }
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  /** Every request kept: a consistent scan (requests are few; the annual report and `request list` read them all). */
  async listAll(): Promise<SubjectRequest[]> {
    const items: SubjectRequest[] = [];
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const out = await this.client.send(new ScanCommand({ TableName: this.table, ConsistentRead: true, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) {
        items.push(fromItem(item));
      }
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return items.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0));
  }
}
