import { describe, expect, it } from 'vitest';
import { ERASURE_RECEIPT_STATES } from '#shared/domain/erasure-receipt.ts';
import type { SubjectRequest } from '#shared/domain/requests.ts';
import { ConfigError } from '#shared/errors.ts';
import type { LogLine } from '#shared/logging.ts';
import { erasureReceiptTasks, localErasureReceiptHandlers } from '#functions/workflow/erasure-receipt-tasks.ts';
import type { ExecuteResult, RequestTaskDeps } from '#functions/workflow/request-tasks.ts';

const PSEUDONYM = 'a'.repeat(64);
const executed: ExecuteResult = { requestId: 'q-9', status: 'completed', outcome: { erased: [], keyDestroyed: false }, reasons: [] };

function depsWith(status: SubjectRequest['status'], log: LogLine[]) {
  const saved: string[] = [];
  return {
    saved,
    deps: {
      trail: { readAll: async () => ({ events: [], checkpoints: [] }) },
      signer: { publicKeyPem: async () => '' },
      requests: { get: async (id: string) => ({ requestId: id, type: 'erase', status, subjectPseudonym: PSEUDONYM }) as SubjectRequest },
      exports: {
        save: async (id: string) => {
          saved.push(id);
          return { location: `/x/${id}`, expiresAt: '' };
        },
      },
      clock: { now: () => new Date('2026-11-22T00:00:00Z') },
      log: (line: LogLine) => log.push(line),
    },
  };
}

describe('erasure receipt task', () => {
  it('adds what became of the receipt to the erase step\'s result and logs one line without the subject', async () => {
    // Prepare
    const log: LogLine[] = [];
    const { deps, saved } = depsWith('received', log);
    // Act
    const out = await erasureReceiptTasks(deps).receipt(executed);
    // Assess
    expect(out).toEqual({ ...executed, outcome: { ...executed.outcome, erasureReceipt: { status: 'nothing-erased' } } });
    expect(saved).toEqual([]);
    expect(log).toEqual([expect.objectContaining({ level: 'info', event: 'request.receipt', requestId: 'q-9', receipt: 'nothing-erased' })]);
    expect(JSON.stringify(log)).not.toContain(PSEUDONYM);
  });

  it('passes a rerun of an answered request through unchanged', async () => {
    // Prepare
    const { deps } = depsWith('completed', []);
    // Act
    const out = await erasureReceiptTasks(deps).receipt(executed);
    // Assess
    expect(out).toBe(executed);
  });

  it.each([ERASURE_RECEIPT_STATES.checkpoint, ERASURE_RECEIPT_STATES.issue])('refuses %s locally without a checkpointer that signs', async (state) => {
    // Prepare
    const handlers = localErasureReceiptHandlers({} as RequestTaskDeps);
    // Act
    const run = (handlers[state] as (e: unknown) => Promise<unknown>)(executed);
    // Assess
    await expect(run).rejects.toBeInstanceOf(ConfigError);
  });
});
