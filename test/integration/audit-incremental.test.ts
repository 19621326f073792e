import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import type { DynamoAuditTrail } from '#shared/adapters/aws/dynamo-audit-trail.ts';
import type { AuditEventInput } from '#shared/ports/index.ts';
import { verifyAudit, type VerifierCursor } from '#shared/use-cases/verify-audit.ts';
import { auditTasks } from '#functions/workflow/audit-tasks.ts';
import { clockAt, embeddedDeps } from '#functions/runtime.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';
import { withEmbedded } from './harness.ts';

const events = (n: number, tag: string): AuditEventInput[] =>
  Array.from({ length: n }, (_, i) => ({ action: 'read', actor: 'incremental-test', recordId: `${tag}-${i}`, outcome: 'ok' }));

/** The stand-ins and helpers of one describe block (each block has its own trail). */
function stores() {
  const env = withEmbedded();
  const trail = (): DynamoAuditTrail => embeddedDeps(env(), sampleCatalogue(), clockAt('2026-11-22T00:00:00Z')).audit;
  const item = async (stream: string, seq: number) => {
    const out = await env().dynamodb.send(new GetItemCommand({ TableName: env().names.auditTable, Key: marshall({ stream, seq }), ConsistentRead: true }));
    return out.Item === undefined ? undefined : unmarshall(out.Item);
  };
  const put = (value: Record<string, unknown>) =>
    env().dynamodb.send(new PutItemCommand({ TableName: env().names.auditTable, Item: marshall(value, { removeUndefinedValues: true }) }));
  const remove = (stream: string, seq: number) =>
    env().dynamodb.send(new DeleteItemCommand({ TableName: env().names.auditTable, Key: marshall({ stream, seq }) }));
  const cursor = async () => {
    const stored = await item('verified', 0);
    return stored === undefined ? undefined : (JSON.parse(String(stored.cursor)) as VerifierCursor);
  };

  return { trail, item, put, remove, cursor };
}

describe('incremental audit verification on the embedded stores', () => {
  const { trail, cursor } = stores();

  it('reads only the events since its signed cursor, checks new checkpoints against it, and re-verifies all with --full', async () => {
    // Prepare: a verified, checkpointed trail
    const audit = trail();
    await audit.append(events(30, 'a'));
    await audit.checkpoint();
    const first = await verifyAudit(audit, { persist: true });
    expect(first).toMatchObject({ ok: true, mode: 'full', from: 0, newEvents: 30, eventsChecked: 30, checkpointsChecked: 1 });
    expect((await cursor())?.state.position).toBe(30);
    await audit.checkpoint();
    await audit.append(events(25, 'b'));
    await audit.checkpoint();
    // Act
    const next = await verifyAudit(audit, { persist: true, pageSize: 7 });
    // Assess: 25 new events read, two new checkpoints checked by root and consistency
    expect(next).toMatchObject({ ok: true, mode: 'incremental', from: 30, newEvents: 25, eventsChecked: 55, checkpointsChecked: 3, archivedChecked: 3 });
    expect(await verifyAudit(audit, { persist: true })).toMatchObject({ ok: true, newEvents: 0, eventsChecked: 55 });
    expect(await verifyAudit(audit, { full: true })).toMatchObject({ ok: true, mode: 'full', newEvents: 55, eventsChecked: 55, checkpointsChecked: 3 });
  });

  it('stops at its budget with its cursor saved, signs nothing then, and the next run goes on', async () => {
    // Prepare
    const audit = trail();
    await audit.append(events(40, 'g'));
    await audit.checkpoint();
    const total = await audit.headSize();
    let signed = 0;
    const checkpoint = async () => {
      signed += 1;
    };
    // Act 1: a budget of 0 stops after the first page, which here holds the whole trail
    const run = await auditTasks({ audit, budgetMs: 0, checkpoint }).verify({});
    // Assess 1
    expect(run).toMatchObject({ ok: true, eventsChecked: total, complete: true });
    expect(signed).toBe(1);
    // Act 2: with small pages the budget bites
    await audit.append(events(40, 'h'));
    const partial = await auditTasks({ audit, budgetMs: 0, pageSize: 15, checkpoint }).verify({});
    // Assess 2: stopped with its cursor saved, nothing signed
    expect(partial).toMatchObject({ ok: true, complete: false, newEvents: 15, eventsChecked: total + 15 });
    expect(signed).toBe(1);
    expect((await cursor())?.state.position).toBe(total + 15);
    const rest = await auditTasks({ audit, pageSize: 15, checkpoint }).verify({});
    expect(rest).toMatchObject({ ok: true, complete: true, newEvents: 25, eventsChecked: total + 40 });
    expect(signed).toBe(2);
  });
});

describe('incremental audit verification under tampering', () => {
  const { trail, item, put } = stores();

  it('finds an event altered after the cursor; one altered before it is found by --full', async () => {
    // Prepare
    const audit = trail();
    await audit.append(events(12, 'c'));
    await audit.checkpoint();
    expect((await verifyAudit(audit, { persist: true })).ok).toBe(true);
    await audit.append(events(8, 'd'));
    // Act: with PutItem on the table, rewrite one old and one new event
    const old = (await item('events', 3)) as Record<string, unknown>;
    await put({ ...old, outcome: 'refused' });
    const fresh = (await item('events', 15)) as Record<string, unknown>;
    await put({ ...fresh, outcome: 'refused' });
    // Assess
    expect((await verifyAudit(audit)).problem).toMatchObject({ kind: 'altered', at: { seq: 15 } });
    expect((await verifyAudit(audit, { full: true })).problem).toMatchObject({ kind: 'altered', at: { seq: 3 } });
  });

});

describe('the verifier cursor under attack', () => {
  const { trail, item, put, remove, cursor } = stores();

  it('refuses a cursor written without the checkpoint key, and a trail cut back behind the cursor', async () => {
    // Prepare
    const audit = trail();
    await audit.append(events(10, 'e'));
    await audit.checkpoint();
    expect((await verifyAudit(audit, { persist: true })).ok).toBe(true);
    const saved = (await cursor()) as VerifierCursor;
    // Act 1: someone with PutItem moves the cursor on, to skip events
    await put({ stream: 'verified', seq: 0, cursor: JSON.stringify({ ...saved, state: { ...saved.state, position: 9 } }) });
    // Assess 1
    const forged = await verifyAudit(audit);
    expect(forged.problem).toMatchObject({ kind: 'bad-signature' });
    expect(forged.problem?.message).toContain('--full');
    expect((await verifyAudit(audit, { full: true, persist: true })).ok).toBe(true);
    // Act 2: delete the newest events and wind the head back
    const head = (await item('head', 0)) as Record<string, unknown>;
    await audit.append(events(5, 'f'));
    expect((await verifyAudit(audit, { persist: true })).ok).toBe(true);
    for (let seq = 10; seq < 15; seq += 1) await remove('events', seq);
    await put(head);
    // Assess 2
    const cut = await verifyAudit(audit);
    expect(cut.problem).toMatchObject({ kind: 'missing', at: { seq: 10 } });
    expect(cut.problem?.message).toContain('cut back');
  });

});
