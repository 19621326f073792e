/**
 * Issues a subject's erasure receipt: their erasure and key-destruction
 * events with inclusion proofs against the latest signed checkpoint. The
 * receipt is verified before it is returned, so wasure never hands out a
 * receipt that does not check.
 */
import type { ChainedEvent, Checkpoint } from '../domain/audit-chain.ts';
import { type PackageFile, withManifest } from '../domain/export-package.ts';
import {
  buildReceipt,
  ERASURE_ACTIONS,
  type ErasureReceipt,
  HOW_TO_VERIFY_FILE,
  howToVerify,
  keyFingerprint,
  verifyReceipt,
} from '../domain/erasure-receipt.ts';
import { IntegrityError, NotFoundError, ValidationError } from '../errors.ts';
import type { Clock, ExportStore, RequestStore } from '../ports/index.ts';

/** Reads the chained events and the signed checkpoints of the trail. */
export interface TrailReader {
  readAll(): Promise<{ readonly events: readonly ChainedEvent[]; readonly checkpoints: readonly Checkpoint[] }>;
}

/** Ports of {@link issueErasureReceipt}. */
export interface ReceiptDeps {
  readonly trail: TrailReader;
  /**
   * Gives the public half (PEM) of the key that signed a checkpoint, by the
   * checkpoint's `keyId`. A CheckpointSigner, which knows its own key, may
   * ignore the id; the receipt is checked against the key it returns.
   */
  readonly signer: { publicKeyPem(keyId: string): Promise<string> };
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
  const receipt = await receiptOf(deps, input);
  if (receipt === undefined) {
    throw new NotFoundError('no erasure is recorded for this subject');
  }
  return receipt;
}

/** The receipt, or undefined when no erasure of the subject (and cause) is recorded. */
async function receiptOf(deps: ReceiptDeps, input: ReceiptInput): Promise<ErasureReceipt | undefined> {
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
    return undefined;
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
    publicKey: await deps.signer.publicKeyPem(checkpoint.keyId),
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

const receiptFile = (receipt: ErasureReceipt): PackageFile => ({
  name: RECEIPT_FILE,
  bytes: Buffer.from(`${JSON.stringify(receipt, null, 2)}\n`, 'utf8'),
});

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
  return receiptFile(
    await issueErasureReceipt(deps, { subjectPseudonym: request.subjectPseudonym, cause: `request:${request.requestId}` }),
  );
}

/** Ports of {@link saveErasureReceipt}. */
export interface RequestReceiptDeps extends ReceiptDeps {
  /** Where the erase request is read from. */
  readonly requests: Pick<RequestStore, 'get'>;
  /** Where the package is saved (the store of disclosure packages). */
  readonly exports: Pick<ExportStore, 'save'>;
  readonly clock: Clock;
}

/**
 * What became of an erase request's receipt, as its outcome records it
 * (no personal data: where the package is, counts and positions).
 */
export type ErasureReceiptOutcome =
  | {
      readonly status: 'issued';
      /** The package: a directory locally, a presigned URL of its manifest on AWS. */
      readonly location: string;
      readonly expiresAt: string;
      readonly file: typeof RECEIPT_FILE;
      /** Erasure events proved. */
      readonly events: number;
      /** Index of the signed checkpoint they are proved against. */
      readonly checkpoint: number;
    }
  /** The erasure erased nothing of the subject: there is nothing to prove. */
  | { readonly status: 'nothing-erased' }
  /** No receipt yet (set by the state machine after its retries): `wasure receipt issue` makes it later. */
  | { readonly status: 'later' };

/**
 * Issues the receipt of an erase request (only that request's events) and
 * saves it as the request's package: `erasure-receipt.json`,
 * `HOW-TO-VERIFY.txt` (Japanese and English) and the manifest. Call it
 * after the erasure and a checkpoint that covers it, before the request is
 * completed: a request already answered is left as it is (undefined), so a
 * rerun keeps its first outcome. An erasure that erased nothing gives
 * `nothing-erased` and no package. Throws {@link NotFoundError} with
 * {@link NOT_YET_CHECKPOINTED} while no signed checkpoint covers the
 * erasure (the state machine retries it), and for an unknown request.
 *
 * @example
 * const outcome = await saveErasureReceipt({ trail, signer, requests, exports, clock }, 'q-17');
 */
export async function saveErasureReceipt(
  deps: RequestReceiptDeps,
  requestId: string,
): Promise<ErasureReceiptOutcome | undefined> {
  const request = await deps.requests.get(requestId);
  if (request === undefined) {
    throw new NotFoundError(`request ${requestId} does not exist`);
  }
  if (request.type !== 'erase') {
    throw new ValidationError(`request ${requestId} is a ${request.type} request`, [
      { path: 'requestId', message: 'only an erase request has an erasure receipt' },
    ]);
  }
  if (request.status !== 'received') {
    return undefined;
  }
  const receipt = await receiptOf(deps, { subjectPseudonym: request.subjectPseudonym, cause: `request:${requestId}` });
  if (receipt === undefined) {
    return { status: 'nothing-erased' };
  }
  const guide = howToVerify({ requestId, receiptFile: RECEIPT_FILE, keyFingerprint: keyFingerprint(receipt.publicKey) });
  const files = withManifest([receiptFile(receipt), { name: HOW_TO_VERIFY_FILE, bytes: Buffer.from(guide, 'utf8') }], {
    requestId,
    generatedAt: deps.clock.now().toISOString(),
  });
  const saved = await deps.exports.save(requestId, files);
  return {
    status: 'issued',
    location: saved.location,
    expiresAt: saved.expiresAt,
    file: RECEIPT_FILE,
    events: receipt.events.length,
    checkpoint: receipt.checkpoint.index,
  };
}
