/**
 * Reconciles a restored store with the audit trail. A table restored from
 * a backup or a point in time brings back what was erased after that
 * point: records, their documents, subject keys. The audit trail is not
 * restored with them, so its erasure events since the backup point say
 * what must be gone; each one whose effect is no longer in place is
 * applied again, through the same erasure steps the sweep and the
 * requests use, and audited again (actor {@link RECONCILE_ACTOR}).
 */
import type { AuditEvent } from '../domain/audit-chain.ts';
import { isTombstone } from '../domain/record.ts';
import type { AuditEventInput } from '../ports/index.ts';
import type { LifecycleDeps } from './deps.ts';
import { type ErasureCause, eraseRecord, withBackoff } from './erase-record.ts';

/** Who re-applies erasures in the audit trail. */
export const RECONCILE_ACTOR = 'system:restore-reconcile';

/**
 * Reads audit events back. (It belongs in shared/ports; kept here until
 * that file is free to change.) The DynamoDB trail's `readEvents` reads
 * the whole trail and filters it: fine for now, an index by time is due
 * when trails grow large.
 */
export interface AuditReader {
  /** Events at or after `since` (ISO), oldest first. */
  readEvents(query: { readonly since?: string }): Promise<readonly AuditEvent[]>;
}

/** Ports of {@link reconcileRestore}. */
export type ReconcileDeps = LifecycleDeps & { readonly auditReader: AuditReader };

/** Input of {@link reconcileRestore}. */
export interface ReconcileInput {
  /** The backup point (ISO): erasures recorded at or after it are checked. */
  readonly since: string;
  /** Report what would be re-applied, change nothing. */
  readonly dryRun: boolean;
}

/** One erasure whose effect was missing. */
export interface ReconciledItem {
  /** `record`: a live record again; `documents`: document versions of an erased record; `key`: a destroyed subject key. */
  readonly kind: 'record' | 'documents' | 'key';
  /** The record id, or the subject's pseudonym for a key. */
  readonly id: string;
  /** When the erasure was first recorded (ISO). */
  readonly erasedAt: string;
  /** Document versions removed (or to remove) again. */
  readonly objectVersions?: number;
  /** Whether re-erasing a record also destroyed the subject's key again. */
  readonly keyDestroyed?: boolean;
  /** Why it was not re-applied, when it was not (another writer got there first, or the key protects data). */
  readonly skipped?: string;
}

/** What a reconciliation found and did. */
export interface ReconcileReport {
  readonly since: string;
  readonly dryRun: boolean;
  /** Erasure events read from the trail since the backup point. */
  readonly eventsRead: number;
  /** Distinct erased records and destroyed keys checked. */
  readonly checked: number;
  /** Of those, how many were still gone. */
  readonly alreadyGone: number;
  /** Of those, how many were re-applied (or would be, in a dry run). */
  readonly reapplied: number;
  /** Of those, how many could not be re-applied (see `items[].skipped`). */
  readonly skipped: number;
  /** The re-applied (and skipped) erasures. */
  readonly items: ReconciledItem[];
}

/** Erasure causes eraseRecord records; anything else (a direct delete) is re-erased as retention. */
function causeOf(event: AuditEvent): ErasureCause {
  const cause = event.details?.cause;
  return cause === 'retention' || cause === 'ttl' || (typeof cause === 'string' && cause.startsWith('request:'))
    ? (cause as ErasureCause)
    : 'retention';
}

/** The last completed erasure of each record and destruction of each key since `since`. */
function erasuresSince(events: readonly AuditEvent[]): {
  records: Map<string, AuditEvent>;
  keys: Map<string, AuditEvent>;
  read: number;
} {
  const records = new Map<string, AuditEvent>();
  const keys = new Map<string, AuditEvent>();
  let read = 0;
  for (const e of events) {
    if (e.outcome !== 'ok') {
      continue;
    }
    if (e.action === 'erasure' && e.recordId !== undefined) {
      records.set(e.recordId, e);
      read += 1;
    } else if (e.action === 'key-destroyed' && e.subjectPseudonym !== undefined) {
      keys.set(e.subjectPseudonym, e);
      read += 1;
    }
  }
  return { records, keys, read };
}

/**
 * Re-applies every erasure recorded since `since` whose effect is no
 * longer in place: a record live again is erased again (documents, key
 * when nothing sealed remains, tombstone with its `erasure` event); an
 * erased record whose documents came back loses them again; a destroyed
 * subject key that exists again, and was created before its destruction
 * (a key created afterwards is a new one), is destroyed again with its
 * `key-destroyed` event. Events carry pseudonyms only. Idempotent: a
 * second run finds everything gone.
 *
 * @example
 * await reconcileRestore(deps, { since: '2026-11-01T00:00:00Z', dryRun: true });
 */
