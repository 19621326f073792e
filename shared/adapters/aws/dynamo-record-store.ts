/**
 * RecordStore over DynamoDB. Takes an injected client; the embedded mode
 * passes one pointed at DynamoDB Local.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { StoredRecord, Tombstone } from '../../domain/record.ts';
import {
  dueIndexAttributes,
  ttlEpochSeconds,
} from '../../domain/retention.ts';
import { INDEX } from '../../domain/store-definitions.ts';
import { batchGet } from './batch-get.ts';
import {
  ConflictError,
  TransientStoreError,
  assertIsError,
} from '../../errors.ts';
import type { AuditEventInput, DueEntry, Page, RecordStore } from '../../ports/index.ts';
import type { AuditOutbox } from './dynamo-audit-trail.ts';

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
]);

/** Key prefix of document intents; `#` never occurs in a record id. */
const INTENT = 'intent#';

/** Options of {@link DynamoRecordStore}. */
export interface DynamoRecordStoreOptions {
  /**
   * Grace period after the due time before the TTL backstop deletes an
   * item that no sweep erased.
   * @default 30
   */
  readonly ttlGraceDays?: number;
}

function encodeCursor(key: Record<string, unknown> | undefined) {
  return key === undefined
    ? undefined
    : Buffer.from(JSON.stringify(key)).toString('base64url');
}

function decodeCursor(cursor: string | undefined) {
  return cursor === undefined
    ? undefined
    : JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
}

/**
 * DynamoDB implementation of {@link RecordStore}. Audit events given with
 * a write are staged by `outbox` into the same transaction.
 */
