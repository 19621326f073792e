import { describe, expect, it } from 'vitest';
import type { MemoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import { eraseSubjectQuarantine, purgeQuarantine, subjectQuarantine } from '#shared/use-cases/quarantine.ts';
import { tagLandedObject } from '#shared/use-cases/tag-landed-object.ts';
import { eventsOf, expectTrailVerifies, killAtEveryCall, sampleLines, sampleOf, world } from './world.ts';

const KEY = 'landing/batch-1.jsonl';
const LINE_ID_4099 = 'U4f00000000000000000000000004099';

/** A batch of two good sample lines and two refused ones, landed. */
async function landed(): Promise<MemoryDeps> {
  const deps = world();
  const refused = sampleLines('records-refused.jsonl').slice(0, 2);
  const text = [...sampleOf('ibk-0002', 'gnm-0003'), ...refused].map((l) => l.text).join('\n');
  await deps.landing.put(KEY, Buffer.from(`${text}\n`), 'application/x-ndjson', {});
  return deps;
}

/** Every byte held under quarantine/, current versions only (older ones are counted apart). */
async function quarantineText(deps: MemoryDeps): Promise<string> {
  const keys = [...new Set((await deps.landing.listVersions('quarantine/')).map((v) => v.key))];
  const bodies = await Promise.all(keys.map((k) => deps.landing.get(k)));
  return bodies.map((b) => Buffer.from(b ?? []).toString('utf8')).join('\n');
}

describe('quarantine', () => {
  it('keeps refused lines with their reasons and the subject by pseudonym, stores the rest, removes the landing copy', async () => {
    // Prepare
    const deps = await landed();
    // Act
    const result = await tagLandedObject(deps, KEY);
    // Assess
    expect(result).toMatchObject({ outcome: 'partly-quarantined', stored: 2, refused: 2, quarantineKey: 'quarantine/batch-1.jsonl' });
    expect(await deps.landing.listVersions('landing/')).toEqual([]);
    const text = await quarantineText(deps);
    expect(text).toContain('bad-0001');
    expect(text).toContain('fields.medicalHistory');
    expect(text).not.toContain('日立 太郎');
    const lines = await subjectQuarantine(deps, await deps.pseudonyms.pseudonym('S-STM-4099'));
    expect(lines).toHaveLength(1);
    await expectTrailVerifies(deps);
  });

  it('erases one subject\u2019s line from every version, keeping the other subject\u2019s line', async () => {
    // Prepare
    const deps = await landed();
    await tagLandedObject(deps, KEY);
    const subject = await deps.pseudonyms.pseudonym('S-STM-4099');
    // Act
    const erased = await eraseSubjectQuarantine(deps, { subject, cause: 'request:r-1', actor: 'system:requests' });
    // Assess
    expect(erased).toEqual({ objects: 1, lines: 1 });
    const versions = await deps.landing.listVersions('quarantine/');
    expect(versions.map((v) => v.key).sort()).toEqual(['quarantine/batch-1.jsonl', 'quarantine/batch-1.jsonl.reasons.json'].sort());
    const text = await quarantineText(deps);
    expect(text).not.toContain(LINE_ID_4099);
    expect(text).toContain('bad-0001');
    expect(await subjectQuarantine(deps, subject)).toEqual([]);
    expect((await eventsOf(deps, 'erasure')).filter((e) => e.subjectPseudonym === subject)).toHaveLength(1);
  });

  it('purges quarantine past its retention and not a moment before', async () => {
    // Prepare
    const deps = await landed();
    await tagLandedObject(deps, KEY);
    // Act
    const early = await purgeQuarantine(deps, { now: '2026-12-30T00:00:00.000Z', dryRun: false });
    const due = await purgeQuarantine(deps, { now: '2027-01-01T00:00:00.000Z', dryRun: false });
    // Assess
    expect(early).toMatchObject({ purged: 0, objects: 1 });
    expect(due).toMatchObject({ purged: 1, objects: 0 });
    expect(await deps.landing.listVersions('quarantine/')).toEqual([]);
  });

  it('killed at every port call and redelivered, loses no line and stores none twice', async () => {
    const calls = await killAtEveryCall(
      landed,
      (deps) => tagLandedObject(deps, KEY),
      (deps) => tagLandedObject(deps, KEY),
      async (deps, killedAt) => {
        expect(await deps.landing.listVersions('landing/'), `killed at ${killedAt}`).toEqual([]);
        for (const id of ['ibk-0002', 'gnm-0003']) {
          expect((await deps.records.get(id))?.status).toBe('active');
          expect(await eventsOf(deps, 'ingest', id)).toHaveLength(1);
        }
        const text = await quarantineText(deps);
        expect(text).toContain('bad-0001');
        expect(text).toContain('bad-0002');
        await deps.audit.integrate();
        await expectTrailVerifies(deps);
      },
    );
    expect(calls).toBeGreaterThan(10);
  });
});

