/**
 * The synthesized stateless template, cached on disk by a content hash of
 * everything that determines it, so a warm CLI process reads one JSON file
 * instead of importing aws-cdk-lib and synthesizing the whole app (several
 * seconds on a busy machine).
 *
 * The key covers every TypeScript and JSON file under infra/, shared/ and
 * functions/ (the app's sources and the catalogue it bundles), the
 * package's package.json and cdk.json, and the installed versions of
 * aws-cdk-lib and constructs. Hashing all of them rather than following
 * the import graph is deliberate: a spurious miss costs one synthesis, a
 * missed input would serve a stale definition.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '#shared/adapters/local/kms-server.ts';
import type { Template } from './run-state-machine.ts';
import { ownerOnly } from './state-dir.ts';

/** The package root (this file is functions/local/template-cache.ts). */
export const PACKAGE_ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));

/** Folders whose sources determine the template. */
const SOURCE_DIRS = ['infra', 'shared', 'functions'] as const;
/** Files at the package root that determine it. */
const ROOT_FILES = ['package.json', 'cdk.json'] as const;
/** Installed packages whose version determines it. */
const PACKAGES = ['aws-cdk-lib', 'constructs'] as const;
const ENTRY = /^template-[0-9a-f]{64}\.json$/;

/** Options of {@link cachedTemplate} and {@link templateKey}. */
export interface TemplateCacheOptions {
  /** Package root whose sources are hashed. @default {@link PACKAGE_ROOT} */
  readonly root?: string;
  /** Cache folder. @default `<root>/node_modules/.cache/wasure` */
  readonly dir?: string;
}

async function sourceFiles(root: string, dir: string): Promise<string[]> {
  const entries = await readdir(join(root, dir), { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map(async (e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return sourceFiles(root, path);
      return e.isFile() && /\.(ts|json)$/.test(e.name) ? [path] : [];
    }),
  );
  return nested.flat();
}

async function packageVersion(root: string, name: string): Promise<string> {
  const text = await readFile(join(root, 'node_modules', name, 'package.json'), 'utf8').catch(() => '{}');
  return String((JSON.parse(text) as { version?: unknown }).version ?? 'missing');
}

/** The content hash (hex SHA-256) of every input of the synthesized template. */
export async function templateKey(options: TemplateCacheOptions = {}): Promise<string> {
  const root = options.root ?? PACKAGE_ROOT;
  const files = [...(await Promise.all(SOURCE_DIRS.map((d) => sourceFiles(root, d)))).flat(), ...ROOT_FILES].sort();
  const hash = createHash('sha256');
  for (const file of files) {
    const bytes = await readFile(join(root, file)).catch(() => undefined);
    // Names with '/' on every platform, and a missing file hashed apart from an empty one.
    hash.update(`${file.split(sep).join('/')}\0${bytes === undefined ? '-' : bytes.length}\0`);
    if (bytes !== undefined) hash.update(bytes);
  }
  for (const name of PACKAGES) {
    hash.update(`${name}@${await packageVersion(root, name)}\0`);
  }
  return hash.digest('hex');
}

function isTemplate(value: unknown): value is Template {
  const resources = (value as { Resources?: unknown } | null)?.Resources;
  return typeof resources === 'object' && resources !== null;
}

async function readEntry(path: string, key: string): Promise<Template | undefined> {
  // Only an entry this user wrote into its own closed folder is trusted: the
  // template decides what a local sweep runs.
  if (!ownerOnly(join(path, '..'), 'dir') || !ownerOnly(path, 'file')) {
    return undefined;
  }
  try {
    const entry = JSON.parse(await readFile(path, 'utf8')) as { key?: unknown; template?: unknown };
    return entry.key === key && isTemplate(entry.template) ? entry.template : undefined;
  } catch {
    // Unreadable or corrupt: synthesized again and rewritten.
    return undefined;
  }
}

async function writeEntry(dir: string, name: string, key: string, template: Template): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await writeFileAtomic(join(dir, name), JSON.stringify({ key, template }));
  // Entries of earlier sources are never read again.
  for (const old of await readdir(dir)) {
    if (ENTRY.test(old) && old !== name) await rm(join(dir, old), { force: true });
  }
}

/**
 * The template for the current sources: read from the cache, or made by
 * `synthesize` and stored (owner-only, written atomically). A failure to
 * write the cache is not an error: the template is returned all the same.
 */
export async function cachedTemplate(
  synthesize: () => Promise<Template>,
  options: TemplateCacheOptions = {},
): Promise<Template> {
  const root = options.root ?? PACKAGE_ROOT;
  const dir = options.dir ?? join(root, 'node_modules', '.cache', 'wasure');
  const key = await templateKey({ root });
  const name = `template-${key}.json`;
  const hit = await readEntry(join(dir, name), key);
  if (hit !== undefined) return hit;
  const template = await synthesize();
  await writeEntry(dir, name, key, template).catch(() => undefined);
  return template;
}