export class DynamoRecordStore implements RecordStore {
  private readonly graceDays: number;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly outbox: AuditOutbox,
    options: DynamoRecordStoreOptions = {},
  ) {
    this.graceDays = options.ttlGraceDays ?? 30;
  }

  /**
   * Writes `main` with the staged `audit` events (and `extra` items) in one
   * transaction. Resolves false when `main`'s condition failed; nothing is
   * written then.
   */
  private async commit(
    what: string,
    main: TransactWriteItem,
    audit: readonly AuditEventInput[],
    extra: readonly TransactWriteItem[] = [],
  ): Promise<boolean> {
    const staged = await this.outbox.stage(audit);
    try {
      await this.send(what, () =>
        this.client.send(
          new TransactWriteItemsCommand({ TransactItems: [main, ...extra, ...staged] }),
        ),
      );
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) {
        throw error;
      }
      const reasons = error.CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') {
        return false;
      }
      throw new TransientStoreError(
        `${what}: transaction cancelled (${reasons.map((r) => r.Code ?? 'None').join(', ')})`,
        { cause: error },
      );
    }
  }

  private item(record: StoredRecord): Record<string, unknown> {
    const dueAt = record.retention.dueAt;
    return {
      ...record,
      liveDataset: record.dataset,
      ...(dueAt === undefined
        ? {}
        : {
            ...dueIndexAttributes(record.recordId, dueAt),
            // Grace counts from when wasure could first sweep the record:
            // data ingested past its due time is swept with proof, not
            // dropped by TTL before the first sweep.
            expiresAt: ttlEpochSeconds(
              dueAt > record.createdAt ? dueAt : record.createdAt,
              this.graceDays,
            ),
          }),
    };
  }

  private async send<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      assertIsError(error);
      if (THROTTLING.has(error.name)) {
        throw new TransientStoreError(`${what}: ${error.name}`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  async create(record: StoredRecord, audit: readonly AuditEventInput[]): Promise<void> {
    const created = await this.commit(
      'create record',
      {
        Put: {
          TableName: this.table,
          Item: marshall(this.item(record), { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(recordId)',
        },
      },
      audit,
      record.documents.length === 0
        ? []
        : [{ Delete: { TableName: this.table, Key: marshall({ recordId: `${INTENT}${record.recordId}` }) } }],
    );
    if (!created) {
      throw new ConflictError(`record ${record.recordId} already exists`);
    }
  }

  async beginDocuments(recordId: string): Promise<void> {
    await this.send('begin documents', () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: marshall({ recordId: `${INTENT}${recordId}`, intent: 'documents', startedAt: new Date().toISOString() }),
        }),
      ),
    );
  }

  async abandonedDocuments(before: string): Promise<string[]> {
    // Intents are few and short-lived; they carry no index attribute, so a
    // filtered scan is the only way to them and reads only the intents' pages.
    const ids: string[] = [];
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const out = await this.send('list intents', () =>
        this.client.send(
          new ScanCommand({
            TableName: this.table,
            FilterExpression: 'begins_with(recordId, :p) AND startedAt < :t',
            ExpressionAttributeValues: marshall({ ':p': INTENT, ':t': before }),
            ExclusiveStartKey: start,
          }),
        ),
      );
      for (const item of out.Items ?? []) {
        ids.push(String(unmarshall(item).recordId).slice(INTENT.length));
      }
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return ids;
  }

  async endDocuments(recordId: string): Promise<void> {
    await this.send('end documents', () =>
      this.client.send(
        new DeleteItemCommand({ TableName: this.table, Key: marshall({ recordId: `${INTENT}${recordId}` }) }),
      ),
    );
  }

  async get(recordId: string): Promise<StoredRecord | Tombstone | undefined> {
    const out = await this.send('get record', () =>
      this.client.send(
        new GetItemCommand({
          TableName: this.table,
          Key: marshall({ recordId }),
          ConsistentRead: true,
        }),
      ),
    );
    return out.Item === undefined ? undefined : this.toRecord(out.Item);
  }

  private toRecord(item: Parameters<typeof unmarshall>[0]) {
    return DynamoRecordStore.strip(unmarshall(item));
  }

  private static strip(item: Record<string, unknown>): StoredRecord | Tombstone {
    const { dueShard, dueKey, expiresAt, liveDataset, ...rest } = item;
    void [dueShard, dueKey, expiresAt, liveDataset];
    return rest as unknown as StoredRecord | Tombstone;
  }

  async getMany(
    recordIds: readonly string[],
  ): Promise<Map<string, StoredRecord | Tombstone>> {
    const items = await this.send('get records', () =>
      batchGet(this.client, this.table, 'recordId', recordIds),
    );
    return new Map(
      items.map((i) => [String(i.recordId), DynamoRecordStore.strip(i)]),
    );
  }

  private async queryAll(input: QueryCommandInput) {
    const items: Record<string, unknown>[] = [];
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const out = await this.send('query', () =>
        this.client.send(
          new QueryCommand({ ...input, ExclusiveStartKey: start }),
        ),
      );
      for (const item of out.Items ?? []) {
        items.push(item);
      }
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  }

  async listBySubject(subjectPseudonym: string): Promise<StoredRecord[]> {
    const items = await this.queryAll({
      TableName: this.table,
      IndexName: INDEX.bySubject,
      KeyConditionExpression: 'subjectPseudonym = :s',
      ExpressionAttributeValues: marshall({ ':s': subjectPseudonym }),
    });
    return items
      .map((i) => this.toRecord(i as Parameters<typeof unmarshall>[0]))
      .filter((r): r is StoredRecord => r.status !== 'erased');
  }

  async listDue(
    shard: number,
    dueBefore: string,
    limit: number,
    cursor?: string,
  ): Promise<Page<DueEntry>> {
    const out = await this.send('list due', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEX.byDue,
          KeyConditionExpression: 'dueShard = :s AND dueKey <= :k',
          // '#\uffff' sorts after every `${dueBefore}#${recordId}`, so a
          // record due exactly at `dueBefore` is included.
          ExpressionAttributeValues: marshall({
            ':s': String(shard),
            ':k': `${dueBefore}#\uffff`,
          }),
          Limit: limit,
          ExclusiveStartKey: decodeCursor(cursor),
        }),
      ),
    );
    const items = (out.Items ?? []).map((i) => {
      const { recordId, dueKey } = unmarshall(i) as {
        recordId: string;
        dueKey: string;
      };
      return { recordId, dueAt: dueKey.slice(0, dueKey.lastIndexOf('#')) };
    });
    const next = encodeCursor(out.LastEvaluatedKey);
    return next === undefined ? { items } : { items, cursor: next };
  }

  async replaceWithTombstone(
    tombstone: Tombstone,
    expectedVersion: number,
    audit: readonly AuditEventInput[],
  ): Promise<boolean> {
    const written = await this.commit(
      'write tombstone',
      {
        Put: {
          TableName: this.table,
          Item: marshall(tombstone, { removeUndefinedValues: true }),
          ConditionExpression: '#v = :v AND #s <> :erased',
          ExpressionAttributeNames: { '#v': 'version', '#s': 'status' },
          ExpressionAttributeValues: marshall({ ':v': expectedVersion, ':erased': 'erased' }),
        },
      },
      audit,
    );
    if (written) {
      return true;
    }
    const current = await this.get(tombstone.recordId);
    if (current === undefined || current.status === 'erased') {
      return false;
    }
    throw new ConflictError(
      `record ${tombstone.recordId} changed (version ${current.version}, expected ${expectedVersion})`,
    );
  }

  async writeTombstone(tombstone: Tombstone, audit: readonly AuditEventInput[]): Promise<boolean> {
    return this.commit(
      'write tombstone',
      {
        Put: {
          TableName: this.table,
          Item: marshall(tombstone, { removeUndefinedValues: true }),
          ConditionExpression: 'attribute_not_exists(recordId)',
        },
      },
      audit,
    );
  }

  async update(
    record: StoredRecord,
    expectedVersion: number,
    audit: readonly AuditEventInput[] = [],
  ): Promise<void> {
    const put = {
      TableName: this.table,
      Item: marshall(this.item(record), { removeUndefinedValues: true }),
      ConditionExpression: '#v = :v AND #s <> :erased',
      ExpressionAttributeNames: { '#v': 'version', '#s': 'status' },
      ExpressionAttributeValues: marshall({ ':v': expectedVersion, ':erased': 'erased' }),
    };
    let written: boolean;
    if (audit.length === 0) {
      try {
        await this.send('update record', () => this.client.send(new PutItemCommand(put)));
        written = true;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) {
          throw error;
        }
        written = false;
      }
    } else {
      written = await this.commit('update record', { Put: put }, audit);
    }
    if (!written) {
      throw new ConflictError(`record ${record.recordId} is not at version ${expectedVersion}`);
    }
  }

  async listIdsByDataset(
    dataset: string,
    cursor?: string,
    limit = 1000,
  ): Promise<Page<string>> {
    const out = await this.send('list dataset', () =>
      this.client.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: INDEX.byDataset,
          KeyConditionExpression: 'liveDataset = :d',
          ExpressionAttributeValues: marshall({ ':d': dataset }),
          Limit: limit,
          ExclusiveStartKey: decodeCursor(cursor),
        }),
      ),
    );
    const items = (out.Items ?? []).map((i) => String(unmarshall(i).recordId));
    const next = encodeCursor(out.LastEvaluatedKey);
    return next === undefined ? { items } : { items, cursor: next };
  }

  async countByDataset(dataset: string): Promise<number> {
    let count = 0;
    let start: QueryCommandInput['ExclusiveStartKey'];
    do {
      const out = await this.send('count dataset', () =>
        this.client.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: INDEX.byDataset,
            KeyConditionExpression: 'liveDataset = :d',
            ExpressionAttributeValues: marshall({ ':d': dataset }),
            Select: 'COUNT',
            ExclusiveStartKey: start,
          }),
        ),
      );
      count += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return count;
  }
}
