/**
 * Quarantine: what the landing tagger refused, kept under `quarantine/`
 * of the landing bucket with a `.reasons.json` beside it. Refused lines may
 * hold personal data (My Numbers included), so quarantine has a retention
 * (catalogue `quarantine.retentionDays`, default 30) and each refused line
 * records its subject's keyed pseudonym, never the raw id, so subject
 * export and erase can find it.
 *
 * A batch's quarantined object holds its refused lines in order; each
 * refused entry of the reasons names its line in that object (`at`). An
 * erased line is blanked, not removed: positions never move, so an erase
 * interrupted between the object and its reasons resumes safely.
 */
import { createHash } from 'node:crypto';
import type { Problem } from '../errors.ts';

/** Suffix of a quarantined object's reasons. */
export const REASONS_SUFFIX = '.reasons.json';

/** Format version of reasons that record subjects and positions. */
export const REASONS_VERSION = 2;

/** One refused line as its reasons record it. */
export interface RefusedEntry {
  /** Line in the landed object (1 for a document). */
  readonly line: number;
  /** Line in the quarantined object (a batch; absent on legacy reasons). */
  readonly at?: number;
  readonly recordId?: string;
  /** Keyed pseudonym of the line's subject, when its subject id could be read. */
  readonly subjectPseudonym?: string;
  readonly problems?: readonly Problem[];
  /** Set once the line was erased (the cause, e.g. `request:R-1`); nothing else is kept then. */
  readonly erased?: string;
}

/** The `.reasons.json` beside a quarantined object. */
export interface QuarantineReasons {
  readonly version?: number;
  readonly landedKey: string;
  readonly refusedAt: string;
  readonly kind: 'batch' | 'document';
  readonly stored: readonly { line: number; recordId: string }[];
  readonly refused: readonly RefusedEntry[];
}

/** A line of a landed batch. */
export interface LandedLine {
  readonly line: number;
  readonly text: string;
}

/** What the tagger refused in one landed object. */
export interface Refusal {
  readonly landedKey: string;
  readonly refusedAt: string;
  /** The landed object's body (kept whole for a document). */
  readonly body: Uint8Array;
  /** Batch lines; absent for a document. */
  readonly lines?: readonly LandedLine[];
  readonly stored: readonly { line: number; recordId: string }[];
  readonly refused: readonly { line: number; recordId?: string; problems: readonly Problem[] }[];
  /** Subject pseudonym by landed line, for lines whose subject id could be read. */
  readonly subjects: ReadonlyMap<number, string>;
}

/** Whether a key under `quarantine/` is a reasons file. */
export function isReasonsKey(key: string): boolean {
  return key.endsWith(REASONS_SUFFIX);
}

/** The quarantined object a key belongs to (itself, or the object of its reasons). */
export function quarantineObjectKey(key: string): string {
  return isReasonsKey(key) ? key.slice(0, -REASONS_SUFFIX.length) : key;
}

/** The reasons key of a quarantined object. */
export function reasonsKey(objectKey: string): string {
  return `${objectKey}${REASONS_SUFFIX}`;
}

/**
 * A non-personal name for a quarantined object in audit events and logs:
 * landed file names may be personal. Starts with letters so no digit run
 * of the hash stands alone (the audit guard looks at those).
 */
export function quarantineRef(objectKey: string): string {
  return `qk${createHash('sha256').update(objectKey).digest('hex').slice(0, 24)}`;
}

/**
 * The subject id of a batch line, if it can be read: a JSON object whose
 * `subjectId` is a non-empty string of at most 1,024 characters.
 */
export function lineSubjectId(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const id = (parsed as Record<string, unknown>).subjectId;
      return typeof id === 'string' && id.trim() !== '' && id.length <= 1024 ? id : undefined;
    }
  } catch {
    // Unreadable lines have no subject to record.
  }
  return undefined;
}

/** The quarantined object and its reasons for one refusal. */
export function quarantineContent(refusal: Refusal): { body: Uint8Array; reasons: QuarantineReasons } {
  const batch = refusal.lines !== undefined;
  const refusedLines = new Set(refusal.refused.map((r) => r.line));
  const kept = (refusal.lines ?? []).filter((l) => refusedLines.has(l.line));
  const at = new Map(kept.map((l, i) => [l.line, i + 1]));
  const body = batch ? Buffer.from(`${kept.map((l) => l.text).join('\n')}\n`, 'utf8') : refusal.body;
  const reasons: QuarantineReasons = {
    version: REASONS_VERSION,
    landedKey: refusal.landedKey,
    refusedAt: refusal.refusedAt,
    kind: batch ? 'batch' : 'document',
    stored: refusal.stored,
    refused: refusal.refused.map((r) => {
      const subject = refusal.subjects.get(r.line);
      const position = at.get(r.line);
      return {
        line: r.line,
        ...(position === undefined ? {} : { at: position }),
        ...(r.recordId === undefined ? {} : { recordId: r.recordId }),
        ...(subject === undefined ? {} : { subjectPseudonym: subject }),
        problems: r.problems,
      };
    }),
  };
  return { body, reasons };
}

