/**
 * Embedded mode's stand-in for the stream trigger: reads the records
 * table's stream from DynamoDB Local (the real DynamoDB Streams API) from
 * where the last drain stopped, and hands the records to the same
 * handler logic the Lambda function runs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { LifecycleDeps } from '#shared/use-cases/deps.ts';
import { auditRecordChanges, type ChangeReport } from '#shared/use-cases/audit-record-changes.ts';
import { type StreamRecord, toChanges } from '../events/records-stream-changes.ts';
import type { Embedded } from './embedded.ts';
import { type TaskScope, taskScope } from './run-state-machine.ts';

type Positions = Record<string, string>;

/**
 * The scope the stream function's logic runs in locally, so its calls are
 * attributed to the records-stream function (the poller's own stream reads
 * are the event-source mapping's, not the function's).
 */
export const RECORDS_STREAM_SCOPE: TaskScope = { stateMachine: 'stream', state: 'RecordsStream' };

/** Processes every stream record not processed yet; returns the counts. */
export async function drainRecordsStream(
  embedded: Embedded,
  deps: LifecycleDeps,
): Promise<ChangeReport> {
  const positionsFile = join(embedded.dir, 'records-stream.json');
  const positions: Positions = JSON.parse(await readFile(positionsFile, 'utf8').catch(() => '{}'));
  const table = await embedded.dynamodb.send(
    new DescribeTableCommand({ TableName: embedded.names.recordsTable }),
  );
  const streamArn = table.Table?.LatestStreamArn;
  const total = { ttlExpiries: 0, untaggedWrites: 0, directDeletes: 0, other: 0 };
  if (streamArn === undefined) {
    return total;
  }
  const endpoint = await embedded.dynamodb.config.endpoint?.();
  const client = new DynamoDBStreamsClient({
    region: await embedded.dynamodb.config.region(),
    credentials: await embedded.dynamodb.config.credentials(),
    ...(endpoint === undefined ? {} : { endpoint: `${endpoint.protocol}//${endpoint.hostname}:${endpoint.port}` }),
  });
  try {
    const description = await client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of description.StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId as string;
      const after = positions[shardId];
      let iterator = (
        await client.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shardId,
            ...(after === undefined
              ? { ShardIteratorType: 'TRIM_HORIZON' }
              : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }),
          }),
        )
      ).ShardIterator;
      while (iterator !== undefined) {
        const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        const records = out.Records ?? [];
        if (records.length === 0) {
          break;
        }
        const report = await taskScope.run(RECORDS_STREAM_SCOPE, () =>
          auditRecordChanges(deps, toChanges(records as StreamRecord[])),
        );
        for (const key of Object.keys(total) as (keyof ChangeReport)[]) {
          total[key] += report[key];
        }
        positions[shardId] = records[records.length - 1]?.dynamodb?.SequenceNumber as string;
        await writeFile(positionsFile, JSON.stringify(positions));
        iterator = out.NextShardIterator;
      }
    }
  } finally {
    client.destroy();
  }
  return total;
}
