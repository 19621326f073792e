/**
 * Erasure receipts: what a subject is given to prove, without trusting
 * wasure's stores, that their erasure is in the signed audit trail. A
 * receipt holds the subject's own erasure events as chained, one RFC 6962
 * inclusion proof per event against a signed checkpoint, the checkpoint
 * and the signing key's public half. The proofs hold only sibling subtree
 * hashes, so nothing about other subjects is disclosed. Pure functions:
 * verification needs no store, no network and no credentials.
 */
import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { AuditAction } from '../ports/index.ts';
import {
  type ChainedEvent,
  type Checkpoint,
  checkpointBytes,
  eventBytes,
  leafHash,
} from './audit-chain.ts';
import { inclusionProof, verifyInclusion } from './merkle-proof.ts';

/** The receipt format this code writes and reads. */
export const RECEIPT_FORMAT = 'wasure-erasure-receipt/1';

/**
 * Audit actions a receipt proves: a record erased (by request, sweep, TTL
 * backstop or stream) and the subject key destroyed (crypto-shredding).
 */
export const ERASURE_ACTIONS: readonly AuditAction[] = ['erasure', 'key-destroyed'];

/** One event's inclusion proof. */
export interface ReceiptProof {
  /** The event's sequence number (its leaf index). */
  readonly seq: number;
  /** Leaf index in the tree; equals `seq`. */
  readonly leafIndex: number;
  /** Size of the tree the proof is for; equals the checkpoint's. */
  readonly treeSize: number;
  /** Sibling hashes from the leaf up (hex). */
  readonly path: readonly string[];
}

/** An erasure receipt (`wasure-erasure-receipt/1`). */
export interface ErasureReceipt {
  readonly format: typeof RECEIPT_FORMAT;
  /** The subject's pseudonym, as in every event. */
  readonly subjectPseudonym: string;
  /** The subject's erasure events, exactly as chained. */
  readonly events: readonly ChainedEvent[];
  /** One proof per event. */
  readonly proofs: readonly ReceiptProof[];
  /** The signed checkpoint the proofs lead to. */
  readonly checkpoint: Checkpoint;
  /** The checkpoint key's public half, PEM (SPKI). */
  readonly publicKey: string;
}

/** Kinds of receipt problem. */
export type ReceiptProblemKind =
  | 'malformed'
  | 'foreign-event'
  | 'altered-event'
  | 'missing-proof'
  | 'bad-proof'
  | 'bad-signature'
  | 'unsupported-algorithm';

/** One thing wrong with a receipt. */
export interface ReceiptProblem {
  readonly kind: ReceiptProblemKind;
  /** The event concerned, if any. */
  readonly seq?: number;
  readonly message: string;
}

/** Result of {@link verifyReceipt}. */
export interface ReceiptVerdict {
  readonly ok: boolean;
  /** Events proved (0 unless ok). */
  readonly eventsProved: number;
  /** Tree size and index of the checkpoint, when readable. */
  readonly treeSize?: number;
  readonly checkpointIndex?: number;
  /** SHA-256 of the public key's DER (SPKI), to compare with the published one. */
  readonly keyFingerprint?: string;
  readonly problems: readonly ReceiptProblem[];
}

/**
 * Builds a receipt from the leaf hashes of the whole tree up to the
 * checkpoint (`leafHashes[i]` is event i's), the subject's erasure events
 * (all with `seq < checkpoint.treeSize`), the checkpoint and the key.
 *
 * @example
 * buildReceipt({ subjectPseudonym, leafHashes, events, checkpoint, publicKey });
 */
export function buildReceipt(input: {
  readonly subjectPseudonym: string;
  readonly leafHashes: readonly Uint8Array[];
  readonly events: readonly ChainedEvent[];
  readonly checkpoint: Checkpoint;
  readonly publicKey: string;
}): ErasureReceipt {
  const size = input.checkpoint.treeSize;
  return {
    format: RECEIPT_FORMAT,
    subjectPseudonym: input.subjectPseudonym,
    events: input.events,
    proofs: input.events.map((e) => ({
      seq: e.seq,
      leafIndex: e.seq,
      treeSize: size,
      path: inclusionProof(input.leafHashes, e.seq, size).map((h) => h.toString('hex')),
    })),
    checkpoint: input.checkpoint,
    publicKey: input.publicKey,
  };
}

