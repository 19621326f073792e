/**
 * Audit trail throughput on the embedded stores: events appended per
 * second (one event per append, and 50 per append, with one and with four
 * concurrent writers) and events verified per second, against the raw
 * PutItem rate of the same DynamoDB Local. Results: bench/results/audit.json.
 */
import '#shared/adapters/local/node-shims.ts';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { KmsCheckpointSigner } from '#shared/adapters/aws/kms-checkpoint-signer.ts';
import { KmsPseudonymizer } from '#shared/adapters/aws/kms-pseudonymizer.ts';
import { verifyAudit } from '#shared/use-cases/verify-audit.ts';
import { startEmbedded } from '#functions/local/embedded.ts';
import { uuidIds } from '#functions/runtime.ts';

const N = Number(process.env.BENCH_AUDIT_N ?? 2000);

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'wasure-bench-audit-'));
  const e = await startEmbedded({ dir, persist: false });
  try {
    const trail = () =>
      new DynamoAuditTrail({
        client: e.dynamodb,
        table: e.names.auditTable,
        pseudonymizer: new KmsPseudonymizer(e.kms, e.keyIds.hmac),
        signer: new KmsCheckpointSigner(e.kms, e.keyIds.signing),
        clock: { now: () => new Date() },
        ids: uuidIds,
      });
    const event = (i: number) => ({ action: 'read' as const, actor: 'bench', recordId: `r-${i}`, subjectId: `S-${i % 100}`, outcome: 'ok' as const });
    const time = async (fn: () => Promise<unknown>) => {
      const t = performance.now();
      await fn();
      return (performance.now() - t) / 1000;
    };
    const raw = await time(async () => {
      for (let i = 0; i < N; i += 1) {
        await e.dynamodb.send(new PutItemCommand({ TableName: e.names.auditTable, Item: marshall({ stream: 'raw', seq: i, pad: 'x'.repeat(300) }) }));
      }
    });
    const single = trail();
    const one = await time(async () => {
      for (let i = 0; i < N; i += 1) await single.append([event(i)]);
    });
    const batched = await time(async () => {
      for (let i = 0; i < N; i += 50) await single.append(Array.from({ length: 50 }, (_, k) => event(i + k)));
    });
    const writers = [trail(), trail(), trail(), trail()];
    const concurrent = await time(() =>
      Promise.all(writers.map(async (w) => {
        for (let i = 0; i < N / 4; i += 1) await w.append([event(i)]);
      })),
    );
    let verified = 0;
    const verify = await time(async () => {
      const v = await verifyAudit(single);
      if (!v.ok) throw new Error(`verification failed: ${v.problem?.message}`);
      verified = v.eventsChecked;
    });
    const result = {
      events: N,
      rawPutItemPerSec: Math.round(N / raw),
      appendOnePerCallPerSec: Math.round(N / one),
      appendFiftyPerCallPerSec: Math.round(N / batched),
      appendFourWritersPerSec: Math.round(N / concurrent),
      verifiedPerSec: Math.round(verified / verify),
      eventsVerified: verified,
      oneVsRawPut: +(raw / one).toFixed(3),
      fiftyVsRawPut: +(raw / batched).toFixed(3),
    };
    await mkdir('bench/results', { recursive: true });
    await writeFile('bench/results/audit.json', `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await e.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
