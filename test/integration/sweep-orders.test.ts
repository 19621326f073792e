import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../cli-run.ts';

const sample = (name: string) => fileURLToPath(new URL(`../../shared/samples/${name}`, import.meta.url));
const NOW = '2026-12-01T00:00:00Z';

describe('wasure sweep where a controller puts manual sweeps under approval', () => {
  let root: string;
  let dir: string;
  let catalogue: string;
  const run = (...argv: string[]) => runCliCaptured([...argv, '--local', dir, '--now', NOW, '--catalogue', catalogue]);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'wasure-sweep-order-'));
    dir = join(root, 'state');
    // The sample catalogue, with its first controller asking for sweep approval.
    const raw = JSON.parse(await readFile(sample('catalogue.json'), 'utf8'));
    raw.controllers[0].approval = { requires: ['erase', 'correct', 'sweep'] };
    catalogue = join(root, 'catalogue.json');
    await writeFile(catalogue, JSON.stringify(raw));
    const ingest = await run('ingest', sample('records.jsonl'), '--json');
    expect(ingest.code, ingest.stderr).toBe(0);
  }, 300_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('files an order with its preview and sweeps nothing; the filer cannot approve it; a second operator\'s approval sweeps what the preview showed', { timeout: 400_000 }, async () => {
    // Act
    const anonymous = await run('sweep');
    const filed = await run('sweep', '--operator', 'clerk-01', '--json');
    const { order, preview } = JSON.parse(filed.stdout);
    const stillDue = await run('sweep', '--dry-run', '--json');
    const self = await run('sweep', 'approve', order.orderId, '--operator', 'clerk-01');
    const approved = await run('sweep', 'approve', order.orderId, '--operator', 'chief-07', '--json');
    const again = await run('sweep', 'approve', order.orderId, '--operator', 'chief-08');
    const log = await run('audit', 'log', '--json');
    // Assess
    expect(anonymous.code).toBe(2);
    expect(anonymous.stderr).toContain('--operator: is required');
    expect(filed.code, filed.stderr).toBe(0);
    expect(order).toMatchObject({ state: 'filed', filedBy: 'clerk-01' });
    expect(preview.totals.purged).toBeGreaterThan(0);
    expect(JSON.parse(stillDue.stdout).purged).toEqual(preview.purged);
    expect(self.code).toBe(2);
    expect(self.stderr).toContain('clerk-01 filed this sweep order and cannot approve it');
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout).purged.sort()).toEqual([...preview.purged].sort());
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already approved by chief-07');
    const steps = (JSON.parse(log.stdout) as { action: string; actor: string; details?: { step?: string } }[])
      .filter((e) => e.action === 'sweep-order')
      .map((e) => [e.actor, e.details?.step]);
    expect(steps).toEqual([
      ['operator:clerk-01', 'filed'],
      ['operator:chief-07', 'approved'],
    ]);
  });
});
