import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileAndApprove, runCliCaptured } from '../cli-run.ts';
import { findIn, type RawFile, rawFiles } from '../raw-files.ts';

const NOW = '2026-11-22T00:00:00Z';
const verified = ['--verified-by', 'passport', '--evidence', 'desk-1'];
const SUBJECT = 'S-QXEXPORT-6161';
const CONTROL = 'S-QXCONTROL-7272';
/** Every value of the erased subject, as a disclosure package shows it. */
const SUBJECT_VALUES = [SUBJECT, 'UQXEXPLINE5521', 'QX開示太郎', 'QX開示喘息歴', 'M-QX-6161', 'QX開示花子', 'qx.export@example.jp', 'QX開示文書の一節'];
const CONTROL_VALUES = [CONTROL, 'QX対照三郎'];

const jobSeeker = (recordId: string, subjectId: string, fields: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  recordId,
  subjectId,
  dataset: 'ibaraki-job-seekers',
  purposes: ['ibaraki-1'],
  acquiredAt: '2026-10-01T10:00:00+09:00',
  consent: { refs: ['ibk-reg-form-v3'] },
  fields,
  ...extra,
});
const lines = [
  {
    recordId: 'qxe-0001',
    subjectId: SUBJECT,
    dataset: 'saitama-covid-line',
    purposes: ['saitama-2'],
    acquiredAt: '2026-10-01T08:00:00+09:00',
    lastActivityAt: '2026-11-01T08:00:00+09:00',
    consent: { refs: ['line-survey-consent-2020'], sensitive: true },
    fields: { lineUserId: 'UQXEXPLINE5521', profileName: 'QX開示太郎', medicalHistory: 'QX開示喘息歴' },
  },
  jobSeeker('qxe-0002', SUBJECT, { memberId: 'M-QX-6161', name: 'QX開示花子', email: 'qx.export@example.jp' }, {
    documents: [{ name: 'note.txt', contentType: 'text/plain', text: '面談記録: QX開示文書の一節' }],
  }),
  jobSeeker('qxc-0001', CONTROL, { memberId: 'M-QXC-7272', name: 'QX対照三郎', email: 'qx.control@example.jp' }),
];

interface LoggedEvent {
  readonly action: string;
  readonly details?: Record<string, unknown>;
}

describe('wasure request erase removes the subject\'s disclosure packages', () => {
  let dir: string;
  let state: string;
  let exportsDir: string;
  let beforeErase: RawFile[];
  const run = (...argv: string[]) => runCliCaptured([...argv, '--local', state, '--now', NOW]);
  const exportErasures = async (): Promise<LoggedEvent[]> => {
    const log = await run('audit', 'log', '--subject', SUBJECT, '--json');
    expect(log.code, log.stderr).toBe(0);
    return (JSON.parse(log.stdout) as LoggedEvent[]).filter((e) => e.action === 'erasure' && e.details?.scope === 'export');
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-erase-exports-'));
    state = join(dir, 'state');
    exportsDir = join(state, 'exports');
    const input = join(dir, 'lines.jsonl');
    await writeFile(input, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const ingest = await run('ingest', input, '--json');
    expect(ingest.code, ingest.stdout + ingest.stderr).toBe(0);
    for (const [subject, id] of [[SUBJECT, 'qx-export-1'], [SUBJECT, 'qx-export-2'], [CONTROL, 'qx-control-export']] as const) {
      const done = await run('request', 'export', '--subject', subject, '--request-id', id, ...verified, '--json');
      expect(done.code, done.stdout + done.stderr).toBe(0);
    }
    beforeErase = await rawFiles(exportsDir);
    // The subject's records are saitama-pref's and ibaraki-pref's: the erasure is filed, then approved (決裁) and carried out.
    const erase = await fileAndApprove(run, 'request', 'erase', '--subject', SUBJECT, '--request-id', 'qx-erase', ...verified, '--json');
    expect(erase.code, erase.stdout + erase.stderr).toBe(0);
    expect(JSON.parse(erase.stdout).outcome).toMatchObject({ erased: ['qxe-0001', 'qxe-0002'], keyDestroyed: true, exportPackages: 2 });
  }, 600_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves no byte of the subject\'s id or values under the exports directory', async () => {
    // Prepare: the packages held the subject in clear before the erasure (the scan sees them)
    expect(beforeErase.map((f) => f.path)).toEqual(expect.arrayContaining(['qx-export-1/data.csv', 'qx-export-2/data.json', 'qx-export-2/summary.html']));
    expect(findIn(beforeErase, SUBJECT_VALUES)).not.toEqual([]);
    // Act
    const after = await rawFiles(exportsDir);
    // Assess
    expect(findIn(after, SUBJECT_VALUES)).toEqual([]);
    expect(after.some((f) => f.path.startsWith('qx-export-'))).toBe(false);
    expect(findIn(after, CONTROL_VALUES)).not.toEqual([]);
  });

  it('audits each removal by request id and pseudonym, nothing personal', async () => {
    // Act
    const events = await exportErasures();
    // Assess
    const byExport = (e: LoggedEvent) => String(e.details?.exportRequestId);
    expect(events.sort((a, b) => byExport(a).localeCompare(byExport(b))).map((e) => e.details)).toEqual([
      expect.objectContaining({ cause: 'request:qx-erase', scope: 'export', exportRequestId: 'qx-export-1' }),
      expect.objectContaining({ cause: 'request:qx-erase', scope: 'export', exportRequestId: 'qx-export-2' }),
    ]);
    expect(findIn([{ path: 'trail', bytes: Buffer.from(JSON.stringify(events)) }], SUBJECT_VALUES)).toEqual([]);
  });

  it('erases again harmlessly: nothing to remove, no new removal event', { timeout: 180_000 }, async () => {
    // Act
    const again = await fileAndApprove(run, 'request', 'erase', '--subject', SUBJECT, '--request-id', 'qx-erase-again', ...verified, '--json');
    // Assess
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).outcome).toMatchObject({ erased: [], exportPackages: 0 });
    expect(await exportErasures()).toHaveLength(2);
    expect(findIn(await rawFiles(exportsDir), SUBJECT_VALUES)).toEqual([]);
  });
});
