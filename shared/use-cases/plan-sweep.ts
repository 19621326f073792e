/**
 * Plans one page of a retention sweep from the sparse due-time index: only
 * records due at or before `now` are read, so the cost of a sweep grows
 * with the number of due records, never with the number held.
 */
import { batches } from '../domain/sweep.ts';
import { DUE_SHARDS } from '../domain/store-definitions.ts';
import type { RecordStore } from '../ports/index.ts';

/** Where the next page starts. */
export interface SweepCursor {
  /** Due-index shard. */
  readonly shard: number;
  /** Page token within the shard. */
  readonly token?: string;
}

/** Input of {@link planSweep}. */
export interface PlanInput {
  /** The sweep's clock (ISO, UTC). */
  readonly now: string;
  /** Start here; from the first shard when absent. */
  readonly cursor?: SweepCursor;
  /** Records per page. @default 500 */
  readonly pageSize?: number;
  /** Records per purge batch. @default 25 */
  readonly batchSize?: number;
}

/** One planned page. */
export interface PlannedPage {
  /** Record ids in batches. */
  readonly batches: string[][];
  /** Where the next page starts; absent when the sweep has seen every shard. */
  readonly next?: SweepCursor;
}

/** Plans one page. */
export async function planSweep(
  deps: { readonly records: RecordStore },
  input: PlanInput,
): Promise<PlannedPage> {
  const pageSize = input.pageSize ?? 500;
  const ids: string[] = [];
  let shard = input.cursor?.shard ?? 0;
  let token = input.cursor?.token;
  while (shard < DUE_SHARDS && ids.length < pageSize) {
    const page = await deps.records.listDue(shard, input.now, pageSize - ids.length, token);
    for (const entry of page.items) {
      ids.push(entry.recordId);
    }
    if (page.cursor === undefined) {
      shard += 1;
      token = undefined;
    } else {
      token = page.cursor;
    }
  }
  const batchList = batches(ids, input.batchSize ?? 25);
  return shard < DUE_SHARDS
    ? { batches: batchList, next: token === undefined ? { shard } : { shard, token } }
    : { batches: batchList };
}
