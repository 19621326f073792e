/**
 * Sweep benchmark: with 10k, 100k and 1M catalogued records of which a
 * fixed 10k are due, measures the wasure sweep (the synthesized state
 * machine run locally) against (a) a naive full-Scan sweep over the same
 * data and (b) the raw DeleteItem rate of the same DynamoDB Local (the
 * ceiling), all in one run. Reads are counted per purged record by a
 * client middleware (requests, items read, and capacity units where the
 * stand-in reports them). Results: bench/results/sweep.json.
 *
 *   BENCH_SCALES=10000,100000,1000000 BENCH_DUE=10000 npm run bench:sweep
 */
import '#shared/adapters/local/node-shims.ts';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchWriteItemCommand,
  DeleteItemCommand,
  type DynamoDBClient,
  ScanCommand,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { StoredRecord } from '#shared/domain/record.ts';
import { dueIndexAttributes } from '#shared/domain/retention.ts';
import { purgeBatch } from '#shared/use-cases/purge-batch.ts';
import { startEmbedded } from '#functions/local/embedded.ts';
import { runSweepLocally, synthesizedTemplate } from '#functions/local/local-sweep.ts';
import { clockAt, embeddedDeps, loadCatalogue, SAMPLE_CATALOGUE } from '#functions/runtime.ts';

const SCALES = (process.env.BENCH_SCALES ?? '10000,100000,1000000').split(',').map(Number);
const DUE = Number(process.env.BENCH_DUE ?? 10_000);
const NOW = '2026-11-22T00:00:00.000Z';
const NAIVE_CAP_SECONDS = Number(process.env.BENCH_NAIVE_CAP_SECONDS ?? 300);

interface ReadStats {
  requests: number;
  items: number;
  capacity: number;
}

/** Counts reads on a client (middleware), so cost per purged record is measured. */
function countReads(client: DynamoDBClient): ReadStats {
  const stats = { requests: 0, items: 0, capacity: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? '';
      const read = ['GetItemCommand', 'QueryCommand', 'ScanCommand'].includes(name);
      if (read) {
        (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'TOTAL';
      }
      const out = await next(args);
      if (read) {
        const o = out.output as { Item?: unknown; Count?: number; ScannedCount?: number; ConsumedCapacity?: { CapacityUnits?: number } };
        stats.requests += 1;
        stats.items += o.ScannedCount ?? o.Count ?? (o.Item === undefined ? 0 : 1);
        stats.capacity += o.ConsumedCapacity?.CapacityUnits ?? 0;
      }
      return out;
    },
    { step: 'initialize', name: 'benchReadCounter' },
  );
  return stats;
}

function record(i: number, due: boolean): Record<string, unknown> {
  const recordId = `${due ? 'due' : 'kept'}-${String(i).padStart(7, '0')}`;
  const dueAt = due ? '2025-01-01T00:00:00.000Z' : '2099-01-01T00:00:00.000Z';
  const r: StoredRecord = {
    recordId,
    subjectPseudonym: `P-${i % 50_000}`,
    dataset: 'gunma-consultations',
    purposes: ['gunma-consult'],
    categories: ['basic', 'identifier'],
    fieldCategories: { name: 'basic', consultationSummary: 'basic' },
    retention: { basis: 'necessity', legalRef: 'bench', period: 'P5Y', trigger: 'event:case-closed', dueAt },
    consentRefs: [],
    acquiredAt: '2019-01-01T00:00:00.000Z',
    events: { 'case-closed': '2020-01-01T00:00:00.000Z' },
    policyVersion: 'bench',
    holds: [],
    pendingRequests: [],
    status: 'active',
    fields: { name: '前橋 一郎', consultationSummary: '販路拡大の相談'.repeat(8) },
    sealed: {},
    documents: [],
    createdAt: '2019-01-01T00:00:00.000Z',
    updatedAt: '2019-01-01T00:00:00.000Z',
    version: 1,
  };
  return { ...r, liveDataset: r.dataset, ...dueIndexAttributes(recordId, dueAt) };
}