const HEX32 = /^[0-9a-f]{64}$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Why the receipt's shape is not a receipt, or undefined. */
function shapeProblem(r: unknown): string | undefined {
  if (!isObject(r)) {
    return 'the receipt is not a JSON object';
  }
  if (r.format !== RECEIPT_FORMAT) {
    return `format is not ${RECEIPT_FORMAT}`;
  }
  if (typeof r.subjectPseudonym !== 'string' || r.subjectPseudonym === '') {
    return 'subjectPseudonym is missing';
  }
  if (!Array.isArray(r.events) || r.events.length === 0 || !r.events.every((e) => isObject(e) && isIndex(e.seq))) {
    return 'events must be a non-empty list of events with a seq';
  }
  const proofOk = (p: unknown) =>
    isObject(p) &&
    isIndex(p.seq) &&
    isIndex(p.leafIndex) &&
    isIndex(p.treeSize) &&
    Array.isArray(p.path) &&
    p.path.length <= 64 &&
    p.path.every((h) => typeof h === 'string' && HEX32.test(h));
  if (!Array.isArray(r.proofs) || !r.proofs.every(proofOk)) {
    return 'proofs must be a list of {seq, leafIndex, treeSize, path: [64 hex digits]}';
  }
  const cp = r.checkpoint;
  if (
    !isObject(cp) ||
    !isIndex(cp.treeSize) ||
    typeof cp.rootHash !== 'string' ||
    !HEX32.test(cp.rootHash) ||
    typeof cp.algorithm !== 'string' ||
    typeof cp.signature !== 'string'
  ) {
    return 'checkpoint must hold treeSize, rootHash (64 hex digits), algorithm and signature';
  }
  if (typeof r.publicKey !== 'string') {
    return 'publicKey (PEM) is missing';
  }
  return undefined;
}

/** Node's verify arguments for a KMS signing algorithm name. */
const ALGORITHMS: Readonly<Record<string, { digest: string | null; keyType: string }>> = {
  ED25519_SHA_512: { digest: null, keyType: 'ed25519' },
  ECDSA_SHA_256: { digest: 'sha256', keyType: 'ec' },
  ECDSA_SHA_384: { digest: 'sha384', keyType: 'ec' },
  ECDSA_SHA_512: { digest: 'sha512', keyType: 'ec' },
};

/** Checks the checkpoint's signature with the embedded key. */
function signatureProblem(cp: Checkpoint, key: KeyObject): ReceiptProblem | undefined {
  const alg = ALGORITHMS[cp.algorithm];
  if (alg === undefined) {
    return { kind: 'unsupported-algorithm', message: `checkpoint algorithm ${cp.algorithm} is not one of ${Object.keys(ALGORITHMS).join(', ')}` };
  }
  if (key.asymmetricKeyType !== alg.keyType) {
    return { kind: 'bad-signature', message: `the public key is ${key.asymmetricKeyType}, the checkpoint says ${cp.algorithm}` };
  }
  const signature = Buffer.from(cp.signature, 'base64');
  let valid: boolean;
  try {
    // ECDSA signatures from KMS are DER (ASN.1) encoded.
    valid = verify(alg.digest, checkpointBytes(cp), alg.keyType === 'ec' ? { key, dsaEncoding: 'der' } : key, signature);
  } catch {
    valid = false;
  }
  return valid ? undefined : { kind: 'bad-signature', message: `the signature of checkpoint ${cp.index} does not verify with the receipt's public key` };
}

/** Problems of one event and its proof against the checkpoint. */
function eventProblems(r: ErasureReceipt, e: ChainedEvent): ReceiptProblem[] {
  const problems: ReceiptProblem[] = [];
  const seq = e.seq;
  if (e.subjectPseudonym !== r.subjectPseudonym) {
    problems.push({ kind: 'foreign-event', seq, message: `event ${seq} is not about the receipt's subject` });
  }
  if (!ERASURE_ACTIONS.includes(e.action)) {
    problems.push({ kind: 'foreign-event', seq, message: `event ${seq} is a ${String(e.action)}, not an erasure` });
  }
  // The leaf is recomputed from the content: the stored leafHash is a claim.
  let leaf: Buffer;
  try {
    leaf = leafHash(eventBytes(e));
  } catch {
    // Nesting deep enough to exhaust the stack is no event wasure wrote.
    return [{ kind: 'malformed', seq, message: `event ${seq} cannot be hashed` }];
  }
  if (leaf.toString('hex') !== e.leafHash) {
    problems.push({ kind: 'altered-event', seq, message: `event ${seq} was altered: its content does not match its leaf hash` });
  }
  const proof = r.proofs.find((p) => p.seq === seq);
  if (proof === undefined) {
    return [...problems, { kind: 'missing-proof', seq, message: `event ${seq} has no inclusion proof` }];
  }
  if (proof.leafIndex !== seq || proof.treeSize !== r.checkpoint.treeSize) {
    problems.push({ kind: 'bad-proof', seq, message: `the proof of event ${seq} is for leaf ${proof.leafIndex} of ${proof.treeSize}, not leaf ${seq} of the checkpoint's ${r.checkpoint.treeSize}` });
  } else if (!verifyInclusion(seq, proof.treeSize, leaf, proof.path.map((h) => Buffer.from(h, 'hex')), Buffer.from(r.checkpoint.rootHash, 'hex'))) {
    problems.push({ kind: 'bad-proof', seq, message: `event ${seq} is not in the signed tree: its inclusion proof does not lead to the checkpoint's root` });
  }
  return problems;
}

