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

/**
 * The DynamoDB Streams client deserializes a `{ BOOL: false }` attribute
 * as an empty union `{}`, which unmarshall rejects; such values are read
 * as null (only ids, tags and flags that are true matter here).
 */
function repairEmptyUnions(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(repairEmptyUnions);
  }
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) {
    return value;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) {
    return { NULL: true };
  }
  return Object.fromEntries(
    entries.map(([k, v]) =>
      k === 'M' || k === 'L'
        ? [k, k === 'L' ? (v as unknown[]).map(repairEmptyUnions) : Object.fromEntries(Object.entries(v as object).map(([mk, mv]) => [mk, repairEmptyUnions(mv)]))]
        : [k, v],
    ),
  );
}

/**
 * The kind of change. A name the SDK does not know (DynamoDB Local sends
 * its TTL removals as one) is read from the images: an old image alone is
 * a removal, a new image alone an insert, so no removal is ever dropped.
 */
function eventNameOf(r: StreamRecord): RecordChange['eventName'] | undefined {
  if (r.eventName === 'INSERT' || r.eventName === 'MODIFY' || r.eventName === 'REMOVE') {
    return r.eventName;
  }
  const hasOld = r.dynamodb?.OldImage !== undefined;
  const hasNew = r.dynamodb?.NewImage !== undefined;
  return hasOld && !hasNew ? 'REMOVE' : hasNew && !hasOld ? 'INSERT' : hasNew ? 'MODIFY' : undefined;
}

/** Who deletes an item whose TTL passed, as AWS streams name it. */
const TTL_SERVICE = { type: 'Service', principalId: 'dynamodb.amazonaws.com' } as const;

/**
 * DynamoDB Local's TTL job deletes expired items (by the wall clock) and
 * streams each removal under an event name the SDK does not know, with no
 * user identity; every other removal, on AWS or locally, is a `REMOVE`.
 * Such a removal is the stand-in's TTL expiry, whatever clock wasure runs
 * on (`--now`), so it is named as AWS would name it.
 */
function ttlRemovalOfTheStandIn(r: StreamRecord, eventName: RecordChange['eventName']): boolean {
  return eventName === 'REMOVE' && r.eventName !== 'REMOVE' && r.userIdentity === undefined;
}

/** Stream records → changes (records with no image are skipped). */
export function toChanges(records: readonly StreamRecord[]): RecordChange[] {
  return records.flatMap((r) => {
    const eventName = eventNameOf(r);
    if (eventName === undefined) {
      return [];
    }
    const image = (i: Record<string, unknown> | undefined) =>
      i === undefined
        ? undefined
        : unmarshall(
            Object.fromEntries(
              Object.entries(i).map(([k, v]) => [k, repairEmptyUnions(v)]),
            ) as Record<string, AttributeValue>,
          );
    const newImage = image(r.dynamodb?.NewImage);
    const oldImage = image(r.dynamodb?.OldImage);
    const userIdentity = r.userIdentity ?? (ttlRemovalOfTheStandIn(r, eventName) ? TTL_SERVICE : undefined);
    return [
      {
        eventName,
        ...(userIdentity === undefined ? {} : { userIdentity }),
        ...(newImage === undefined ? {} : { newImage }),
        ...(oldImage === undefined ? {} : { oldImage }),
      },
    ];
  });
}
