/**
 * Ingest throughput on the embedded stores: records/s with and without
 * sensitive fields, against the raw PutItem rate of the same DynamoDB Local
 * (the ceiling), all measured in one run. Results go to bench/results/.
 */
import '#shared/adapters/local/node-shims.ts';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { myNumberCheckDigit } from '#shared/domain/my-number.ts';
import { ingestRecords } from '#shared/use-cases/ingest-records.ts';
import { startEmbedded } from '#functions/local/embedded.ts';
import { clockAt, embeddedDeps, loadCatalogue, SAMPLE_CATALOGUE } from '#functions/runtime.ts';

const N = Number(process.env.BENCH_INGEST_N ?? 2000);
const SUBJECTS = Math.max(1, Math.floor(N / 4));

function plain(i: number) {
  return {
    recordId: `b-plain-${i}`,
    subjectId: `S-B-${i % SUBJECTS}`,
    dataset: 'gunma-consultations',
    purposes: ['gunma-consult'],
    acquiredAt: '2026-01-10T10:00:00+09:00',
    fields: { consulterId: `C-${i}`, name: '前橋 一郎', companyName: '前橋製麺所', consultationSummary: '販路拡大の相談' },
  };
}

function sensitive(i: number) {
  const first = String(10_000_000_000 + i).padStart(11, '0');
  return {
    recordId: `b-sens-${i}`,
    subjectId: `S-B-${i % SUBJECTS}`,
    dataset: 'tochigi-payroll',
    purposes: ['tochigi-payroll'],
    acquiredAt: '2026-01-10T10:00:00+09:00',
    fields: { employeeNo: `E-${i}`, name: '栃木 九太', myNumber: `${first}${myNumberCheckDigit(first)}`, bankAccount: '普通 7654321' },
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'wasure-bench-'));
  const embedded = await startEmbedded({ dir, persist: false });
  try {
    const catalogue = await loadCatalogue(SAMPLE_CATALOGUE);
    const { deps } = embeddedDeps(embedded, catalogue, clockAt('2026-11-22T00:00:00Z'));
    const time = async (fn: () => Promise<unknown>) => {
      const t = performance.now();
      await fn();
      return (performance.now() - t) / 1000;
    };
    // Ceiling: the same number of raw PutItem calls, 8 in flight, items of similar size.
    const raw = await time(async () => {
      const inflight = new Set<Promise<unknown>>();
      for (let i = 0; i < N; i += 1) {
        const p = embedded.dynamodb
          .send(
            new PutItemCommand({
              TableName: embedded.names.recordsTable,
              Item: marshall({ recordId: `raw-${i}`, subjectId: `S-R-${i}`, liveDataset: 'x', fields: plain(i).fields, pad: 'x'.repeat(600) }),
            }),
          )
          .finally(() => inflight.delete(p));
        inflight.add(p);
        if (inflight.size >= 8) await Promise.race(inflight);
      }
      await Promise.all(inflight);
    });
    const lines = (make: (i: number) => unknown) =>
      Array.from({ length: N }, (_, i) => ({ line: i + 1, text: JSON.stringify(make(i)) }));
    // Alternate the two kinds twice and keep the faster run of each, so
    // warm-up and background noise do not favour the kind measured last.
    const runs: Record<'plain' | 'sensitive', number[]> = { plain: [], sensitive: [] };
    for (const round of [0, 1]) {
      const prefix = `r${round}-`;
      runs.plain.push(await time(() => ingestRecords(deps, lines((i) => ({ ...plain(i), recordId: prefix + plain(i).recordId })), { actor: 'bench' })));
      runs.sensitive.push(await time(() => ingestRecords(deps, lines((i) => ({ ...sensitive(i), recordId: prefix + sensitive(i).recordId })), { actor: 'bench' })));
    }
    const tPlain = Math.min(...runs.plain);
    const tSens = Math.min(...runs.sensitive);
    const result = {
      records: N,
      subjects: SUBJECTS,
      rawPutItemPerSec: Math.round(N / raw),
      ingestPlainPerSec: Math.round(N / tPlain),
      ingestSensitivePerSec: Math.round(N / tSens),
      plainVsRaw: Number((raw / tPlain).toFixed(3)),
      sensitiveVsPlain: Number((tPlain / tSens).toFixed(3)),
    };
    await mkdir('bench/results', { recursive: true });
    await writeFile('bench/results/ingest.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await embedded.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
