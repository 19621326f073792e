/**
 * Data-subject requests: registration (idempotent by request id) and the
 * use cases behind each request type. Refusals and partial outcomes carry
 * reasons (APPI Art. 36). The state machines call these one step at a time.
 */
import { SEALED_KINDS } from '../domain/catalogue-types.ts';
import { findDataset } from '../domain/catalogue.ts';
import { classifyFields } from '../domain/classify.ts';
import { fieldAad, sealValue } from '../domain/envelope.ts';
import { buildExportPackage, type ExportPackage } from '../domain/export-package.ts';
import type { StoredRecord } from '../domain/record.ts';
import {
  type Requester,
  type RequestType,
  type SubjectRequest,
  type Verification,
  requestDeadline,
  requesterProblems,
} from '../domain/requests.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { AuditEventInput, RequestStore } from '../ports/index.ts';
import type { LifecycleDeps } from './deps.ts';
import { PROVISION_DATASET } from './provision-records.ts';
import { eraseRecord } from './purge-batch.ts';
import { openRecord } from './read-record.ts';
import { SubjectKeys } from './subject-keys.ts';

/** Ports of the request use cases. */
export type RequestDeps = LifecycleDeps & { readonly requests: RequestStore };

/** A new request as received. */
export interface RequestInput {
  readonly requestId: string;
  readonly type: RequestType;
  readonly subjectId: string;
  readonly requester: Requester;
  readonly verification?: Verification;
  readonly params?: Readonly<Record<string, unknown>>;
  /** Days to answer. @default 14 */
  readonly deadlineDays?: number;
}

/** Types whose handling freezes the subject's records against the sweep. */
const FREEZING: readonly RequestType[] = ['export', 'correct'];

/**
 * Registers a request. A retry with the same id returns the stored request
 * unchanged; the same id for another subject or type is a conflict.
 */
export async function registerRequest(
  deps: RequestDeps,
  input: RequestInput,
): Promise<SubjectRequest> {
  const existing = await deps.requests.get(input.requestId);
  if (existing !== undefined) {
    if (existing.subjectId !== input.subjectId || existing.type !== input.type) {
      throw new ConflictError(
        `request id ${input.requestId} is already used by another ${existing.type} request`,
      );
    }
    return existing;
  }
  const problems = requesterProblems(input.requester, input.verification);
  if (problems.length > 0) {
    throw new ValidationError(
      `request ${input.requestId} cannot be accepted`,
      problems.map((message) => ({ path: 'requester', message })),
    );
  }
  const now = deps.clock.now();
  const request: SubjectRequest = {
    requestId: input.requestId,
    type: input.type,
    subjectId: input.subjectId,
    requester: input.requester,
    verification: input.verification as Verification,
    receivedAt: now.toISOString(),
    deadline: requestDeadline(now, input.deadlineDays),
    status: 'received',
    params: input.params ?? {},
    reasons: [],
    version: 1,
  };
  if (!(await deps.requests.create(request))) {
    return registerRequest(deps, input);
  }
  if (FREEZING.includes(input.type)) {
    await setPending(deps, input.subjectId, input.requestId, true);
  }
  await deps.audit.append([
    {
      action: 'request',
      actor: `requester:${input.requester.kind}`,
      subjectId: input.subjectId,
      policyVersion: deps.catalogue.version,
      outcome: 'ok',
      details: { requestId: input.requestId, type: input.type, verifiedBy: request.verification.method },
    },
  ]);
  return request;
}

async function setPending(
  deps: LifecycleDeps,
  subjectId: string,
  requestId: string,
  on: boolean,
): Promise<void> {
  for (const r of await deps.records.listBySubject(subjectId)) {
    const has = r.pendingRequests.includes(requestId);
    if (has === on) {
      continue;
    }
    await deps.records.update(
      {
        ...r,
        pendingRequests: on
          ? [...r.pendingRequests, requestId]
          : r.pendingRequests.filter((id) => id !== requestId),
        version: r.version + 1,
      },
      r.version,
    );
  }
}

/** Finishes a request: status, outcome, reasons; releases frozen records. */
export async function completeRequest(
  deps: RequestDeps,
  requestId: string,
  result: {
    status: SubjectRequest['status'];
    outcome: Record<string, unknown>;
    reasons: readonly string[];
  },
): Promise<SubjectRequest> {
  const request = await deps.requests.get(requestId);
  if (request === undefined) {
    throw new NotFoundError(`request ${requestId} does not exist`);
  }
  if (request.status !== 'received') {
    return request;
  }
  const done: SubjectRequest = {
    ...request,
    status: result.status,
    outcome: result.outcome,
    reasons: [...result.reasons],
    completedAt: deps.clock.now().toISOString(),
    version: request.version + 1,
  };
  await deps.requests.update(done, request.version);
  await setPending(deps, request.subjectId, requestId, false);
  await deps.audit.append([
    {
      action: 'request',
      actor: 'system:requests',
      subjectId: request.subjectId,
      policyVersion: deps.catalogue.version,
      outcome: result.status === 'refused' ? 'refused' : 'ok',
      ...(result.reasons.length === 0 ? {} : { reason: result.reasons.join('; ') }),
      details: { requestId, type: request.type, status: result.status },
    },
  ]);
  return done;
}

