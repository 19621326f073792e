/**
 * Issues a subject's erasure receipt: their erasure and key-destruction
 * events with inclusion proofs against the latest signed checkpoint. The
 * receipt is verified before it is returned, so wasure never hands out a
 * receipt that does not check.
 */
import type { ChainedEvent, Checkpoint } from '../domain/audit-chain.ts';
import type { PackageFile } from '../domain/export-package.ts';
import { buildReceipt, ERASURE_ACTIONS, type ErasureReceipt, verifyReceipt } from '../domain/erasure-receipt.ts';
import { IntegrityError, NotFoundError } from '../errors.ts';
import type { CheckpointSigner } from '../ports/audit.ts';

/** Reads the chained events and the signed checkpoints of the trail. */
export interface TrailReader {
  readAll(): Promise<{ readonly events: readonly ChainedEvent[]; readonly checkpoints: readonly Checkpoint[] }>;
}

/** Ports of {@link issueErasureReceipt}. */
export interface ReceiptDeps {
  readonly trail: TrailReader;
  /** Gives the checkpoint key's public half. */
  readonly signer: Pick<CheckpointSigner, 'publicKeyPem'>;
}

/** What to issue a receipt for. */
export interface ReceiptInput {
  /** The subject's pseudonym (never the raw subject id). */
  readonly subjectPseudonym: string;
  /** Only events with this `details.cause`, e.g. `request:ID`. @default every erasure of the subject */
  readonly cause?: string;
}

/** Message when the erasure is newer than every signed checkpoint. */
export const NOT_YET_CHECKPOINTED = 'no signed checkpoint covers the erasure yet; run the checkpointer';

/**
 * Builds and self-verifies the erasure receipt of one subject. Throws
 * {@link NotFoundError} when no erasure of the subject is recorded or no
 * signed checkpoint covers it yet, {@link IntegrityError} when the trail
 * does not yield a receipt that verifies.
 *
 * @example
 * const receipt = await issueErasureReceipt({ trail, signer }, { subjectPseudonym });
 */
export async function issueErasureReceipt(deps: ReceiptDeps, input: ReceiptInput): Promise<ErasureReceipt> {
  // Reads the whole trail for now: proofs need every leaf hash up to the
  // checkpoint. A stored Merkle tile index would make this O(log n) reads.
  const trail = await deps.trail.readAll();
  const events = [...trail.events].sort((a, b) => a.seq - b.seq);
  const mine = events.filter(
    (e) =>
      e.subjectPseudonym === input.subjectPseudonym &&
      ERASURE_ACTIONS.includes(e.action) &&
      (input.cause === undefined || e.details?.cause === input.cause),
  );
  const last = mine[mine.length - 1];
  if (last === undefined) {
    throw new NotFoundError('no erasure is recorded for this subject');
  }
  const checkpoint = [...trail.checkpoints].sort((a, b) => b.index - a.index)[0];
  if (checkpoint === undefined || checkpoint.treeSize <= last.seq) {
    throw new NotFoundError(NOT_YET_CHECKPOINTED);
  }
  const covered = events.slice(0, checkpoint.treeSize);
  if (covered.length !== checkpoint.treeSize || covered.some((e, i) => e.seq !== i)) {
    throw new IntegrityError(`the trail does not hold events 0..${checkpoint.treeSize - 1} contiguously: run audit verify`);
  }
  const receipt = buildReceipt({
    subjectPseudonym: input.subjectPseudonym,
    // The signed tree commits to the stored leaf hashes; the self-check
    // below recomputes the subject's own from their content.
    leafHashes: covered.map((e) => Buffer.from(e.leafHash, 'hex')),
    events: mine,
    checkpoint,
    publicKey: await deps.signer.publicKeyPem(),
  });
  const verdict = verifyReceipt(receipt);
  if (!verdict.ok) {
    throw new IntegrityError(
      `the trail does not yield a receipt that verifies: ${verdict.problems.map((p) => p.message).join('; ')}`,
    );
  }
  return receipt;
}

/** Name of the receipt in an erase request's package. */
export const RECEIPT_FILE = 'erasure-receipt.json';

/**
 * The receipt of one erase request as a package file: only the events
 * caused by that request. Throws {@link NotFoundError} with
 * {@link NOT_YET_CHECKPOINTED} until a signed checkpoint covers them, so
 * call it after the checkpointer has run.
 *
 * @example
 * await exports.save(request.requestId, [await erasureReceiptFile(deps, request)]);
 */
export async function erasureReceiptFile(
  deps: ReceiptDeps,
  request: { readonly requestId: string; readonly subjectPseudonym: string },
): Promise<PackageFile> {
  const receipt = await issueErasureReceipt(deps, {
    subjectPseudonym: request.subjectPseudonym,
    cause: `request:${request.requestId}`,
  });
  return { name: RECEIPT_FILE, bytes: Buffer.from(`${JSON.stringify(receipt, null, 2)}\n`, 'utf8') };
}
