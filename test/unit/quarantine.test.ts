import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkCatalogue, parseCatalogue, quarantineRetentionDays } from '#shared/domain/catalogue.ts';
import { assertNoPersonalData } from '#shared/domain/audit-event.ts';
import { buildExportPackage } from '#shared/domain/export-package.ts';
import {
  eraseSubjectLines,
  isQuarantineExpired,
  parseReasons,
  quarantineContent,
  quarantineRef,
  type QuarantineReasons,
  subjectLines,
} from '#shared/domain/quarantine.ts';
import type { AuditEventInput, LandingStore, ObjectVersion, StoredObject } from '#shared/ports/index.ts';
import { eraseSubjectQuarantine, purgeQuarantine, subjectQuarantine, writeQuarantine } from '#shared/use-cases/quarantine.ts';
import { rawSampleCatalogue, sampleCatalogue } from '../fixtures/catalogue.ts';

const MY_NUMBER = '123456789018';
const line = (recordId: string, subjectId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ recordId, subjectId, dataset: 'nope', purposes: ['p'], fields: { note: MY_NUMBER, ...extra } });
const pseudonym = (id: string) => `ps${createHash('sha256').update(id).digest('hex').slice(0, 16)}`;
const text = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');

/** A versioned in-memory landing bucket. */
class MemoryLanding implements LandingStore {
  readonly versions: (ObjectVersion & StoredObject)[] = [];
  private n = 0;
  constructor(private readonly clock: () => string = () => '2026-11-01T00:00:00.000Z') {}
  async put(key: string, body: Uint8Array, contentType: string, metadata: Readonly<Record<string, string>>) {
    this.n += 1;
    this.versions.push({ key, versionId: `v${this.n}`, deleteMarker: false, size: body.byteLength, lastModified: this.clock(), body, contentType, metadata });
  }
  async read(key: string) {
    return this.versions.filter((v) => v.key === key).at(-1);
  }
  async get(key: string) {
    return (await this.read(key))?.body;
  }
  async listVersions(prefix: string): Promise<ObjectVersion[]> {
    return this.versions.filter((v) => v.key.startsWith(prefix)).map(({ key, versionId, deleteMarker, size, lastModified }) => ({ key, versionId, deleteMarker, size, lastModified }) as ObjectVersion);
  }
  async deleteVersions(gone: readonly ObjectVersion[]) {
    for (const g of gone) {
      const i = this.versions.findIndex((v) => v.key === g.key && v.versionId === g.versionId);
      if (i >= 0) this.versions.splice(i, 1);
    }
  }
  bytes(): string {
    return this.versions.map((v) => `${v.key}\n${text(v.body)}\n${JSON.stringify(v.metadata)}`).join('\n');
  }
}

function deps(catalogue = sampleCatalogue(), landing = new MemoryLanding()) {
  const events: AuditEventInput[] = [];
  return {
    landing,
    events,
    catalogue,
    pseudonyms: { pseudonym: async (id: string) => pseudonym(id) },
    audit: {
      append: async (e: readonly AuditEventInput[]) => {
        e.forEach(assertNoPersonalData);
        events.push(...e);
      },
      integrate: async () => 0,
    },
  };
}

async function quarantineBatch(d: ReturnType<typeof deps>, key: string, lines: string[], refusedAt = '2026-11-01T00:00:00.000Z') {
  await writeQuarantine(
    d,
    key,
    {
      landedKey: key.replace('quarantine/', 'landing/'),
      refusedAt,
      body: Buffer.from(lines.join('\n')),
      lines: lines.map((t, i) => ({ line: i + 1, text: t })),
      stored: [],
      refused: lines.map((_, i) => ({ line: i + 1, problems: [{ path: 'dataset', message: 'unknown dataset "nope"' }] })),
    },
    { contentType: 'application/x-ndjson', metadata: {} },
  );
}

