import { describe, expect, it } from 'vitest';
import { MemoryCheckpointSigner } from '#shared/adapters/memory/memory-checkpoint-signer.ts';
import type { MemoryDeps } from '#shared/adapters/memory/memory-deps.ts';
import type { ChainedEvent } from '#shared/domain/audit-chain.ts';
import { verifyReceipt } from '#shared/domain/erasure-receipt.ts';
import { IntegrityError, NotFoundError, ValidationError } from '#shared/errors.ts';
import { issueErasureReceipt, NOT_YET_CHECKPOINTED, saveErasureReceipt } from '#shared/use-cases/erasure-receipt.ts';
import { eraseSubject, registerRequest } from '#shared/use-cases/subject-requests.ts';
import { ingest, requestInput, sampleOf, world, filedAndApproved } from './world.ts';

/** S-IBK-1001 (ibk-0001) erased on request req-e; not yet checkpointed. */
async function erased(): Promise<{ deps: MemoryDeps; subject: string }> {
  const deps = world();
  await ingest(deps, sampleOf('ibk-0001', 'ibk-0002'));
  const request = await filedAndApproved(deps, requestInput('req-e', 'erase', 'S-IBK-1001'));
  await eraseSubject(deps, request);
  return { deps, subject: request.subjectPseudonym };
}

const receiptDeps = (deps: MemoryDeps, signer = deps.audit.signer as MemoryCheckpointSigner) => ({
  trail: deps.audit,
  signer,
  requests: deps.requests,
  exports: deps.exports,
  clock: deps.clock,
});

describe('erasure receipts', () => {
  it('waits for a checkpoint, then issues a receipt that verifies offline and saves it as the package', async () => {
    // Prepare
    const { deps, subject } = await erased();
    // Act
    const early = await saveErasureReceipt(receiptDeps(deps), 'req-e').catch((e) => e);
    await deps.audit.checkpoint();
    const outcome = await saveErasureReceipt(receiptDeps(deps), 'req-e');
    const receipt = await issueErasureReceipt(receiptDeps(deps), { subjectPseudonym: subject, cause: 'request:req-e' });
    // Assess
    expect(early).toBeInstanceOf(NotFoundError);
    expect((early as Error).message).toBe(NOT_YET_CHECKPOINTED);
    expect(outcome).toMatchObject({ status: 'issued', file: 'erasure-receipt.json', events: 2, checkpoint: 0 });
    expect(await deps.exports.packageObjects('req-e')).toBe(3);
    expect(verifyReceipt(JSON.parse(JSON.stringify(receipt))).ok).toBe(true);
    expect(receipt.events.map((e) => e.action).sort()).toEqual(['erasure', 'key-destroyed']);
  });

  it('refuses to hand out a receipt for an event altered after it was checkpointed', async () => {
    // Prepare
    const { deps, subject } = await erased();
    await deps.audit.checkpoint();
    const events = deps.audit.storedEvents;
    const i = events.findIndex((e) => e.action === 'erasure' && e.subjectPseudonym === subject);
    events[i] = { ...(events[i] as ChainedEvent), details: { cause: 'request:req-e', objectVersions: 0, keyDestroyed: true } };
    // Act
    const attempt = issueErasureReceipt(receiptDeps(deps), { subjectPseudonym: subject });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(IntegrityError);
  });

  it('refuses a receipt checked against a key that did not sign the checkpoint', async () => {
    // Prepare
    const { deps, subject } = await erased();
    await deps.audit.checkpoint();
    // Act
    const attempt = issueErasureReceipt(receiptDeps(deps, new MemoryCheckpointSigner()), { subjectPseudonym: subject });
    // Assess
    await expect(attempt).rejects.toBeInstanceOf(IntegrityError);
  });

  it('issues none for another request type or a subject with nothing erased', async () => {
    // Prepare
    const { deps } = await erased();
    await registerRequest(deps, requestInput('req-x', 'export', 'S-IBK-1002'));
    await deps.audit.checkpoint();
    // Act
    const wrongType = await saveErasureReceipt(receiptDeps(deps), 'req-x').catch((e) => e);
    const nobody = issueErasureReceipt(receiptDeps(deps), { subjectPseudonym: await deps.pseudonyms.pseudonym('S-IBK-1002') });
    // Assess
    expect(wrongType).toBeInstanceOf(ValidationError);
    expect((wrongType as ValidationError).problems.map((p) => p.path)).toEqual(['requestId']);
    await expect(nobody).rejects.toBeInstanceOf(NotFoundError);
  });
});
