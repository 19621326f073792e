import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryExportStore } from '#shared/adapters/local/directory-export-store.ts';
import { RefusedError, ValidationError } from '#shared/errors.ts';
import { ingestRecords } from '#shared/use-cases/ingest-records.ts';
import { provide, recordReceipt } from '#shared/use-cases/provision-records.ts';
import { readRecord } from '#shared/use-cases/read-record.ts';
import {
  completeRequest,
  correctRecord,
  eraseSubject,
  exportSubject,
  purposesNotice,
  type RequestDeps,
  registerRequest,
  setRestriction,
} from '#shared/use-cases/subject-requests.ts';
import { type Embedded, startEmbedded } from '#functions/local/embedded.ts';
import { clockAt, embeddedDeps } from '#functions/runtime.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';
import { registerAndApprove } from '../cli-run.ts';

const verified = { method: 'driver-licence', evidenceRef: 'case-2026-001' } as const;
const subjectLine = (subjectId: string, recordId: string, extra: Record<string, unknown> = {}) => ({
  recordId,
  subjectId,
  dataset: 'saitama-covid-line',
  purposes: ['saitama-2', 'saitama-4'],
  acquiredAt: '2026-01-10T10:00:00+09:00',
  lastActivityAt: '2026-10-01T10:00:00+09:00',
  consent: { refs: ['consent-1'], sensitive: true },
  fields: { ageBand: '40代', residenceArea: 'さいたま市', medicalHistory: `喘息 (${subjectId})`, visitHistory: ['店舗A'] },
  ...extra,
});

