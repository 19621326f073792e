/**
 * Turns DynamoDB stream records (the Lambda event shape, also what the
 * local poller reads from DynamoDB Local) into the changes the use case
 * classifies.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { RecordChange } from '#shared/domain/stream-changes.ts';

/** One stream record, as Lambda delivers it or GetRecords returns it. */
export interface StreamRecord {
  readonly eventName?: string;
  readonly userIdentity?: { readonly type?: string; readonly principalId?: string };
  readonly dynamodb?: {
    readonly NewImage?: Record<string, unknown>;
    readonly OldImage?: Record<string, unknown>;
  };
}

/** Stream records → changes (records of unknown kinds are skipped). */
export function toChanges(records: readonly StreamRecord[]): RecordChange[] {
  return records.flatMap((r) => {
    if (r.eventName !== 'INSERT' && r.eventName !== 'MODIFY' && r.eventName !== 'REMOVE') {
      return [];
    }
    const image = (i: Record<string, unknown> | undefined) =>
      i === undefined ? undefined : unmarshall(i as Record<string, AttributeValue>);
    const newImage = image(r.dynamodb?.NewImage);
    const oldImage = image(r.dynamodb?.OldImage);
    return [
      {
        eventName: r.eventName,
        ...(r.userIdentity === undefined ? {} : { userIdentity: r.userIdentity }),
        ...(newImage === undefined ? {} : { newImage }),
        ...(oldImage === undefined ? {} : { oldImage }),
      },
    ];
  });
}
