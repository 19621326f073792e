/**
 * A local key service that speaks the KMS JSON protocol on 127.0.0.1, so
 * the embedded mode exercises the real @aws-sdk/client-kms and the same
 * KMS adapters as AWS. No KMS emulator exists on npm; this implements the
 * operations wasure uses: GenerateDataKey, Encrypt, Decrypt (AES-256-GCM,
 * encryption context bound as associated data), GenerateMac/VerifyMac
 * (HMAC-SHA-256, under the pseudonym key or the audit-MAC key) and
 * Sign/Verify/GetPublicKey (Ed25519). Key material
 * lives in files (mode 0600) under the given directory.
 *
 * Every request must carry an AWS SigV4 signature made with the
 * credentials the service is started with (the state directory's secret),
 * else it is refused with AccessDeniedException: another local user can
 * reach 127.0.0.1 but cannot unwrap keys without that secret. Key files
 * are created only when asked to (a new state directory) and then all
 * together, each written atomically; a missing, unreadable or malformed key
 * file is an error, never a reason to make new keys.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign as edSign,
  timingSafeEqual,
  verify as edVerify,
} from 'node:crypto';
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { RESOURCES } from '../../config/resources.ts';
import { ConfigError } from '../../errors.ts';
import { type LocalCredentials, payloadHash, verifySigV4 } from './sigv4-verifier.ts';

/** Ids of the local keys. */
export const LOCAL_KEY_IDS = {
  data: RESOURCES.dataKey.local,
  hmac: RESOURCES.pseudonymKey.local,
  signing: RESOURCES.signingKey.local,
  auditMac: RESOURCES.auditMacKey.local,
} as const;

/** A running local key service. */
export interface LocalKms {
  readonly endpoint: string;
  readonly keyIds: typeof LOCAL_KEY_IDS;
  stop(): Promise<void>;
}

class KmsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const MAGIC = Buffer.from('wkl1');

/** Names of the key files under the key service's directory. */
export const KEY_FILES = ['data.key', 'hmac.key', 'signing.pem'] as const;

/**
 * The audit-MAC key file (writer proof of audit events). Kept apart from
 * {@link KEY_FILES}: a state made before it existed gets one on its next
 * start, which loses nothing (no event carries a MAC under it yet), and
 * the state manifest's fingerprint of the other keys stays valid. A
 * replaced one is not silent either: every MACed event then fails
 * `audit verify`.
 */
export const AUDIT_MAC_KEY_FILE = 'audit-mac.key';

async function loadAuditMacKey(dir: string): Promise<Buffer> {
  const path = join(dir, AUDIT_MAC_KEY_FILE);
  const found = await readIfPresent(path);
  if (found === undefined) {
    const made = randomBytes(32);
    await writeFileAtomic(path, made);
    return made;
  }
  if (found.length !== 32) {
    throw new ConfigError(`the local key store ${dir} holds a key file of the wrong size (${AUDIT_MAC_KEY_FILE} is 32 bytes)`);
  }
  return found;
}

/**
 * Writes a file so that readers see either the old or the whole new
 * content: a 0600 temporary file beside it, flushed to disk, renamed over
 * the target, and the directory flushed so the rename survives a crash.
 */
