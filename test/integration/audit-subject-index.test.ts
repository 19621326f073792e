import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCliCaptured } from '../cli-run.ts';
import { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import { KmsPseudonymizer } from '#shared/adapters/aws/kms-pseudonymizer.ts';
import { toCreateTableInput } from '#shared/adapters/aws/table-schema.ts';
import { AUDIT_TABLE, INDEX } from '#shared/domain/store-definitions.ts';
import { type Embedded, startEmbedded } from '#functions/local/embedded.ts';
import { uuidIds } from '#functions/runtime.ts';

const SUBJECTS = ['S-IDX-1', 'S-IDX-2', 'S-IDX-3'] as const;
const START = Date.parse('2026-11-01T00:00:00Z');
const COUNT = 40;

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'wasure-subject-index-'));
  dirs.push(dir);
  return dir;
};

const trailOf = (embedded: Embedded, minute: () => number) =>
  new DynamoAuditTrail({
    client: embedded.dynamodb,
    table: embedded.names.auditTable,
    pseudonymizer: new KmsPseudonymizer(embedded.kms, embedded.keyIds.hmac),
    clock: { now: () => new Date(START + minute() * 60_000) },
    ids: uuidIds,
  });

/** Appends `count` events one minute apart, cycling through the subjects and a subject-less one. */
async function appendEvents(embedded: Embedded, count: number): Promise<void> {
  let minute = 0;
  const trail = trailOf(embedded, () => minute);
  for (; minute < count; minute += 1) {
    const subject = SUBJECTS[minute % 4];
    await trail.append([
      { action: 'read', actor: 'test', recordId: `r-${minute}`, outcome: 'ok', ...(subject === undefined ? {} : { subjectId: subject }) },
    ]);
  }
}

/** The seqs `appendEvents` gave `subject`: each append is integrated alone, so event i has seq i. */
const seqsOf = (subject: (typeof SUBJECTS)[number], count = COUNT) =>
  Array.from({ length: count }, (_, i) => i).filter((i) => SUBJECTS[i % 4] === subject);

interface Call {
  readonly command: string;
  readonly input: QueryCommandInput;
  readonly output: Partial<QueryCommandOutput>;
}

/** Runs `act` and records every DynamoDB call any client makes meanwhile, with its output. */
async function recording<T>(act: () => Promise<T>): Promise<{ value: T; calls: Call[] }> {
  const send = vi.spyOn(DynamoDBClient.prototype, 'send');
  try {
    const value = await act();
    const calls: Call[] = [];
    for (const [i, [command]] of send.mock.calls.entries()) {
      const output = (await Promise.resolve(send.mock.results[i]?.value).catch(() => ({}))) as Partial<QueryCommandOutput>;
      calls.push({ command: command.constructor.name, input: command.input as QueryCommandInput, output });
    }
    return { value, calls };
  } finally {
    send.mockRestore();
  }
}

const auditReads = (calls: readonly Call[]) =>
  calls.filter((c) => ['QueryCommand', 'ScanCommand'].includes(c.command) && c.input.TableName === 'wasure-audit');
const indexReads = (calls: readonly Call[]) => auditReads(calls).filter((c) => c.input.IndexName === INDEX.bySubject);
/**
 * Audit reads that are neither the subject index, nor the sequencer's
 * look at its pending shards, nor its check of the head's last event
 * (at most two items): what reading the trail would show up as.
 */
const trailReads = (calls: readonly Call[]) =>
  auditReads(calls).filter(
    (c) =>
      c.input.IndexName === undefined &&
      !String(c.input.ExpressionAttributeValues?.[':s']?.S).startsWith('pending#') &&
      !(c.input.Limit !== undefined && c.input.Limit <= 2),
  );
const scanned = (calls: readonly Call[]) => calls.reduce((n, c) => n + (c.output.ScannedCount ?? 0), 0);
const seqs = (events: readonly { seq: number }[]) => events.map((e) => e.seq);