describe('catalogue quarantine retention', () => {
  it('defaults to 30 days when the field is absent, and reads it when present', () => {
    // Prepare
    const raw = rawSampleCatalogue();
    delete raw.quarantine;
    // Act / Assess
    expect(quarantineRetentionDays(parseCatalogue(raw))).toBe(30);
    expect(quarantineRetentionDays(parseCatalogue({ ...raw, quarantine: { retentionDays: 7 } }))).toBe(7);
    expect(sampleCatalogue().quarantine).toEqual({ retentionDays: 30 });
  });

  it.each([
    ['zero', { retentionDays: 0 }, 'quarantine.retentionDays'],
    ['negative', { retentionDays: -3 }, 'quarantine.retentionDays'],
    ['fraction', { retentionDays: 1.5 }, 'quarantine.retentionDays'],
    ['a string', { retentionDays: '30' }, 'quarantine.retentionDays'],
    ['missing', {}, 'quarantine.retentionDays'],
    ['over a year', { retentionDays: 366 }, 'quarantine.retentionDays'],
    ['an unknown setting', { retentionDays: 30, keepForever: true }, 'quarantine.keepForever'],
    ['not an object', 30, 'quarantine'],
  ])('refuses %s, naming the field', (_name, quarantine, path) => {
    // Prepare
    const raw = { ...rawSampleCatalogue(), quarantine };
    // Act
    const problems = checkCatalogue(raw);
    // Assess
    expect(problems.map((p) => p.path)).toContain(path);
  });
});

describe('quarantine domain', () => {
  const reasons = (): QuarantineReasons =>
    quarantineContent({
      landedKey: 'landing/b.jsonl',
      refusedAt: '2026-11-01T00:00:00.000Z',
      body: new Uint8Array(),
      lines: [
        { line: 1, text: 'ok-line' },
        { line: 2, text: line('r2', 'S-A') },
        { line: 4, text: line('r4', 'S-B') },
      ],
      stored: [{ line: 1, recordId: 'r1' }],
      refused: [
        { line: 2, problems: [] },
        { line: 4, problems: [] },
      ],
      subjects: new Map([
        [2, 'psA'],
        [4, 'psB'],
      ]),
    }).reasons;

  it('keeps refused lines in order and records each one`s position and subject pseudonym', () => {
    // Act
    const r = reasons();
    // Assess
    expect(r.refused).toEqual([
      { line: 2, at: 1, subjectPseudonym: 'psA', problems: [] },
      { line: 4, at: 2, subjectPseudonym: 'psB', problems: [] },
    ]);
    expect(JSON.stringify(r)).not.toContain('S-A');
  });

  it.each([
    ['the subject of one line: blanked, the other kept', 'psA', 'rewrite'],
    ['a subject with no line: untouched', 'psZ', 'untouched'],
  ])('erases %s', (_name, subject, kind) => {
    // Prepare
    const body = Buffer.from(`${line('r2', 'S-A')}\n${line('r4', 'S-B')}\n`);
    // Act
    const result = eraseSubjectLines(reasons(), body, subject, 'request:R-1');
    // Assess
    expect(result.kind).toBe(kind);
    if (result.kind === 'rewrite') {
      expect(text(result.body)).toBe(`\n${line('r4', 'S-B')}\n`);
      expect(result.reasons.refused[0]).toEqual({ line: 2, at: 1, erased: 'request:R-1' });
      expect(subjectLines(result.reasons, { body: result.body, contentType: 'x' }, 'psB')).toHaveLength(1);
    }
  });

  it('deletes the object when the last remaining subject is erased, and resumes an erase whose object is gone', () => {
    // Prepare
    const body = Buffer.from(`${line('r2', 'S-A')}\n${line('r4', 'S-B')}\n`);
    const first = eraseSubjectLines(reasons(), body, 'psA', 'request:R-1');
    if (first.kind !== 'rewrite') throw new Error('expected a rewrite');
    // Act / Assess
    expect(eraseSubjectLines(first.reasons, first.body, 'psB', 'request:R-2')).toEqual({ kind: 'delete', lines: 1 });
    expect(eraseSubjectLines(reasons(), undefined, 'psA', 'request:R-1')).toEqual({ kind: 'delete', lines: 1 });
  });

  it.each([
    ['29 days after the refusal', '2026-11-01T00:00:00Z', undefined, '2026-11-30T00:00:00Z', false],
    ['30 days after the refusal', '2026-11-01T00:00:00Z', undefined, '2026-12-01T00:00:00Z', true],
    ['no reasons: by the newest write', undefined, '2026-11-01T00:00:00Z', '2026-12-02T00:00:00Z', true],
    ['neither: kept', undefined, undefined, '2099-01-01T00:00:00Z', false],
  ])('expires %s (30-day retention)', (_name, refusedAt, lastModified, now, expired) => {
    expect(isQuarantineExpired(refusedAt, lastModified, new Date(now), 30)).toBe(expired);
  });

  it('names an object for audit without its key, in a form the audit guard accepts', () => {
    const ref = quarantineRef(`quarantine/${MY_NUMBER}.jsonl`);
    expect(ref).not.toContain(MY_NUMBER);
    expect(() => assertNoPersonalData({ action: 'erasure', actor: 'a', outcome: 'ok', details: { object: ref } })).not.toThrow();
  });

  it('reads legacy reasons (no version) and refuses what is not a reasons file', () => {
    expect(parseReasons(Buffer.from('{"refusedAt":"x","kind":"batch","refused":[]}'))?.stored).toEqual([]);
    expect(parseReasons(Buffer.from('not json'))).toBeUndefined();
    expect(parseReasons(Buffer.from('{"a":1}'))).toBeUndefined();
  });
});

