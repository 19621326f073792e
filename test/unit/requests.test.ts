import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildExportPackage } from '#shared/domain/export-package.ts';
import { jstDate, jstDeadline } from '#shared/domain/jst.ts';
import type { StoredRecord } from '#shared/domain/record.ts';
import {
  openRequestState,
  REQUEST_OVERDUE_GRACE_DAYS,
  REQUEST_RETENTION_YEARS,
  requestDeadline,
  requestExpiresAt,
  requesterProblems,
  requestInputProblems,
  requestLapsesAt,
} from '#shared/domain/requests.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

describe('request deadlines in JST calendar days', () => {
  it.each([
    // received 1 March 10:00 JST → 15 March 23:59:59.999 JST
    ['2026-03-01T01:00:00.000Z', 14, '2026-03-15T14:59:59.999Z'],
    // 23:30 JST on 31 Jan is already 31 Jan in Japan (UTC still 31 Jan 14:30)
    ['2026-01-31T14:30:00.000Z', 14, '2026-02-14T14:59:59.999Z'],
    // 00:30 JST on 1 Feb is 31 Jan 15:30 UTC: the JST date counts
    ['2026-01-31T15:30:00.000Z', 14, '2026-02-15T14:59:59.999Z'],
    // across a year end
    ['2026-12-25T03:00:00.000Z', 14, '2027-01-08T14:59:59.999Z'],
    // across a leap day
    ['2028-02-20T03:00:00.000Z', 14, '2028-03-05T14:59:59.999Z'],
  ])('received %s, %d days → %s', (received, days, want) => {
    expect(requestDeadline(new Date(received), days)).toBe(want);
    expect(jstDeadline(new Date(received), days).toISOString()).toBe(want);
  });

  it('reads the JST date of an instant', () => {
    expect(jstDate(new Date('2026-03-31T15:00:00Z'))).toBe('2026-04-01');
  });
});

describe('requester checks', () => {
  it.each([
    [{ kind: 'subject' as const }, { method: 'passport' as const, evidenceRef: 'f-1' }, 0],
    [{ kind: 'delegated-agent' as const }, { method: 'passport' as const, evidenceRef: 'f-1' }, 1],
    [{ kind: 'delegated-agent' as const, agentRef: 'poa-9' }, { method: 'passport' as const, evidenceRef: 'f-1' }, 0],
    [{ kind: 'subject' as const }, undefined, 1],
    [{ kind: 'subject' as const }, { method: 'passport' as const, evidenceRef: ' ' }, 1],
  ])('%j verified by %j has %d problem(s)', (requester, verification, n) => {
    expect(requesterProblems(requester, verification)).toHaveLength(n);
  });
});

describe('disclosure package', () => {
  const catalogue = sampleCatalogue();
  const record: StoredRecord = {
    recordId: 'r-1',
    subjectPseudonym: 'p-1',
    dataset: 'ibaraki-job-seekers',
    purposes: ['ibaraki-2'],
    categories: ['basic'],
    fieldCategories: { name: 'basic', screeningNote: 'basic' },
    retention: { basis: 'necessity', legalRef: 'ref', period: 'P30D', trigger: 'acquired', dueAt: '2026-12-01T00:00:00.000Z' },
    consentRefs: [],
    acquiredAt: '2026-11-01T00:00:00.000Z',
    events: {},
    policyVersion: catalogue.version,
    holds: [],
    pendingRequests: [],
    status: 'active',
    fields: {},
    sealed: {},
    documents: [],
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    version: 1,
  };
  const pkg = buildExportPackage(catalogue, {
    requestId: 'q-1',
    subjectId: 'S-1',
    generatedAt: '2026-11-22T00:00:00.000Z',
    records: [
      {
        record,
        fields: { name: '<script>"水戸, 花子"</script>', screeningNote: 'internal' },
        documents: [{ name: 'cv.txt', contentType: 'text/plain', body: Buffer.from('経歴') }],
      },
    ],
  });
  const file = (name: string) => Buffer.from(pkg.files.find((f) => f.name === name)?.bytes ?? []);

  it('opens the CSV with a UTF-8 BOM and quotes cells with commas and quotes', () => {
    const csv = file('data.csv');
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8')).toContain('"<script>""水戸, 花子""</script>"');
  });

  it('escapes HTML and labels in Japanese with English', () => {
    const html = file('summary.html').toString('utf8');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain('氏名 <small lang="en">Name</small>');
  });

  it('withholds non-disclosable items and states the ground', () => {
    expect(pkg.withheld).toEqual([
      { recordId: 'r-1', field: 'screeningNote', ground: expect.stringContaining('第78条') },
    ]);
    expect(file('data.json').toString('utf8')).not.toContain('internal');
  });

  it('lists every file with its SHA-256 in the manifest', () => {
    const manifest = JSON.parse(file('manifest.json').toString('utf8'));
    const names = pkg.files.map((f) => f.name).filter((n) => n !== 'manifest.json');
    expect(manifest.files.map((f: { name: string }) => f.name)).toEqual(names);
    for (const entry of manifest.files) {
      expect(entry.sha256).toBe(createHash('sha256').update(file(entry.name)).digest('hex'));
    }
    expect(names).toContain('documents/r-1/cv.txt');
  });
});