async function seed(client: DynamoDBClient, table: string, items: Record<string, unknown>[]): Promise<void> {
  const chunks: Record<string, unknown>[][] = [];
  for (let i = 0; i < items.length; i += 25) chunks.push(items.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      let pending = chunks[next++]?.map((Item) => ({ PutRequest: { Item: marshall(Item) } })) ?? [];
      while (pending.length > 0) {
        const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
        pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const r = await fn();
  return [r, (performance.now() - t) / 1000];
};

async function main(): Promise<void> {
  const catalogue = await loadCatalogue(SAMPLE_CATALOGUE);
  // Synthesize once up front: the timing is of the sweep, not of the CDK app.
  await synthesizedTemplate();
  const rows = [];
  for (const total of SCALES) {
    const dir = await mkdtemp(join(tmpdir(), 'wasure-bench-sweep-'));
    const embedded = await startEmbedded({ dir, persist: false, heapMb: 8192 });
    try {
      const stats = countReads(embedded.dynamodb);
      const { deps, audit } = embeddedDeps(embedded, catalogue, clockAt(NOW));
      const table = embedded.names.recordsTable;
      const dueItems = Array.from({ length: DUE }, (_, i) => record(i, true));
      process.stderr.write(`[${total}] seeding …\n`);
      const [, seedSecs] = await time(async () => {
        for (let start = 0; start < total - DUE; start += 50_000) {
          const n = Math.min(50_000, total - DUE - start);
          await seed(embedded.dynamodb, table, Array.from({ length: n }, (_, i) => record(start + i, false)));
        }
        await seed(embedded.dynamodb, table, dueItems);
      });
      process.stderr.write(`[${total}] seeded in ${seedSecs.toFixed(0)} s; wasure sweep …\n`);
      // (1) wasure: the state machine, due index only
      Object.assign(stats, { requests: 0, items: 0, capacity: 0 });
      const [report, sweepSecs] = await time(() =>
        runSweepLocally({ ...deps, checkpoint: () => audit.checkpoint() }, { now: NOW, dryRun: false }),
      );
      const wasure = { ...stats };
      if (report.totals.purged !== DUE) throw new Error(`purged ${report.totals.purged}, expected ${DUE}`);
      process.stderr.write(
        `[${total}] wasure: ${Math.round(DUE / sweepSecs)} purged/s, ${(wasure.capacity / DUE).toFixed(2)} RCU and ${(wasure.items / DUE).toFixed(2)} items read per purged record\n`,
      );
      // (2) naive: full Scan for due records, then the same purge
      await seed(embedded.dynamodb, table, dueItems);
      process.stderr.write(`[${total}] naive full-Scan sweep …\n`);
      Object.assign(stats, { requests: 0, items: 0, capacity: 0 });
      let naiveCapped = false;
      const [naivePurged, naiveSecs] = await time(async () => {
        const ids: string[] = [];
        let start: ScanCommandOutput['LastEvaluatedKey'];
        const deadline = Date.now() + NAIVE_CAP_SECONDS * 1000;
        do {
          if (Date.now() > deadline) {
            // DynamoDB Local pages a Scan in time growing with the offset, so a
            // full Scan of a million items does not end in useful time here;
            // the bound below is then a lower bound of the naive cost.
            naiveCapped = true;
            return 0;
          }
          const out: ScanCommandOutput = await embedded.dynamodb.send(
            new ScanCommand({ TableName: table, ExclusiveStartKey: start, ProjectionExpression: 'recordId, retention, #s', ExpressionAttributeNames: { '#s': 'status' } }),
          );
          for (const item of out.Items ?? []) {
            const r = unmarshall(item);
            if (r.status !== 'erased' && r.retention?.dueAt !== undefined && r.retention.dueAt <= NOW) ids.push(r.recordId);
          }
          start = out.LastEvaluatedKey;
        } while (start !== undefined);
        let purged = 0;
        const batches: string[][] = [];
        for (let i = 0; i < ids.length; i += 25) batches.push(ids.slice(i, i + 25));
        let next = 0;
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            while (next < batches.length) {
              const b = batches[next++] ?? [];
              const result = await purgeBatch(deps, { recordIds: b, now: NOW, dryRun: false, sweepId: 'naive' });
              purged += result.counts.purged;
            }
          }),
        );
        return purged;
      });
      const naive = { ...stats };
      process.stderr.write(`[${total}] naive: ${naiveCapped ? `scan unfinished after ${NAIVE_CAP_SECONDS} s` : `${Math.round(naivePurged / naiveSecs)} purged/s`}, ${(naive.items / DUE).toFixed(2)} items read per purged record\n`);
      // (3) ceiling: raw DeleteItem of the same records, 4 in flight
      await seed(embedded.dynamodb, table, dueItems);
      process.stderr.write(`[${total}] raw delete ceiling …\n`);
      const [, rawSecs] = await time(async () => {
        let next = 0;
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            while (next < dueItems.length) {
              const id = dueItems[next++]?.recordId as string;
              await embedded.dynamodb.send(new DeleteItemCommand({ TableName: table, Key: marshall({ recordId: id }) }));
            }
          }),
        );
      });
      const row = {
        catalogued: total,
        due: DUE,
        wasurePurgedPerSec: Math.round(DUE / sweepSecs),
        wasureReadRequestsPerPurged: +(wasure.requests / DUE).toFixed(2),
        wasureItemsReadPerPurged: +(wasure.items / DUE).toFixed(2),
        wasureRcuPerPurged: +(wasure.capacity / DUE).toFixed(2),
        naivePurged,
        naiveCapped,
        naivePurgedPerSec: naiveCapped ? `< ${Math.round(DUE / naiveSecs)}` : Math.round(naivePurged / naiveSecs),
        naiveItemsReadPerPurged: +(naive.items / DUE).toFixed(2),
        naiveRcuPerPurged: +(naive.capacity / DUE).toFixed(2),
        rawDeletePerSec: Math.round(DUE / rawSecs),
        wasureVsNaive: naiveCapped ? `> ${(naiveSecs / sweepSecs).toFixed(1)}` : +(naiveSecs / sweepSecs).toFixed(2),
        wasureVsRawCeiling: +(rawSecs / sweepSecs).toFixed(3),
        executions: report.executionNames.length,
      };
      rows.push(row);
      process.stderr.write(`${JSON.stringify(row)}\n`);
    } finally {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/sweep.json', `${JSON.stringify({ measuredAt: new Date().toISOString(), rows }, null, 2)}\n`);
  console.log(JSON.stringify(rows, null, 2));
}

await main();
