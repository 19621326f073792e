/**
 * Verifies the audit trail, streaming: recomputes each leaf and chain
 * hash, checks each event's writer MAC, each checkpoint's signature, link,
 * Merkle root and RFC 9162 consistency with the checkpoint before, compares
 * the checkpoints with their Object-Lock copies, and names the first
 * altered, missing, reordered, inserted or unauthenticated event or bad
 * checkpoint.
 *
 * By default a run goes on from the verifier's saved cursor: the state at
 * the last event it verified, signed by the checkpointer, so each run reads
 * only the events added since (incremental). `full` re-verifies from event
 * 0. Memory stays flat (a Merkle frontier and a fixed-size id filter, one
 * page of events at a time), and a time budget stops a run at a page
 * boundary with its cursor saved, so the next run resumes there.
 */
import {
  type ChainedEvent,
  canonical,
  type Checkpoint,
  checkArchive,
  checkpointBytes,
  EVENT_VERSION,
  macBytes,
  eventBytes,
  GENESIS,
  leafHash,
  type MacCheck,
  nodeHash,
  type TrailProblem,
  type TrailVerdict,
} from '../domain/audit-chain.ts';
import { GENESIS_STATE, replayProblem, TrailVerifier, type VerifierState, writerProblem } from '../domain/trail-verifier.ts';
import type { Checkpointer } from '../ports/audit.ts';
import type { CheckpointSigner, EventAuthenticator } from '../ports/audit.ts';

/** Writer MACs checked at once (each is one key-service call). */
const MAC_CONCURRENCY = 16;

/** What kind of document the cursor is (its signature covers this). */
const CURSOR_KIND = 'wasure-verifier-cursor';

/** The verifier's saved cursor, as stored. */
export interface VerifierCursor {
  readonly kind: typeof CURSOR_KIND;
  /** Where the last run stopped. */
  readonly state: VerifierState;
  /** The state at the last verified checkpoint (restart point if a checkpoint lands behind `state`). */
  readonly anchorState: VerifierState | null;
  /** The checkpoint index whose segment the rolling re-check reads next. */
  readonly recheckFrom: number;
  readonly time: string;
  readonly keyId: string;
  readonly algorithm: string;
  /** Checkpoint-key signature over the canonical document without it (base64). */
  readonly signature: string;
}

/** Options of {@link verifyAudit}. */
export interface VerifyOptions {
  /** Re-verify from event 0, ignoring the saved cursor. */
  readonly full?: boolean;
  /** Save the cursor after the run (the checkpointer's path: it signs it). */
  readonly persist?: boolean;
  /** Stop at the first page boundary after this many milliseconds (resumable). */
  readonly budgetMs?: number;
  /** Events read per page. @default 1000 */
  readonly pageSize?: number;
  /** Milliseconds clock for the budget. @default Date.now */
  readonly now?: () => number;
  /** Told after each page how far the run is, and the head's size. */
  readonly onProgress?: (verified: number, headSize: number) => void;
  /** The run's time, recorded in the saved cursor. @default now */
  readonly time?: () => Date;
  /**
   * Events already verified that an incremental run reads again (the
   * rolling re-check), a segment between two signed chain hashes at a
   * time. @default {@link RECHECK_EVENTS}; 0 turns it off.
   */
  readonly recheckEvents?: number;
}

/** Events the rolling re-check reads per run by default. */
export const RECHECK_EVENTS = 10_000;

/**
 * How far writers' clocks may lie apart: a new event staged no later than
 * this after the last event the cursor verified may be a copy of an
 * earlier one, so its id is looked up in the trail's id index.
 */
const CLOCK_SKEW_MS = 15 * 60 * 1000;

/** The result of one verification run. */
export interface AuditVerdict extends TrailVerdict {
  /** `incremental`: went on from the saved cursor; `full`: from event 0. */
  readonly mode: 'full' | 'incremental';
  /** The seq this run started at. */
  readonly from: number;
  /** Events this run read and checked. */
  readonly newEvents: number;
  /** False when the budget stopped the run: run again to go on. */
  readonly complete: boolean;
  /** Events the rolling re-check read again this run. */
  readonly recheckedEvents: number;
}

/** Indexes of a page's versioned events whose writer MAC verifies. */
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

/** The bytes a cursor's signature covers. */
function cursorBytes(cursor: Omit<VerifierCursor, 'signature'> | VerifierCursor): Buffer {
  const { signature: _s, ...rest } = cursor as VerifierCursor;
  return Buffer.from(canonical(rest), 'utf8');
}

