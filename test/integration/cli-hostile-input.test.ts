import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../cli-run.ts';
import { myNumberCheckDigit } from '#shared/domain/my-number.ts';

const line = (over: Record<string, unknown>) =>
  JSON.stringify({
    subjectId: 'S-HX-1',
    dataset: 'gunma-consultations',
    purposes: ['gunma-consult'],
    acquiredAt: '2026-11-01T10:00:00+09:00',
    fields: { name: '前橋 一郎', consultationSummary: '販路拡大' },
    ...over,
  });

describe('the admin CLI under hostile input', () => {
  let dir: string;
  let state: string;
  const run = (...argv: string[]) =>
    runCliCaptured([...argv, '--local', state, '--now', '2026-11-22T00:00:00Z'], dir);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-hostile-'));
    state = join(dir, 'state');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses each hostile line by number and reason, stores the others, and audits the refusals without failing', { timeout: 180_000 }, async () => {
    // Prepare
    const depth = 10_000;
    const deep = line({ recordId: 'hx-deep' }).replace('"販路拡大"', `${'['.repeat(depth)}${']'.repeat(depth)}`);
    const utf8Prefix = Buffer.from(line({ recordId: 'hx-utf8' }).replace('販路拡大', ''), 'utf8');
    const at = utf8Prefix.indexOf('"consultationSummary":"') + '"consultationSummary":"'.length;
    const badUtf8 = Buffer.concat([utf8Prefix.subarray(0, at), Buffer.from([0x66, 0xff, 0xfe]), utf8Prefix.subarray(at)]);
    const big = line({ recordId: 'hx-big', fields: { name: '前橋 一郎', consultationSummary: 'x'.repeat(5 * 1024 * 1024) } });
    const myNumber = `12345678901${myNumberCheckDigit('12345678901')}`;
    const file = join(dir, 'hostile.jsonl');
    await writeFile(
      file,
      Buffer.concat([
        Buffer.from(`${line({ recordId: 'hx-ok-1' })}\n${deep}\n`),
        badUtf8,
        Buffer.from(
          `\n${big}\n${line({ recordId: 'A-01-02-003' })}\n${line({ recordId: 'hx-mn', subjectId: myNumber })}\n${line({ recordId: 'hx-ok-2', subjectId: '１１１２－２２３３－３４４６' })}\n${line({ recordId: 'hx-ok-3' })}\n`,
        ),
      ]),
    );

    // Act
    const ingest = await run('ingest', file, '--json');

    // Assess
    expect(ingest.code, ingest.stderr).toBe(2);
    expect(ingest.stderr).not.toMatch(/RangeError|\n\s+at /);
    const report = JSON.parse(ingest.stdout) as {
      stored: { line: number; recordId: string }[];
      rejected: { line: number; problems: { path: string; message: string }[] }[];
    };
    expect(report.stored.map((s) => [s.line, s.recordId])).toEqual([
      [1, 'hx-ok-1'],
      [8, 'hx-ok-3'],
    ]);
    const why = Object.fromEntries(report.rejected.map((r) => [r.line, r.problems.map((p) => `${p.path}: ${p.message}`).join(' | ')]));
    expect(Object.keys(why).map(Number)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(why[2]).toMatch(/^fields\.consultationSummary\[0\].*: is nested more than 16 levels deep/);
    expect(why[3]).toBe(`(line): is not valid UTF-8: bad byte 0xff at byte ${at + 1} of the line (byte ${at + 1 + Buffer.byteLength(`${line({ recordId: 'hx-ok-1' })}\n${deep}\n`)} of the file)`);
    expect(why[4]).toMatch(/^\(line\): the record is 52\d{5} bytes of JSON without its document bodies; at most 262144 bytes/);
    expect(why[5]).toContain('recordId: looks like a phone number');
    expect(why[6]).toContain('subjectId: looks like a My Number');
    expect(why[7]).toContain('looks like a My Number');
    expect(why[8]).toBeUndefined();
  });

  it('has stored nothing of a refused line: reading it is exit 2, and the trail holds each refusal without the id', { timeout: 180_000 }, async () => {
    // Act
    const phoneShaped = await run('read', '--record', 'A-01-02-003', '--purpose', 'gunma-consult');
    const stored = await run('read', '--record', 'hx-ok-1', '--purpose', 'gunma-consult', '--json');
    const log = await run('audit', 'log', '--json');

    // Assess
    expect(phoneShaped.code).toBe(2);
    expect(phoneShaped.stderr).toContain('--record: no record A-01-02-003 is held');
    expect(stored.code, stored.stderr).toBe(0);
    expect(log.code, log.stderr).toBe(0);
    const events = JSON.parse(log.stdout) as { action: string }[];
    expect(events.filter((e) => e.action === 'ingest-refused')).toHaveLength(6);
    expect(log.stdout).not.toContain('A-01-02-003');
  });

  it('refuses a directory given as the file with exit 2, naming it', async () => {
    // Prepare
    const folder = join(dir, 'a-folder.jsonl');
    await mkdir(folder);

    // Act
    const result = await run('ingest', folder);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${folder} is a directory`);
  });

  it('refuses a hold whose reason holds a phone number before anything is written', async () => {
    // Act
    const result = await run('hold', 'add', '--record', 'hx-ok-1', '--reason', '本人から電話 ０９０－１２３４－５６７８');

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--reason: looks like a phone number');
  });
});
