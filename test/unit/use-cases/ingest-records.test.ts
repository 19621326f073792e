import { describe, expect, it } from 'vitest';
import { isTombstone } from '#shared/domain/record.ts';
import { recoverInterrupted } from '#shared/use-cases/recover-interrupted.ts';
import { readRecord } from '#shared/use-cases/read-record.ts';
import {
  eventsOf,
  expectTrailVerifies,
  ingest,
  killAtEveryCall,
  line,
  sampleLines,
  sampleOf,
  world,
} from './world.ts';

const EVER = '9999-01-01T00:00:00.000Z';

describe('ingestRecords', () => {
  it('stores every sample line sealed, by pseudonym, each with one ingest event', async () => {
    // Prepare
    const deps = world();
    const lines = sampleLines();
    // Act
    const report = await ingest(deps, lines);
    // Assess
    expect(report.rejected).toEqual([]);
    expect(report.stored.map((s) => s.line)).toEqual(lines.map((l) => l.line));
    for (const l of lines) {
      const raw = JSON.parse(l.text);
      const stored = await deps.records.get(raw.recordId);
      expect(stored !== undefined && !isTombstone(stored)).toBe(true);
      const text = JSON.stringify(stored);
      expect(text).not.toContain(raw.subjectId);
      for (const value of Object.values(raw.fields as Record<string, unknown>)) {
        if (typeof value === 'string' && value.length > 3) {
          expect(text).not.toContain(value);
        }
      }
      expect(await eventsOf(deps, 'ingest', raw.recordId)).toHaveLength(1);
    }
    // 15 subjects: tcg-0001 and tcg-0003 share one key
    expect(deps.keys.size).toBe(15);
    await expectTrailVerifies(deps);
  });

  it('stores documents sealed: the bucket never holds the text, the purpose-bound read opens it', async () => {
    // Prepare
    const deps = world();
    await ingest(deps, sampleOf('ibk-0001'));
    // Act
    const body = await deps.objects.get('records/ibk-0001/resume.txt');
    const read = await readRecord(deps, {
      recordId: 'ibk-0001',
      purpose: 'ibaraki-1',
      actor: 'admin:test',
      withDocuments: true,
    });
    // Assess
    expect(Buffer.from(body ?? []).toString('utf8')).not.toContain('職務経歴書');
    expect(Buffer.from(read.documents[0]?.body ?? []).toString('utf8')).toContain('職務経歴書');
    expect(read.fields.name).toBe('水戸 花子');
  });

  it('refuses each sample refusal with the field it is about, and leaves nothing of it', async () => {
    // Prepare
    const deps = world();
    // Act
    const report = await ingest(deps, sampleLines('records-refused.jsonl'));
    // Assess
    expect(report.stored).toEqual([]);
    expect(report.rejected.map((r) => r.problems[0]?.path)).toEqual([
      'fields.medicalHistory',
      'consent',
      'fields.myNumber',
      'dataset',
      'purposes[1]',
      'fields.inquiry',
      'fields.desiredOccupation',
    ]);
    expect(await deps.records.countByDataset('ibaraki-job-seekers')).toBe(0);
    expect(deps.keys.size).toBe(0);
    expect(deps.objects.objectKeys).toEqual([]);
    const refused = await eventsOf(deps, 'ingest-refused');
    expect(refused).toHaveLength(7);
    expect(JSON.stringify(refused)).not.toMatch(/S-BAD|@/);
    await expectTrailVerifies(deps);
  });

  it.each([
    ['a path in the record id', line({ ...JSON.parse(sampleLines()[1]?.text ?? ''), recordId: '../../x' }), 'recordId'],
    ['full-width digits in the record id', line({ ...JSON.parse(sampleLines()[1]?.text ?? ''), recordId: 'x-１２３' }), 'recordId'],
    ['a dataset named __proto__', line({ ...JSON.parse(sampleLines()[1]?.text ?? ''), dataset: '__proto__' }), 'dataset'],
    ['nesting 5,000 deep', { line: 1, text: `{"recordId":"d-1","fields":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}` }, 'fields'],
    ['a 2 MB line', line({ ...JSON.parse(sampleLines()[1]?.text ?? ''), recordId: 'big-1', fields: { email: 'x'.repeat(2_000_000) } }), '(line)'],
    ['broken JSON', { line: 1, text: '{"recordId":' }, '(line)'],
  ])('refuses hostile input (%s) naming where it is wrong, storing nothing', async (_what, hostile, path) => {
    // Prepare
    const deps = world();
    // Act
    const report = await ingest(deps, [hostile]);
    // Assess
    expect(report.stored).toEqual([]);
    expect(report.rejected[0]?.problems[0]?.path.startsWith(path)).toBe(true);
    expect(deps.keys.size).toBe(0);
    expect(deps.objects.objectKeys).toEqual([]);
  });

  it('refuses a repeated id (in the batch or stored) without touching the first record', async () => {
    // Prepare
    const deps = world();
    await ingest(deps, sampleOf('ibk-0001'));
    const [first] = sampleOf('ibk-0001', 'gnm-0002');
    // Act
    const report = await ingest(deps, [
      { line: 1, text: first?.text ?? '' },
      ...sampleOf('gnm-0002'),
      { line: 3, text: sampleOf('gnm-0002')[0]?.text ?? '' },
    ]);
    // Assess
    expect(report.rejected.map((r) => [r.line, r.problems[0]?.path])).toEqual([
      [1, 'recordId'],
      [3, 'recordId'],
    ]);
    expect(await deps.objects.listVersions('records/ibk-0001/')).toHaveLength(1);
    expect(await deps.objects.listVersions('records/gnm-0002/')).toHaveLength(1);
    expect(await eventsOf(deps, 'ingest', 'ibk-0001')).toHaveLength(1);
  });

  it('leaves, killed at any port call and recovered, either the whole record or nothing of it', async () => {
    const calls = await killAtEveryCall(
      async () => world(),
      (deps) => ingest(deps, sampleOf('ibk-0001')),
      (deps) => recoverInterrupted(deps, EVER),
      async (deps, killedAt) => {
        const stored = await deps.records.get('ibk-0001');
        const objects = await deps.objects.listVersions('records/ibk-0001/');
        const events = await eventsOf(deps, 'ingest', 'ibk-0001');
        expect(await deps.records.abandonedDocuments(EVER), `killed at ${killedAt}`).toEqual([]);
        if (stored === undefined) {
          expect(objects, `killed at ${killedAt}`).toEqual([]);
          expect(events).toEqual([]);
          // The line can be ingested again, whole.
          const again = await ingest(deps, sampleOf('ibk-0001'));
          expect(again.stored).toHaveLength(1);
        } else {
          expect(objects).toHaveLength(1);
          expect(events).toHaveLength(1);
        }
        const read = await readRecord(deps, { recordId: 'ibk-0001', purpose: 'ibaraki-1', actor: 'admin:test', withDocuments: true });
        expect(read.fields.email).toBe('hanako@example.jp');
        await expectTrailVerifies(deps);
      },
    );
    expect(calls).toBeGreaterThan(6);
  });

  it('reseals under a fresh key when the subject key is destroyed while the record is written', async () => {
    // Prepare: the subject's key exists (a request sealed values with it) and is destroyed mid-ingest
    const deps = world();
    await ingest(deps, sampleOf('tcg-0001'));
    const subject = (await deps.records.listBySubject(await deps.pseudonyms.pseudonym('S-TCG-5001')))[0]?.subjectPseudonym ?? '';
    const create = deps.records.create.bind(deps.records);
    deps.records.create = async (record, audit) => {
      await create(record, audit);
      await deps.keys.destroy(subject);
    };
    // Act
    const report = await ingest(deps, sampleOf('tcg-0003'));
    // Assess: the new record reads under the key that exists now
    expect(report.stored).toHaveLength(1);
    const key = await deps.keys.get(subject);
    expect(key?.uses).toBe(1);
    const read = await readRecord(deps, { recordId: 'tcg-0003', purpose: 'tochigi-self-reliance', actor: 'admin:test' });
    expect(Object.keys(read.fields).length).toBeGreaterThan(0);
  });
});
