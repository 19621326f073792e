import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AttributeValue,
  DeleteItemCommand,
  DescribeTableCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliCaptured } from '../cli-run.ts';
import { type EmbeddedRuntime, openEmbeddedRuntime } from '#functions/runtime.ts';
import { isTombstone } from '#shared/domain/record.ts';

const sample = (name: string) => fileURLToPath(new URL(`../../shared/samples/${name}`, import.meta.url));
const verified = ['--verified-by', 'passport', '--evidence', 'desk-1'];
const INGESTED = '2026-11-22T00:00:00Z';
const BACKUP_POINT = '2026-11-22T12:00:00Z';
const ERASED = '2026-11-23T00:00:00Z';
const RESTORED = '2026-11-24T00:00:00Z';

type Item = Record<string, AttributeValue>;
interface Snapshot {
  readonly tables: Record<string, Item[]>;
  readonly documents: { key: string; body: Uint8Array; contentType?: string; metadata?: Record<string, string> }[];
}

describe('wasure restore reconcile', () => {
  let dir: string;
  let snapshot: Snapshot;
  const run = (now: string, ...argv: string[]) => runCliCaptured([...argv, '--local', dir, '--now', now]);
  const withStores = async <T>(use: (runtime: EmbeddedRuntime) => Promise<T>): Promise<T> => {
    const runtime = await openEmbeddedRuntime({ cwd: process.cwd(), env: {}, dir, now: RESTORED });
    try {
      return await use(runtime);
    } finally {
      await runtime.close();
    }
  };
  const scan = async (r: EmbeddedRuntime, table: string): Promise<Item[]> => {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await r.embedded.dynamodb.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start !== undefined);
    return items;
  };
  const tablesOf = (r: EmbeddedRuntime) => [r.embedded.names.recordsTable, r.embedded.names.keysTable];
  const takeSnapshot = (r: EmbeddedRuntime): Promise<Snapshot> =>
    (async () => {
      const tables: Record<string, Item[]> = {};
      for (const table of tablesOf(r)) tables[table] = await scan(r, table);
      const bucket = r.embedded.names.documentsBucket;
      const listed = await r.embedded.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'records/' }));
      const documents: Snapshot['documents'] = [];
      for (const o of listed.Contents ?? []) {
        const got = await r.embedded.s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key }));
        documents.push({
          key: o.Key as string,
          body: await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
          ...(got.ContentType === undefined ? {} : { contentType: got.ContentType }),
          ...(got.Metadata === undefined ? {} : { metadata: got.Metadata }),
        });
      }
      return { tables, documents };
    })();
  /** A restore: each table holds exactly its snapshot's items again; the documents are back. */
  const restore = (r: EmbeddedRuntime, from: Snapshot) =>
    (async () => {
      for (const table of tablesOf(r)) {
        const schema = await r.embedded.dynamodb.send(new DescribeTableCommand({ TableName: table }));
        const keyNames = (schema.Table?.KeySchema ?? []).map((k) => k.AttributeName as string);
        for (const item of await scan(r, table)) {
          const Key = Object.fromEntries(keyNames.map((k) => [k, item[k] as AttributeValue]));
          await r.embedded.dynamodb.send(new DeleteItemCommand({ TableName: table, Key }));
        }
        for (const item of from.tables[table] ?? []) {
          await r.embedded.dynamodb.send(new PutItemCommand({ TableName: table, Item: item }));
        }
      }
      for (const d of from.documents) {
        await r.embedded.s3.send(
          new PutObjectCommand({ Bucket: r.embedded.names.documentsBucket, Key: d.key, Body: d.body, ContentType: d.contentType, Metadata: d.metadata }),
        );
      }
    })();
  /** Per subject: its live records among `recordIds`, whether its key exists, its document versions. */
  const stateOf = (subjects: Record<string, readonly string[]>) =>
    withStores(async (r) => {
      const state: Record<string, { live: number; key: boolean; documents: number }> = {};
      for (const [subjectId, recordIds] of Object.entries(subjects)) {
        const records = await Promise.all(recordIds.map((id) => r.deps.records.get(id)));
        state[subjectId] = {
          live: records.filter((x) => x !== undefined && !isTombstone(x)).length,
          key: (await r.deps.keys.get(await r.deps.pseudonyms.pseudonym(subjectId))) !== undefined,
          documents: (await Promise.all(recordIds.map((id) => r.deps.objects.listVersions(`records/${id}/`)))).flat().length,
        };
      }
      return state;
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-restore-'));
    const ingest = await run(INGESTED, 'ingest', sample('records.jsonl'), '--json');
    expect(ingest.code, ingest.stderr).toBe(0);
    snapshot = await withStores(takeSnapshot);
    const erase = await run(ERASED, 'request', 'erase', '--subject', 'S-GNM-2002', '--request-id', 'restore-erase-1', ...verified, '--json');
    expect(erase.code, erase.stderr).toBe(0);
    const sweep = await run(ERASED, 'sweep', '--json');
    expect(sweep.code, sweep.stderr).toBe(0);
    expect(JSON.parse(sweep.stdout).purged).toContain('ibk-0001');
    await withStores((r) => restore(r, snapshot));
  }, 600_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a missing or bad --since and unknown options (exit 2) before any store starts', async () => {
    // Prepare
    const fresh = join(await mkdtemp(join(tmpdir(), 'wasure-restore-bad-')), 'state');
    const bad = (...argv: string[]) => runCliCaptured(['restore', 'reconcile', ...argv, '--local', fresh]);
    // Act
    const results = [await bad(), await bad('--since', 'yesterday'), await bad('--since', BACKUP_POINT, '--dryrun'), await bad('--since')];
    // Assess
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2]);
    expect(results[0]?.stderr).toContain('--since: is required');
    expect(results[1]?.stderr).toContain('"yesterday" is not an ISO-8601 time');
    expect(results[2]?.stderr).toContain('did you mean --dry-run?');
    await expect(access(fresh)).rejects.toThrow();
    await rm(join(fresh, '..'), { recursive: true, force: true });
  });

  it('lists in a dry run what the restore brought back, and changes nothing', { timeout: 300_000 }, async () => {
    // Prepare
    const before = await withStores(takeSnapshot);
    expect(before.tables).toEqual(snapshot.tables);
    // Act
    const dry = await run(RESTORED, 'restore', 'reconcile', '--since', BACKUP_POINT, '--dry-run', '--json');
    // Assess
    expect(dry.code, dry.stderr).toBe(0);
    const report = JSON.parse(dry.stdout);
    expect(report).toMatchObject({ dryRun: true, skipped: 0 });
    expect(report.reapplied).toBeGreaterThan(2);
    expect(report.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'record', id: 'gnm-0002' }),
        expect.objectContaining({ kind: 'record', id: 'ibk-0001' }),
        expect.objectContaining({ kind: 'key' }),
      ]),
    );
    expect(await withStores(takeSnapshot)).toEqual(before);
  });

  it('erases again what the restore brought back, audited; a second run re-applies nothing', { timeout: 400_000 }, async () => {
    // Act
    const first = await run(RESTORED, 'restore', 'reconcile', '--since', BACKUP_POINT, '--json');
    const second = await run(RESTORED, 'restore', 'reconcile', '--since', BACKUP_POINT, '--json');
    // Assess
    expect(first.code, first.stderr).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({ dryRun: false, skipped: 0 });
    expect(report.reapplied).toBe(report.checked - report.alreadyGone);
    expect(report.reapplied).toBeGreaterThan(2);
    const gone = { live: 0, key: false, documents: 0 };
    expect(await stateOf({ 'S-GNM-2002': ['gnm-0002'], 'S-IBK-1001': ['ibk-0001'] })).toEqual({ 'S-GNM-2002': gone, 'S-IBK-1001': gone });
    expect(JSON.parse(second.stdout)).toMatchObject({ reapplied: 0, skipped: 0, alreadyGone: report.checked, items: [] });
    const log = await run(RESTORED, 'audit', 'log', '--since', RESTORED, '--json');
    const events = JSON.parse(log.stdout).filter((e: { actor: string }) => e.actor === 'system:restore-reconcile');
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'erasure', recordId: 'gnm-0002', outcome: 'ok' }),
        expect.objectContaining({ action: 'erasure', recordId: 'ibk-0001', outcome: 'ok' }),
        expect.objectContaining({ action: 'key-destroyed', outcome: 'ok' }),
      ]),
    );
    expect(log.stdout).not.toContain('S-GNM-2002');
    const verify = await run(RESTORED, 'audit', 'verify');
    expect(verify.code, verify.stdout).toBe(0);
  });
});
