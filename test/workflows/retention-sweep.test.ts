import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ListObjectsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addsUp } from '#shared/domain/sweep.ts';
import { TransientStoreError } from '#shared/errors.ts';
import type { LifecycleDeps } from '#shared/use-cases/deps.ts';
import { ingestRecords } from '#shared/use-cases/ingest-records.ts';
import { addHold } from '#shared/use-cases/manage-holds.ts';
import { type Embedded, startEmbedded } from '#functions/local/embedded.ts';
import { runSweepLocally, synthesizedTemplate } from '#functions/local/local-sweep.ts';
import { definitionFromTemplate, findStateMachine } from '#functions/local/run-state-machine.ts';
import type { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { verifyAudit } from '#shared/use-cases/verify-audit.ts';
import { clockAt, embeddedDeps } from '#functions/runtime.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const NOW = '2026-11-22T00:00:00.000Z';

/** A payroll record (My Number sealed) due at `due` for subject `subject`. */
function line(recordId: string, subject: string, deadline: string, docs = 0) {
  return {
    recordId,
    subjectId: subject,
    dataset: 'gunma-consultations',
    purposes: ['gunma-consult'],
    acquiredAt: '2018-01-10T10:00:00+09:00',
    // P5Y after case-closed: due = deadline + 5 years
    events: { 'case-closed': deadline },
    fields: { name: '前橋 一郎', debtSituation: '800万円' },
    documents: Array.from({ length: docs }, (_, i) => ({ name: `d${i}.txt`, contentType: 'text/plain', text: `doc ${i}` })),
  };
}

describe('retention sweep state machine, executed locally on the embedded stores', () => {
  let embedded: Embedded;
  let dir: string;
  let deps: LifecycleDeps;
  let audit: DynamoAuditTrail;

  const sweep = (extra: Partial<Parameters<typeof runSweepLocally>[1]> = {}) =>
    runSweepLocally({ ...deps, checkpoint: () => audit.checkpoint() }, { now: NOW, dryRun: false, ...extra });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-sweep-'));
    embedded = await startEmbedded({ dir, persist: false });
    ({ deps, audit } = embeddedDeps(embedded, sampleCatalogue(), clockAt(NOW)));
    const lines = [
      // due exactly now: 2021-11-22T00:00Z + P5Y
      line('due-exact', 'S-A', '2021-11-22T09:00:00+09:00', 2),
      // due one millisecond after now: not due
      line('due-later', 'S-A', '2021-11-22T09:00:00.001+09:00'),
      line('due-held', 'S-B', '2020-01-01T00:00:00+09:00'),
      ...Array.from({ length: 60 }, (_, i) => line(`bulk-${String(i).padStart(3, '0')}`, `S-BULK-${i % 7}`, '2019-06-30T17:00:00+09:00', i % 3 === 0 ? 1 : 0)),
    ].map((o, i) => ({ line: i + 1, text: JSON.stringify(o) }));
    const report = await ingestRecords(deps, lines, { actor: 'test' });
    expect(report.rejected).toEqual([]);
    await addHold(deps, { target: { recordId: 'due-held' }, reason: 'case 7', actor: 'test' });
  });

  afterAll(async () => {
    await embedded?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('executes the definition that is in the synthesized template', async () => {
    // Prepare: synthesize with the CDK CLI, as `cdk synth` does for a deploy
    const out = await mkdtemp(join(tmpdir(), 'wasure-cdkout-'));
    // `--exclusively` on the stateful stack skips bundling the functions
    // (the definition does not depend on code assets); every template is
    // still written.
    const synth = spawnSync('npx', ['cdk', 'synth', 'WasureStateful', '--exclusively', '--quiet', '--output', out], { encoding: 'utf8' });
    expect(synth.status, synth.stderr).toBe(0);
    const deployed = JSON.parse(await readFile(join(out, 'WasureStateless.template.json'), 'utf8'));
    // Act
    const local = await synthesizedTemplate();
    // Assess
    const id = findStateMachine(deployed, 'RetentionSweep');
    expect(definitionFromTemplate(local, findStateMachine(local, 'RetentionSweep'))).toEqual(definitionFromTemplate(deployed, id));
    await rm(out, { recursive: true, force: true });
  }, 180_000);

  it('a dry run lists what would be purged and changes nothing', async () => {
    const report = await sweep({ dryRun: true });
    expect(report.totals.purged).toBe(61);
    expect(report.purged).toContain('due-exact');
    expect(report.purged).not.toContain('due-later');
    expect(await deps.records.get('due-exact')).toMatchObject({ status: 'active' });
    expect((await deps.objects.listVersions('records/due-exact/')).length).toBe(2);
    expect(await deps.keys.get(await deps.pseudonyms.pseudonym('S-A'))).toBeDefined();
  });

  it('survives a crash after N deletes: the rerun leaves no orphans and counts each record once', async () => {
    // Prepare: the record store fails for good after 20 tombstones
    let tombstones = 0;
    const failing = await sweep({
      wrapDeps: (d) => ({
        ...d,
        records: Object.assign(Object.create(Object.getPrototypeOf(d.records)), d.records, {
          replaceWithTombstone: async (...a: Parameters<typeof d.records.replaceWithTombstone>) => {
            if (tombstones >= 20) {
              throw new Error('injected crash after 20 deletes');
            }
            tombstones += 1;
            return d.records.replaceWithTombstone(...a);
          },
        }),
      }),
    }).then(
      () => 'completed',
      (error: Error) => error.message,
    );
    expect(failing).toContain('injected crash');
    // Act
    const rerun = await sweep();
    // Assess
    expect(rerun.totals.purged).toBe(61 - 20);
    expect(rerun.totals.held).toBe(1);
    expect(addsUp(rerun.totals)).toBe(true);
    expect(rerun.purged).not.toContain('due-later');
    const leftovers = await embedded.s3.send(new ListObjectsCommand({ Bucket: embedded.names.documentsBucket, Prefix: 'records/' }));
    const keysLeft = (leftovers.Contents ?? []).map((o) => o.Key);
    expect(keysLeft.filter((k) => !k?.startsWith('records/due-later/') && !k?.startsWith('records/due-held/'))).toEqual([]);
    for (let i = 0; i < 7; i += 1) {
      expect(await deps.keys.get(await deps.pseudonyms.pseudonym(`S-BULK-${i}`))).toBeUndefined();
    }
    // S-A keeps its key: due-later still holds sealed data
    expect(await deps.keys.get(await deps.pseudonyms.pseudonym('S-A'))).toBeDefined();
    expect(await deps.records.get('due-exact')).toMatchObject({ status: 'erased', cause: 'retention', dataset: 'gunma-consultations' });
    const tomb = await deps.records.get('due-exact');
    expect(JSON.stringify(tomb)).not.toContain('前橋');
    expect(JSON.stringify(tomb)).not.toContain('S-A');
  });

  it('a third sweep finds only the held record and audits a verifiable trail', async () => {
    const again = await sweep();
    expect(again.totals).toMatchObject({ planned: 1, purged: 0, held: 1 });
    expect(again.skipped).toEqual([{ recordId: 'due-held', decision: 'held', reason: 'legal hold: case 7' }]);
    const verdict = await verifyAudit(audit);
    expect(verdict.ok).toBe(true);
    const erasures = (await audit.readEvents()).filter((e) => e.action === 'erasure' && e.outcome === 'ok');
    expect(new Set(erasures.map((e) => e.recordId)).size).toBe(erasures.length);
    expect(erasures).toHaveLength(61);
  });

  it('continues as a new execution past the page budget and still adds up', async () => {
    // Prepare
    const more = Array.from({ length: 30 }, (_, i) => line(`cont-${i}`, `S-C-${i}`, '2019-06-30T17:00:00+09:00'));
    await ingestRecords(deps, more.map((o, i) => ({ line: i + 1, text: JSON.stringify(o) })), { actor: 'test' });
    // Act: pages of 5 records, one page per execution
    const report = await sweep({ pageBudget: 1, pageSize: 5 });
    // Assess
    expect(report.executionNames.length).toBeGreaterThanOrEqual(6);
    expect(report.totals.purged).toBe(30);
    expect(addsUp(report.totals)).toBe(true);
  });

  it('retries a throttled batch instead of failing the sweep', async () => {
    await ingestRecords(deps, [{ line: 1, text: JSON.stringify(line('throttled', 'S-T', '2019-06-30T17:00:00+09:00')) }], { actor: 'test' });
    let throttled = 0;
    const report = await sweep({
      wrapDeps: (d) => ({
        ...d,
        keys: {
          ...d.keys,
          get: d.keys.get.bind(d.keys),
          existing: d.keys.existing.bind(d.keys),
          putIfAbsent: d.keys.putIfAbsent.bind(d.keys),
          use: d.keys.use.bind(d.keys),
          destroy: async (s, since) => {
            if (throttled < 3) {
              throttled += 1;
              throw new TransientStoreError('ProvisionedThroughputExceededException');
            }
            return d.keys.destroy(s, since);
          },
        },
      }),
    });
    expect(throttled).toBe(3);
    expect(report.totals.purged).toBe(1);
    expect(await deps.keys.get(await deps.pseudonyms.pseudonym('S-T'))).toBeUndefined();
  });
});