/** Reasons as bytes. */
export function reasonsBytes(reasons: QuarantineReasons): Uint8Array {
  return Buffer.from(JSON.stringify(reasons, null, 2), 'utf8');
}

/** Parses a reasons file; undefined when it is not one. */
export function parseReasons(bytes: Uint8Array | undefined): QuarantineReasons | undefined {
  if (bytes === undefined) {
    return undefined;
  }
  try {
    const r = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<QuarantineReasons>;
    if (
      typeof r === 'object' &&
      r !== null &&
      typeof r.refusedAt === 'string' &&
      Array.isArray(r.refused) &&
      (r.kind === 'batch' || r.kind === 'document')
    ) {
      return { landedKey: '', stored: [], ...r } as QuarantineReasons;
    }
  } catch {
    // Not a reasons file.
  }
  return undefined;
}

/**
 * Positions in the quarantined object of each refused entry: `at` when
 * recorded, else (legacy reasons) the order of the distinct landed lines.
 * A document's single entry is the whole object (position 1).
 */
export function positions(reasons: QuarantineReasons): number[] {
  const order = [...new Set(reasons.refused.map((r) => r.line))].sort((a, b) => a - b);
  return reasons.refused.map((r) => r.at ?? order.indexOf(r.line) + 1);
}

/** Body lines of a batch's quarantined object (the trailing newline dropped). */
export function bodyLines(body: Uint8Array): string[] {
  const text = Buffer.from(body).toString('utf8');
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}

/** One quarantined line of a subject, as a disclosure package lists it. */
export interface QuarantinedLine {
  readonly refusedAt: string;
  readonly line: number;
  readonly problems: readonly Problem[];
  /** The line as it landed (a batch). */
  readonly content?: string;
  /** The document as it landed, base64 (a document). */
  readonly base64?: string;
  readonly contentType?: string;
}

/** The subject's quarantined lines in one object. */
export function subjectLines(
  reasons: QuarantineReasons,
  object: { body: Uint8Array; contentType: string } | undefined,
  subject: string,
): QuarantinedLine[] {
  if (object === undefined) {
    return [];
  }
  const lines = reasons.kind === 'batch' ? bodyLines(object.body) : [];
  const at = positions(reasons);
  return reasons.refused.flatMap((r, i): QuarantinedLine[] => {
    if (r.subjectPseudonym !== subject || r.erased !== undefined) {
      return [];
    }
    const base = { refusedAt: reasons.refusedAt, line: r.line, problems: r.problems ?? [] };
    if (reasons.kind === 'document') {
      return [{ ...base, contentType: object.contentType, base64: Buffer.from(object.body).toString('base64') }];
    }
    const content = lines[(at[i] ?? 0) - 1];
    return content === undefined || content === '' ? [] : [{ ...base, content }];
  });
}

/** What erasing a subject leaves of one quarantined object. */
export type QuarantineErasure =
  /** Nothing of the subject is in it. */
  | { readonly kind: 'untouched' }
  /** Nothing else remains: delete the object and its reasons (every version). */
  | { readonly kind: 'delete'; readonly lines: number }
  /** Rewrite both without the subject's lines (then delete their old versions). */
  | { readonly kind: 'rewrite'; readonly lines: number; readonly body: Uint8Array; readonly reasons: QuarantineReasons };

/**
 * Erases a subject's lines from one quarantined object: each is blanked in
 * the body and its reasons entry keeps only its line number and the cause.
 * `body` is undefined when the object is already gone (an erase that
 * stopped between deleting the object and its reasons).
 */
export function eraseSubjectLines(
  reasons: QuarantineReasons,
  body: Uint8Array | undefined,
  subject: string,
  cause: string,
): QuarantineErasure {
  const hit = reasons.refused.map((r) => r.subjectPseudonym === subject && r.erased === undefined);
  const lines = hit.filter(Boolean).length;
  if (lines === 0) {
    return { kind: 'untouched' };
  }
  const refused = reasons.refused.map((r, i) => (hit[i] ? { line: r.line, ...(r.at === undefined ? {} : { at: r.at }), erased: cause } : r));
  if (reasons.kind === 'document' || body === undefined || refused.every((r) => r.erased !== undefined)) {
    return { kind: 'delete', lines };
  }
  const at = positions(reasons);
  const blank = new Set(at.filter((_, i) => hit[i]));
  const text = bodyLines(body).map((l, i) => (blank.has(i + 1) ? '' : l));
  return {
    kind: 'rewrite',
    lines,
    body: Buffer.from(`${text.join('\n')}\n`, 'utf8'),
    // Legacy reasons get positions now, so later erasures need not guess.
    reasons: { ...reasons, version: REASONS_VERSION, refused: refused.map((r, i) => ({ ...r, at: at[i] as number })) },
  };
}

/**
 * Whether a quarantined object is past its retention at `now`: counted
 * from the refusal its reasons record, else from the newest write of its
 * versions; an object with neither is kept (and still counted).
 */
export function isQuarantineExpired(
  refusedAt: string | undefined,
  lastModified: string | undefined,
  now: Date,
  retentionDays: number,
): boolean {
  const from = Date.parse(refusedAt ?? lastModified ?? '');
  return !Number.isNaN(from) && now.getTime() - from >= retentionDays * 86_400_000;
}