/** Signs a cursor with the checkpoint key. */
export async function signCursor(
  signer: CheckpointSigner,
  state: VerifierState,
  anchorState: VerifierState | null,
  recheckFrom: number,
  time: Date,
): Promise<VerifierCursor> {
  const unsigned = { kind: CURSOR_KIND, state, anchorState, recheckFrom, time: time.toISOString(), keyId: signer.keyId, algorithm: signer.algorithm } as const;
  const signature = Buffer.from(await signer.sign(cursorBytes(unsigned))).toString('base64');
  return { ...unsigned, signature };
}

/**
 * The saved cursor when it verifies; a problem when one is stored but does
 * not (only the checkpointer writes it, so that is tampering); undefined
 * when none is stored or there is no key to check it with.
 */
async function loadCursor(trail: Checkpointer): Promise<VerifierCursor | TrailProblem | undefined> {
  const signer = trail.signer;
  const stored = (await trail.readVerifierCursor()) as Partial<VerifierCursor> | undefined;
  if (stored === undefined || signer === undefined) {
    return undefined;
  }
  const valid =
    stored.kind === CURSOR_KIND &&
    typeof stored.signature === 'string' &&
    typeof stored.state?.position === 'number' &&
    stored.keyId === signer.keyId &&
    (await signer.verify(cursorBytes(stored as VerifierCursor), Buffer.from(stored.signature, 'base64')));
  return valid
    ? (stored as VerifierCursor)
    : {
        kind: 'bad-signature',
        at: {},
        message: "the verifier's saved cursor does not verify under the checkpoint key: it was written outside wasure; run `wasure audit verify --full`",
      };
}

/** Where a run starts: the cursor's state, or its anchor when a checkpoint landed behind it. */
async function startOf(
  trail: Checkpointer,
  cursor: VerifierCursor | undefined,
): Promise<{ state: VerifierState; anchorState: VerifierState | null; checkpoints: Checkpoint[] }> {
  const state = cursor?.state ?? GENESIS_STATE;
  const checkpoints = await trail.readCheckpoints(state.checkpoints);
  const first = checkpoints[0];
  if (cursor === undefined || first === undefined || first.treeSize >= state.position) {
    return { state, anchorState: cursor?.anchorState ?? null, checkpoints };
  }
  // A checkpoint signed while the last run streamed can cover fewer events
  // than it read: go back to the last verified checkpoint and re-check.
  const back = cursor.anchorState ?? GENESIS_STATE;
  return { state: back, anchorState: cursor.anchorState, checkpoints: await trail.readCheckpoints(back.checkpoints) };
}

/**
 * Verifies the trail: incrementally from the saved cursor unless `full`.
 * Nothing is written unless `persist` (then only the signed cursor, after
 * the run verified).
 */
