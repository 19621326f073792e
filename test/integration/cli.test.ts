import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileAndApprove, runCliCaptured } from '../cli-run.ts';

const sample = (name: string) => fileURLToPath(new URL(`../../shared/samples/${name}`, import.meta.url));

describe('the admin CLI on the embedded stores', () => {
  let dir: string;
  const runIn = (local: string, ...argv: string[]) =>
    runCliCaptured([...argv, '--local', local, '--now', '2026-11-22T00:00:00Z']);
  const run = (...argv: string[]) => runIn(dir, ...argv);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-cli-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 and names every refused line and field, storing the rest', async () => {
    const ok = await run('ingest', sample('records.jsonl'), '--json');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).stored).toHaveLength(16);
    const bad = await run('ingest', sample('records-refused.jsonl'));
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain('line 3 (bad-0003): rejected: fields.myNumber: is not a valid My Number');
  });

  it('refuses bad input with exit 2 and a reason', async () => {
    expect((await run('policy', 'check', '/nonexistent.json')).code).toBe(2);
    expect((await run('hold', 'add', '--record', 'x')).code).toBe(2);
    const unknown = await run('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Usage:');
  });

  it('reads for an allowed purpose, refuses another, and audits both', async () => {
    const read = await run('read', '--record', 'stm-0002', '--purpose', 'saitama-2', '--json');
    expect(read.code).toBe(0);
    expect(JSON.parse(read.stdout).fields.currentCondition).toBe('異常なし');
    const refused = await run('read', '--record', 'stm-0002', '--purpose', 'saitama-7');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('is not among the record');
    const log = await run('audit', 'log', '--subject', 'S-STM-4002', '--json');
    expect(JSON.parse(log.stdout).map((e: { action: string }) => e.action)).toEqual(['ingest', 'decrypt', 'read-refused']);
  });

  it('lands a batch in the landing bucket: stored lines tagged, the refused one quarantined, exit 2', async () => {
    const batch = join(dir, 'from-line.jsonl');
    const good = { recordId: 'cli-land-1', subjectId: 'S-CL1', dataset: 'saitama-covid-line', purposes: ['saitama-2'], acquiredAt: '2026-11-01T10:00:00+09:00', consent: { refs: ['c'], sensitive: true }, fields: { ageBand: '20代', medicalHistory: 'なし' } };
    await writeFile(batch, `${JSON.stringify(good)}\n${JSON.stringify({ ...good, recordId: 'cli-land-2', consent: undefined })}\n`);
    const landed = await run('land', batch, '--json');
    expect(landed.code).toBe(2);
    expect(JSON.parse(landed.stdout).results).toEqual([
      { key: 'landing/from-line.jsonl', outcome: 'partly-quarantined', stored: 1, refused: 1, quarantineKey: 'quarantine/from-line.jsonl' },
    ]);
    const read = await run('read', '--record', 'cli-land-1', '--purpose', 'saitama-2', '--json');
    expect(read.code).toBe(0);
  });

  it('corrects a record named by --record alone (the subject is the record\'s), and refuses an unknown record', async () => {
    // A saitama-pref record: the correction is filed, then approved (決裁) and carried out.
    const corrected = await fileAndApprove(run, 'request', 'correct', '--record', 'cli-land-1', '--set', 'ageBand=30代', '--verified-by', 'my-number-card', '--evidence', 'desk-3', '--json');
    expect(corrected.code, corrected.stderr).toBe(0);
    expect(JSON.parse(corrected.stdout)).toMatchObject({ type: 'correct', status: 'completed' });
    const read = await run('read', '--record', 'cli-land-1', '--purpose', 'saitama-2', '--json');
    expect(JSON.parse(read.stdout).fields.ageBand).toBe('30代');
    const unknown = await run('request', 'correct', '--record', 'no-such', '--set', 'ageBand=30代', '--verified-by', 'my-number-card', '--evidence', 'desk-3');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--record: no record no-such is held');
  });

  it('sweeps, keeps held records, and verifies the trail', { timeout: 180_000 }, async () => {
    expect((await run('hold', 'add', '--record', 'stm-0001', '--reason', 'case 1')).code).toBe(0);
    const dry = await run('sweep', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).totals).toMatchObject({ purged: 7, held: 1 });
    const sweep = await run('sweep', '--json');
    expect(sweep.code, sweep.stderr + sweep.stdout.slice(0, 300)).toBe(0);
    expect(JSON.parse(sweep.stdout).totals).toMatchObject({ purged: 7, held: 1 });
    const verify = await run('audit', 'verify', '--json');
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout).ok).toBe(true);
  });
  it('runs the demo end to end: refusals, landing, ciphertext at rest, hold, sweep, verified trail', { timeout: 180_000 }, async () => {
    const demoDir = join(dir, 'demo');
    const demo = await runIn(demoDir, 'demo', '--json');
    expect(demo.code, demo.stderr).toBe(0);
    expect(await readdir(demoDir)).toContain('.wasure-demo');
    const summary = JSON.parse(demo.stdout);
    expect(summary.landing.map((r: { outcome: string }) => r.outcome)).toEqual(['stored', 'quarantined']);
    expect(summary.sweep.totals).toMatchObject({ purged: 7, held: 1 });
    expect(summary.audit).toMatchObject({ ok: true });
  });
});