export async function writeFileAtomic(path: string, data: Buffer | string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const dir = await open(join(path, '..'), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(`cannot read the local key file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

interface KeyMaterial {
  readonly dataKey: Buffer;
  readonly hmacKey: Buffer;
  readonly signingPem: Buffer;
}

async function loadKeys(dir: string, create: boolean): Promise<KeyMaterial> {
  const paths = KEY_FILES.map((f) => join(dir, f));
  const found = await Promise.all(paths.map(readIfPresent));
  const missing = KEY_FILES.filter((_, i) => found[i] === undefined);
  if (missing.length === KEY_FILES.length && create) {
    const made = [
      randomBytes(32),
      randomBytes(32),
      Buffer.from(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
    ];
    for (const [i, path] of paths.entries()) {
      await writeFileAtomic(path, made[i] as Buffer);
    }
    return { dataKey: made[0] as Buffer, hmacKey: made[1] as Buffer, signingPem: made[2] as Buffer };
  }
  if (missing.length > 0) {
    throw new ConfigError(
      `the local key store ${dir} is missing ${missing.join(', ')}: new master keys are not made over an existing state, because data sealed under the old ones would be lost silently; restore the files or start a new state directory`,
    );
  }
  const [dataKey, hmacKey, signingPem] = found as [Buffer, Buffer, Buffer];
  if (dataKey.length !== 32 || hmacKey.length !== 32) {
    throw new ConfigError(`the local key store ${dir} holds a key file of the wrong size (data.key and hmac.key are 32 bytes)`);
  }
  try {
    createPrivateKey(signingPem);
  } catch (error) {
    throw new ConfigError(`the local key store ${dir} holds an unreadable signing.pem`, { cause: error });
  }
  return { dataKey, hmacKey, signingPem };
}

/**
 * SHA-256 over the key files of a key store directory, in a fixed order:
 * a state manifest records it so that swapped or regenerated keys are
 * detected. Throws like the service itself when a file is missing.
 */
export async function keyStoreFingerprint(dir: string): Promise<string> {
  const keys = await loadKeys(dir, false);
  const hash = createHash('sha256');
  for (const part of [keys.dataKey, keys.hmacKey, keys.signingPem]) {
    hash.update(String(part.length)).update(':').update(part);
  }
  return hash.digest('hex');
}

function keyIdOf(value: unknown): string {
  const text = String(value ?? '');
  const slash = text.lastIndexOf('/');
  return slash >= 0 && text.startsWith('arn:') ? text.slice(slash + 1) : text;
}

function contextAad(keyId: string, context: unknown): Buffer {
  const entries = Object.entries((context ?? {}) as Record<string, string>).sort(
    ([a], [b]) => (a < b ? -1 : a > b ? 1 : 0),
  );
  return Buffer.from(JSON.stringify([keyId, entries]), 'utf8');
}

function b64(value: unknown, field: string): Buffer {
  if (typeof value !== 'string') {
    throw new KmsFault('ValidationException', `${field} is required`);
  }
  return Buffer.from(value, 'base64');
}

/** Options of {@link startLocalKms}. */
export interface LocalKmsOptions {
  /** Directory of the key files. */
  readonly dir: string;
  /** Credentials every request must be signed with (SigV4, service `kms`). */
  readonly credentials: LocalCredentials;
  /**
   * Make new key files when none exist (a new state directory). When
   * false, missing key files are an error. @default false
   */
  readonly create?: boolean;
  /** Port on 127.0.0.1. @default a free port */
  readonly port?: number;
}

/** Starts the local key service. */
export async function startLocalKms(options: LocalKmsOptions): Promise<LocalKms> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const { dataKey, hmacKey, signingPem } = await loadKeys(options.dir, options.create ?? false);
  const macKeys: Record<string, Buffer> = {
    [LOCAL_KEY_IDS.hmac]: hmacKey,
    [LOCAL_KEY_IDS.auditMac]: await loadAuditMacKey(options.dir),
  };
  const privateKey: KeyObject = createPrivateKey(signingPem);
  const publicKey = createPublicKey(privateKey);

  const expectKey = (body: Record<string, unknown>, want: string) => {
    const id = keyIdOf(body.KeyId);
    if (id !== want) {
      throw new KmsFault('NotFoundException', `key ${id || '(none)'} does not exist or does not fit this operation`);
    }
  };
  const encrypt = (plaintext: Buffer, context: unknown) => {
    const id = Buffer.from(LOCAL_KEY_IDS.data);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
    cipher.setAAD(contextAad(LOCAL_KEY_IDS.data, context));
    const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([MAGIC, Buffer.from([id.length]), id, iv, cipher.getAuthTag(), ct]);
  };
  const decrypt = (blob: Buffer, context: unknown) => {
    if (blob.length < 34 || !blob.subarray(0, 4).equals(MAGIC)) {
      throw new KmsFault('InvalidCiphertextException', 'not a ciphertext of this key service');
    }
    const idLen = blob[4] as number;
    const id = blob.subarray(5, 5 + idLen).toString();
    if (id !== LOCAL_KEY_IDS.data) {
      throw new KmsFault('IncorrectKeyException', 'ciphertext of another key');
    }
    const at = 5 + idLen;
    try {
      const decipher = createDecipheriv('aes-256-gcm', dataKey, blob.subarray(at, at + 12));
      decipher.setAAD(contextAad(id, context));
      decipher.setAuthTag(blob.subarray(at + 12, at + 28));
      return Buffer.concat([decipher.update(blob.subarray(at + 28)), decipher.final()]);
    } catch {
      throw new KmsFault('InvalidCiphertextException', 'ciphertext or encryption context does not match');
    }
  };
  const macKeyOf = (body: Record<string, unknown>): [string, Buffer] => {
    const id = keyIdOf(body.KeyId);
    const key = macKeys[id];
    if (key === undefined) {
      throw new KmsFault('NotFoundException', `key ${id || '(none)'} does not exist or does not fit this operation`);
    }
    return [id, key];
  };
  const mac = (key: Buffer, message: Buffer) => createHmac('sha256', key).update(message).digest();

  const ops: Record<string, (body: Record<string, unknown>) => Record<string, unknown>> = {
    GenerateDataKey: (body) => {
      expectKey(body, LOCAL_KEY_IDS.data);
      const size = body.KeySpec === 'AES_128' ? 16 : Number(body.NumberOfBytes ?? 32);
      const plaintext = randomBytes(size);
      return {
        KeyId: LOCAL_KEY_IDS.data,
        Plaintext: plaintext.toString('base64'),
        CiphertextBlob: encrypt(plaintext, body.EncryptionContext).toString('base64'),
      };
    },
    Encrypt: (body) => {
      expectKey(body, LOCAL_KEY_IDS.data);
      return {
        KeyId: LOCAL_KEY_IDS.data,
        CiphertextBlob: encrypt(b64(body.Plaintext, 'Plaintext'), body.EncryptionContext).toString('base64'),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    },
    Decrypt: (body) => {
      if (body.KeyId !== undefined) {
        expectKey(body, LOCAL_KEY_IDS.data);
      }
      return {
        KeyId: LOCAL_KEY_IDS.data,
        Plaintext: decrypt(b64(body.CiphertextBlob, 'CiphertextBlob'), body.EncryptionContext).toString('base64'),
        EncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    },
    GenerateMac: (body) => {
      const [id, key] = macKeyOf(body);
      return {
        KeyId: id,
        MacAlgorithm: 'HMAC_SHA_256',
        Mac: mac(key, b64(body.Message, 'Message')).toString('base64'),
      };
    },
    VerifyMac: (body) => {
      const [id, key] = macKeyOf(body);
      const want = mac(key, b64(body.Message, 'Message'));
      const got = b64(body.Mac, 'Mac');
      if (got.length !== want.length || !timingSafeEqual(got, want)) {
        throw new KmsFault('KMSInvalidMacException', 'MAC does not verify');
      }
      return { KeyId: id, MacValid: true, MacAlgorithm: 'HMAC_SHA_256' };
    },
    Sign: (body) => {
      expectKey(body, LOCAL_KEY_IDS.signing);
      return {
        KeyId: LOCAL_KEY_IDS.signing,
        SigningAlgorithm: 'ED25519_SHA_512',
        Signature: edSign(null, b64(body.Message, 'Message'), privateKey).toString('base64'),
      };
    },
    Verify: (body) => {
      expectKey(body, LOCAL_KEY_IDS.signing);
      const ok = edVerify(null, b64(body.Message, 'Message'), publicKey, b64(body.Signature, 'Signature'));
      if (!ok) {
        throw new KmsFault('KMSInvalidSignatureException', 'signature does not verify');
      }
      return { KeyId: LOCAL_KEY_IDS.signing, SignatureValid: true, SigningAlgorithm: 'ED25519_SHA_512' };
    },
    GetPublicKey: (body) => {
      expectKey(body, LOCAL_KEY_IDS.signing);
      return {
        KeyId: LOCAL_KEY_IDS.signing,
        KeySpec: 'ECC_NIST_EDWARDS25519',
        KeyUsage: 'SIGN_VERIFY',
        SigningAlgorithms: ['ED25519_SHA_512'],
        PublicKey: (publicKey.export({ type: 'spki', format: 'der' }) as Buffer).toString('base64'),
      };
    },
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const op = target.startsWith('TrentService.') ? target.slice('TrentService.'.length) : '';
      let status = 200;
      let payload: Record<string, unknown>;
      const body = Buffer.concat(chunks);
      try {
        const refused = verifySigV4(
          { method: req.method ?? '', url: req.url ?? '/', headers: req.headers, payloadSha256: payloadHash(body) },
          { service: 'kms', credentials: options.credentials },
        );
        if (refused !== undefined) {
          throw new KmsFault('AccessDeniedException', `refused by the local key service: ${refused}`);
        }
        const handler = ops[op];
        if (handler === undefined) {
          throw new KmsFault('UnsupportedOperationException', `operation ${op || target} is not supported by the local key service`);
        }
        payload = handler(JSON.parse(body.toString('utf8') || '{}'));
      } catch (error) {
        status = 400;
        payload =
          error instanceof KmsFault
            ? { __type: error.type, message: error.message }
            : { __type: 'KMSInternalException', message: (error as Error).message };
      }
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(payload));
    });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    keyIds: LOCAL_KEY_IDS,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
