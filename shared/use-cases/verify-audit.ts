/**
 * Verifies the whole audit trail: recomputes every leaf and chain hash,
 * every checkpoint's Merkle root and signature, compares the checkpoints
 * with their Object-Lock copies, and names the first altered, missing,
 * reordered or inserted event or bad checkpoint.
 */
import { type Checkpoint, checkArchive, checkpointBytes, type TrailVerdict, verifyTrail } from '../domain/audit-chain.ts';
import type { DynamoAuditTrail } from '../adapters/aws/dynamo-audit-trail.ts';

/** Verifies the trail. */
export async function verifyAudit(trail: DynamoAuditTrail): Promise<TrailVerdict> {
  const { events, checkpoints, headSize } = await trail.readAll();
  const signer = trail.signer;
  const verifySignature = async (cp: Checkpoint) =>
    signer !== undefined &&
    cp.keyId === signer.keyId &&
    signer.verify(checkpointBytes(cp), Buffer.from(cp.signature, 'base64'));
  const verdict = await verifyTrail(events, checkpoints, verifySignature, headSize);
  const archive = trail.archive;
  if (!verdict.ok || archive === undefined) {
    return verdict;
  }
  // The locked copies catch what the trail cannot show about itself.
  const archived = await archive.readAll();
  const problem = checkArchive(checkpoints, archived);
  return problem === undefined
    ? { ...verdict, archivedChecked: archived.length }
    : { ok: false, eventsChecked: verdict.eventsChecked, checkpointsChecked: verdict.checkpointsChecked, archivedChecked: archived.length, problem };
}
