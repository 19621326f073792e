import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryExportStore } from '#shared/adapters/local/directory-export-store.ts';
import { DynamoRequestStore } from '#shared/adapters/aws/dynamo-request-store.ts';
import { REQUEST_TYPES, type RequestType } from '#shared/domain/requests.ts';
import { RefusedError } from '#shared/errors.ts';
import { ingestRecords } from '#shared/use-cases/ingest-records.ts';
import { provide } from '#shared/use-cases/provision-records.ts';
import { registerRequest } from '#shared/use-cases/subject-requests.ts';
import { readRecord } from '#shared/use-cases/read-record.ts';
import { type Embedded, startEmbedded } from '#functions/local/embedded.ts';
import { runRequestLocally } from '#functions/local/local-request.ts';
import { synthesizedTemplate } from '#functions/local/local-sweep.ts';
import { findStateMachine } from '#functions/local/run-state-machine.ts';
import type { RequestTaskDeps } from '#functions/workflow/request-tasks.ts';
import { clockAt, embeddedDeps } from '#functions/runtime.ts';
import { requestWorkflowName } from '#shared/domain/workflow-names.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const verification = { method: 'driver-licence' as const, evidenceRef: 'case-1' };

describe('subject-request state machines, executed locally', () => {
  let embedded: Embedded;
  let dir: string;
  let deps: RequestTaskDeps;
  const run = async (type: RequestType, requestId: string, subjectId: string, params: Record<string, unknown> = {}) => {
    await registerRequest(deps, { requestId, type, subjectId, requester: { kind: 'subject' }, verification, params });
    return runRequestLocally(deps, type, requestId);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wasure-requests-'));
    embedded = await startEmbedded({ dir, persist: false });
    const base = embeddedDeps(embedded, sampleCatalogue(), clockAt('2026-11-22T00:00:00Z')).deps;
    deps = {
      ...base,
      requests: new DynamoRequestStore(embedded.dynamodb, embedded.names.requestsTable),
      exports: new DirectoryExportStore(join(dir, 'exports'), base.clock),
    };
    const line = (recordId: string, subjectId: string) => ({
      recordId,
      subjectId,
      dataset: 'saitama-covid-line',
      purposes: ['saitama-2'],
      acquiredAt: '2026-01-10T10:00:00+09:00',
      consent: { refs: ['c'], sensitive: true },
      fields: { ageBand: '40代', medicalHistory: `喘息-${subjectId}` },
    });
    await ingestRecords(deps, [line('w-1', 'S-W1'), line('w-2', 'S-W2'), line('w-3', 'S-W3')].map((o, i) => ({ line: i + 1, text: JSON.stringify(o) })), { actor: 'test' });
  });

  afterAll(async () => {
    await embedded?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('synthesizes one state machine per request type', () => {
    for (const type of REQUEST_TYPES) {
      expect(findStateMachine(synthesizedTemplate(), `${requestWorkflowName(type)}StateMachine`)).toBeDefined();
    }
  });

  it('export delivers the package with a manifest and a BOM-prefixed CSV', async () => {
    const done = await run('export', 'wq-export', 'S-W1');
    expect(done.status).toBe('completed');
    const manifest = JSON.parse(await readFile(join(String(done.outcome?.location), 'manifest.json'), 'utf8'));
    expect(manifest.files.map((f: { name: string }) => f.name)).toEqual(['data.json', 'data.csv', 'summary.html']);
    const csv = await readFile(join(String(done.outcome?.location), 'data.csv'));
    expect([...csv.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8')).toContain('喘息-S-W1');
    expect(csv.toString('utf8')).not.toContain('S-W2');
  });

  it('correct, restrict, lift-restriction, stop-provision, purposes and erase each complete end to end', async () => {
    expect((await run('correct', 'wq-correct', 'S-W2', { recordId: 'w-2', set: { ageBand: '50代' } })).status).toBe('completed');
    expect((await readRecord(deps, { recordId: 'w-2', purpose: 'saitama-2', actor: 't' })).fields.ageBand).toBe('50代');
    const refused = await run('correct', 'wq-correct-bad', 'S-W2', { recordId: 'w-2', set: { hobby: 'golf' } });
    expect(refused.status).toBe('refused');
    expect(refused.reasons[0]).toContain('fields.hobby');
    expect((await run('restrict', 'wq-restrict', 'S-W2')).status).toBe('completed');
    await expect(readRecord(deps, { recordId: 'w-2', purpose: 'saitama-2', actor: 't' })).rejects.toBeInstanceOf(RefusedError);
    expect((await run('lift-restriction', 'wq-lift', 'S-W2')).status).toBe('completed');
    expect((await run('stop-provision', 'wq-stop', 'S-W3')).status).toBe('completed');
    await expect(provide(deps, { subjectId: 'S-W3', recipientId: 'keio-university', basis: 'academic-research', actor: 't' })).rejects.toBeInstanceOf(RefusedError);
    const purposes = await run('purposes', 'wq-purposes', 'S-W3');
    expect(JSON.stringify(purposes.outcome)).toContain('saitama-2');
    const erased = await run('erase', 'wq-erase', 'S-W1');
    expect(erased).toMatchObject({ status: 'completed', outcome: { erased: ['w-1'], keyDestroyed: true } });
    expect(await deps.records.get('w-1')).toMatchObject({ status: 'erased', cause: 'request:wq-erase' });
  });

  it('answers a repeated request id with the first outcome (idempotent)', async () => {
    const again = await run('erase', 'wq-erase', 'S-W1');
    expect(again).toMatchObject({ requestId: 'wq-erase', status: 'completed', outcome: { erased: ['w-1'] } });
  });
});