/** Every live record of the subject with its fields opened. */
export async function collectSubjectData(
  deps: LifecycleDeps,
  subjectId: string,
): Promise<{ opened: Awaited<ReturnType<typeof openRecord>>[]; records: StoredRecord[]; unreadable: string[] }> {
  const records = await deps.records.listBySubject(subjectId);
  const keys = new SubjectKeys(deps);
  const opened = [];
  const unreadable: string[] = [];
  for (const record of records) {
    try {
      opened.push(await openRecord(keys, record, deps, true));
    } catch (error) {
      if ((error as Error).name !== 'KeyUnavailableError') {
        throw error;
      }
      unreadable.push(record.recordId);
      opened.push({ fields: { ...record.fields }, documents: [] });
    }
  }
  return { opened, records, unreadable };
}

/** Builds the disclosure package of a request's subject. */
export async function exportSubject(
  deps: RequestDeps,
  request: SubjectRequest,
): Promise<{ pkg: ExportPackage; reasons: string[] }> {
  const { opened, records, unreadable } = await collectSubjectData(deps, request.subjectId);
  const pkg = buildExportPackage(deps.catalogue, {
    requestId: request.requestId,
    subjectId: request.subjectId,
    generatedAt: deps.clock.now().toISOString(),
    records: records.map((record, i) => ({
      record,
      fields: opened[i]?.fields ?? {},
      documents: opened[i]?.documents ?? [],
    })),
  });
  const reasons = [
    ...pkg.withheld.map(
      (w) => `record ${w.recordId} item ${w.field} withheld: ${w.ground}`,
    ),
    ...unreadable.map(
      (id) => `record ${id}: encrypted items can no longer be decrypted (the data key was destroyed)`,
    ),
  ];
  await deps.audit.append(
    records.map((r) => ({
      action: 'export' as const,
      actor: 'system:requests',
      recordId: r.recordId,
      subjectId: r.subjectId,
      dataset: r.dataset,
      policyVersion: r.policyVersion,
      outcome: 'ok' as const,
      details: { requestId: request.requestId },
    })),
  );
  return { pkg, reasons };
}

/** Field changes of a correction request. */
export interface Correction {
  readonly recordId: string;
  readonly set: Readonly<Record<string, unknown>>;
  readonly unset: readonly string[];
}

/**
 * Corrects, adds or deletes fields of one record of the subject, with
 * re-classification and re-encryption. A change that the catalogue would
 * refuse at ingest is refused here too, with the reasons.
 */
export async function correctRecord(
  deps: RequestDeps,
  request: SubjectRequest,
  change: Correction,
): Promise<{ changed: string[] }> {
  const record = (await deps.records.listBySubject(request.subjectId)).find(
    (r) => r.recordId === change.recordId,
  );
  if (record === undefined) {
    throw new NotFoundError(`record ${change.recordId} is not a live record of this subject`);
  }
  const dataset = findDataset(deps.catalogue, record.dataset);
  if (dataset === undefined || record.dataset === PROVISION_DATASET) {
    throw new ValidationError('this record cannot be corrected', [
      { path: 'recordId', message: `dataset ${record.dataset} is not correctable through requests` },
    ]);
  }
  const keys = new SubjectKeys(deps);
  const { fields } = await openRecord(keys, record, deps, false);
  const merged: Record<string, unknown> = { ...fields, ...change.set };
  for (const name of change.unset) {
    delete merged[name];
  }
  const classified = classifyFields(dataset, merged);
  const sensitiveNow = Object.values(classified.fields).some((f) => f.category === 'sensitive');
  const problems = [...classified.problems];
  if (sensitiveNow && record.consentRefs.length === 0 && record.acquisitionException === undefined) {
    problems.push({ path: 'consent', message: 'the change adds sensitive data without consent or a listed exception' });
  }
  if (problems.length > 0) {
    throw new ValidationError(`correction of ${record.recordId} refused`, problems);
  }
  const sealedFields = Object.entries(classified.fields).filter(([, f]) =>
    SEALED_KINDS.includes(f.category),
  );
  const key = sealedFields.length > 0 ? await keys.forWriting(record.subjectId) : undefined;
  const clear: Record<string, unknown> = {};
  const sealed: Record<string, string> = {};
  const fieldCategories: Record<string, StoredRecord['categories'][number]> = {};
  for (const [name, cls] of Object.entries(classified.fields)) {
    fieldCategories[name] = cls.category;
    if (SEALED_KINDS.includes(cls.category)) {
      sealed[name] = sealValue(key as Uint8Array, merged[name], fieldAad(record.recordId, name));
    } else {
      clear[name] = merged[name];
    }
  }
  const categories = [...new Set(Object.values(fieldCategories))];
  await deps.records.update(
    {
      ...record,
      fields: clear,
      sealed,
      fieldCategories,
      categories,
      updatedAt: deps.clock.now().toISOString(),
      version: record.version + 1,
    },
    record.version,
  );
  const changed = [...Object.keys(change.set), ...change.unset].sort();
  await deps.audit.append([
    {
      action: 'correction',
      actor: 'system:requests',
      recordId: record.recordId,
      subjectId: record.subjectId,
      dataset: record.dataset,
      policyVersion: record.policyVersion,
      outcome: 'ok',
      details: { requestId: request.requestId, fields: changed.length },
    },
  ]);
  return { changed };
}

