/**
 * Guards for s3rver, which maps bucket names, object keys and upload ids
 * straight onto file paths: a key `../../x` (or `..%2F..%2Fx` on the wire)
 * writes outside its directory, and it checks no SigV4 signature at all.
 * {@link guardS3rver} puts a first middleware in front of its routes that
 * demands a valid signature and safe names, and wraps its file store so
 * keys arriving any other way (batch-delete bodies, multipart completion)
 * are checked again before they become paths.
 */
import type { IncomingMessage } from 'node:http';
import { type LocalCredentials, verifySigV4 } from './sigv4-verifier.ts';

/**
 * Why an object key is unsafe to map onto a file path, or `undefined` when
 * it is safe: every `/`-separated segment must be non-empty and not `.` or
 * `..`, and the key must not start with `/` or contain a NUL, a backslash
 * or a control character. S3 itself accepts such keys; wasure never makes
 * them, so refusing them costs nothing.
 *
 * @example
 * unsafeKeyReason('landing/batch.jsonl'); // undefined
 * unsafeKeyReason('landing/../../escape.txt'); // 'has a ".." segment'
 */
export function unsafeKeyReason(key: string): string | undefined {
  if (key === '') return 'is empty';
  if (key.length > 1024) return 'is longer than 1024 characters';
  if (key.startsWith('/')) return 'is absolute (starts with "/")';
  if (key.includes('\\')) return 'contains a backslash';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'contains a NUL or control character';
  for (const segment of key.split('/')) {
    if (segment === '') return 'has an empty path segment ("//" or a trailing "/")';
    if (segment === '.' || segment === '..') return `has a "${segment}" segment`;
  }
  return undefined;
}

/** The part of s3rver's Koa context the guard uses. */
interface GuardContext {
  readonly req: IncomingMessage;
  readonly method: string;
}

/** The part of an s3rver instance the guard changes. */
export interface GuardableS3rver {
  /** Koa's middleware list; composed when the server starts listening. */
  middleware: ((ctx: GuardContext, next: () => Promise<unknown>) => Promise<unknown>)[];
  /** s3rver's filesystem store. */
  readonly store: object;
}

/** An S3-style refusal: s3rver renders errors with `code` and `status` as S3 XML. */
export type S3ErrorFactory = (
  code: 'AccessDenied' | 'InvalidArgument' | 'PreconditionFailed',
  message: string,
) => Error;

/**
 * Objects under this prefix are create-only, as on AWS, where the bucket is
 * under Object Lock and its policy denies a PutObject without
 * `If-None-Match: *`: s3rver honours that header on GET only.
 */
export const CREATE_ONLY_PREFIX = 'checkpoints/';

