/**
 * A local key service that speaks the KMS JSON protocol on 127.0.0.1, so
 * the embedded mode exercises the real @aws-sdk/client-kms and the same
 * KMS adapters as AWS. No KMS emulator exists on npm; this implements the
 * operations wasure uses: GenerateDataKey, Encrypt, Decrypt (AES-256-GCM,
 * encryption context bound as associated data), GenerateMac/VerifyMac
 * (HMAC-SHA-256) and Sign/Verify/GetPublicKey (Ed25519). Key material
 * lives in files (mode 0600) under the given directory.
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
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** Ids of the local keys. */
export const LOCAL_KEY_IDS = {
  data: 'wasure-local-data-key',
  hmac: 'wasure-local-hmac-key',
  signing: 'wasure-local-signing-key',
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

async function loadOrCreate(path: string, make: () => Buffer): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch {
    const value = make();
    await writeFile(path, value, { mode: 0o600 });
    return value;
  }
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

/** Starts the local key service. */
export async function startLocalKms(options: {
  dir: string;
  port?: number;
}): Promise<LocalKms> {
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const dataKey = await loadOrCreate(join(options.dir, 'data.key'), () => randomBytes(32));
  const hmacKey = await loadOrCreate(join(options.dir, 'hmac.key'), () => randomBytes(32));
  const signingPem = await loadOrCreate(join(options.dir, 'signing.pem'), () =>
    Buffer.from(
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    ),
  );
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
  const mac = (message: Buffer) => createHmac('sha256', hmacKey).update(message).digest();

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
      expectKey(body, LOCAL_KEY_IDS.hmac);
      return {
        KeyId: LOCAL_KEY_IDS.hmac,
        MacAlgorithm: 'HMAC_SHA_256',
        Mac: mac(b64(body.Message, 'Message')).toString('base64'),
      };
    },
    VerifyMac: (body) => {
      expectKey(body, LOCAL_KEY_IDS.hmac);
      const want = mac(b64(body.Message, 'Message'));
      const got = b64(body.Mac, 'Mac');
      if (got.length !== want.length || !timingSafeEqual(got, want)) {
        throw new KmsFault('KMSInvalidMacException', 'MAC does not verify');
      }
      return { KeyId: LOCAL_KEY_IDS.hmac, MacValid: true, MacAlgorithm: 'HMAC_SHA_256' };
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
      try {
        const handler = ops[op];
        if (handler === undefined) {
          throw new KmsFault('UnsupportedOperationException', `operation ${op || target} is not supported by the local key service`);
        }
        payload = handler(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
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
