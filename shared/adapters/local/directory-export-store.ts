/**
 * ExportStore on the local file system (embedded mode): one directory per
 * request with an expiry file; expired packages are removed by
 * `purgeExpired`, which the retention sweep calls, and a package is removed
 * at once by `remove` when its subject is erased.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { ValidationError } from '../../errors.ts';
import type { Clock, ExportStore, PackageFile } from '../../ports/index.ts';

const EXPIRY_FILE = '.expires-at';

/** Local-directory implementation of {@link ExportStore}. */
export class DirectoryExportStore implements ExportStore {
  constructor(
    private readonly root: string,
    private readonly clock: Clock,
    private readonly retentionDays = 7,
  ) {}

  async save(
    requestId: string,
    files: readonly { name: string; bytes: Uint8Array }[],
  ): Promise<{ location: string; expiresAt: string }> {
    const dir = this.packageDir(requestId);
    await rm(dir, { recursive: true, force: true });
    for (const file of files) {
      const path = normalize(join(dir, file.name));
      if (!path.startsWith(`${dir}/`)) {
        throw new ValidationError('bad file name in package', [
          { path: file.name, message: 'escapes the package directory' },
        ]);
      }
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFile(path, file.bytes, { mode: 0o600 });
    }
    const expiresAt = new Date(
      this.clock.now().getTime() + this.retentionDays * 86_400_000,
    ).toISOString();
    await writeFile(join(dir, EXPIRY_FILE), expiresAt, { mode: 0o600 });
    return { location: dir, expiresAt };
  }

  async packageObjects(requestId: string): Promise<number> {
    return (await filesUnder(this.packageDir(requestId))).length;
  }

  async remove(requestId: string): Promise<number> {
    const dir = this.packageDir(requestId);
    const files = await filesUnder(dir);
    await rm(dir, { recursive: true, force: true });
    return files.length;
  }

  /** The package's files, none once it is past its expiry (before the sweep removes it). */
  async read(requestId: string): Promise<PackageFile[]> {
    const dir = this.packageDir(requestId);
    const expiresAt = await readFile(join(dir, EXPIRY_FILE), 'utf8').catch(() => undefined);
    if (expiresAt === undefined || Date.parse(expiresAt) <= this.clock.now().getTime()) {
      return [];
    }
    const paths = (await filesUnder(dir)).filter((p) => p !== join(dir, EXPIRY_FILE)).sort();
    return Promise.all(
      paths.map(async (p) => ({ name: relative(dir, p).split(sep).join('/'), bytes: new Uint8Array(await readFile(p)) })),
    );
  }

  /** The directory of a request's package; a request id that is not a plain name is refused. */
  private packageDir(requestId: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(requestId)) {
      throw new ValidationError('bad request id', [
        { path: 'requestId', message: 'letters, digits, ".", "_" and "-" only' },
      ]);
    }
    return join(this.root, requestId);
  }

  async purgeExpired(now: Date): Promise<number> {
    let removed = 0;
    let entries: string[];
    try {
      entries = await readdir(this.root);
    } catch {
      return 0;
    }
    for (const entry of entries) {
      const dir = join(this.root, entry);
      const expiresAt = await readFile(join(dir, EXPIRY_FILE), 'utf8').catch(
        () => undefined,
      );
      if (expiresAt !== undefined && Date.parse(expiresAt) <= now.getTime()) {
        await rm(dir, { recursive: true, force: true });
        removed += 1;
      }
    }
    return removed;
  }
}

/** Every file under `dir` (the expiry file included); none when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        return [];
      }
      throw error;
    },
  );
  return entries.filter((e) => !e.isDirectory()).map((e) => join(e.parentPath, e.name));
}
