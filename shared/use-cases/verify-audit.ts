/**
 * Verifies the whole audit trail: recomputes every leaf and chain hash,
 * every checkpoint's Merkle root and signature, and names the first
 * altered, missing, reordered or inserted event or bad checkpoint.
 */
import { type Checkpoint, checkpointBytes, type TrailVerdict, verifyTrail } from '../domain/audit-chain.ts';
import type { DynamoAuditTrail } from '../adapters/aws/dynamo-audit-trail.ts';

/** Verifies the trail. */
export async function verifyAudit(trail: DynamoAuditTrail): Promise<TrailVerdict> {
  const { events, checkpoints, headSize } = await trail.readAll();
  const signer = trail.signer;
  const verifySignature = async (cp: Checkpoint) =>
    signer !== undefined &&
    cp.keyId === signer.keyId &&
    signer.verify(checkpointBytes(cp), Buffer.from(cp.signature, 'base64'));
  return verifyTrail(events, checkpoints, verifySignature, headSize);
}