describe('DynamoAuditTrail.readEvents by subject', () => {
  let embedded: Embedded;
  let trail: DynamoAuditTrail;
  const pseudonym = (subject: string) => trail.pseudonymizer.pseudonym(subject);

  beforeAll(async () => {
    embedded = await startEmbedded({ dir: await tempDir(), persist: false });
    await appendEvents(embedded, COUNT);
    trail = trailOf(embedded, () => 0);
  }, 180_000);

  afterAll(async () => {
    await embedded?.stop();
  });

  it.each(SUBJECTS.map((s) => [s]))('returns exactly the events of %s, oldest first, reading only them', async (subject) => {
    // Prepare
    const p = await pseudonym(subject);
    // Act
    const { value: events, calls } = await recording(() => trail.readEvents({ subjectPseudonym: p }));
    // Assess
    expect(seqs(events)).toEqual(seqsOf(subject));
    expect(events.map((e) => e.recordId)).toEqual(seqsOf(subject).map((i) => `r-${i}`));
    expect(events.every((e) => e.subjectPseudonym === p && e.chainHash !== undefined)).toBe(true);
    expect(auditReads(calls)).toEqual(indexReads(calls));
    expect(scanned(calls)).toBe(seqsOf(subject).length);
  });

  it('reads only the newest N items for a limit of N, and returns them oldest first', async () => {
    // Act
    const { value: events, calls } = await recording(async () => trail.readEvents({ subjectPseudonym: await pseudonym(SUBJECTS[1]), limit: 3 }));
    // Assess
    expect(seqs(events)).toEqual(seqsOf(SUBJECTS[1]).slice(-3));
    expect(auditReads(calls)).toEqual(indexReads(calls));
    expect(scanned(calls)).toBe(3);
  });

  it('filters by time within the subject partition only', async () => {
    // Prepare: the subject's events from minute 20 on
    const since = new Date(START + 20 * 60_000).toISOString();
    const p = await pseudonym(SUBJECTS[0]);
    // Act
    const { value: all, calls } = await recording(() => trail.readEvents({ subjectPseudonym: p, since }));
    const newest = await trail.readEvents({ subjectPseudonym: p, since, limit: 2 });
    // Assess
    expect(seqs(all)).toEqual(seqsOf(SUBJECTS[0]).filter((i) => i >= 20));
    expect(seqs(newest)).toEqual(seqsOf(SUBJECTS[0]).slice(-2));
    expect(auditReads(calls)).toEqual(indexReads(calls));
    expect(scanned(calls)).toBe(seqsOf(SUBJECTS[0]).length);
  });

  it('reads no event for a subject with none', async () => {
    // Act
    const { value: events, calls } = await recording(async () => trail.readEvents({ subjectPseudonym: await pseudonym('S-IDX-NONE') }));
    // Assess
    expect(events).toEqual([]);
    expect(scanned(calls)).toBe(0);
  });

  it('still reads the whole trail without a subject', async () => {
    // Act
    const events = await trail.readEvents({ since: new Date(START + 30 * 60_000).toISOString() });
    // Assess
    expect(seqs(events)).toEqual(Array.from({ length: COUNT - 30 }, (_, i) => 30 + i));
  });
});

describe('wasure audit log --subject', () => {
  const cli = (dir: string, ...argv: string[]) => recording(() => runCliCaptured([...argv, '--local', dir]));

  it('lists exactly the subject’s events through the index, on a state directory made before the index', { timeout: 300_000 }, async () => {
    // Prepare: an audit table as an earlier wasure created it, holding events
    const dir = join(await tempDir(), 'state');
    const old = await startEmbedded({ dir, persist: true });
    try {
      const name = old.names.auditTable;
      await old.dynamodb.send(new DeleteTableCommand({ TableName: name }));
      await old.dynamodb.send(new CreateTableCommand(toCreateTableInput({ ...AUDIT_TABLE, indexes: [] }, name)));
      await appendEvents(old, 12);
      expect((await old.dynamodb.send(new DescribeTableCommand({ TableName: name }))).Table?.GlobalSecondaryIndexes).toBeUndefined();
    } finally {
      await old.stop();
    }
    // Act
    const first = await cli(dir, 'audit', 'log', '--subject', SUBJECTS[2], '--json');
    const again = await cli(dir, 'audit', 'log', '--subject', SUBJECTS[0], '--json');
    // Assess: the first open added the index and waited for its backfill; the next adds nothing
    const created = first.calls.filter((c) => c.command === 'UpdateTableCommand');
    expect(created.map((c) => c.input as { TableName?: string; GlobalSecondaryIndexUpdates?: { Create?: { IndexName?: string } }[] })).toMatchObject([
      { TableName: 'wasure-audit', GlobalSecondaryIndexUpdates: [{ Create: { IndexName: INDEX.bySubject } }] },
      { TableName: 'wasure-audit', GlobalSecondaryIndexUpdates: [{ Create: { IndexName: INDEX.byEventId } }] },
    ]);
    expect(again.calls.filter((c) => c.command === 'UpdateTableCommand')).toEqual([]);
    for (const [run, subject] of [
      [first, SUBJECTS[2]],
      [again, SUBJECTS[0]],
    ] as const) {
      expect(run.value.code, run.value.stderr).toBe(0);
      const events = JSON.parse(run.value.stdout) as { seq: number; recordId: string }[];
      expect(seqs(events)).toEqual(seqsOf(subject, 12));
      expect(events.map((e) => e.recordId)).toEqual(seqsOf(subject, 12).map((i) => `r-${i}`));
      expect(indexReads(run.calls).length).toBeGreaterThan(0);
      expect(trailReads(run.calls)).toEqual([]);
      expect(scanned(indexReads(run.calls))).toBe(seqsOf(subject, 12).length);
    }
  });
});
