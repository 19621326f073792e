/**
 * Verifies the whole audit trail: recomputes every leaf and chain hash,
 * every checkpoint's Merkle root and signature, compares the checkpoints
 * with their Object-Lock copies, checks each event's writer MAC, and
 * names the first altered, missing, reordered, inserted or unauthenticated
 * event or bad checkpoint.
 */
import {
  type ChainedEvent,
  type Checkpoint,
  checkArchive,
  checkpointBytes,
  EVENT_VERSION,
  macBytes,
  type TrailVerdict,
  verifyTrail,
} from '../domain/audit-chain.ts';
import type { DynamoAuditTrail } from '../adapters/aws/dynamo-audit-trail.ts';
import type { EventAuthenticator } from '../ports/audit.ts';

/** Writer MACs checked at once (each is one key-service call). */
const MAC_CONCURRENCY = 16;

/** Indexes of the versioned events whose writer MAC verifies. */
async function validMacs(events: readonly ChainedEvent[], auth: EventAuthenticator): Promise<Set<number>> {
  const valid = new Set<number>();
  const todo = events.flatMap((e, i) => (e.v === EVENT_VERSION && typeof e.mac === 'string' ? [i] : []));
  let next = 0;
  const worker = async () => {
    for (let k = next++; k < todo.length; k = next++) {
      const i = todo[k] as number;
      const e = events[i] as ChainedEvent;
      if (await auth.verify(macBytes(e), Buffer.from(e.mac as string, 'base64'))) valid.add(i);
    }
  };
  await Promise.all(Array.from({ length: MAC_CONCURRENCY }, worker));
  return valid;
}

/** Verifies the trail. */
export async function verifyAudit(trail: DynamoAuditTrail): Promise<TrailVerdict> {
  const { events, checkpoints, headSize, headSizeAfter } = await trail.readAll();
  const auth = trail.authenticator;
  const valid = auth === undefined ? undefined : await validMacs(events, auth);
  const signer = trail.signer;
  const verifySignature = async (cp: Checkpoint) =>
    signer !== undefined &&
    cp.keyId === signer.keyId &&
    signer.verify(checkpointBytes(cp), Buffer.from(cp.signature, 'base64'));
  const verdict = await verifyTrail(events, checkpoints, verifySignature, headSize, (_e, i) => valid?.has(i), headSizeAfter);
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
