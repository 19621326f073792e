import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryExportStore } from '#shared/adapters/local/directory-export-store.ts';
import { DynamoRequestStore } from '#shared/adapters/aws/dynamo-request-store.ts';
import type { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import type { LogLine } from '#shared/logging.ts';
import { registerRequest } from '#shared/use-cases/subject-requests.ts';
import { ValidationError } from '#shared/errors.ts';
import { type LandingWatcher, watchLanding } from '#functions/local/landing-watcher.ts';
import { runRequestLocally } from '#functions/local/local-request.ts';
import { runSweepLocally } from '#functions/local/local-sweep.ts';
import { STORE_DIRS } from '#functions/local/state-manifest.ts';
import { embeddedDeps, loadCatalogue } from '#functions/runtime.ts';
import type { RequestTaskDeps } from '#functions/workflow/request-tasks.ts';
import { rawSampleCatalogue, sampleCatalogue } from '../fixtures/catalogue.ts';
import { withEmbedded } from './harness.ts';
import { findIn, rawFiles } from '../raw-files.ts';
import { registerAndApprove } from '../cli-run.ts';

const SUBJECT = 'S-QZ1';
const OTHER = 'S-RY2';
const MY_NUMBER = '123456789018';
const refused = (recordId: string, subjectId: string, note: string) =>
  JSON.stringify({ recordId, subjectId, dataset: 'no-such-dataset', purposes: ['p'], acquiredAt: '2026-10-01T10:00:00+09:00', fields: { note } });
const verification = { method: 'driver-licence', evidenceRef: 'case-q-1' } as const;

describe('quarantine retention and subject coverage (embedded stores)', () => {
  const env = withEmbedded();
  let now = new Date('2026-11-22T00:00:00Z');
  const clock = { now: () => now };
  const log: LogLine[] = [];
  let deps: RequestTaskDeps;
  let audit: DynamoAuditTrail;
  let watcher: LandingWatcher;
  let exportsDir: string;

  beforeAll(async () => {
    exportsDir = await mkdtemp(join(tmpdir(), 'wasure-q-exports-'));
    const built = embeddedDeps(env(), sampleCatalogue(), clock);
    audit = built.audit;
    deps = {
      ...built.deps,
      log: (l) => log.push(l),
      requests: new DynamoRequestStore(env().dynamodb, env().names.requestsTable, built.audit),
      exports: new DirectoryExportStore(exportsDir, clock),
    };
    watcher = watchLanding(env(), deps);
  });
  afterAll(async () => {
    watcher?.stop();
    await rm(exportsDir, { recursive: true, force: true });
  });

  const put = (key: string, body: string, metadata: Record<string, string> = {}) =>
    env().s3.send(new PutObjectCommand({ Bucket: env().names.landingBucket, Key: key, Body: body, ContentType: 'text/plain', Metadata: metadata }));

  it('quarantines a refused line with a My Number, recording its subject as a pseudonym only', async () => {
    // Act
    await put('landing/q-batch.jsonl', `${refused('q-1', SUBJECT, `マイナンバー ${MY_NUMBER}`)}\n${refused('q-2', OTHER, '別人の行')}\n`);
    await put('landing/q-doc.txt', `本人確認書類 ${MY_NUMBER}`, { 'wasure-dataset': 'jlis-inquiries', 'wasure-subject': SUBJECT });
    await watcher.idle();
    // Assess
    const landing = deps.landing;
    if (landing === undefined) throw new Error('embedded deps have a landing store');
    const reasons = Buffer.from((await landing.get('quarantine/q-batch.jsonl.reasons.json')) ?? []).toString('utf8');
    expect(JSON.parse(reasons).refused.map((r: { subjectPseudonym: string }) => r.subjectPseudonym)).toEqual([
      await deps.pseudonyms.pseudonym(SUBJECT),
      await deps.pseudonyms.pseudonym(OTHER),
    ]);
    expect(reasons).not.toContain(SUBJECT);
    expect(Buffer.from((await landing.get('quarantine/q-batch.jsonl')) ?? []).toString('utf8')).toContain(MY_NUMBER);
  });

  it('includes the subject`s quarantined lines in an export (quarantine.jsonl), and nobody else`s', async () => {
    // Prepare
    await registerRequest(deps, { requestId: 'q-export-1', type: 'export', subjectId: SUBJECT, requester: { kind: 'subject' }, verification });
    // Act
    const done = await runRequestLocally(deps, 'export', 'q-export-1');
    // Assess
    expect(done.status).toBe('completed');
    expect(done.outcome).toMatchObject({ records: 0, quarantinedLines: 2, dataHeld: true });
    const jsonl = await readFile(join(exportsDir, 'q-export-1', 'quarantine.jsonl'), 'utf8');
    const lines = jsonl.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0].content).toContain(MY_NUMBER);
    expect(Buffer.from(lines[1].base64, 'base64').toString('utf8')).toContain(MY_NUMBER);
    expect(jsonl).not.toContain(OTHER);
    const manifest = JSON.parse(await readFile(join(exportsDir, 'q-export-1', 'manifest.json'), 'utf8'));
    expect(manifest.files.map((f: { name: string }) => f.name)).toContain('quarantine.jsonl');
  });

  it('erases the subject from every quarantine object: no byte of the id or the My Number is left, the erasure audited', async () => {
    // Prepare
    // The subject has no records, only quarantined lines: every controller is a candidate and the public bodies ask for approval, so the erasure is filed and approved (決裁).
    await registerAndApprove(deps, { requestId: 'q-erase-1', type: 'erase', subjectId: SUBJECT, requester: { kind: 'subject' }, verification });
    // Act
    const done = await runRequestLocally(deps, 'erase', 'q-erase-1');
    // Assess
    expect(done.outcome).toMatchObject({ quarantineLines: 2 });
    const keys = (await deps.landing?.listVersions('quarantine/'))?.map((v) => v.key).sort();
    expect(keys).toEqual(['quarantine/q-batch.jsonl', 'quarantine/q-batch.jsonl.reasons.json']);
    // Every file of the landing bucket as s3rver keeps it on disk.
    const onDisk = await rawFiles(join(env().dir, STORE_DIRS.s3, env().names.landingBucket));
    expect(findIn(onDisk, [OTHER])).not.toEqual([]);
    expect(findIn(onDisk, [SUBJECT, MY_NUMBER])).toEqual([]);
    const subject = await deps.pseudonyms.pseudonym(SUBJECT);
    const erasures = (await audit.readEvents()).filter((e) => e.action === 'erasure' && e.details?.scope === 'quarantine');
    expect(erasures).toHaveLength(2);
    expect(erasures.every((e) => e.subjectPseudonym === subject && e.details?.cause === 'request:q-erase-1')).toBe(true);
    expect(JSON.stringify(erasures)).not.toContain(SUBJECT);
  });

  it('sweeps quarantine once it is past 30 days, audits the deletion and logs what remains', async () => {
    // Prepare
    const sweep = () => runSweepLocally({ ...deps, checkpoint: () => audit.checkpoint() }, { now: now.toISOString(), dryRun: false });
    now = new Date('2026-12-01T00:00:00Z');
    const early = await sweep();
    now = new Date('2026-12-23T00:00:00Z');
    // Act
    const late = await sweep();
    // Assess
    expect(early).toMatchObject({ quarantinePurged: 0, quarantineObjects: 1 });
    expect(early.quarantineBytes).toBeGreaterThan(0);
    expect(late).toMatchObject({ quarantinePurged: 1, quarantineObjects: 0, quarantineBytes: 0 });
    expect(await deps.landing?.listVersions('quarantine/')).toEqual([]);
    const finish = log.filter((l) => l.event === 'sweep.finish');
    expect(finish.at(-1)).toMatchObject({ level: 'info', quarantinePurged: 1, quarantineObjects: 0, quarantineBytes: 0 });
    expect(finish.at(-2)).toMatchObject({ quarantineObjects: 1 });
    const swept = (await audit.readEvents()).filter((e) => e.action === 'erasure' && e.details?.cause === 'quarantine-retention');
    expect(swept).toHaveLength(1);
    expect(swept[0]).toMatchObject({ actor: 'system:sweep', details: { retentionDays: 30 } });
  });

  it('refuses a catalogue whose quarantine retention is not a whole number of days, naming the field', async () => {
    // Prepare
    const file = join(exportsDir, 'bad-catalogue.json');
    await writeFile(file, JSON.stringify({ ...rawSampleCatalogue(), quarantine: { retentionDays: 'forever' } }));
    // Act
    const loading = loadCatalogue(file);
    // Assess
    await expect(loading).rejects.toBeInstanceOf(ValidationError);
    await expect(loading).rejects.toMatchObject({ problems: [expect.objectContaining({ path: 'quarantine.retentionDays' })] });
  });
});