/** Options of {@link guardS3rver}. */
export interface S3GuardOptions {
  /** Credentials every request must be signed with (SigV4, service `s3`). */
  readonly credentials: LocalCredentials;
  /** The only bucket names served. */
  readonly buckets: readonly string[];
  /** Makes the error s3rver renders (its S3Error class). */
  readonly error: S3ErrorFactory;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Why a request is refused, or undefined. */
function requestProblem(req: IncomingMessage, buckets: ReadonlySet<string>): string | undefined {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const raw = (q < 0 ? url : url.slice(0, q)).split('/').slice(1);
  const decoded = raw.map(decodeSegment);
  if (decoded.some((s) => s === undefined)) return 'the path is not valid percent-encoding';
  const [bucket, ...keyParts] = decoded as string[];
  if (bucket !== undefined && bucket !== '' && !buckets.has(bucket)) return `bucket ${bucket} is not served here`;
  // `/bucket/` (a listing) has one empty part and no key.
  if (keyParts.length > 0 && !(keyParts.length === 1 && keyParts[0] === '')) {
    const why = unsafeKeyReason(keyParts.join('/'));
    if (why !== undefined) return `object key ${why}`;
  }
  const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const uploadId = params.get('uploadId');
  if (uploadId !== null && !/^[0-9a-f]{1,64}$/.test(uploadId)) return 'uploadId is not one this server issued';
  const partNumber = params.get('partNumber');
  if (partNumber !== null && !/^[0-9]{1,5}$/.test(partNumber)) return 'partNumber is not a number';
  const prefix = params.get('prefix');
  if (prefix?.split('/').some((s) => s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))) {
    return 'prefix has a "." or ".." segment, a backslash or a NUL';
  }
  const copySource = req.headers['x-amz-copy-source'];
  if (typeof copySource === 'string') {
    const source = decodeSegment(copySource.split('?')[0] ?? '');
    const [sourceBucket, ...sourceKey] = (source ?? '').replace(/^\//, '').split('/');
    if (source === undefined || sourceBucket === undefined || !buckets.has(sourceBucket)) {
      return 'x-amz-copy-source names no bucket served here';
    }
    const why = unsafeKeyReason(sourceKey.join('/'));
    if (why !== undefined) return `x-amz-copy-source key ${why}`;
  }
  return undefined;
}

/**
 * Refuses what would replace an existing object: a PUT with
 * `If-None-Match: *` on an existing key (412, as S3 answers), and under
 * {@link CREATE_ONLY_PREFIX} any PUT, copy, multipart upload or DELETE of
 * an existing key (the Object-Lock bucket's stand-in). Checked before the
 * write within one process, which is all the embedded mode runs.
 */
async function refuseOverwrite(
  req: IncomingMessage,
  store: Record<string, unknown>,
  error: S3ErrorFactory,
): Promise<void> {
  const method = req.method ?? '';
  if (method !== 'PUT' && method !== 'POST' && method !== 'DELETE') return;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const params = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const [bucket, ...keyParts] = (q < 0 ? url : url.slice(0, q)).split('/').slice(1).map(decodeURIComponent);
  const key = keyParts.join('/');
  // Sub-resources (tagging, acl…) and a multi-object delete (POST ?delete) do not write the key itself.
  const subresource = [...params.keys()].some((k) => !['uploadId', 'partNumber', 'uploads', 'x-id'].includes(k));
  if (bucket === undefined || key === '' || subresource) return;
  const exists = store.existsObject as (b: string, k: string) => Promise<boolean>;
  const createOnly = key.startsWith(CREATE_ONLY_PREFIX);
  const noneMatch = req.headers['if-none-match'] === '*';
  if (!createOnly && !(noneMatch && method === 'PUT')) return;
  if (!(await exists.call(store, bucket, key))) return;
  if (noneMatch) {
    throw error('PreconditionFailed', `At least one of the pre-conditions you specified did not hold: ${key} exists`);
  }
  throw error('AccessDenied', `refused by the local S3: ${key} is create-only and exists`);
}

const KEYED_STORE_METHODS = [
  'getResourcePath',
  'getMetadata',
  'existsObject',
  'getObject',
  'deleteObject',
  'initiateUpload',
  'getSubresource',
  'putSubresource',
  'deleteSubresource',
  'putPart',
  'putObjectMultipart',
] as const;

/**
 * Puts the guard in front of an s3rver instance. Call before `run()`:
 * Koa composes its middleware when the server starts listening.
 */
export function guardS3rver(server: GuardableS3rver, options: S3GuardOptions): void {
  const buckets = new Set(options.buckets);
  const store = server.store as Record<string, unknown>;
  server.middleware.unshift(async (ctx, next) => {
    const refused = verifySigV4(
      { method: ctx.req.method ?? '', url: ctx.req.url ?? '/', headers: ctx.req.headers },
      { service: 's3', credentials: options.credentials, uriEscapePath: false },
    );
    if (refused !== undefined) {
      throw options.error('AccessDenied', `refused by the local S3: ${refused}`);
    }
    const problem = requestProblem(ctx.req, buckets);
    if (problem !== undefined) {
      throw options.error('InvalidArgument', `refused by the local S3: ${problem}`);
    }
    await refuseOverwrite(ctx.req, store, options.error);
    return next();
  });
  const check = (bucket: unknown, key: unknown) => {
    if (typeof bucket !== 'string' || !buckets.has(bucket)) {
      throw options.error('InvalidArgument', `bucket ${String(bucket)} is not served here`);
    }
    if (key !== undefined && key !== '') {
      const why = typeof key === 'string' ? unsafeKeyReason(key) : 'is not a string';
      if (why !== undefined) throw options.error('InvalidArgument', `object key ${why}`);
    }
  };
  for (const name of KEYED_STORE_METHODS) {
    const original = store[name];
    if (typeof original !== 'function') {
      throw new Error(`s3rver's store has no ${name}(): the guard does not fit this s3rver version`);
    }
    store[name] = function guarded(this: unknown, bucket: unknown, key: unknown, ...rest: unknown[]) {
      check(bucket, key);
      return (original as (...args: unknown[]) => unknown).call(this, bucket, key, ...rest);
    };
  }
  const remove = store.deleteObject as (...args: unknown[]) => unknown;
  store.deleteObject = function guardedDelete(this: unknown, bucket: unknown, key: unknown, ...rest: unknown[]) {
    // A multi-object delete names its keys in the body, past the middleware.
    if (typeof key === 'string' && key.startsWith(CREATE_ONLY_PREFIX)) {
      throw options.error('AccessDenied', `refused by the local S3: ${key} is create-only`);
    }
    return remove.call(this, bucket, key, ...rest);
  };
  const put = store.putObject;
  const copy = store.copyObject;
  if (typeof put !== 'function' || typeof copy !== 'function') {
    throw new Error("s3rver's store has no putObject()/copyObject(): the guard does not fit this s3rver version");
  }
  store.putObject = function guardedPut(this: unknown, object: { bucket?: unknown; key?: unknown }, ...rest: unknown[]) {
    check(object?.bucket, object?.key ?? '');
    return (put as (...args: unknown[]) => unknown).call(this, object, ...rest);
  };
  store.copyObject = function guardedCopy(this: unknown, ...args: unknown[]) {
    check(args[0], args[1]);
    check(args[2], args[3]);
    return (copy as (...a: unknown[]) => unknown).call(this, ...args);
  };
}
