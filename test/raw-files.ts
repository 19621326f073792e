/**
 * Residue scans: every file a directory holds, read as raw bytes, and where
 * a text is readable in it (UTF-8, UTF-16LE or JSON's \u escapes), so a
 * test proves that erased data is gone from the stand-ins' own files.
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** A file under the scanned root, by its path relative to the root. */
export interface RawFile {
  readonly path: string;
  readonly bytes: Buffer;
}

/** The byte forms a text may take in a file: UTF-8, UTF-16LE, and JSON's \u escapes of non-ASCII. */
export const byteForms = (text: string): { encoding: string; bytes: Buffer }[] => [
  { encoding: 'utf-8', bytes: Buffer.from(text, 'utf8') },
  { encoding: 'utf-16le', bytes: Buffer.from(text, 'utf16le') },
  ...(/[^\x20-\x7e]/.test(text)
    ? [{ encoding: 'json-escaped', bytes: Buffer.from(text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), 'utf8') }]
    : []),
];

/** Every regular file under `root`, read as bytes; none when `root` does not exist. */
export async function rawFiles(root: string): Promise<RawFile[]> {
  const files: RawFile[] = [];
  const visit = async (path: string): Promise<void> => {
    const info = await lstat(path).catch(() => undefined);
    if (info?.isDirectory()) {
      for (const entry of await readdir(path)) await visit(join(path, entry));
    } else if (info?.isFile()) {
      files.push({ path: relative(root, path), bytes: await readFile(path) });
    }
  };
  await visit(root);
  return files;
}

/** Where each text is readable: `file: text (encoding)`. */
export const findIn = (files: readonly RawFile[], texts: readonly string[]): string[] =>
  files.flatMap((f) =>
    texts.flatMap((t) => byteForms(t).flatMap((form) => (f.bytes.includes(form.bytes) ? [`${f.path}: ${t} (${form.encoding})`] : []))),
  );