describe('request input checks (before anything is stored)', () => {
  const ok = {
    requestId: 'req-1',
    type: 'export',
    subjectId: 'S-1',
    requester: { kind: 'subject' as const },
    verification: { method: 'passport' as const, evidenceRef: 'case-1' },
  };
  it.each([
    ['a plain request', {}, []],
    ['a path in the request id', { requestId: '../../x' }, ['requestId']],
    ['a slash in the request id', { requestId: 'a/b' }, ['requestId']],
    ['a request id starting with a dot', { requestId: '.hidden' }, ['requestId']],
    ['a 65-character request id', { requestId: 'r'.repeat(65) }, ['requestId']],
    ['a 64-character request id', { requestId: 'r'.repeat(64) }, []],
    ['an unknown type', { type: 'delete-everything' }, ['type']],
    ['no subject', { subjectId: undefined }, ['subjectId']],
    ['a blank subject', { subjectId: '  ' }, ['subjectId']],
    ['a subject with a control character', { subjectId: 'S-1\u0000' }, ['subjectId']],
    ['a 129-character subject', { subjectId: 'S'.repeat(129) }, ['subjectId']],
    ['an agent reference on the subject', { requester: { kind: 'subject', agentRef: 'poa-1' } }, ['requester.agentRef']],
    ['an agent without a reference', { requester: { kind: 'delegated-agent' } }, ['requester']],
    ['an agent reference with a newline', { requester: { kind: 'delegated-agent', agentRef: 'poa\n1' } }, ['requester.agentRef']],
    ['an unknown requester kind', { requester: { kind: 'neighbour' } }, ['requester']],
    ['an unverified requester', { verification: undefined }, ['requester']],
    ['an evidence reference with a control character', { verification: { method: 'passport', evidenceRef: 'c\u0007' } }, ['verification.evidenceRef']],
    ['a zero-day deadline', { deadlineDays: 0 }, ['deadlineDays']],
    ['a 91-day deadline', { deadlineDays: 91 }, ['deadlineDays']],
    ['a fractional deadline', { deadlineDays: 1.5 }, ['deadlineDays']],
  ])('%s → problems at %j', (_name, change, paths) => {
    // Act
    const problems = requestInputProblems({ ...ok, ...change } as never);
    // Assess
    expect(problems.map((p) => p.path)).toEqual(paths);
  });

  it('lets a correction name only its record', () => {
    expect(requestInputProblems({ ...ok, type: 'correct', subjectId: undefined, params: { recordId: 'r-1' } })).toEqual([]);
  });
});

describe('open requests past their deadline', () => {
  const deadline = '2026-12-06T14:59:59.999Z';
  it.each([
    ['at the deadline', '2026-12-06T14:59:59.999Z', 'on-time'],
    ['a moment after it', '2026-12-06T15:00:00.000Z', 'overdue'],
    [`${REQUEST_OVERDUE_GRACE_DAYS} days after it`, '2026-12-13T14:59:59.999Z', 'overdue'],
    ['a moment after the grace', '2026-12-13T15:00:00.000Z', 'lapsed'],
  ])('%s: %s → %s', (_name, now, state) => {
    expect(openRequestState({ deadline }, new Date(now))).toBe(state);
  });

  it('lapses at the deadline plus the grace', () => {
    expect(requestLapsesAt({ deadline })).toBe('2026-12-13T14:59:59.999Z');
  });
});

describe('retention of finished requests', () => {
  const completedAt = '2026-12-01T00:00:00.000Z';
  it.each([
    ['export', 'completed', completedAt, '2029-12-01T00:00:00.000Z'],
    ['erase', 'failed', completedAt, '2029-12-01T00:00:00.000Z'],
    ['correct', 'refused', completedAt, '2029-12-01T00:00:00.000Z'],
    ['stop-provision', 'completed', completedAt, undefined],
    ['stop-provision', 'refused', completedAt, '2029-12-01T00:00:00.000Z'],
    ['export', 'received', undefined, undefined],
  ] as const)('%s %s → expires %s', (type, status, at, want) => {
    expect(requestExpiresAt({ type, status, ...(at === undefined ? {} : { completedAt: at }) })).toBe(want);
  });

  it('keeps requests three years', () => {
    expect(REQUEST_RETENTION_YEARS).toBe(3);
  });
});