describe('disclosure package with quarantined lines', () => {
  it('adds quarantine.jsonl (in the manifest, never in data.csv) and counts the data as held', () => {
    // Prepare
    const quarantined = [{ refusedAt: '2026-11-01T00:00:00Z', line: 2, problems: [], content: line('r2', 'S-A', { note: '=HYPERLINK("x")' }) }];
    // Act
    const pkg = buildExportPackage(sampleCatalogue(), { requestId: 'R-1', subjectId: 'S-A', generatedAt: '2026-11-02T00:00:00Z', records: [], quarantined });
    // Assess
    const file = (name: string) => text(pkg.files.find((f) => f.name === name)?.bytes);
    expect(pkg.quarantinedLines).toBe(1);
    expect(JSON.parse(file('quarantine.jsonl'))).toEqual(quarantined[0]);
    expect(JSON.parse(file('data.json'))).toMatchObject({ dataHeld: true, quarantinedLines: 1 });
    expect(file('data.csv')).not.toContain('HYPERLINK');
    expect(JSON.parse(file('manifest.json')).files.map((f: { name: string }) => f.name)).toContain('quarantine.jsonl');
    expect(file('summary.html')).toContain('quarantine.jsonl');
  });
});

describe('quarantine use cases', () => {
  it('exports a subject`s quarantined lines, then erases them leaving no byte of the id or My Number', async () => {
    // Prepare
    const d = deps();
    await quarantineBatch(d, 'quarantine/a.jsonl', [line('r1', 'S-Q1'), line('r2', 'S-Q2', { note: 'other' })]);
    await quarantineBatch(d, 'quarantine/b.jsonl', [line('r3', 'S-Q1')]);
    // Act
    const exported = await subjectQuarantine(d, pseudonym('S-Q1'));
    const erased = await eraseSubjectQuarantine(d, { subject: pseudonym('S-Q1'), cause: 'request:R-1', actor: 'system:requests' });
    // Assess
    expect(exported.map((l) => l.content)).toEqual([line('r1', 'S-Q1'), line('r3', 'S-Q1')]);
    expect(erased).toEqual({ objects: 2, lines: 2 });
    expect(d.landing.bytes()).not.toContain('S-Q1');
    expect(d.landing.bytes()).not.toContain(MY_NUMBER);
    expect(d.landing.bytes()).toContain('S-Q2');
    expect(await subjectQuarantine(d, pseudonym('S-Q2'))).toHaveLength(1);
    expect(d.landing.versions.map((v) => v.key).sort()).toEqual(['quarantine/a.jsonl', 'quarantine/a.jsonl.reasons.json']);
    expect(d.events).toHaveLength(2);
    expect(d.events[0]).toMatchObject({ action: 'erasure', subjectPseudonym: pseudonym('S-Q1'), details: { scope: 'quarantine', lines: 1 } });
    expect(JSON.stringify(d.events)).not.toContain('S-Q1');
  });

  it('finds a subject in legacy reasons (written before subjects were recorded) by reading the line', async () => {
    // Prepare
    const d = deps();
    await d.landing.put('quarantine/old.jsonl', Buffer.from(`${line('r1', 'S-OLD')}\n`), 'application/x-ndjson', {});
    await d.landing.put('quarantine/old.jsonl.reasons.json', Buffer.from(JSON.stringify({ landedKey: 'landing/old.jsonl', refusedAt: '2026-11-01T00:00:00Z', kind: 'batch', stored: [], refused: [{ line: 3, problems: [] }] })), 'application/json', {});
    // Act
    const erased = await eraseSubjectQuarantine(d, { subject: pseudonym('S-OLD'), cause: 'request:R-9', actor: 'system:requests' });
    // Assess
    expect(erased).toEqual({ objects: 1, lines: 1 });
    expect(d.landing.versions).toEqual([]);
  });

  it('sweeps quarantine past retention (every version), audits each deletion, and reports what remains', async () => {
    // Prepare
    const d = deps();
    await quarantineBatch(d, 'quarantine/old.jsonl', [line('r1', 'S-1')], '2026-10-01T00:00:00.000Z');
    await d.landing.put('quarantine/old.jsonl', Buffer.from('second version'), 'text/plain', {});
    await quarantineBatch(d, 'quarantine/new.jsonl', [line('r2', 'S-2')], '2026-11-20T00:00:00.000Z');
    const remaining = d.landing.versions.filter((v) => v.key.startsWith('quarantine/new.jsonl')).reduce((n, v) => n + v.body.byteLength, 0);
    // Act
    const dry = await purgeQuarantine(d, { now: '2026-11-25T00:00:00Z', dryRun: true });
    const swept = await purgeQuarantine(d, { now: '2026-11-25T00:00:00Z', dryRun: false });
    // Assess
    expect(dry).toMatchObject({ purged: 1, versionsDeleted: 0 });
    expect(swept).toEqual({ purged: 1, versionsDeleted: 3, objects: 1, bytes: remaining });
    expect(d.landing.versions.map((v) => v.key).sort()).toEqual(['quarantine/new.jsonl', 'quarantine/new.jsonl.reasons.json']);
    expect(d.events).toEqual([
      expect.objectContaining({ action: 'erasure', actor: 'system:sweep', basis: 'quarantine-retention', details: expect.objectContaining({ cause: 'quarantine-retention', versions: 3, retentionDays: 30, object: quarantineRef('quarantine/old.jsonl') }) }),
    ]);
  });

  it('keeps quarantine for the retention the catalogue sets', async () => {
    // Prepare
    const d = deps(parseCatalogue({ ...rawSampleCatalogue(), quarantine: { retentionDays: 90 } }));
    await quarantineBatch(d, 'quarantine/old.jsonl', [line('r1', 'S-1')], '2026-10-01T00:00:00.000Z');
    // Act
    const swept = await purgeQuarantine(d, { now: '2026-11-25T00:00:00Z', dryRun: false });
    // Assess
    expect(swept).toMatchObject({ purged: 0, objects: 1 });
  });
});
