/**
 * One line to set up a use-case test without a JVM or a network: every
 * port of {@link LifecycleDeps}, the request ledger and the export store,
 * in memory, wired as the composition root wires the AWS adapters (the
 * record and key stores stage audit events through the trail's outbox),
 * all calls passing through one {@link Faults}.
 *
 * @example
 * const deps = memoryDeps(sampleCatalogue(), fixedClock('2026-12-01T00:00:00Z'));
 * deps.faults.failAt(3); // the third port call from now kills the process
 */
import { randomUUID } from 'node:crypto';
import type { Catalogue } from '../../domain/catalogue-types.ts';
import type { Clock, Ids } from '../../ports/index.ts';
import type { LifecycleDeps } from '../../use-cases/deps.ts';
import type { EraseDeps } from '../../use-cases/subject-requests.ts';
import { Faults } from './faults.ts';
import { MemoryAuditTrail } from './memory-audit-trail.ts';
import { MemoryCheckpointSigner } from './memory-checkpoint-signer.ts';
import { MemoryEventAuthenticator, MemoryPseudonymizer } from './memory-hmac.ts';
import { MemoryExportStore } from './memory-export-store.ts';
import { MemoryKeyService } from './memory-key-service.ts';
import { MemoryKeyStore } from './memory-key-store.ts';
import { MemoryObjectStore } from './memory-object-store.ts';
import { MemoryRecordStore } from './memory-record-store.ts';
import { MemoryRequestStore } from './memory-request-store.ts';

/** The in-memory dependencies, with their concrete adapters for inspection. */
export interface MemoryDeps extends EraseDeps {
  readonly records: MemoryRecordStore;
  readonly objects: MemoryObjectStore;
  readonly keys: MemoryKeyStore;
  readonly audit: MemoryAuditTrail;
  readonly landing: MemoryObjectStore;
  readonly requests: MemoryRequestStore;
  readonly exports: MemoryExportStore;
  /** The fault hook every port call passes through. */
  readonly faults: Faults;
}

/** Options of {@link memoryDeps}. */
export interface MemoryDepsOptions {
  /** @default random UUIDs */
  readonly ids?: Ids;
  /** @default 'inline' */
  readonly sequencing?: 'inline' | 'deferred';
  /** Writer name of the audit MAC key; events are legacy v1 when null. @default 'memory-writer' */
  readonly writer?: string | null;
}

/** A clock that stands at `iso` until moved. */
export function fixedClock(iso: string): Clock & { set(iso: string): void } {
  let now = new Date(iso);
  return {
    now: () => new Date(now.getTime()),
    set: (next: string) => {
      now = new Date(next);
    },
  };
}

/** Ids `${prefix}-1`, `${prefix}-2`, … (deterministic tests). */
export function countingIds(prefix = 'id'): Ids {
  let n = 0;
  return { next: () => `${prefix}-${++n}` };
}

/** Builds every port in memory around `catalogue` and `clock`. */
export function memoryDeps(catalogue: Catalogue, clock: Clock, options: MemoryDepsOptions = {}): MemoryDeps {
  const faults = new Faults();
  const ids = options.ids ?? { next: () => randomUUID() };
  const pseudonyms = new MemoryPseudonymizer(faults);
  const writer = options.writer === undefined ? 'memory-writer' : options.writer;
  const audit = new MemoryAuditTrail({
    pseudonymizer: pseudonyms,
    clock,
    ids: { next: () => randomUUID() },
    faults,
    signer: new MemoryCheckpointSigner(),
    ...(writer === null ? {} : { authenticator: new MemoryEventAuthenticator(writer) }),
    ...(options.sequencing === undefined ? {} : { sequencing: options.sequencing }),
  });
  const exportsBucket = new MemoryObjectStore(faults, 'exports');
  return {
    records: new MemoryRecordStore(faults, audit),
    objects: new MemoryObjectStore(faults, 'objects'),
    keys: new MemoryKeyStore(faults, audit),
    keyService: new MemoryKeyService(faults),
    audit,
    pseudonyms,
    clock,
    ids,
    catalogue,
    landing: new MemoryObjectStore(faults, 'landing'),
    requests: new MemoryRequestStore(faults, audit),
    exports: new MemoryExportStore(exportsBucket, clock),
    faults,
  };
}

/** The lifecycle ports alone, without the landing bucket (quarantine left alone). */
export function withoutLanding(deps: MemoryDeps): LifecycleDeps {
  const { landing: _landing, ...rest } = deps;
  return rest;
}

/** A backup of the records, keys and documents (the audit trail is never restored). */
export interface StoresBackup {
  readonly records: ReturnType<MemoryRecordStore['backup']>;
  readonly keys: ReturnType<MemoryKeyStore['backup']>;
  readonly objects: ReturnType<MemoryObjectStore['backup']>;
}

/** Backs up the records table, the keys table and the documents bucket. */
export function backupStores(deps: MemoryDeps): StoresBackup {
  return { records: deps.records.backup(), keys: deps.keys.backup(), objects: deps.objects.backup() };
}

/**
 * Restores the three stores from a backup, as a point-in-time restore
 * would: what was erased since comes back; the trail keeps its events.
 */
export function restoreStores(deps: MemoryDeps, backup: StoresBackup): void {
  deps.records.restore(backup.records);
  deps.keys.restore(backup.keys);
  deps.objects.restore(backup.objects);
}