/** Suspends (or resumes) use of every live record of the subject. */
export async function setRestriction(
  deps: RequestDeps,
  request: SubjectRequest,
  restricted: boolean,
): Promise<{ recordIds: string[] }> {
  const changed: string[] = [];
  for (const r of await deps.records.listBySubject(request.subjectId)) {
    const target = restricted ? 'restricted' : 'active';
    if (r.status === target) {
      continue;
    }
    await deps.records.update(
      { ...r, status: target, updatedAt: deps.clock.now().toISOString(), version: r.version + 1 },
      r.version,
    );
    changed.push(r.recordId);
  }
  await deps.audit.append(
    changed.map((recordId) => ({
      action: restricted ? ('restriction' as const) : ('restriction-lifted' as const),
      actor: 'system:requests',
      recordId,
      subjectId: request.subjectId,
      policyVersion: deps.catalogue.version,
      outcome: 'ok' as const,
      details: { requestId: request.requestId },
    })),
  );
  return { recordIds: changed };
}

/** The notice of purposes of use of the subject's data (APPI Art. 32(2)). */
export async function purposesNotice(
  deps: RequestDeps,
  request: SubjectRequest,
): Promise<{ datasets: { id: string; name: string; purposes: { id: string; ja: string; en: string }[] }[] }> {
  const records = await deps.records.listBySubject(request.subjectId);
  const byDataset = new Map<string, Set<string>>();
  for (const r of records) {
    const set = byDataset.get(r.dataset) ?? new Set<string>();
    for (const p of r.purposes) {
      set.add(p);
    }
    byDataset.set(r.dataset, set);
  }
  return {
    datasets: [...byDataset].map(([id, purposes]) => ({
      id,
      name: findDataset(deps.catalogue, id)?.name.ja ?? id,
      purposes: [...purposes].map((p) => {
        const label = deps.catalogue.purposes.find((x) => x.id === p)?.label;
        return { id: p, ja: label?.ja ?? p, en: label?.en ?? p };
      }),
    })),
  };
}

/**
 * Erasure on request (消去): every live record of the subject is erased —
 * all document versions, the tombstone, the subject key once nothing
 * encrypted remains — unless a legal retention basis requires keeping it
 * (basis `law`, not yet due) or a legal hold applies; those records are
 * kept and the reason is reported (APPI Art. 35, Art. 36).
 */
export async function eraseSubject(
  deps: RequestDeps,
  request: SubjectRequest,
): Promise<{ erased: string[]; kept: { recordId: string; reason: string }[]; keyDestroyed: boolean }> {
  const now = deps.clock.now();
  const erased: string[] = [];
  const kept: { recordId: string; reason: string }[] = [];
  const events: AuditEventInput[] = [];
  let keyDestroyed = false;
  try {
    for (const record of await deps.records.listBySubject(request.subjectId)) {
      const dueAt = record.retention.dueAt;
      if (record.retention.basis === 'law' && (dueAt === undefined || Date.parse(dueAt) > now.getTime())) {
        kept.push({
          recordId: record.recordId,
          reason: `kept: retention required by law (${record.retention.legalRef}) ${dueAt === undefined ? 'until its trigger event and period' : `until ${dueAt}`}`,
        });
        continue;
      }
      if (record.holds.length > 0) {
        kept.push({ recordId: record.recordId, reason: `kept: legal hold (${record.holds.map((h) => h.reason).join('; ')})` });
        continue;
      }
      const done = await eraseRecord(deps, record, `request:${request.requestId}`, 'system:requests', events);
      keyDestroyed ||= done.keyDestroyed;
      if (done.erased) {
        erased.push(record.recordId);
      }
    }
  } finally {
    if (events.length > 0) {
      await deps.audit.append(events);
    }
  }
  return { erased, kept, keyDestroyed };
}
