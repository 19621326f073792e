/**
 * Tagging: turns one incoming line into a tagged record (purposes,
 * retention, categories, consent) or the list of reasons it is refused.
 * Pure: no I/O, no clock, no randomness.
 */
import type { Problem } from '../errors.ts';
import { findPersonalData } from './audit-event.ts';
import { findDataset } from './catalogue.ts';
import {
  type Catalogue,
  type CategoryKind,
  SEALED_KINDS,
} from './catalogue-types.ts';
import { classifyFields, detect } from './classify.ts';
import type { RetentionTag } from './record.ts';
import { computeDueAt } from './retention.ts';

/** A document as given on an ingest line. */
export interface DocumentInput {
  /** File name (no path separators). */
  readonly name: string;
  /** MIME type. */
  readonly contentType: string;
  /** Body bytes. */
  readonly body: Uint8Array;
}

/** A line after tagging, before encryption and storage. */
export interface TaggedRecord {
  readonly recordId: string;
  readonly subjectId: string;
  readonly dataset: string;
  readonly purposes: readonly string[];
  readonly categories: readonly CategoryKind[];
  readonly fieldCategories: Readonly<Record<string, CategoryKind>>;
  /** Fields stored in clear. */
  readonly clearFields: Readonly<Record<string, unknown>>;
  /** Fields to seal. */
  readonly sealFields: Readonly<Record<string, unknown>>;
  readonly retention: RetentionTag;
  readonly consentRefs: readonly string[];
  readonly acquisitionException?: string;
  readonly acquiredAt: string;
  readonly lastActivityAt?: string;
  readonly events: Readonly<Record<string, string>>;
  readonly policyVersion: string;
  readonly documents: readonly DocumentInput[];
  /** Whether documents are sealed with the subject's key. */
  readonly sealDocuments: boolean;
  /** Detector findings that raised a category, per field (for reports). */
  readonly detections: Readonly<Record<string, string>>;
}

/** Result of tagging one line. */
export type TagResult =
  | { readonly ok: true; readonly record: TaggedRecord }
  | { readonly ok: false; readonly recordId?: string; readonly problems: Problem[] };

const RECORD_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const CONTROL = /\p{Cc}/u;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Deepest nesting accepted in a line (the line object is level 1). DynamoDB
 * stores at most 32 levels; 16 leave room for the record's own envelope and
 * stop recursive code far from the stack limit.
 */
export const MAX_NESTING = 16;

/**
 * Largest record accepted, in bytes of its JSON without document bodies
 * (documents go to S3, each line's names and types count). A DynamoDB item
 * holds at most 400 KB; a sealed field grows by a third (base64 of the
 * AES-GCM envelope) and the tags take some more, so 256 KiB of JSON fits
 * even when every field is sealed.
 */
export const MAX_RECORD_BYTES = 256 * 1024;

type Obj = Record<string, unknown>;

/**
 * The path of the first value nested deeper than `max` levels, or
 * undefined. Walks with an explicit stack, so a 10,000-deep line cannot
 * overflow the call stack here.
 */