export async function verifyAudit(trail: Checkpointer, options: VerifyOptions = {}): Promise<AuditVerdict> {
  const now = options.now ?? Date.now;
  const began = now();
  const loaded = options.full === true ? undefined : await loadCursor(trail);
  if (loaded !== undefined && !('state' in loaded)) {
    return { ok: false, mode: 'incremental', from: 0, newEvents: 0, complete: true, recheckedEvents: 0, eventsChecked: 0, checkpointsChecked: 0, problem: loaded };
  }
  const { state, anchorState, checkpoints } = await startOf(trail, loaded);
  const signer = trail.signer;
  const verifySignature = async (cp: Checkpoint) =>
    signer !== undefined && cp.keyId === signer.keyId && signer.verify(checkpointBytes(cp), Buffer.from(cp.signature, 'base64'));
  const verifier = new TrailVerifier(state, checkpoints, verifySignature, anchorState);
  let recheckedEvents = 0;
  const verdict = (problem: TrailProblem | undefined, complete: boolean, archivedChecked?: number): AuditVerdict => ({
    ok: problem === undefined,
    mode: state === GENESIS_STATE ? 'full' : 'incremental',
    from: state.position,
    newEvents: verifier.verifiedSize - state.position,
    complete,
    recheckedEvents,
    eventsChecked: verifier.verifiedSize,
    checkpointsChecked: verifier.checkpointsChecked,
    ...(archivedChecked === undefined ? {} : { archivedChecked }),
    ...(problem === undefined ? {} : { problem }),
  });

  const headSize = await trail.headSize();
  if (headSize < state.position) {
    return verdict(
      {
        kind: 'missing',
        at: { seq: headSize },
        message: `the trail head records ${headSize} events but ${state.position} were verified before: the trail was cut back (events ${headSize}..${state.position - 1})`,
      },
      true,
    );
  }
  const auth = trail.authenticator;
  const macCheck = async (page: readonly ChainedEvent[]): Promise<MacCheck> => {
    const valid = auth === undefined ? undefined : await validMacs(page, auth);
    return (_e, i) => valid?.has(i);
  };
  // The last event the cursor verified must still be what it verified: a
  // history rewritten and re-chained to the tail changes its chain hash.
  const boundary = state.position === 0 ? undefined : await lastEvent(trail, state.position);
  if (boundary !== undefined && boundary.chainHash !== state.chainHash) {
    return verdict(
      { kind: 'altered', at: { seq: state.position - 1, eventId: boundary.eventId }, message: `event ${state.position - 1}, the last one verified before, no longer has the chain hash it was verified with: history before it was rewritten` },
      true,
    );
  }
  if (state.position > 0 && boundary === undefined) {
    return verdict({ kind: 'missing', at: { seq: state.position - 1 }, message: `event ${state.position - 1}, the last one verified before, is gone: the trail was cut back` }, true);
  }
  const lateBefore = boundary === undefined ? undefined : new Date(Date.parse(boundary.time) + CLOCK_SKEW_MS).toISOString();
  let complete = true;
  let outOfTime = false;
  for await (const page of trail.eventPages(state.position, options.pageSize)) {
    if (outOfTime) {
      // Another page is there, and no time is left for it.
      complete = false;
      break;
    }
    const problem = (await verifier.feed(page, await macCheck(page))) ?? (await copiedEvent(trail, page, lateBefore));
    if (problem !== undefined) {
      return verdict(problem, true);
    }
    options.onProgress?.(verifier.verifiedSize, headSize);
    outOfTime = options.budgetMs !== undefined && now() - began > options.budgetMs;
  }
  const ended = complete ? await verifier.finish(headSize, await trail.headSize()) : undefined;
  const problem = ended ?? (await confirmReplays(trail, verifier));
  if (problem !== undefined) {
    return verdict(problem, true);
  }
  // The locked copies catch what the trail cannot show about itself.
  const archive = trail.archive;
  let archivedChecked: number | undefined;
  if (archive !== undefined) {
    const archived = await archive.readAll(state.checkpoints);
    const mismatch = checkArchive(checkpoints, archived);
    if (mismatch !== undefined) {
      return verdict(mismatch, true, archived.length);
    }
    archivedChecked = archived.length;
  }
  // A rewrite that leaves the tail alone shows only where it was made:
  // each incremental run reads a few segments of verified history again.
  let recheckFrom = loaded?.recheckFrom ?? 0;
  if (state !== GENESIS_STATE && complete) {
    const rolled = await recheck(trail, verifier, verifySignature, macCheck, recheckFrom, options.recheckEvents ?? RECHECK_EVENTS);
    recheckedEvents = rolled.rechecked;
    if (rolled.problem !== undefined) {
      return verdict(rolled.problem, true, archivedChecked);
    }
    recheckFrom = rolled.next;
  }
  if (options.persist === true && signer !== undefined) {
    const time = options.time?.() ?? new Date(now());
    await trail.writeVerifierCursor(await signCursor(signer, verifier.state(), verifier.stateAtAnchor(), recheckFrom, time));
  }
  return verdict(undefined, complete, archivedChecked);
}

/**
 * The id filter's suspects are confirmed by reading this run's events
 * again (a filter hit is rare and may be a false positive): a replayed
 * copy of a MACed event repeats its id.
 */
async function confirmReplays(trail: Checkpointer, verifier: TrailVerifier): Promise<TrailProblem | undefined> {
  if (verifier.suspects.size === 0) {
    return undefined;
  }
  const seqs = new Map<string, number[]>([...verifier.suspects.keys()].map((id) => [id, []]));
  for await (const page of trail.eventPages(verifier.start.position)) {
    for (const e of page) {
      if (e.seq >= verifier.verifiedSize) {
        return replayProblem(seqs);
      }
      seqs.get(e.eventId)?.push(e.seq);
    }
  }
  return replayProblem(seqs);
}

/** Event `position - 1`, as stored now. */
async function lastEvent(trail: Checkpointer, position: number): Promise<ChainedEvent | undefined> {
  for await (const page of trail.eventPages(position - 1, 1, position)) {
    return page[0];
  }
  return undefined;
}

