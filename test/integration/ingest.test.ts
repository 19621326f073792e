import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEnvelope } from '#shared/domain/envelope.ts';
import { myNumberCheckDigit } from '#shared/domain/my-number.ts';
import { KeyUnavailableError, RefusedError } from '#shared/errors.ts';
import type { LifecycleDeps } from '#shared/use-cases/deps.ts';
import { ingestRecords } from '#shared/use-cases/ingest-records.ts';
import { readRecord } from '#shared/use-cases/read-record.ts';
import { type Embedded, startEmbedded } from '#functions/local/embedded.ts';
import { clockAt, embeddedDeps } from '#functions/runtime.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const myNumber = `98765432109${myNumberCheckDigit('98765432109')}`;
const lines = (objs: unknown[]) => objs.map((o, i) => ({ line: i + 1, text: JSON.stringify(o) }));

const health = {
  recordId: 'it-stm-1',
  subjectId: 'S-IT-1',
  dataset: 'saitama-covid-line',
  purposes: ['saitama-2'],
  acquiredAt: '2026-01-10T10:00:00+09:00',
  consent: { refs: ['c-1'], sensitive: true },
  fields: { ageBand: '40代', medicalHistory: '喘息の既往', currentCondition: '37.8度' },
  documents: [{ name: 'memo.txt', contentType: 'text/plain', text: '受診記録：喘息' }],
};
const payroll = {
  recordId: 'it-pay-1',
  subjectId: 'S-IT-2',
  dataset: 'tochigi-payroll',
  purposes: ['tochigi-payroll'],
  acquiredAt: '2026-01-10T10:00:00+09:00',
  fields: { name: '那須 十和', myNumber, bankAccount: '普通 7654321' },
};

