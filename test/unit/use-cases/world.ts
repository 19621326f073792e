/** One in-memory world per test: the sample catalogue, its records, the trail check. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { fixedClock, type MemoryDeps, memoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import { SimulatedCrash } from '#shared/adapters/memory/faults.ts';
import type { ChainedEvent } from '#shared/domain/audit-chain.ts';
import type { AuditAction } from '#shared/ports/index.ts';
import { type IngestLine, type IngestReport, ingestRecords } from '#shared/use-cases/ingest-records.ts';
import type { SubjectRequest } from '#shared/domain/requests.ts';
import { decideRequest } from '#shared/use-cases/request-decisions.ts';
import { type RequestInput, registerRequest } from '#shared/use-cases/subject-requests.ts';
import { verifyAudit } from '#shared/use-cases/verify-audit.ts';
import { sampleCatalogue } from '../../fixtures/catalogue.ts';

/** The clock the tests stand at unless they move it. */
export const NOW = '2026-12-01T00:00:00.000Z';

/** A fresh world at `now`. */
export function world(now = NOW): MemoryDeps & { clock: ReturnType<typeof fixedClock> } {
  const clock = fixedClock(now);
  return { ...memoryDeps(sampleCatalogue(), clock), clock };
}

/** The lines of a sample file (records.jsonl unless named). */
export function sampleLines(file = 'records.jsonl'): IngestLine[] {
  const text = readFileSync(fileURLToPath(new URL(`../../../shared/samples/${file}`, import.meta.url)), 'utf8');
  return text
    .split('\n')
    .filter((t) => t.trim() !== '')
    .map((text, i) => ({ line: i + 1, text }));
}

/** The sample lines whose record id is one of `ids`, numbered as in the file. */
export function sampleOf(...ids: string[]): IngestLine[] {
  return sampleLines().filter((l) => ids.includes(JSON.parse(l.text).recordId));
}

/** One line of JSON. */
export function line(value: unknown, n = 1): IngestLine {
  return { line: n, text: JSON.stringify(value) };
}

/** A request by the subject, identity verified by passport. */
export function requestInput(
  requestId: string,
  type: RequestInput['type'],
  subjectId?: string,
  params?: RequestInput['params'],
): RequestInput {
  return {
    requestId,
    type,
    requester: { kind: 'subject' },
    verification: { method: 'passport', evidenceRef: 'ev-2026-001' },
    // The filing clerk: the sample catalogue's public bodies put erasures and corrections under approval.
    operator: 'clerk-1',
    ...(subjectId === undefined ? {} : { subjectId }),
    ...(params === undefined ? {} : { params }),
  };
}

/** Ingests lines as the admin would. */
export function ingest(deps: MemoryDeps, lines: IngestLine[]): Promise<IngestReport> {
  return ingestRecords(deps, lines, { actor: 'admin:test' });
}

/** The chained events of an action (and record). */
export async function eventsOf(deps: MemoryDeps, action: AuditAction, recordId?: string): Promise<ChainedEvent[]> {
  return (await deps.audit.readEvents()).filter(
    (e) => e.action === action && (recordId === undefined || e.recordId === recordId),
  );
}

/** Asserts the whole trail verifies (chain, MACs, a fresh signed checkpoint) with nothing left pending. */
export async function expectTrailVerifies(deps: MemoryDeps): Promise<void> {
  expect(await deps.audit.pendingCount()).toBe(0);
  await deps.audit.checkpoint();
  const verdict = await verifyAudit(deps.audit, { full: true });
  expect(verdict.problem).toBeUndefined();
  expect(verdict.ok).toBe(true);
  expect(verdict.eventsChecked).toBe(await deps.audit.headSize());
}

/**
 * Kills a run at each of its port calls in turn: for n = 1, 2, … a fresh
 * world is prepared, the run is killed at its n-th call, the process
 * restarts (faults healed) and `recover` runs; `check` then judges the
 * world. Stops at the first n the run survives. Returns how many calls the
 * run makes.
 */
export async function killAtEveryCall<T>(
  prepare: () => Promise<T>,
  run: (state: T) => Promise<unknown>,
  recover: (state: T) => Promise<unknown>,
  check: (state: T, killedAt: number | undefined) => Promise<void>,
  options: { afterEffect?: boolean } = {},
): Promise<number> {
  for (let n = 1; n < 500; n += 1) {
    const state = await prepare();
    const deps = (state as { deps?: MemoryDeps }).deps ?? (state as unknown as MemoryDeps);
    deps.faults.failAt(n, options.afterEffect === true ? { afterEffect: true } : {});
    let crashed = false;
    try {
      await run(state);
    } catch (error) {
      if (!(error instanceof SimulatedCrash)) {
        throw error;
      }
      crashed = true;
    }
    deps.faults.heal();
    if (crashed) {
      await recover(state);
    }
    await check(state, crashed ? n : undefined);
    if (!crashed) {
      return n - 1;
    }
  }
  throw new Error('the run never finished');
}

/**
 * Files a request as clerk-1 and, where its controller puts it under
 * approval (the sample's public bodies: erase, correct), has chief-2
 * approve it, as the workflow requires before anything changes.
 */
export async function filedAndApproved(deps: MemoryDeps, input: RequestInput): Promise<SubjectRequest> {
  const filed = await registerRequest(deps, input);
  return filed.approval?.state === 'pending' ? decideRequest(deps, { requestId: filed.requestId, operator: 'chief-2', decision: 'approve' }) : filed;
}
