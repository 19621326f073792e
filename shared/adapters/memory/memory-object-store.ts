/**
 * ObjectStore (and LandingStore) in memory as a versioned S3 bucket: every
 * put adds a version, a delete without a version id adds a delete marker,
 * a delete by version id removes that version or marker for good (and is
 * no error when it is already gone), listings give every version and
 * marker under a prefix, newest first per key. `versioned: false` mirrors
 * the embedded stand-in: one current object per key, listed without
 * version ids.
 */
import type { LandingStore, ObjectVersion, StoredObject } from '../../ports/index.ts';
import type { Faults } from './faults.ts';
import { restoreInto } from './memory-backup.ts';

interface Version extends StoredObject {
  readonly versionId: string | undefined;
  readonly deleteMarker: boolean;
  readonly lastModified: string;
}

/** In-memory {@link LandingStore}. */
export class MemoryObjectStore implements LandingStore {
  private readonly keys = new Map<string, Version[]>();
  private serial = 0;

  constructor(
    private readonly faults: Faults,
    private readonly name = 'objects',
    private readonly versioned = true,
  ) {}

  private run<T>(what: string, effect: () => T): Promise<T> {
    return this.faults.run(`${this.name}.${what}`, effect);
  }

  private add(key: string, version: Omit<Version, 'versionId' | 'lastModified'>): void {
    this.serial += 1;
    const stored: Version = {
      ...version,
      versionId: this.versioned ? `v${String(this.serial).padStart(8, '0')}` : undefined,
      lastModified: new Date().toISOString(),
    };
    this.keys.set(key, this.versioned ? [stored, ...(this.keys.get(key) ?? [])] : [stored]);
  }

  put(key: string, body: Uint8Array, contentType: string, metadata: Readonly<Record<string, string>>): Promise<void> {
    return this.run('put', () =>
      this.add(key, {
        body: new Uint8Array(body),
        contentType,
        metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k.toLowerCase(), v])),
        deleteMarker: false,
      }),
    );
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return (await this.read(key))?.body;
  }

  read(key: string): Promise<StoredObject | undefined> {
    return this.run('read', () => {
      const current = this.keys.get(key)?.[0];
      return current === undefined || current.deleteMarker
        ? undefined
        : { body: new Uint8Array(current.body), contentType: current.contentType, metadata: { ...current.metadata } };
    });
  }

  listVersions(prefix: string): Promise<ObjectVersion[]> {
    return this.run('listVersions', () =>
      [...this.keys.entries()]
        .filter(([key]) => key.startsWith(prefix))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .flatMap(([key, versions]) =>
          versions.map((v) => ({
            key,
            versionId: v.versionId,
            deleteMarker: v.deleteMarker,
            size: v.body.byteLength,
            lastModified: v.lastModified,
          })),
        ),
    );
  }

  deleteVersions(versions: readonly ObjectVersion[]): Promise<void> {
    return this.run('deleteVersions', () => {
      for (const v of versions) {
        const held = this.keys.get(v.key) ?? [];
        if (v.versionId === undefined && this.versioned) {
          this.deleteCurrent(v.key);
          continue;
        }
        const kept = held.filter((h) => h.versionId !== v.versionId);
        if (kept.length === 0) {
          this.keys.delete(v.key);
        } else {
          this.keys.set(v.key, kept);
        }
      }
    });
  }

  /**
   * Removes the current object as a plain DeleteObject does (a delete
   * marker on a versioned bucket; the older versions stay). Not a port
   * method: tests use it as a user of the bucket would.
   */
  deleteCurrent(key: string): void {
    if (this.versioned) {
      this.add(key, { body: new Uint8Array(), contentType: '', metadata: {}, deleteMarker: true });
    } else {
      this.keys.delete(key);
    }
  }

  /** Every key with any version or marker (a test's view of the bucket). Not a port method. */
  get objectKeys(): string[] {
    return [...this.keys.keys()].sort();
  }

  /** A copy of every version (a backup, or a replica of the bucket). Not a port method. */
  backup(): ReadonlyMap<string, Version[]> {
    return structuredClone(this.keys);
  }

  /** Replaces the bucket's contents with a backup, as a restore does. Not a port method. */
  restore(backup: ReadonlyMap<string, Version[]>): void {
    restoreInto(this.keys, backup);
  }
}