function fingerprintOf(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex');
}

/**
 * SHA-256 (hex) of a PEM public key's DER (SPKI): what the controller
 * publishes and a subject compares with a receipt's key. The same as
 * `openssl pkey -pubin -outform DER | openssl dgst -sha256`.
 */
export function keyFingerprint(publicKeyPem: string): string {
  return fingerprintOf(createPublicKey({ key: publicKeyPem, format: 'pem' }));
}

/**
 * Verifies a receipt offline: each event's leaf hash is recomputed from its
 * content, each inclusion proof must lead to the checkpoint's root at the
 * checkpoint's tree size, and the checkpoint's signature must verify with
 * the embedded public key. Returns every problem found, by name. Whether
 * the key is the controller's is for the subject to check: compare
 * `keyFingerprint` with the one the controller publishes.
 *
 * @example
 * const verdict = verifyReceipt(JSON.parse(text));
 * if (!verdict.ok) console.log(verdict.problems.map((p) => p.message));
 */
export function verifyReceipt(receipt: unknown): ReceiptVerdict {
  const shape = shapeProblem(receipt);
  if (shape !== undefined) {
    return { ok: false, eventsProved: 0, problems: [{ kind: 'malformed', message: shape }] };
  }
  const r = receipt as ErasureReceipt;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: r.publicKey, format: 'pem' });
  } catch {
    return { ok: false, eventsProved: 0, problems: [{ kind: 'malformed', message: 'publicKey is not a PEM public key' }] };
  }
  const keyFingerprint = fingerprintOf(key);
  const problems: ReceiptProblem[] = [];
  const signature = signatureProblem(r.checkpoint, key);
  if (signature !== undefined) {
    problems.push(signature);
  }
  for (const e of r.events) {
    problems.push(...eventProblems(r, e));
  }
  return {
    ok: problems.length === 0,
    eventsProved: problems.length === 0 ? r.events.length : 0,
    treeSize: r.checkpoint.treeSize,
    checkpointIndex: r.checkpoint.index,
    keyFingerprint,
    problems,
  };
}

/**
 * Task and Pass states the erase request's state machine adds after the
 * erasure: the audit checkpointer (it verifies the trail, then signs a
 * checkpoint that covers the erasure), the task that saves the receipt as
 * the request's package, and the state that records a receipt left for
 * later (`wasure receipt issue`). Shared by infra and the local runner.
 */
export const ERASURE_RECEIPT_STATES = {
  checkpoint: 'VerifyAudit',
  issue: 'IssueErasureReceipt',
  later: 'ErasureReceiptLater',
} as const;

/** Name of the plain-text guide beside the receipt in an erase request's package. */
export const HOW_TO_VERIFY_FILE = 'HOW-TO-VERIFY.txt';

/**
 * The guide to checking a receipt, in Japanese and English: the CLI, the
 * standalone openssl script and the key fingerprint to compare with the
 * published one. It names only the request and the key, never the subject.
 *
 * @example
 * const text = howToVerify({ requestId: 'q-17', receiptFile: 'erasure-receipt.json', keyFingerprint });
 */
export function howToVerify(input: {
  readonly requestId: string;
  readonly receiptFile: string;
  readonly keyFingerprint: string;
}): string {
  const file = input.receiptFile;
  return [
    `消去証明書 / Erasure receipt — request ${input.requestId}`,
    '',
    '【日本語】',
    `${file} は、ご本人のデータの消去が署名付きの監査証跡に記録されたことを示します。`,
    '確認に wasure の保存データや AWS の認証情報は要りません(オフラインで確認できます)。',
    `1. wasure receipt verify ${file}`,
    '   終了コード 0 は有効、2 は無効(問題の内容を表示します)。',
    `2. wasure を使わない場合: sh verify-receipt.sh ${file}`,
    '   (wasure の docs/verify-receipt.sh。openssl と python3 の標準ライブラリだけを使います)',
    '3. 表示される署名鍵の指紋を、事業者が公表している指紋と照合してください。',
    `   この証明書の署名鍵: sha256:${input.keyFingerprint}`,
    '',
    '[English]',
    `${file} proves that the erasure of your data is recorded in the signed audit trail.`,
    'Checking it needs neither wasure\'s stores nor AWS credentials (it works offline).',
    `1. wasure receipt verify ${file}`,
    '   Exit code 0 means valid, 2 invalid (the problem is named).',
    `2. Without wasure: sh verify-receipt.sh ${file}`,
    '   (docs/verify-receipt.sh of wasure; openssl and the python3 standard library only)',
    '3. Compare the signing key fingerprint it prints with the one the controller publishes.',
    `   This receipt's signing key: sha256:${input.keyFingerprint}`,
    '',
  ].join('\n');
}