/**
 * A new event staged no later than `lateBefore` (just after the last event
 * verified before) may be a copy of one chained earlier, whose MAC it keeps:
 * its id is looked up in the trail's id index. The original was indexed
 * long before, so it shows even when the copy does not yet.
 */
async function copiedEvent(
  trail: Checkpointer,
  page: readonly ChainedEvent[],
  lateBefore: string | undefined,
): Promise<TrailProblem | undefined> {
  if (lateBefore === undefined) {
    return undefined;
  }
  for (const e of page) {
    if (e.time > lateBefore) {
      continue;
    }
    const other = (await trail.seqsOfEvent(e.eventId)).find((seq) => seq !== e.seq);
    if (other !== undefined) {
      return {
        kind: 'inserted',
        at: { seq: Math.max(e.seq, other), eventId: e.eventId },
        message: `event ${Math.max(e.seq, other)} repeats the event id of event ${Math.min(e.seq, other)}: a replayed copy`,
      };
    }
  }
  return undefined;
}

/**
 * The rolling re-check: reads verified history again, one segment between
 * two signed chain hashes at a time (checkpoint k-1's to checkpoint k's;
 * the last segment ends at the chain hash this run verified), from segment
 * `from` until `budget` events are read, cycling back to the first after
 * the last. Every event must still be in its place, hash to its leaf, carry
 * a valid writer MAC and chain to the signed hash at the segment's end.
 */
async function recheck(
  trail: Checkpointer,
  verifier: TrailVerifier,
  verifySignature: (cp: Checkpoint) => Promise<boolean>,
  macCheck: (page: readonly ChainedEvent[]) => Promise<MacCheck>,
  from: number,
  budget: number,
): Promise<{ problem?: TrailProblem; next: number; rechecked: number }> {
  const verified = verifier.checkpointsChecked;
  const end = verifier.state();
  let k = from > verified ? 0 : from;
  let rechecked = 0;
  const cps = new Map((await trail.readCheckpoints(Math.max(0, k - 1))).map((c) => [c.index, c]));
  for (let segments = 0; rechecked < budget && segments <= verified; segments += 1) {
    const startCp = k === 0 ? undefined : cps.get(k - 1);
    const endCp = k < verified ? cps.get(k) : undefined;
    const start = k === 0 ? { treeSize: 0, chainHash: GENESIS } : startCp;
    const stop = k < verified ? endCp : { treeSize: end.position, chainHash: end.chainHash };
    const label = k < verified ? `checkpoint ${k}` : 'the verified tail';
    if (start === undefined || stop === undefined || (startCp !== undefined && !(await verifySignature(startCp))) || (endCp !== undefined && !(await verifySignature(endCp)))) {
      return { problem: { kind: 'checkpoint-mismatch', at: { checkpoint: k }, message: `the rolling re-check found checkpoint ${k - 1} or ${k} gone or no longer signed` }, next: k, rechecked };
    }
    let prev = start.chainHash;
    let seq = start.treeSize;
    let seenVersioned = false;
    for await (const page of trail.eventPages(start.treeSize, 1000, stop.treeSize)) {
      const macOk = await macCheck(page);
      for (let i = 0; i < page.length; i += 1) {
        const e = page[i] as ChainedEvent;
        const at = { seq: e.seq, eventId: e.eventId };
        const leaf = leafHash(eventBytes(e));
        const problem: TrailProblem | undefined =
          e.seq !== seq
            ? { kind: e.seq > seq ? 'missing' : 'inserted', at, message: `the rolling re-check expected event ${seq} and found ${e.seq}: verified history was changed` }
            : leaf.toString('hex') !== e.leafHash || e.prevHash !== prev || nodeHash(Buffer.from(prev, 'hex'), leaf).toString('hex') !== e.chainHash
              ? { kind: 'altered', at, message: `event ${e.seq} (${e.eventId}) was changed after it was verified (found by the rolling re-check of ${label})` }
              : writerProblem(e, i, seenVersioned, macOk);
        if (problem !== undefined) {
          return { problem, next: k, rechecked };
        }
        seenVersioned ||= e.v !== undefined;
        prev = e.chainHash;
        seq += 1;
      }
      rechecked += page.length;
    }
    if (seq !== stop.treeSize || prev !== stop.chainHash) {
      return {
        problem: { kind: 'missing', at: { seq }, message: `events ${start.treeSize}..${stop.treeSize - 1} no longer lead to the chain hash signed for ${label}: verified history was cut or changed` },
        next: k,
        rechecked,
      };
    }
    k = k >= verified ? 0 : k + 1;
  }
  return { next: k, rechecked };
}