describe('ingest on the embedded stores', () => {
  let embedded: Embedded;
  let dir: string;
  let deps: LifecycleDeps;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-ingest-'));
    embedded = await startEmbedded({ dir, persist: false });
    deps = embeddedDeps(embedded, sampleCatalogue(), clockAt('2026-11-22T00:00:00Z')).deps;
  });

  afterAll(async () => {
    await embedded?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const rawItem = async (recordId: string) => {
    const out = await embedded.dynamodb.send(
      new GetItemCommand({ TableName: embedded.names.recordsTable, Key: marshall({ recordId }) }),
    );
    return out.Item === undefined ? undefined : unmarshall(out.Item);
  };

  it('stores every field only as ciphertext and the subject only as its pseudonym', async () => {
    // Act
    const report = await ingestRecords(deps, lines([health, payroll]), { actor: 'test' });
    // Assess
    expect(report.rejected).toEqual([]);
    const stm = await rawItem('it-stm-1');
    const pay = await rawItem('it-pay-1');
    const rawText = JSON.stringify([stm, pay]);
    for (const secret of ['喘息', '37.8', myNumber, '7654321', '40代', 'S-IT-1', 'S-IT-2']) {
      expect(rawText).not.toContain(secret);
    }
    expect(Object.keys(stm?.sealed ?? {}).sort()).toEqual(['ageBand', 'currentCondition', 'medicalHistory']);
    expect(Object.values(pay?.sealed ?? {}).every(isEnvelope)).toBe(true);
    expect(stm?.fields).toEqual({});
    expect(stm?.subjectPseudonym).toBe(await deps.pseudonyms.pseudonym('S-IT-1'));
    expect(stm?.retention).toMatchObject({ basis: 'necessity', period: 'P1Y', trigger: 'last-activity' });
    expect(stm?.policyVersion).toBe(deps.catalogue.version);
    expect(stm?.dueShard).toBeDefined();
    expect(stm?.expiresAt).toBeGreaterThan(Date.parse(stm?.retention.dueAt) / 1000);
  });

  it('keeps the sensitive document sealed in the object store', async () => {
    const objects = await embedded.s3.send(
      new ListObjectsV2Command({ Bucket: embedded.names.documentsBucket, Prefix: 'records/it-stm-1/' }),
    );
    expect(objects.Contents?.map((o) => o.Key)).toEqual(['records/it-stm-1/memo.txt']);
    const body = await deps.objects.get('records/it-stm-1/memo.txt');
    expect(Buffer.from(body ?? []).toString('utf8')).not.toContain('喘息');
  });

  it('reads the values back in clear for an allowed purpose, and refuses others', async () => {
    const read = await readRecord(deps, {
      recordId: 'it-stm-1',
      purpose: 'saitama-2',
      actor: 'test',
      withDocuments: true,
    });
    expect(read.fields).toEqual({ ageBand: '40代', medicalHistory: '喘息の既往', currentCondition: '37.8度' });
    expect(Buffer.from(read.documents[0]?.body ?? []).toString('utf8')).toBe('受診記録：喘息');
    await expect(
      readRecord(deps, { recordId: 'it-stm-1', purpose: 'saitama-7', actor: 'test' }),
    ).rejects.toBeInstanceOf(RefusedError);
    await expect(
      readRecord(deps, { recordId: 'it-stm-1', purpose: 'saitama-7', exception: 'public-health', actor: 'test' }),
    ).resolves.toBeDefined();
  });

  it('stores nothing of a refused line, neither item nor documents nor key', async () => {
    // Prepare
    const refused = {
      ...health,
      recordId: 'it-refused-1',
      subjectId: 'S-IT-REFUSED',
      consent: undefined,
    };
    // Act
    const report = await ingestRecords(deps, lines([refused]), { actor: 'test' });
    // Assess
    expect(report.stored).toEqual([]);
    expect(report.rejected[0]?.problems[0]?.path).toBe('consent');
    expect(await rawItem('it-refused-1')).toBeUndefined();
    expect(await deps.keys.get(await deps.pseudonyms.pseudonym('S-IT-REFUSED'))).toBeUndefined();
    const objects = await embedded.s3.send(
      new ListObjectsV2Command({ Bucket: embedded.names.documentsBucket, Prefix: 'records/it-refused-1/' }),
    );
    expect(objects.KeyCount ?? 0).toBe(0);
  });

  it('refuses a repeated record id and keeps the first record intact', async () => {
    const report = await ingestRecords(
      deps,
      lines([{ ...health, fields: { ageBand: '50代' } }]),
      { actor: 'test' },
    );
    expect(report.rejected[0]?.problems[0]?.message).toContain('already exists');
    const kept = await readRecord(deps, { recordId: 'it-stm-1', purpose: 'saitama-2', actor: 'test' });
    expect(kept.fields.ageBand).toBe('40代');
    expect(await deps.objects.get('records/it-stm-1/memo.txt')).toBeDefined();
  });

  it('crypto-shreds: once the subject key is destroyed the ciphertext cannot be opened', async () => {
    // Prepare
    const before = await readRecord(deps, { recordId: 'it-pay-1', purpose: 'tochigi-payroll', actor: 'test' });
    expect(before.fields.myNumber).toBe(myNumber);
    // Act
    await deps.keys.destroy(await deps.pseudonyms.pseudonym('S-IT-2'));
    // Assess
    const item = await rawItem('it-pay-1');
    expect(isEnvelope(item?.sealed.myNumber)).toBe(true);
    await expect(
      readRecord(deps, { recordId: 'it-pay-1', purpose: 'tochigi-payroll', actor: 'test' }),
    ).rejects.toBeInstanceOf(KeyUnavailableError);
  });

  it('seals a record again under a fresh key when a sweep destroys the key while the record is being stored', async () => {
    // Prepare: the subject has a key; a sweep destroys it between the moment
    // ingest reads it and the moment the record is written
    await ingestRecords(deps, lines([{ ...health, recordId: 'it-race-0', subjectId: 'S-RACE', documents: [] }]), { actor: 'test' });
    const racing: LifecycleDeps = {
      ...deps,
      records: Object.assign(Object.create(Object.getPrototypeOf(deps.records)), deps.records, {
        create: async (...args: Parameters<LifecycleDeps['records']['create']>) => {
          await deps.keys.destroy(await deps.pseudonyms.pseudonym('S-RACE'));
          return deps.records.create(...args);
        },
      }),
    };
    // Act
    const report = await ingestRecords(racing, lines([{ ...health, recordId: 'it-race-1', subjectId: 'S-RACE' }]), { actor: 'test' });
    // Assess: stored, readable, its document sealed under the new key too
    expect(report.rejected).toEqual([]);
    const read = await readRecord(deps, { recordId: 'it-race-1', purpose: 'saitama-2', actor: 'test' });
    expect(read.fields.medicalHistory).toBe('喘息の既往');
    expect(((await deps.records.get('it-race-1')) as { version?: number } | undefined)?.version).toBe(2);
  });

  it('does not destroy a key a record was sealed with after the key was read', async () => {
    await ingestRecords(deps, lines([{ ...health, recordId: 'it-use-1', subjectId: 'S-USE', documents: [] }]), { actor: 'test' });
    const subject = await deps.pseudonyms.pseudonym('S-USE');
    const read = await deps.keys.get(subject);
    // a record is sealed with the key meanwhile
    expect(await deps.keys.use(subject)).toBe(true);
    expect(await deps.keys.destroy(subject, read?.uses)).toBe(false);
    expect(await deps.keys.get(subject)).toBeDefined();
    const now = await deps.keys.get(subject);
    expect(await deps.keys.destroy(subject, now?.uses)).toBe(true);
    expect(await deps.keys.use(subject)).toBe(false);
  });

  it('writes one data key per subject even when its lines arrive together', async () => {
    const many = Array.from({ length: 12 }, (_, i) => ({
      ...payroll,
      recordId: `it-pay-many-${i}`,
      subjectId: 'S-IT-MANY',
    }));
    const report = await ingestRecords(deps, lines(many), { actor: 'test', concurrency: 12 });
    expect(report.stored).toHaveLength(12);
    const keys = await embedded.dynamodb.send(new ScanCommand({ TableName: embedded.names.keysTable }));
    const subject = await deps.pseudonyms.pseudonym('S-IT-MANY');
    expect(keys.Items?.filter((k) => unmarshall(k).subjectPseudonym === subject)).toHaveLength(1);
    for (const r of many) {
      const read = await readRecord(deps, { recordId: r.recordId, purpose: 'tochigi-payroll', actor: 'test' });
      expect(read.fields.myNumber).toBe(myNumber);
    }
  });
});