describe('subject requests on the embedded stores', () => {
  let embedded: Embedded;
  let dir: string;
  let deps: RequestDeps;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-req-'));
    embedded = await startEmbedded({ dir, persist: false });
    const base = embeddedDeps(embedded, sampleCatalogue(), clockAt('2026-11-22T01:00:00Z')).deps;
    deps = base;
    // Near-identical subjects: same fields, ids differing by one character.
    const lines = [
      subjectLine('S-100', 'r-100-a'),
      subjectLine('S-100', 'r-100-b', { fields: { ageBand: '40代', currentCondition: '良好' } }),
      subjectLine('S-1000', 'r-1000-a'),
      subjectLine('S-10', 'r-10-a'),
      {
        recordId: 'r-100-ibk',
        subjectId: 'S-100',
        dataset: 'ibaraki-job-seekers',
        purposes: ['ibaraki-2'],
        acquiredAt: '2026-01-10T10:00:00+09:00',
        fields: { memberId: 'M-100', name: '水戸 花子', screeningNote: '内部メモ' },
      },
    ].map((o, i) => ({ line: i + 1, text: JSON.stringify(o) }));
    const report = await ingestRecords(deps, lines, { actor: 'test' });
    expect(report.rejected).toEqual([]);
  });

  afterAll(async () => {
    await embedded?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers a request once: a retry with the same id returns it unchanged', async () => {
    const input = { requestId: 'q-idem', type: 'purposes' as const, subjectId: 'S-100', requester: { kind: 'subject' as const }, verification: verified };
    const first = await registerRequest(deps, input);
    const again = await registerRequest(deps, input);
    expect(again).toEqual(first);
    // S-100's records are two public bodies' (saitama-pref, ibaraki-pref): no single controller, the earliest of
    // their 30 days (Art. 83(1)), 22 Dec 2026 a Tuesday.
    expect(first.controllerId).toBeUndefined();
    expect(first.deadline).toBe('2026-12-22T14:59:59.999Z');
  });

  it('refuses an agent without proof of agency and an unverified requester', async () => {
    await expect(
      registerRequest(deps, { requestId: 'q-agent', type: 'export', subjectId: 'S-100', requester: { kind: 'statutory-agent-minor' }, verification: verified }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      registerRequest(deps, { requestId: 'q-unverified', type: 'export', subjectId: 'S-100', requester: { kind: 'subject' } }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('records the agent who made a request', async () => {
    const r = await registerRequest(deps, {
      requestId: 'q-agent-ok', type: 'purposes', subjectId: 'S-10',
      requester: { kind: 'statutory-agent-adult-ward', agentRef: 'guardianship-order-77' }, verification: verified,
    });
    expect(r.requester).toEqual({ kind: 'statutory-agent-adult-ward' });
    expect(Object.keys(r.sealed).sort()).toEqual(['agentRef', 'evidenceRef']);
    expect(JSON.stringify(await deps.requests.get('q-agent-ok'))).not.toContain('guardianship-order-77');
  });

  it('exports everything of the subject and nothing of near-identical subjects', async () => {
    const request = await registerRequest(deps, { requestId: 'q-export', type: 'export', subjectId: 'S-100', requester: { kind: 'subject' }, verification: verified });
    const frozen = await deps.records.listBySubject(await deps.pseudonyms.pseudonym('S-100'));
    expect(frozen.every((r) => r.pendingRequests.includes('q-export'))).toBe(true);
    const { pkg, reasons } = await exportSubject(deps, request);
    const data = JSON.parse(Buffer.from(pkg.files.find((f) => f.name === 'data.json')!.bytes).toString('utf8'));
    expect(data.records.map((r: { recordId: string }) => r.recordId).sort()).toEqual(['r-100-a', 'r-100-b', 'r-100-ibk']);
    const everything = pkg.files.map((f) => Buffer.from(f.bytes).toString('utf8')).join('\n');
    expect(everything).toContain('喘息 (S-100)');
    expect(everything).not.toContain('S-1000');
    expect(everything).not.toContain('喘息 (S-10)');
    expect(reasons).toEqual([expect.stringContaining('screeningNote withheld')]);
    expect(everything).not.toContain('内部メモ');
    const csv = pkg.files.find((f) => f.name === 'data.csv')!.bytes;
    expect([...csv.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    await completeRequest(deps, 'q-export', { status: 'partially-completed', outcome: { files: pkg.files.length }, reasons });
    expect((await deps.records.listBySubject(await deps.pseudonyms.pseudonym('S-100'))).every((r) => r.pendingRequests.length === 0)).toBe(true);
  });

  it('answers that no data is held for an unknown subject', async () => {
    const request = await registerRequest(deps, { requestId: 'q-nobody', type: 'export', subjectId: 'S-UNKNOWN', requester: { kind: 'subject' }, verification: verified });
    const { pkg } = await exportSubject(deps, request);
    const data = JSON.parse(Buffer.from(pkg.files.find((f) => f.name === 'data.json')!.bytes).toString('utf8'));
    expect(data.dataHeld).toBe(false);
    expect(data.notice).toContain('保有個人データはありません');
  });

  it('corrects a field with re-classification and re-encryption', async () => {
    // S-100's records are saitama-pref's and ibaraki-pref's: the correction is filed by one operator and approved by another (決裁).
    const request = await registerAndApprove(deps, { requestId: 'q-correct', type: 'correct', subjectId: 'S-100', requester: { kind: 'subject' }, verification: verified, params: { recordId: 'r-100-a', set: { medicalHistory: '花粉症', residenceArea: '川口市' }, unset: ['visitHistory'] } });
    await correctRecord(deps, request, { recordId: 'r-100-a', set: { medicalHistory: '花粉症', residenceArea: '川口市' }, unset: ['visitHistory'] });
    const read = await readRecord(deps, { recordId: 'r-100-a', purpose: 'saitama-2', actor: 'test' });
    expect(read.fields).toEqual({ ageBand: '40代', residenceArea: '川口市', medicalHistory: '花粉症' });
    await expect(
      correctRecord(deps, request, { recordId: 'r-100-a', set: { hobby: 'golf' }, unset: [] }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      correctRecord(deps, request, { recordId: 'r-1000-a', set: { ageBand: '50代' }, unset: [] }),
    ).rejects.toThrow(/not a live record of this subject/);
  });

  it('restriction blocks reads except for legal purposes, and lifting restores them', async () => {
    const request = await registerRequest(deps, { requestId: 'q-restrict', type: 'restrict', subjectId: 'S-10', requester: { kind: 'subject' }, verification: verified });
    await setRestriction(deps, request, true);
    await expect(readRecord(deps, { recordId: 'r-10-a', purpose: 'saitama-2', actor: 'test' })).rejects.toBeInstanceOf(RefusedError);
    await expect(readRecord(deps, { recordId: 'r-10-a', purpose: 'legal-claims', actor: 'test' })).resolves.toBeDefined();
    await setRestriction(deps, request, false);
    await expect(readRecord(deps, { recordId: 'r-10-a', purpose: 'saitama-2', actor: 'test' })).resolves.toBeDefined();
  });

  it('gives the purposes of use of the subject data', async () => {
    const request = await registerRequest(deps, { requestId: 'q-purposes', type: 'purposes', subjectId: 'S-1000', requester: { kind: 'subject' }, verification: verified });
    const notice = await purposesNotice(deps, request);
    expect(notice.datasets).toEqual([
      expect.objectContaining({ id: 'saitama-covid-line', purposes: [expect.objectContaining({ id: 'saitama-2' }), expect.objectContaining({ id: 'saitama-4' })] }),
    ]);
  });

  it('records a provision, withholds excluded items, and includes it in disclosure', async () => {
    const result = await provide(deps, { subjectId: 'S-1000', recipientId: 'keio-university', basis: 'academic-research', actor: 'test' });
    expect(result.items).not.toContain('visitHistory');
    expect(result.items).toContain('medicalHistory');
    const request = await registerRequest(deps, { requestId: 'q-export-1000', type: 'export', subjectId: 'S-1000', requester: { kind: 'subject' }, verification: verified });
    const { pkg } = await exportSubject(deps, request);
    const data = JSON.parse(Buffer.from(pkg.files.find((f) => f.name === 'data.json')!.bytes).toString('utf8'));
    const prov = data.records.find((r: { recordId: string }) => r.recordId === result.provisionRecordId);
    expect(prov.fields.recipientId.value).toBe('keio-university');
    expect(prov.retention.period).toBe('P3Y');
    expect(prov.retention.dueAt).toBe('2029-11-22T01:00:00.000Z');
  });

  it('refuses provision on a basis the recipient does not have, and after a stop-provision request', async () => {
    await expect(
      provide(deps, { subjectId: 'S-1000', recipientId: 'keio-university', basis: 'consent', consentRef: 'c', actor: 'test' }),
    ).rejects.toBeInstanceOf(RefusedError);
    const stop = await registerRequest(deps, { requestId: 'q-stop', type: 'stop-provision', subjectId: 'S-1000', requester: { kind: 'subject' }, verification: verified });
    await completeRequest(deps, stop.requestId, { status: 'completed', outcome: {}, reasons: [] });
    await expect(
      provide(deps, { subjectId: 'S-1000', recipientId: 'keio-university', basis: 'academic-research', actor: 'test' }),
    ).rejects.toThrow(RefusedError);
    try {
      await provide(deps, { subjectId: 'S-1000', recipientId: 'keio-university', basis: 'academic-research', actor: 'test' });
    } catch (error) {
      expect((error as RefusedError).reasons.join()).toContain('q-stop');
    }
  });

  it('erases everything of the subject except what the law requires to keep, with the reason', async () => {
    // Prepare: a payroll record under a 7-year legal retention, and an ordinary one
    const myNumber = `98765432109${(await import('#shared/domain/my-number.ts')).myNumberCheckDigit('98765432109')}`;
    await ingestRecords(deps, [
      { recordId: 'r-er-pay', subjectId: 'S-ER', dataset: 'tochigi-payroll', purposes: ['tochigi-payroll'], acquiredAt: '2025-01-10T09:00:00+09:00', events: { 'filing-deadline': '2026-01-31T23:59:59+09:00' }, fields: { employeeNo: 'E-1', myNumber } },
      { ...subjectLine('S-ER', 'r-er-line'), documents: [{ name: 'a.txt', contentType: 'text/plain', text: '記録' }] },
    ].map((o, i) => ({ line: i + 1, text: JSON.stringify(o) })), { actor: 'test' });
    const exports = new DirectoryExportStore(join(dir, 'exports'), deps.clock);
    const disclosure = await registerRequest(deps, { requestId: 'q-er-export', type: 'export', subjectId: 'S-ER', requester: { kind: 'subject' }, verification: verified });
    await exports.save(disclosure.requestId, (await exportSubject(deps, disclosure)).pkg.files);
    await completeRequest(deps, disclosure.requestId, { status: 'completed', outcome: {}, reasons: [] });
    // Under tochigi-shakyo and saitama-pref, both candidates: saitama-pref asks for approval, so the erasure is filed and approved (決裁).
    const request = await registerAndApprove(deps, { requestId: 'q-erase', type: 'erase', subjectId: 'S-ER', requester: { kind: 'subject' }, verification: verified });
    // Act
    const result = await eraseSubject({ ...deps, exports }, request);
    // Assess
    expect(request.approval).toMatchObject({ state: 'approved', decidedBy: 'chief-2' });
    expect(result.exportPackages).toBe(1);
    expect(await exports.packageObjects('q-er-export')).toBe(0);
    expect(result.erased).toEqual(['r-er-line']);
    expect(result.kept).toEqual([{ recordId: 'r-er-pay', reason: expect.stringContaining('所得税法施行規則第76条の3') }]);
    expect(await deps.records.get('r-er-line')).toMatchObject({ status: 'erased', cause: 'request:q-erase' });
    expect(await deps.objects.listVersions('records/r-er-line/')).toEqual([]);
    // the kept record still needs the key
    expect(result.keyDestroyed).toBe(false);
    const read = await readRecord(deps, { recordId: 'r-er-pay', purpose: 'tochigi-payroll', actor: 'test' });
    expect(read.fields.myNumber).toBe(myNumber);
  });

  it('requires the items of a receipt confirmation', async () => {
    await expect(
      recordReceipt(deps, { subjectId: 'S-10', providerName: '', providerAddress: 'x', acquisition: 'y', items: [], actor: 't' }),
    ).rejects.toBeInstanceOf(ValidationError);
    const { receiptRecordId } = await recordReceipt(deps, {
      subjectId: 'S-10', providerName: '市町社会福祉協議会', providerAddress: '宇都宮市', acquisition: '本人の同意に基づく紹介', items: ['氏名', '住所'], consentRef: 'c-9', actor: 't',
    });
    expect((await deps.records.get(receiptRecordId))?.dataset).toBe('wasure-provision-records');
  });
});
