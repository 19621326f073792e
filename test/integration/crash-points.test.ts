import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import type { ChainedEvent } from '#shared/domain/audit-chain.ts';
import { isTombstone } from '#shared/domain/record.ts';
import type { LifecycleDeps } from '#shared/use-cases/deps.ts';
import { ingestRecords } from '#shared/use-cases/ingest-records.ts';
import { purgeBatch } from '#shared/use-cases/purge-batch.ts';
import { recoverInterrupted } from '#shared/use-cases/recover-interrupted.ts';
import { verifyAudit } from '#shared/use-cases/verify-audit.ts';
import { type Embedded, startEmbedded } from '#functions/local/embedded.ts';
import { clockAt, embeddedDeps } from '#functions/runtime.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

/**
 * The process dies at one call to a store: `before` the call is sent, or
 * `after` it reached the store but before its answer arrived. From then
 * on every call fails, as nothing of a dead process reaches a store.
 */
class Crash {
  calls = 0;
  dead = false;
  private readonly inFlight = new Set<Promise<unknown>>();
  constructor(
    private readonly at: number,
    private readonly when: 'before' | 'after',
  ) {}

  async call<T>(send: () => Promise<T>): Promise<T> {
    if (this.dead) {
      throw new Error('process is dead');
    }
    this.calls += 1;
    if (this.calls === this.at && this.when === 'before') {
      this.dead = true;
      throw new Error(`crash before call ${this.at}`);
    }
    const sent = send();
    this.inFlight.add(sent);
    const out = await sent.finally(() => this.inFlight.delete(sent));
    if (this.calls === this.at && this.when === 'after') {
      this.dead = true;
      throw new Error(`crash after call ${this.at}`);
    }
    return out;
  }

