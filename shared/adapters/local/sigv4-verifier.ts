/**
 * Verifies AWS Signature Version 4 on requests to the local stand-ins, so
 * only a caller holding the state directory's secret access key is served.
 * Implements the header form of SigV4 (`Authorization: AWS4-HMAC-SHA256 …`)
 * as the AWS SDK for JavaScript v3 signs: canonical request, string to
 * sign, HMAC-SHA-256 key derivation. Query-string (presigned) signatures are
 * refused: nothing in the embedded mode presigns.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** A secret credential pair. */
export interface LocalCredentials {
  /** Access key id (public part, sent in every request). */
  readonly accessKeyId: string;
  /** Secret access key (never sent; signs requests). */
  readonly secretAccessKey: string;
}

/** The parts of an HTTP request the signature covers. */
export interface SignedRequest {
  /** HTTP method. */
  readonly method: string;
  /** Raw request target: path and query as received (`req.url`). */
  readonly url: string;
  /** Request headers (names lower-case, as Node parses them). */
  readonly headers: IncomingHttpHeaders;
  /**
   * Hex SHA-256 of the body, when the server has read it. Required unless
   * the request carries `x-amz-content-sha256` (S3); when both exist they
   * must agree.
   */
  readonly payloadSha256?: string;
}

/** What the verifier expects of a request. */
export interface VerifyOptions {
  /** The signing service name in the credential scope (`kms`, `s3`). */
  readonly service: string;
  /** The credentials the request must be signed with. */
  readonly credentials: LocalCredentials;
  /**
   * Whether the service double-encodes the path (all but S3).
   * @default true
   */
  readonly uriEscapePath?: boolean;
  /** Current time. @default new Date() */
  readonly now?: Date;
  /** Largest accepted clock difference, ms. @default 900_000 (15 min, as AWS) */
  readonly maxSkewMs?: number;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

const escapeUri = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const sha256Hex = (value: string | Buffer): string => createHash('sha256').update(value).digest('hex');

const hmac = (key: Buffer | string, value: string): Buffer => createHmac('sha256', key).update(value, 'utf8').digest();

function decode(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, '%20'));
  } catch {
    return undefined;
  }
}

function canonicalQuery(query: string): string | undefined {
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const value = decode(eq < 0 ? '' : part.slice(eq + 1));
    if (key === undefined || value === undefined) return undefined;
    pairs.push([escapeUri(key), escapeUri(value)]);
  }
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

function canonicalPath(path: string, doubleEncode: boolean): string {
  if (!doubleEncode) return path;
  return path
    .split('/')
    .map((segment) => escapeUri(decode(segment) ?? segment))
    .join('/');
}

function parseAuthorization(header: string): Record<string, string> | undefined {
  if (!header.startsWith(`${ALGORITHM} `)) return undefined;
  const fields: Record<string, string> = {};
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return fields;
}

/**
 * Checks the SigV4 signature of a request.
 *
 * @returns `undefined` when the request is signed with the expected
 *   credentials for the expected service within the allowed clock skew,
 *   else the reason it is refused.
 * @example
 * const why = verifySigV4({ method: req.method ?? '', url: req.url ?? '/', headers: req.headers, payloadSha256 },
 *   { service: 'kms', credentials });
 * if (why !== undefined) refuse(403, why);
 */
export function verifySigV4(request: SignedRequest, options: VerifyOptions): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return 'the request is not signed (no Authorization header)';
  const auth = parseAuthorization(header);
  const credential = auth?.Credential?.split('/');
  const signedHeaders = auth?.SignedHeaders?.split(';');
  const signature = auth?.Signature;
  if (credential?.length !== 5 || signedHeaders === undefined || signature === undefined) {
    return `the Authorization header is not ${ALGORITHM} with Credential, SignedHeaders and Signature`;
  }
  const [accessKeyId, date, region, service, terminator] = credential as [string, string, string, string, string];
  if (accessKeyId !== options.credentials.accessKeyId) return 'the access key id is not the one of this state directory';
  if (service !== options.service || terminator !== 'aws4_request') return `the credential scope is not for ${options.service}`;
  const amzDate = request.headers['x-amz-date'];
  if (typeof amzDate !== 'string' || !/^\d{8}T\d{6}Z$/.test(amzDate) || !amzDate.startsWith(date)) {
    return 'x-amz-date is missing or does not match the credential scope';
  }
  const when = Date.UTC(
    Number(amzDate.slice(0, 4)),
    Number(amzDate.slice(4, 6)) - 1,
    Number(amzDate.slice(6, 8)),
    Number(amzDate.slice(9, 11)),
    Number(amzDate.slice(11, 13)),
    Number(amzDate.slice(13, 15)),
  );
  if (Math.abs((options.now ?? new Date()).getTime() - when) > (options.maxSkewMs ?? 900_000)) {
    return 'the signature is too old or from the future';
  }
  if (!signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
    return 'host and x-amz-date must be signed';
  }
  const declared = request.headers['x-amz-content-sha256'];
  if (typeof declared === 'string' && request.payloadSha256 !== undefined && declared !== request.payloadSha256) {
    return 'x-amz-content-sha256 does not match the body';
  }
  const payload = typeof declared === 'string' ? declared : request.payloadSha256;
  if (payload === undefined) return 'no payload hash';
  const q = request.url.indexOf('?');
  const path = q < 0 ? request.url : request.url.slice(0, q);
  const query = canonicalQuery(q < 0 ? '' : request.url.slice(q + 1));
  if (query === undefined) return 'the query string is not valid percent-encoding';
  if (/(^|&)X-Amz-(Signature|Credential|Algorithm)=/.test(query)) {
    return 'query-string signatures are not accepted';
  }
  const lines: string[] = [];
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return `signed header ${name} is missing`;
    const text = Array.isArray(value) ? value.join(',') : String(value);
    lines.push(`${name}:${text.trim().replace(/\s+/g, ' ')}\n`);
  }
  const canonical = [
    request.method,
    canonicalPath(path, options.uriEscapePath ?? true),
    query,
    lines.join(''),
    signedHeaders.join(';'),
    payload,
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${options.credentials.secretAccessKey}`, date), region), service), 'aws4_request');
  const want = hmac(key, toSign);
  const got = Buffer.from(signature, 'hex');
  if (got.length !== want.length || !timingSafeEqual(got, want)) {
    return 'the signature does not match: the request was not signed with this state directory\'s secret';
  }
  return undefined;
}

/** Hex SHA-256 of a request body, for {@link SignedRequest.payloadSha256}. */
export function payloadHash(body: Buffer): string {
  return sha256Hex(body);
}
