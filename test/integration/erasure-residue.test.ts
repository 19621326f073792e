import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileAndApprove, runCliCaptured } from '../cli-run.ts';
import { findIn, type RawFile, rawFiles } from '../raw-files.ts';

const NOW = '2026-11-22T00:00:00Z';
const verified = ['--verified-by', 'passport', '--evidence', 'desk-1'];
const ERASED_SUBJECT = 'S-ZQXRESIDUE-9071';
const CONTROL_SUBJECT = 'S-CTLKEEP-5150';
/** Every value of the erased subject, the correction's new value included. */
const ERASED_VALUES = [
  ERASED_SUBJECT,
  'UZQXLINEID7781',
  'ZQX残渣太郎',
  'ZQX喘息既往歴',
  'ZQX訂正高血圧',
  'M-ZQX-4242',
  'ZQX残渣花子',
  'zqx.residue@example.jp',
  'ZQX文書本文の一節',
  'E-ZQX-7707',
  'ZQX給与次郎',
  '271828182840',
];
const CONTROL_VALUES = [CONTROL_SUBJECT, 'CTL保持三郎', 'ctl.keep@example.jp', 'M-CTL-5150'];

const lines = [
  {
    recordId: 'zqx-0001',
    subjectId: ERASED_SUBJECT,
    dataset: 'saitama-covid-line',
    purposes: ['saitama-2'],
    acquiredAt: '2026-10-01T08:00:00+09:00',
    lastActivityAt: '2026-11-01T08:00:00+09:00',
    consent: { refs: ['line-survey-consent-2020'], sensitive: true },
    fields: { lineUserId: 'UZQXLINEID7781', profileName: 'ZQX残渣太郎', medicalHistory: 'ZQX喘息既往歴' },
  },
  {
    recordId: 'zqx-0002',
    subjectId: ERASED_SUBJECT,
    dataset: 'ibaraki-job-seekers',
    purposes: ['ibaraki-1'],
    acquiredAt: '2026-10-01T10:00:00+09:00',
    consent: { refs: ['ibk-reg-form-v3'] },
    fields: { memberId: 'M-ZQX-4242', name: 'ZQX残渣花子', email: 'zqx.residue@example.jp' },
    documents: [{ name: 'note.txt', contentType: 'text/plain', text: '面談記録: ZQX文書本文の一節' }],
  },
  {
    recordId: 'zqx-0003',
    subjectId: ERASED_SUBJECT,
    dataset: 'tochigi-payroll',
    purposes: ['tochigi-payroll'],
    acquiredAt: '2014-01-15T09:00:00+09:00',
    events: { 'filing-deadline': '2015-01-31T23:59:59+09:00' },
    fields: { employeeNo: 'E-ZQX-7707', name: 'ZQX給与次郎', myNumber: '271828182840' },
  },
  {
    recordId: 'ctl-0001',
    subjectId: CONTROL_SUBJECT,
    dataset: 'ibaraki-job-seekers',
    purposes: ['ibaraki-1'],
    acquiredAt: '2026-10-01T10:00:00+09:00',
    consent: { refs: ['ibk-reg-form-v3'] },
    fields: { memberId: 'M-CTL-5150', name: 'CTL保持三郎', email: 'ctl.keep@example.jp' },
  },
];

describe('after erasure, nothing of the subject is readable in clear in the stand-ins\' files', () => {
  let dir: string;
  let state: string;
  let files: RawFile[];
  const run = (...argv: string[]) => runCliCaptured([...argv, '--local', state, '--now', NOW]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-residue-'));
    state = join(dir, 'state');
    const input = join(dir, 'residue.jsonl');
    await writeFile(input, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const ingest = await run('ingest', input, '--json');
    expect(ingest.code, ingest.stdout + ingest.stderr).toBe(0);
    // saitama-pref and ibaraki-pref hold the subject's records: the correction and the erasure are each filed, then approved (決裁) and carried out.
    const correct = await fileAndApprove(run, 'request', 'correct', '--record', 'zqx-0001', '--set', 'medicalHistory=ZQX訂正高血圧', '--request-id', 'residue-correct', ...verified, '--json');
    expect(correct.code, correct.stdout + correct.stderr).toBe(0);
    expect(JSON.parse(correct.stdout).status).toBe('completed');
    const erase = await fileAndApprove(run, 'request', 'erase', '--subject', ERASED_SUBJECT, '--request-id', 'residue-erase', ...verified, '--json');
    expect(erase.code, erase.stdout + erase.stderr).toBe(0);
    expect(JSON.parse(erase.stdout).outcome).toMatchObject({ erased: ['zqx-0001', 'zqx-0002', 'zqx-0003'], keyDestroyed: true });
    // Each CLI call stopped the stores: DynamoDB Local and s3rver have flushed their files.
    files = await rawFiles(state);
  }, 600_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('scans the DynamoDB Local database, the s3 directory and the key service files', () => {
    // Assess: the scan covers the stores, and finds what is stored in clear (record ids)
    const dirs = new Set(files.map((f) => f.path.split('/')[0]));
    expect([...dirs]).toEqual(expect.arrayContaining(['dynamodb', 's3', 'kms']));
    expect(files.some((f) => f.path.startsWith('dynamodb/') && f.path.endsWith('.db'))).toBe(true);
    expect(findIn(files, ['ctl-0001', 'zqx-0002']).filter((hit) => hit.startsWith('dynamodb/'))).not.toEqual([]);
  });

  it('finds no byte of the erased subject\'s id or values, corrections included', () => {
    // Assess
    expect(findIn(files, ERASED_VALUES)).toEqual([]);
  });

  it('keeps the control subject readable through the CLI, sealed in the files', async () => {
    // Act
    const read = await run('read', '--record', 'ctl-0001', '--purpose', 'ibaraki-1', '--json');
    // Assess
    expect(read.code, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout).fields).toMatchObject({ name: 'CTL保持三郎', email: 'ctl.keep@example.jp' });
    expect(findIn(files, CONTROL_VALUES)).toEqual([]);
  });
});