  /**
   * What the stores had received when the process died, they finish: the
   * restart comes after those calls landed, as it would after a kill.
   */
  async landed(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}

function crashing<T extends { send: (...a: never[]) => Promise<unknown> }>(client: T, crash: Crash): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'send') {
        return (...args: never[]) => crash.call(() => target.send(...args));
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

const NOW = '2026-11-22T00:00:00Z';
const AFTER_DUE = '2030-01-01T00:00:00.000Z';

const lines = (k: string) =>
  [
    {
      recordId: `${k}-a`,
      subjectId: `S-${k}`,
      dataset: 'saitama-covid-line',
      purposes: ['saitama-2'],
      acquiredAt: '2026-01-10T10:00:00+09:00',
      consent: { refs: ['c-1'], sensitive: true },
      fields: { ageBand: '40代', medicalHistory: '喘息の既往' },
      documents: [{ name: 'memo.txt', contentType: 'text/plain', text: '受診記録' }],
    },
    {
      recordId: `${k}-b`,
      subjectId: `S-${k}`,
      dataset: 'saitama-covid-line',
      purposes: ['saitama-2'],
      acquiredAt: '2026-01-10T10:00:00+09:00',
      fields: { ageBand: '50代' },
      documents: [{ name: 'note.txt', contentType: 'text/plain', text: 'メモ' }],
    },
  ].map((o, i) => ({ line: i + 1, text: JSON.stringify(o) }));

describe('a crash at any store call of ingest or purge', () => {
  let embedded: Embedded;
  let dir: string;
  let deps: LifecycleDeps;
  let audit: DynamoAuditTrail;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-crash-'));
    embedded = await startEmbedded({ dir, persist: false });
    ({ deps, audit } = embeddedDeps(embedded, sampleCatalogue(), clockAt(NOW)));
  });

  afterAll(async () => {
    await embedded?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const depsCrashingAt = (crash: Crash): LifecycleDeps =>
    embeddedDeps(
      {
        ...embedded,
        dynamodb: crashing(embedded.dynamodb, crash),
        s3: crashing(embedded.s3, crash),
        kms: crashing(embedded.kms, crash),
      },
      sampleCatalogue(),
      clockAt(NOW),
    ).deps;

  /** Chained events of these records, by action, after the restart's recovery. */
  const eventsOf = async (recordIds: readonly string[]) => {
    const byRecord = new Map<string, ChainedEvent[]>(recordIds.map((id) => [id, []]));
    for (const e of await audit.readEvents()) {
      if (e.recordId !== undefined && byRecord.has(e.recordId) && e.outcome === 'ok') {
        byRecord.get(e.recordId)?.push(e);
      }
    }
    return (id: string, action: string) => (byRecord.get(id) ?? []).filter((e) => e.action === action).length;
  };

  /** Calls a clean run makes, so every one of them gets its crash. */
  const cleanCalls = async (run: (d: LifecycleDeps) => Promise<unknown>) => {
    const counter = new Crash(Number.POSITIVE_INFINITY, 'before');
    await run(depsCrashingAt(counter));
    return counter.calls;
  };

  it('leaves every record with its ingest event and no documents without a record, whatever the call it dies at', { timeout: 300_000 }, async () => {
    // Prepare
    const total = await cleanCalls((d) => ingestRecords(d, lines('cal-i'), { actor: 'test' }));
    expect(total).toBeGreaterThan(10);
    const broken: string[] = [];
    for (const when of ['before', 'after'] as const) {
      for (let at = 1; at <= total; at += 1) {
        const k = `ci-${when}-${at}`;
        // Act: die at call `at`, restart (recovery), and look
        const crash = new Crash(at, when);
        await ingestRecords(depsCrashingAt(crash), lines(k), { actor: 'test' }).catch(() => undefined);
        await crash.landed();
        await recoverInterrupted(deps, '9999-12-31T23:59:59.999Z');
        // Assess: a record exists if and only if its ingest event does, once
        const count = await eventsOf([`${k}-a`, `${k}-b`]);
        for (const id of [`${k}-a`, `${k}-b`]) {
          const stored = await deps.records.get(id);
          const events = count(id, 'ingest');
          const orphans = stored === undefined ? (await deps.objects.listVersions(`records/${id}/`)).length : 0;
          if ((stored === undefined ? 0 : 1) !== events || orphans > 0) {
            broken.push(`${when} call ${at}: ${id} stored=${stored !== undefined} ingestEvents=${events} orphanDocuments=${orphans}`);
          }
        }
        // and the line can be ingested again once the process is back
        const rerun = await ingestRecords(deps, lines(k), { actor: 'test' });
        expect(rerun.stored.length + rerun.rejected.length).toBe(2);
      }
    }
    expect(broken).toEqual([]);
    expect((await verifyAudit(audit)).ok).toBe(true);
  });

  it('leaves every erasure and key destruction with its event, and a rerun finishes the job, whatever the call it dies at', { timeout: 300_000 }, async () => {
    // Prepare
    await ingestRecords(deps, lines('cal-p'), { actor: 'test' });
    const purge = (d: LifecycleDeps, k: string) =>
      purgeBatch(d, { recordIds: [`${k}-a`, `${k}-b`], now: AFTER_DUE, dryRun: false, sweepId: `sweep-${k}` });
    const total = await cleanCalls((d) => purge(d, 'cal-p'));
    expect(total).toBeGreaterThan(8);
    const broken: string[] = [];
    for (const when of ['before', 'after'] as const) {
      for (let at = 1; at <= total; at += 1) {
        const k = `cp-${when}-${at}`;
        await ingestRecords(deps, lines(k), { actor: 'test' });
        const subject = await deps.pseudonyms.pseudonym(`S-${k}`);
        // Act: die at call `at`, restart (recovery), look, then rerun
        const crash = new Crash(at, when);
        await purge(depsCrashingAt(crash), k).catch(() => undefined);
        await crash.landed();
        await recoverInterrupted(deps, '9999-12-31T23:59:59.999Z');
        const count = await eventsOf([`${k}-a`, `${k}-b`]);
        const keyGone = (await deps.keys.get(subject)) === undefined;
        const keyEvents = count(`${k}-a`, 'key-destroyed') + count(`${k}-b`, 'key-destroyed');
        if ((keyGone ? 1 : 0) !== keyEvents) {
          broken.push(`${when} call ${at}: key gone=${keyGone} key-destroyed events=${keyEvents}`);
        }
        for (const id of [`${k}-a`, `${k}-b`]) {
          const item = await deps.records.get(id);
          const erased = item !== undefined && isTombstone(item) ? 1 : 0;
          if (erased !== count(id, 'erasure')) {
            broken.push(`${when} call ${at}: ${id} tombstone=${erased} erasure events=${count(id, 'erasure')}`);
          }
        }
        await purge(deps, k);
        // Assess: after the rerun everything is gone, each act recorded once
        const countAfter = await eventsOf([`${k}-a`, `${k}-b`]);
        for (const id of [`${k}-a`, `${k}-b`]) {
          const item = await deps.records.get(id);
          if (item === undefined || !isTombstone(item) || countAfter(id, 'erasure') !== 1) {
            broken.push(`${when} call ${at}: ${id} not erased exactly once after the rerun`);
          }
          if ((await deps.objects.listVersions(`records/${id}/`)).length > 0) {
            broken.push(`${when} call ${at}: documents of ${id} survived`);
          }
        }
        if ((await deps.keys.get(subject)) !== undefined || countAfter(`${k}-a`, 'key-destroyed') + countAfter(`${k}-b`, 'key-destroyed') !== 1) {
          broken.push(`${when} call ${at}: key not destroyed exactly once after the rerun`);
        }
      }
    }
    expect(broken).toEqual([]);
    expect((await verifyAudit(audit)).ok).toBe(true);
  });
});
