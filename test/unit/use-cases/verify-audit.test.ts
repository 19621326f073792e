import { describe, expect, it } from 'vitest';
import type { MemoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import { chainEvent, type ChainedEvent } from '#shared/domain/audit-chain.ts';
import { verifyAudit } from '#shared/use-cases/verify-audit.ts';
import { ingest, sampleLines, world } from './world.ts';

async function audited(): Promise<MemoryDeps> {
  const deps = world();
  await ingest(deps, sampleLines());
  await deps.audit.checkpoint();
  return deps;
}

const at = (events: ChainedEvent[], i: number) => events[i] as ChainedEvent;

describe('verifyAudit over the in-memory trail', () => {
  it('accepts the trail as written, then goes on incrementally from its signed cursor', async () => {
    // Prepare
    const deps = await audited();
    // Act
    const full = await verifyAudit(deps.audit, { full: true, persist: true });
    await ingest(deps, sampleLines('records-refused.jsonl'));
    await deps.audit.checkpoint();
    const next = await verifyAudit(deps.audit, { persist: true });
    // Assess
    expect(full).toMatchObject({ ok: true, mode: 'full', eventsChecked: 16 });
    expect(next).toMatchObject({ ok: true, mode: 'incremental', from: 16 });
    expect(next.newEvents).toBe(7);
  });

  it('finds an event altered in the table', async () => {
    // Prepare
    const deps = await audited();
    const events = deps.audit.storedEvents;
    events[3] = { ...at(events, 3), outcome: 'refused' };
    // Act
    const verdict = await verifyAudit(deps.audit, { full: true });
    // Assess
    expect(verdict.ok).toBe(false);
    expect(verdict.problem?.at.seq).toBe(3);
  });

  it('finds an event removed and the chain re-linked around it', async () => {
    // Prepare
    const deps = await audited();
    const events = deps.audit.storedEvents;
    events.splice(5, 1);
    // Act
    const verdict = await verifyAudit(deps.audit, { full: true });
    // Assess
    expect(verdict.ok).toBe(false);
    expect(verdict.problem?.kind).toMatch(/missing|altered|reordered/);
  });

  it('finds a well-chained event forged at the tail without the writer key', async () => {
    // Prepare: an insider appends a correctly chained event, MAC made up
    const deps = await audited();
    const events = deps.audit.storedEvents;
    const last = at(events, events.length - 1);
    const { leafHash: _l, prevHash: _p, chainHash: _c, ...body } = last;
    events.push(chainEvent({ ...body, seq: events.length, eventId: 'forged-1', action: 'erasure', mac: Buffer.alloc(32).toString('base64') }, last.chainHash));
    // Act
    const verdict = await verifyAudit(deps.audit, { full: true });
    // Assess
    expect(verdict.ok).toBe(false);
    expect(verdict.problem?.at.seq).toBe(16);
  });
});
