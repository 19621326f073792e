/**
 * Reads a disclosure package kept in an object store under
 * `exports/{requestId}/` (S3, or its in-memory twin): the current version
 * of each key, found through the store's own listing (every version on a
 * versioned bucket, the current objects on the embedded stand-in).
 */
import { REQUEST_ID_PATTERN } from '../domain/requests.ts';
import { ValidationError } from '../errors.ts';
import type { LandingStore, PackageFile } from '../ports/index.ts';

/** The prefix of a request's package; a request id that is not a plain name is refused before it becomes one. */
export function packagePrefix(requestId: string): string {
  // The id becomes a key prefix: a partial one would reach other packages.
  if (!REQUEST_ID_PATTERN.test(requestId)) {
    throw new ValidationError('bad request id', [
      { path: 'requestId', message: 'letters, digits, ".", "_" and "-" only' },
    ]);
  }
  return `exports/${requestId}/`;
}

/**
 * The current files of a request's package, by key order; a key whose
 * latest version is a delete marker is left out.
 * @example
 * const files = await readObjectPackage(bucket, 'req-1');
 */
export async function readObjectPackage(
  store: Pick<LandingStore, 'listVersions' | 'read'>,
  requestId: string,
): Promise<PackageFile[]> {
  const prefix = packagePrefix(requestId);
  const keys = [...new Set((await store.listVersions(prefix)).filter((v) => !v.deleteMarker).map((v) => v.key))].sort();
  const files: PackageFile[] = [];
  for (const key of keys) {
    const current = await store.read(key);
    if (current !== undefined) files.push({ name: key.slice(prefix.length), bytes: current.body });
  }
  return files;
}