export async function reconcileRestore(deps: ReconcileDeps, input: ReconcileInput): Promise<ReconcileReport> {
  const erasures = erasuresSince(await deps.auditReader.readEvents({ since: input.since }));
  const items: ReconciledItem[] = [];
  const reapplied = { records: new Set<string>(), keysDestroyed: new Set<string>() };
  try {
    for (const [recordId, event] of erasures.records) {
      const item = await reconcileRecord(deps, recordId, event, input.dryRun);
      if (item !== undefined) {
        items.push(item);
      }
      if (item?.kind === 'record') {
        reapplied.records.add(recordId);
      }
      if (item?.keyDestroyed === true && event.subjectPseudonym !== undefined) {
        reapplied.keysDestroyed.add(event.subjectPseudonym);
      }
    }
    for (const [subject, event] of erasures.keys) {
      const item = await reconcileKey(deps, subject, event, reapplied, input.dryRun);
      if (item !== undefined) {
        items.push(item);
      }
    }
  } finally {
    if (!input.dryRun) {
      await deps.audit.integrate();
    }
  }
  const skipped = items.filter((i) => i.skipped !== undefined).length;
  const checked = erasures.records.size + erasures.keys.size;
  return {
    since: input.since,
    dryRun: input.dryRun,
    eventsRead: erasures.read,
    checked,
    alreadyGone: checked - items.length,
    reapplied: items.length - skipped,
    skipped,
    items,
  };
}

async function reconcileRecord(
  deps: ReconcileDeps,
  recordId: string,
  event: AuditEvent,
  dryRun: boolean,
): Promise<ReconciledItem | undefined> {
  const found = await withBackoff(() => deps.records.get(recordId));
  if (found !== undefined && !isTombstone(found)) {
    if (dryRun) {
      return { kind: 'record', id: recordId, erasedAt: event.time, objectVersions: found.documents.length };
    }
    const done = await eraseRecord(deps, found, causeOf(event), RECONCILE_ACTOR);
    return {
      kind: 'record',
      id: recordId,
      erasedAt: event.time,
      objectVersions: done.objectVersions,
      keyDestroyed: done.keyDestroyed,
      ...(done.erased ? {} : { skipped: 'another writer tombstoned it first' }),
    };
  }
  // The record stays erased, but a restored bucket may hold its documents again.
  const versions = await withBackoff(() => deps.objects.listVersions(`records/${recordId}/`));
  if (versions.length === 0) {
    return undefined;
  }
  if (!dryRun) {
    await withBackoff(() => deps.objects.deleteVersions(versions));
    await deps.audit.append([
      reappliedEvent(event, {
        recordId,
        reason: 'restore reconciled: document versions of an erased record were back after a restore',
        details: { objectVersions: versions.length },
      }),
    ]);
  }
  return { kind: 'documents', id: recordId, erasedAt: event.time, objectVersions: versions.length };
}

/** What this run re-erased so far: record ids, and subjects whose key went with their last record. */
interface Reapplied {
  readonly records: ReadonlySet<string>;
  readonly keysDestroyed: ReadonlySet<string>;
}

async function reconcileKey(
  deps: ReconcileDeps,
  subject: string,
  event: AuditEvent,
  reapplied: Reapplied,
  dryRun: boolean,
): Promise<ReconciledItem | undefined> {
  const item = { kind: 'key' as const, id: subject, erasedAt: event.time };
  // Re-erasing the subject's last record destroyed the key again already.
  if (reapplied.keysDestroyed.has(subject)) {
    return item;
  }
  const key = await withBackoff(() => deps.keys.get(subject));
  // A key created after the destruction is the subject's new key (a later
  // ingest), not the destroyed one come back.
  if (key === undefined || key.createdAt > event.time) {
    return undefined;
  }
  const live = await withBackoff(() => deps.records.listBySubject(subject));
  // In a dry run the records to be re-erased are still live.
  const sealed = live.filter(
    (r) => !reapplied.records.has(r.recordId) && (Object.keys(r.sealed).length > 0 || r.documents.some((d) => d.sealed)),
  );
  if (sealed.length > 0) {
    return { ...item, skipped: `live records still sealed with it (${sealed.map((r) => r.recordId).join(', ')}): erase or reconcile them first` };
  }
  if (dryRun) {
    return item;
  }
  const destroyed = await withBackoff(() =>
    deps.keys.destroy(subject, key.uses ?? 0, [
      reappliedEvent(event, {
        reason: 'restore reconciled: a destroyed subject key was back after a restore',
      }),
    ]),
  );
  return destroyed ? item : { ...item, skipped: 'the key was used again while it was being destroyed' };
}

/** The event of a re-applied erasure: the original's action, ids and cause, by the reconciler. */
function reappliedEvent(
  original: AuditEvent,
  extra: { recordId?: string; reason: string; details?: Readonly<Record<string, number>> },
): AuditEventInput {
  return {
    action: original.action,
    actor: RECONCILE_ACTOR,
    ...(extra.recordId === undefined ? {} : { recordId: extra.recordId }),
    ...(original.subjectPseudonym === undefined ? {} : { subjectPseudonym: original.subjectPseudonym }),
    ...(original.dataset === undefined ? {} : { dataset: original.dataset }),
    ...(original.policyVersion === undefined ? {} : { policyVersion: original.policyVersion }),
    outcome: 'ok',
    reason: extra.reason,
    details: {
      ...extra.details,
      cause: String(original.details?.cause ?? 'unknown'),
      reconciles: original.eventId,
    },
  };
}