export function tooDeep(value: unknown, max: number): string | undefined {
  const stack: { v: unknown; path: string; depth: number }[] = [
    { v: value, path: '', depth: 1 },
  ];
  while (stack.length > 0) {
    const { v, path, depth } = stack.pop() as { v: unknown; path: string; depth: number };
    if (typeof v !== 'object' || v === null) {
      continue;
    }
    if (depth > max) {
      return path === '' ? '(line)' : path;
    }
    for (const [k, child] of Object.entries(v)) {
      const next = Array.isArray(v) ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`;
      stack.push({ v: child, path: next.length > 200 ? `${next.slice(0, 200)}…` : next, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Bytes of a line's JSON without its document bodies. */
function recordBytes(raw: Obj): number {
  const documents = Array.isArray(raw.documents)
    ? raw.documents.map((d) => (isObj(d) ? { ...d, text: undefined, base64: undefined } : d))
    : raw.documents;
  return Buffer.byteLength(JSON.stringify({ ...raw, documents }), 'utf8');
}

/**
 * The problem with an id that carries personal data, by the audit guard's
 * own rule set ({@link findPersonalData}): ids are written to indexes and to
 * the append-only audit trail, so they must be opaque.
 */
export function idProblem(path: string, id: string): Problem | undefined {
  const found = findPersonalData(id);
  return found === undefined
    ? undefined
    : {
        path,
        message: `looks like ${found}; ids are written to indexes and the audit trail, so they must not carry personal data (use an opaque id)`,
      };
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isoTime(
  v: unknown,
  path: string,
  problems: Problem[],
): string | undefined {
  if (typeof v !== 'string' || !ISO_TIME.test(v) || Number.isNaN(Date.parse(v))) {
    problems.push({
      path,
      message: 'must be an ISO-8601 time with a zone, e.g. 2026-04-01T09:00:00+09:00',
    });
    return undefined;
  }
  return new Date(v).toISOString();
}

function documentsOf(v: unknown, problems: Problem[]): DocumentInput[] {
  if (v === undefined) {
    return [];
  }
  if (!Array.isArray(v)) {
    problems.push({ path: 'documents', message: 'must be an array' });
    return [];
  }
  const names = new Set<string>();
  return v.flatMap((d, i) => {
    const path = `documents[${i}]`;
    if (!isObj(d)) {
      problems.push({ path, message: 'must be an object' });
      return [];
    }
    if (typeof d.name !== 'string' || !FILE_NAME.test(d.name)) {
      problems.push({
        path: `${path}.name`,
        message: 'must be a file name of letters, digits, ".", "_" or "-"',
      });
      return [];
    }
    const personal = idProblem(`${path}.name`, d.name);
    if (personal !== undefined) {
      problems.push(personal);
      return [];
    }
    if (names.has(d.name)) {
      problems.push({ path: `${path}.name`, message: 'duplicate document name' });
      return [];
    }
    names.add(d.name);
    let body: Uint8Array;
    if (typeof d.text === 'string') {
      body = Buffer.from(d.text, 'utf8');
    } else if (typeof d.base64 === 'string' && /^[A-Za-z0-9+/=\s]*$/.test(d.base64)) {
      body = Buffer.from(d.base64, 'base64');
    } else {
      problems.push({ path, message: 'needs a "text" or a "base64" body' });
      return [];
    }
    const contentType =
      typeof d.contentType === 'string' ? d.contentType : 'application/octet-stream';
    return [{ name: d.name, contentType, body }];
  });
}

/**
 * Tags one parsed JSON line against the catalogue. `now` bounds acquisition
 * times; `newRecordId` is used when the line has no recordId.
 */
export function tagRecord(
  catalogue: Catalogue,
  raw: unknown,
  now: Date,
  newRecordId: string,
): TagResult {
  const problems: Problem[] = [];
  if (!isObj(raw)) {
    return { ok: false, problems: [{ path: '(line)', message: 'must be a JSON object' }] };
  }
  const deep = tooDeep(raw, MAX_NESTING);
  if (deep !== undefined) {
    return {
      ok: false,
      problems: [{ path: deep, message: `is nested more than ${MAX_NESTING} levels deep; a record may nest at most ${MAX_NESTING} levels` }],
    };
  }
  const bytes = recordBytes(raw);
  if (bytes > MAX_RECORD_BYTES) {
    return {
      ok: false,
      problems: [
        {
          path: '(line)',
          message: `the record is ${bytes} bytes of JSON without its document bodies; at most ${MAX_RECORD_BYTES} bytes (256 KiB) are accepted, as a stored record must fit a 400 KB DynamoDB item (put large content in "documents")`,
        },
      ],
    };
  }
  let recordId = newRecordId;
  if (raw.recordId !== undefined) {
    const personal =
      typeof raw.recordId === 'string' ? idProblem('recordId', raw.recordId) : undefined;
    if (personal !== undefined) {
      problems.push(personal);
    } else if (typeof raw.recordId === 'string' && RECORD_ID.test(raw.recordId)) {
      recordId = raw.recordId;
    } else {
      problems.push({
        path: 'recordId',
        message: 'must be 1–128 letters, digits, ".", "_", ":" or "-"',
      });
    }
  }
  const refused = (): TagResult => ({ ok: false, recordId, problems });
  if (
    typeof raw.subjectId !== 'string' ||
    raw.subjectId === '' ||
    raw.subjectId.length > 128 ||
    CONTROL.test(raw.subjectId)
  ) {
    problems.push({ path: 'subjectId', message: 'must be a non-empty string of at most 128 characters' });
  } else {
    const personal = idProblem('subjectId', raw.subjectId);
    if (personal !== undefined) {
      problems.push(personal);
    }
  }
  const dataset =
    typeof raw.dataset === 'string' ? findDataset(catalogue, raw.dataset) : undefined;
  if (dataset === undefined) {
    problems.push({
      path: 'dataset',
      message:
        typeof raw.dataset === 'string'
          ? `unknown dataset "${raw.dataset}" (not in catalogue ${catalogue.version})`
          : 'is required',
    });
    return refused();
  }
  const purposes: string[] = [];
  if (!Array.isArray(raw.purposes) || raw.purposes.length === 0) {
    problems.push({ path: 'purposes', message: 'must list at least one purpose of use' });
  } else {
    raw.purposes.forEach((p, i) => {
      if (typeof p !== 'string' || !dataset.purposes.includes(p)) {
        problems.push({
          path: `purposes[${i}]`,
          message: `"${String(p)}" is not a purpose of dataset "${dataset.id}" (allowed: ${dataset.purposes.join(', ')})`,
        });
      } else if (!purposes.includes(p)) {
        purposes.push(p);
      }
    });
  }
  const acquiredAt = isoTime(raw.acquiredAt, 'acquiredAt', problems);
  if (acquiredAt !== undefined && Date.parse(acquiredAt) > now.getTime() + CLOCK_SKEW_MS) {
    problems.push({ path: 'acquiredAt', message: 'is in the future' });
  }
  const lastActivityAt =
    raw.lastActivityAt === undefined
      ? undefined
      : isoTime(raw.lastActivityAt, 'lastActivityAt', problems);
  const events: Record<string, string> = {};
  if (raw.events !== undefined) {
    if (!isObj(raw.events)) {
      problems.push({ path: 'events', message: 'must be an object of event name → time' });
    } else {
      for (const [name, at] of Object.entries(raw.events)) {
        const t = isoTime(at, `events.${name}`, problems);
        if (t !== undefined) {
          events[name] = t;
        }
      }
    }
  }
  const consent = isObj(raw.consent) ? raw.consent : undefined;
  if (raw.consent !== undefined && consent === undefined) {
    problems.push({ path: 'consent', message: 'must be an object { refs, sensitive }' });
  }
  const consentRefs = Array.isArray(consent?.refs)
    ? consent.refs.filter((r): r is string => typeof r === 'string' && r !== '')
    : [];
  consentRefs.forEach((ref, i) => {
    const personal = idProblem(`consent.refs[${i}]`, ref);
    if (personal !== undefined) {
      problems.push(personal);
    }
  });
  const sensitiveConsent = consent?.sensitive === true && consentRefs.length > 0;
  const exception = typeof raw.exception === 'string' ? raw.exception : undefined;
  if (exception !== undefined && !dataset.sensitiveExceptions.includes(exception)) {
    problems.push({
      path: 'exception',
      message: `"${exception}" is not an exception listed for dataset "${dataset.id}"`,
    });
  }
  const declared: CategoryKind[] = [];
  if (raw.categories !== undefined) {
    (Array.isArray(raw.categories) ? raw.categories : [raw.categories]).forEach(
      (c, i) => {
        if (!dataset.categories.includes(c as CategoryKind)) {
          problems.push({
            path: `categories[${i}]`,
            message: `"${String(c)}" is not a category dataset "${dataset.id}" may hold`,
          });
        } else {
          declared.push(c as CategoryKind);
        }
      },
    );
  }
  if (!isObj(raw.fields)) {
    problems.push({ path: 'fields', message: 'must be an object' });
    return refused();
  }
  const classified = classifyFields(dataset, raw.fields);
  problems.push(...classified.problems);
  const documents = documentsOf(raw.documents, problems);
  const docKinds: CategoryKind[] = [];
  if (documents.length > 0 && !dataset.documents) {
    problems.push({ path: 'documents', message: `dataset "${dataset.id}" does not keep documents` });
  }
  documents.forEach((d, i) => {
    if (!d.contentType.startsWith('text/')) {
      return;
    }
    const found = detect(d.name, Buffer.from(d.body).toString('utf8'));
    if (found === undefined) {
      return;
    }
    if (!dataset.categories.includes(found.category)) {
      problems.push({
        path: `documents[${i}]`,
        message: `holds ${found.category} data (${found.by}) but dataset "${dataset.id}" may not hold it`,
      });
    } else {
      docKinds.push(found.category);
    }
  });
  const categories = [...new Set([...classified.categories, ...declared, ...docKinds])];
  if (
    categories.includes('sensitive') &&
    !sensitiveConsent &&
    exception === undefined
  ) {
    problems.push({
      path: 'consent',
      message:
        'holds sensitive data (要配慮個人情報) without the subject\'s consent ({"consent":{"refs":[…],"sensitive":true}}) or a listed exception (APPI Art. 20(2))',
    });
  }
  if (problems.length > 0 || acquiredAt === undefined) {
    return refused();
  }
  const rule = dataset.retention;
  const dueAt = computeDueAt(rule, { acquiredAt, lastActivityAt, events });
  const fieldCategories: Record<string, CategoryKind> = {};
  const clearFields: Record<string, unknown> = {};
  const sealFields: Record<string, unknown> = {};
  const detections: Record<string, string> = {};
  for (const [name, cls] of Object.entries(classified.fields)) {
    fieldCategories[name] = cls.category;
    if (cls.detectedBy !== undefined) {
      detections[name] = cls.detectedBy;
    }
    const target = SEALED_KINDS.includes(cls.category) ? sealFields : clearFields;
    target[name] = raw.fields[name];
  }
  return {
    ok: true,
    record: {
      recordId,
      subjectId: raw.subjectId as string,
      dataset: dataset.id,
      purposes,
      categories,
      fieldCategories,
      clearFields,
      sealFields,
      retention: {
        basis: rule.basis,
        legalRef: rule.legalRef,
        period: rule.period,
        trigger: rule.trigger,
        ...(dueAt === undefined ? {} : { dueAt }),
      },
      consentRefs,
      ...(exception === undefined ? {} : { acquisitionException: exception }),
      acquiredAt,
      ...(lastActivityAt === undefined ? {} : { lastActivityAt }),
      events,
      policyVersion: catalogue.version,
      documents,
      sealDocuments: categories.some((c) => SEALED_KINDS.includes(c)),
      detections,
    },
  };
}
