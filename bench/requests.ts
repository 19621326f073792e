/**
 * Disclosure (export) latency for one subject with 50 records while the
 * catalogue holds 10k, 100k and 1M records, against a scan-based lookup of
 * the same subject over the same data, in one run. Results:
 * bench/results/requests.json.
 *
 *   BENCH_SCALES=10000,100000,1000000 npm run bench:requests
 */
import '#shared/adapters/local/node-shims.ts';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchWriteItemCommand, type DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { StoredRecord } from '#shared/domain/record.ts';
import { exportSubject, registerRequest } from '#shared/use-cases/subject-requests.ts';
import { startEmbedded } from '#functions/local/embedded.ts';
import { clockAt, embeddedDeps, loadCatalogue, SAMPLE_CATALOGUE } from '#functions/runtime.ts';

const SCALES = (process.env.BENCH_SCALES ?? '10000,100000,1000000').split(',').map(Number);
const RUNS = 5;
const SCAN_CAP_SECONDS = Number(process.env.BENCH_SCAN_CAP_SECONDS ?? 120);

function record(recordId: string, subjectPseudonym: string): Record<string, unknown> {
  const r: StoredRecord = {
    recordId,
    subjectPseudonym,
    dataset: 'gunma-consultations',
    purposes: ['gunma-consult'],
    categories: ['basic'],
    fieldCategories: { name: 'basic', consultationSummary: 'basic' },
    retention: { basis: 'necessity', legalRef: 'bench', period: 'P5Y', trigger: 'event:case-closed' },
    consentRefs: [],
    acquiredAt: '2019-01-01T00:00:00.000Z',
    events: {},
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
  return { ...r, liveDataset: r.dataset };
}

async function seed(client: DynamoDBClient, table: string, make: (i: number) => Record<string, unknown>, n: number) {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < n) {
        const start = next;
        next += 25;
        let pending = Array.from({ length: Math.min(25, n - start) }, (_, k) => ({ PutRequest: { Item: marshall(make(start + k)) } }));
        while (pending.length > 0) {
          const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
          pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
        }
      }
    }),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const catalogue = await loadCatalogue(SAMPLE_CATALOGUE);
  const rows = [];
  for (const total of SCALES) {
    const dir = await mkdtemp(join(tmpdir(), 'wasure-bench-req-'));
    const e = await startEmbedded({ dir, persist: false, heapMb: 8192 });
    try {
      const base = embeddedDeps(e, catalogue, clockAt('2026-11-22T00:00:00Z')).deps;
      const deps = base;
      process.stderr.write(`[${total}] seeding …\n`);
      await seed(e.dynamodb, e.names.recordsTable, (i) => record(`o-${i}`, `S-${i % 100_000}`), total - 50);
      const target = await deps.pseudonyms.pseudonym('S-TARGET');
      await seed(e.dynamodb, e.names.recordsTable, (i) => record(`t-${i}`, target), 50);
      const exportTimes: number[] = [];
      for (let r = 0; r < RUNS; r += 1) {
        const request = await registerRequest(deps, { requestId: `b-${total}-${r}`, type: 'export', subjectId: 'S-TARGET', requester: { kind: 'subject' }, verification: { method: 'passport', evidenceRef: 'b' } });
        const t = performance.now();
        const { pkg } = await exportSubject(deps, request);
        exportTimes.push(performance.now() - t);
        if (pkg.recordCount !== 50) throw new Error(`exported ${pkg.recordCount} records`);
      }
      const scanTimes: number[] = [];
      let scanCapped = false;
      for (let r = 0; r < Math.min(RUNS, 3) && !scanCapped; r += 1) {
        const t = performance.now();
        let found = 0;
        let start: ScanCommandOutput['LastEvaluatedKey'];
        do {
          if (performance.now() - t > SCAN_CAP_SECONDS * 1000) {
            // DynamoDB Local pages a Scan in time growing with the offset;
            // past the cap the figure is a lower bound.
            scanCapped = true;
            found = 50;
            break;
          }
          const out: ScanCommandOutput = await e.dynamodb.send(new ScanCommand({ TableName: e.names.recordsTable, FilterExpression: 'subjectPseudonym = :s', ExpressionAttributeValues: marshall({ ':s': target }), ExclusiveStartKey: start }));
          found += out.Count ?? 0;
          start = out.LastEvaluatedKey;
        } while (start !== undefined);
        scanTimes.push(performance.now() - t);
        if (found !== 50) throw new Error(`scan found ${found}`);
      }
      const row = {
        catalogued: total,
        subjectRecords: 50,
        exportMedianMs: Math.round(median(exportTimes)),
        scanLookupMedianMs: scanCapped ? `> ${SCAN_CAP_SECONDS * 1000}` : Math.round(median(scanTimes)),
        scanVsExport: scanCapped ? `> ${((SCAN_CAP_SECONDS * 1000) / median(exportTimes)).toFixed(0)}` : +(median(scanTimes) / median(exportTimes)).toFixed(1),
      };
      rows.push(row);
      process.stderr.write(`${JSON.stringify(row)}\n`);
    } finally {
      await e.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/requests.json', `${JSON.stringify({ measuredAt: new Date().toISOString(), rows }, null, 2)}\n`);
  console.log(JSON.stringify(rows, null, 2));
}

await main();
