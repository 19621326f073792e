/**
 * Data-subject requests: registration (idempotent by request id) and the
 * use cases behind each request type. Refusals and partial outcomes carry
 * reasons (APPI Art. 36). The state machines call these one step at a time.
 */
import { findDataset } from '../domain/catalogue.ts';
import { classifyFields } from '../domain/classify.ts';
import { fieldAad, openValue, sealValue } from '../domain/envelope.ts';
import { buildExportPackage, type ExportPackage } from '../domain/export-package.ts';
import { isTombstone, type StoredRecord, type Tombstone } from '../domain/record.ts';
import type { Controller } from '../domain/catalogue-types.ts';
import { assertApproved, needsApproval, operatorProblems } from '../domain/request-approval.ts';
import { controllersDeadline } from '../domain/request-deadlines.ts';
import {
  openRequestState,
  REQUEST_OVERDUE_GRACE_DAYS,
  type Requester,
  type RequestType,
  requestAad,
  requestDeadline,
  requestInputProblems,
  requestLapsesAt,
  type SealedRequestValue,
  type SubjectRequest,
  type Verification,
} from '../domain/requests.ts';
import { ConflictError, KeyUnavailableError, LifecycleError, NotFoundError, type Problem, ValidationError } from '../errors.ts';
import type { ExportStore, RequestStore } from '../ports/index.ts';
import type { LifecycleDeps } from './deps.ts';
import { PROVISION_DATASET } from './provision-records.ts';
import { eraseSubjectQuarantine, subjectQuarantine } from './quarantine.ts';
import { eraseRecord } from './erase-record.ts';
import { openRecord } from './read-record.ts';
import { SubjectKeys } from './subject-keys.ts';

/**
 * The request store with its index of open requests, which the overdue
 * check reads. (It belongs in `RequestStore` of shared/ports; kept here
 * until that file is free to change.)
 */
export interface RequestLedger extends RequestStore {
  /** Every open (`received`) request whose deadline is before `deadlineBefore` (ISO), oldest deadline first. */
  listOpen(deadlineBefore: string): Promise<SubjectRequest[]>;
  /** Every request kept (open and ended, until each expires), oldest received first. */
  listAll(): Promise<SubjectRequest[]>;
}

/** Ports of the request use cases. */
export type RequestDeps = LifecycleDeps & { readonly requests: RequestLedger };

/** A new request as received. */
export interface RequestInput {
  readonly requestId: string;
  readonly type: RequestType;
  /** The subject. A correction may name only its record (`params.recordId`): the subject is the record's. */
  readonly subjectId?: string;
  readonly requester: Requester;
  readonly verification?: Verification;
  /** `correct`: `recordId`, `set` (field → value), `unset` (field names). Other types take none. */
  readonly params?: Readonly<Record<string, unknown>>;
  /** Days to answer. @default the controller's rule (14 days when it states none) */
  readonly deadlineDays?: number;
  /** The controller that answers it. @default the one whose datasets hold the subject's records, when that is one */
  readonly controllerId?: string;
  /** The operator filing it (a staff id); required when the controller's policy puts the type under approval. */
  readonly operator?: string;
}

/** Types whose handling freezes the subject's records against the sweep. */
const FREEZING: readonly RequestType[] = ['export', 'correct'];

/**
 * Registers a request. Everything is checked before anything is written:
 * the request's own input (ids, requester, verification, deadline), then,
 * for a new id, its parameters against the catalogue and the subject's
 * records; a refusal leaves no request, no key, no freeze and no audit
 * event. The subject is stored as its keyed pseudonym, and every personal
 * value the request keeps is sealed under the subject's data key. A retry
 * with the same id returns the stored request unchanged; the same id for
 * another subject or type is a conflict.
 */
export async function registerRequest(
  deps: RequestDeps,
  input: RequestInput,
): Promise<SubjectRequest> {
  const problems = requestInputProblems(input);
  if (problems.length > 0) {
    throw new ValidationError(`request ${JSON.stringify(input.requestId)} cannot be accepted`, problems);
  }
  const params = input.params ?? {};
  const recordId = input.type === 'correct' && typeof params.recordId === 'string' ? params.recordId : undefined;
  const target = recordId === undefined ? undefined : await deps.records.get(recordId);
  const subject =
    input.subjectId !== undefined
      ? await deps.pseudonyms.pseudonym(input.subjectId)
      : target !== undefined && !isTombstone(target)
        ? target.subjectPseudonym
        : undefined;
  const existing = await deps.requests.get(input.requestId);
  if (existing !== undefined) {
    if (existing.subjectPseudonym !== subject || existing.type !== input.type) {
      throw new ConflictError(
        `request id ${input.requestId} is already used by another ${existing.type} request`,
      );
    }
    // A registration cut short (the process killed after creating the
    // request) is finished by its retry.
    return existing.registered === false && existing.status === 'received' ? finishRegistration(deps, existing, input) : existing;
  }
  const paramProblems = requestParamsProblems(deps, input.type, params, subject, target);
  const controller = subject === undefined ? undefined : await requestController(deps, input.controllerId, subject);
  if (controller !== undefined && 'problem' in controller) paramProblems.push(controller.problem);
  const approval = controller !== undefined && !('problem' in controller) && approvalRequired(controller.controllers, input.type);
  if (approval || input.operator !== undefined) paramProblems.push(...operatorProblems(input.operator));
  if (paramProblems.length > 0 || subject === undefined || controller === undefined || 'problem' in controller) {
    throw new ValidationError(`request ${input.requestId} cannot be accepted`, paramProblems);
  }
  const now = deps.clock.now();
  const request: SubjectRequest = {
    requestId: input.requestId,
    type: input.type,
    subjectPseudonym: subject,
    requester: { kind: input.requester.kind },
    verification: { method: (input.verification as Verification).method },
    receivedAt: now.toISOString(),
    deadline:
      input.deadlineDays === undefined
        ? controllersDeadline(now, controller.controllers.map((c) => c.requestDeadline))
        : requestDeadline(now, input.deadlineDays),
    status: 'received',
    ...(controller.id === undefined ? {} : { controllerId: controller.id }),
    ...(input.operator === undefined ? {} : { filedBy: input.operator }),
    ...(approval ? { approval: { state: 'pending' as const } } : {}),
    timeline: [{ kind: 'filed' as const, at: now.toISOString(), ...(input.operator === undefined ? {} : { by: input.operator }) }],
    params: {
      ...(recordId === undefined ? {} : { recordId }),
      ...(Array.isArray(params.unset) && params.unset.length > 0 ? { unset: params.unset as string[] } : {}),
    },
    sealed: await sealRequestValues(deps, input, subject),
    reasons: [],
    registered: false,
    version: 1,
  };
  if (!(await deps.requests.create(request))) {
    return registerRequest(deps, input);
  }
  return finishRegistration(deps, request, input);
}

/**
 * The rest of a registration, safe to run again: freezes the subject's
 * records (a record already frozen by the request is left), then marks the
 * request registered in one transaction with its `request` event, so a
 * retry after a crash at any point freezes every record and writes the
 * event exactly once.
 */
async function finishRegistration(deps: RequestDeps, request: SubjectRequest, input: RequestInput): Promise<SubjectRequest> {
  if (FREEZING.includes(request.type)) {
    await setPending(deps, request.subjectPseudonym, request.requestId, true);
  }
  const { registered: _unfinished, ...rest } = request;
  const done: SubjectRequest = { ...rest, version: request.version + 1 };
  try {
    await deps.requests.update(done, request.version, [
      {
        action: 'request',
        actor: `requester:${request.requester.kind}`,
        subjectPseudonym: request.subjectPseudonym,
        policyVersion: deps.catalogue.version,
        outcome: 'ok',
        details: {
          requestId: request.requestId,
          type: request.type,
          verifiedBy: request.verification.method,
          ...(request.controllerId === undefined ? {} : { controller: request.controllerId }),
          ...(request.filedBy === undefined ? {} : { operator: request.filedBy }),
          ...(request.approval === undefined ? {} : { approval: request.approval.state }),
        },
      },
    ]);
  } catch (error) {
    // Another retry finished it first.
    if (error instanceof ConflictError) return registerRequest(deps, input);
    throw error;
  }
  await deps.audit.integrate();
  return done;
}

/** The controller a request goes to: one named, or the candidates when it cannot be told. */
interface RequestController {
  /** Its catalogue id, when there is exactly one. */
  readonly id?: string;
  /** The controller, or every candidate (their earliest deadline and strictest approval apply). */
  readonly controllers: readonly Controller[];
}

/**
 * The controller of a request: the one named (it must be in the
 * catalogue), else the one whose datasets hold the subject's records when
 * that is a single one, else the catalogue's only controller. When none
 * can be told, every controller of the subject's records (or of the
 * catalogue) is a candidate: the request takes the earliest deadline and
 * needs approval if any of them asks for it.
 */
async function requestController(
  deps: RequestDeps,
  named: string | undefined,
  subject: string,
): Promise<RequestController | { problem: Problem }> {
  const all = deps.catalogue.controllers;
  if (named !== undefined) {
    const found = all.find((c) => c.id === named);
    return found === undefined
      ? { problem: { path: 'controllerId', message: `"${named}" is not a controller of the catalogue (${all.map((c) => c.id).join(', ')})` } }
      : { id: found.id, controllers: [found] };
  }
  const ids = new Set<string>();
  for (const record of await deps.records.listBySubject(subject)) {
    const controller = deps.catalogue.datasets.find((d) => d.id === record.dataset)?.controller;
    if (controller !== undefined) ids.add(controller);
  }
  const candidates = ids.size === 0 ? all : all.filter((c) => ids.has(c.id));
  const only = candidates.length === 1 ? candidates[0] : undefined;
  return only === undefined ? { controllers: candidates } : { id: only.id, controllers: [only] };
}

/** Whether a request of `type` to these controllers is filed and then approved. */
function approvalRequired(controllers: readonly Controller[], type: RequestType): boolean {
  return controllers.some((c) => needsApproval(c.approval, type));
}

/**
 * Seals what the request keeps about the person under the subject's data
 * key (created if the subject has none yet): the subject id an export
 * discloses, the agent and evidence references, the values a correction
 * sets. The raw subject id of other types is not kept at all.
 */
async function sealRequestValues(
  deps: RequestDeps,
  input: RequestInput,
  subject: string,
): Promise<Record<string, string>> {
  const values = new Map<SealedRequestValue, unknown>();
  if (input.type === 'export' && input.subjectId !== undefined) {
    values.set('subjectId', input.subjectId);
  }
  if (input.requester.agentRef !== undefined) {
    values.set('agentRef', input.requester.agentRef);
  }
  if (input.verification !== undefined) {
    values.set('evidenceRef', input.verification.evidenceRef);
  }
  const set = input.params?.set;
  if (input.type === 'correct' && isPlainObject(set)) {
    for (const [field, value] of Object.entries(set)) {
      values.set(`set.${field}`, value);
    }
  }
  if (values.size === 0) {
    return {};
  }
  const key = await new SubjectKeys(deps).forWriting(subject);
  const sealed: Record<string, string> = {};
  for (const [name, value] of values) {
    sealed[name] = sealValue(key, value, requestAad(input.requestId, name));
  }
  return sealed;
}

/** The sealed values of a request, opened with the subject's key (KeyUnavailableError once it is destroyed). */
export async function openRequestValues(
  deps: RequestDeps,
  request: SubjectRequest,
  keys: SubjectKeys = new SubjectKeys(deps),
): Promise<{ subjectId?: string; set: Record<string, unknown> }> {
  const names = Object.keys(request.sealed) as SealedRequestValue[];
  const wanted = names.filter((n) => n === 'subjectId' || n.startsWith('set.'));
  if (wanted.length === 0) {
    return { set: {} };
  }
  const key = await keys.forReading(request.subjectPseudonym);
  const open = (name: SealedRequestValue) =>
    openValue(key, request.sealed[name] as string, requestAad(request.requestId, name));
  const set: Record<string, unknown> = {};
  for (const name of wanted.filter((n) => n.startsWith('set.'))) {
    set[name.slice('set.'.length)] = open(name);
  }
  return { ...(wanted.includes('subjectId') ? { subjectId: String(open('subjectId')) } : {}), set };
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Problems of a request's parameters: a correction names one live record
 * of the subject, in a correctable dataset, and sets or unsets only fields
 * the catalogue declares for it; other types take no parameters. (Whether
 * the corrected values themselves are acceptable is decided when the
 * correction runs, with the record's other fields, and refused with
 * reasons.)
 */
function requestParamsProblems(
  deps: RequestDeps,
  type: RequestType,
  params: Readonly<Record<string, unknown>>,
  subject: string | undefined,
  target: StoredRecord | Tombstone | undefined,
): Problem[] {
  if (type !== 'correct') {
    return Object.keys(params).length === 0
      ? []
      : [{ path: 'params', message: `a ${type} request takes no parameters (${Object.keys(params).join(', ')} given)` }];
  }
  const problems: Problem[] = [];
  const { recordId, set = {}, unset = [], ...other } = params as { recordId?: unknown; set?: unknown; unset?: unknown };
  for (const name of Object.keys(other)) {
    problems.push({ path: `params.${name}`, message: 'is not a parameter of a correction' });
  }
  if (!isPlainObject(set)) {
    problems.push({ path: 'params.set', message: 'must map field names to values' });
  }
  if (!Array.isArray(unset) || unset.some((f) => typeof f !== 'string')) {
    problems.push({ path: 'params.unset', message: 'must list field names' });
  }
  if (typeof recordId !== 'string' || recordId === '') {
    problems.push({ path: 'params.recordId', message: 'a correction names the record to correct (--record)' });
    return problems;
  }
  if (target === undefined || isTombstone(target)) {
    problems.push({ path: 'params.recordId', message: `no record ${recordId} is held${target === undefined ? '' : ' (it was erased)'}` });
    return problems;
  }
  if (target.subjectPseudonym !== subject) {
    problems.push({ path: 'params.recordId', message: `record ${recordId} is not a record of this subject` });
    return problems;
  }
  const dataset = findDataset(deps.catalogue, target.dataset);
  if (dataset === undefined || target.dataset === PROVISION_DATASET) {
    problems.push({ path: 'params.recordId', message: `dataset ${target.dataset} is not correctable through requests` });
    return problems;
  }
  if (!isPlainObject(set) || !Array.isArray(unset)) {
    return problems;
  }
  const setNames = Object.keys(set);
  const unsetNames = unset as string[];
  if (setNames.length + unsetNames.length === 0) {
    problems.push({ path: 'params', message: 'a correction sets or unsets at least one field (--set FIELD=VALUE, --unset FIELD)' });
  }
  for (const [kind, names] of [['set', setNames], ['unset', unsetNames]] as const) {
    for (const name of names) {
      if (!Object.hasOwn(dataset.fields, name)) {
        problems.push({ path: `params.${kind}.${name}`, message: `is not a field of dataset ${dataset.id} (${Object.keys(dataset.fields).join(', ')})` });
      }
    }
  }
  for (const name of setNames.filter((n) => unsetNames.includes(n))) {
    problems.push({ path: `params.set.${name}`, message: 'is both set and unset' });
  }
  return problems;
}

/**
 * Freezes (`on`) or releases the subject's records for a request: adds or
 * removes its id in each record's `pendingRequests`, skipping records
 * already so; safe to run again.
 */
export async function setPending(
  deps: LifecycleDeps,
  subject: string,
  requestId: string,
  on: boolean,
): Promise<void> {
  for (const r of await deps.records.listBySubject(subject)) {
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

/** How a request ended, as the state machine or the overdue check reports it. */
interface Ending {
  readonly status: Exclude<SubjectRequest['status'], 'received'>;
  readonly outcome: Record<string, unknown>;
  readonly reasons: readonly string[];
  /** Facts for the audit event beyond request id, type and status. */
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

/**
 * Ends a request once: stores the ending (a request already ended keeps
 * its first), releases the subject's records it froze (again, if a
 * previous attempt stopped before), and audits the ending. The item then
 * expires after the request retention (see `requestExpiresAt`).
 */
async function endRequest(deps: RequestDeps, requestId: string, ending: Ending): Promise<SubjectRequest> {
  const request = await deps.requests.get(requestId);
  if (request === undefined) {
    throw new NotFoundError(`request ${requestId} does not exist`);
  }
  const freezing = FREEZING.includes(request.type);
  if (request.status !== 'received') {
    if (freezing) {
      await setPending(deps, request.subjectPseudonym, requestId, false);
    }
    return request;
  }
  const done: SubjectRequest = {
    ...request,
    status: ending.status,
    outcome: ending.outcome,
    reasons: [...ending.reasons],
    completedAt: deps.clock.now().toISOString(),
    version: request.version + 1,
  };
  await deps.requests.update(done, request.version);
  if (freezing) {
    await setPending(deps, request.subjectPseudonym, requestId, false);
  }
  await deps.audit.append([
    {
      action: 'request',
      actor: 'system:requests',
      subjectPseudonym: request.subjectPseudonym,
      policyVersion: deps.catalogue.version,
      outcome: ending.status === 'refused' ? 'refused' : ending.status === 'failed' ? 'failed' : 'ok',
      ...(ending.reasons.length === 0 ? {} : { reason: ending.reasons.join('; ') }),
      details: { ...ending.details, requestId, type: request.type, status: ending.status },
    },
  ]);
  return done;
}

/** Finishes a request: status, outcome, reasons; releases frozen records. */
export async function completeRequest(
  deps: RequestDeps,
  requestId: string,
  result: {
    status: Exclude<SubjectRequest['status'], 'received' | 'failed'>;
    outcome: Record<string, unknown>;
    reasons: readonly string[];
  },
): Promise<SubjectRequest> {
  return endRequest(deps, requestId, result);
}

/** An error name as Step Functions reports it, or `unknown` when it is not a plain name. */
function errorName(name: string | undefined): string {
  return name !== undefined && /^[A-Za-z][A-Za-z0-9_.]{0,63}$/.test(name) ? name : 'unknown';
}

/**
 * Ends a request whose handling failed (the state machine's catch of its
 * execute or complete step): status `failed`, a reason naming the error
 * but not its message (which may quote personal data), the freeze
 * released, an audit event with outcome `failed`. `type` is the workflow
 * that failed; a request of another type (started on the wrong workflow)
 * is left as it is.
 */
export async function failRequest(
  deps: RequestDeps,
  input: { readonly requestId: string; readonly type: RequestType; readonly error?: string },
): Promise<SubjectRequest> {
  const request = await deps.requests.get(input.requestId);
  if (request === undefined) {
    throw new NotFoundError(`request ${input.requestId} does not exist`);
  }
  if (request.type !== input.type) {
    throw new ValidationError(`request ${input.requestId} is a ${request.type} request`, [
      { path: 'requestId', message: `its ${input.type} workflow failed; the request is left as it is` },
    ]);
  }
  // Started before its approval: the workflow's refusal changes nothing.
  assertApproved(request);
  const name = errorName(input.error);
  return endRequest(deps, input.requestId, {
    status: 'failed',
    outcome: { error: name },
    reasons: [
      `handling stopped on an error (${name}); what was done before it is in the audit trail, and the request may be made again`,
    ],
    details: { error: name },
  });
}

/** An open request past its deadline, as the overdue check reports it (no personal data). */
export interface OverdueRequest {
  readonly requestId: string;
  readonly type: RequestType;
  readonly receivedAt: string;
  readonly deadline: string;
  /** When its freeze lapses (deadline plus the grace). */
  readonly lapsesAt: string;
  /** `overdue`: past its deadline; `lapsed`: past the grace too, now ended as failed. */
  readonly state: 'overdue' | 'lapsed';
}

/**
 * The overdue check (scheduled on AWS, `wasure request check` locally):
 * lists open requests past their deadline, and ends those past the
 * deadline plus {@link REQUEST_OVERDUE_GRACE_DAYS} days as `failed`: their
 * freeze of the subject's records lapses, so a stuck request cannot keep
 * data from the retention sweep, and the lapse is audited.
 */
export async function checkOpenRequests(deps: RequestDeps): Promise<OverdueRequest[]> {
  const now = deps.clock.now();
  const report: OverdueRequest[] = [];
  for (const request of await deps.requests.listOpen(now.toISOString())) {
    if (request.pausedSince !== undefined) {
      // Waiting for the requester: the clock stands still.
      continue;
    }
    const state = openRequestState(request, now);
    if (state === 'on-time') {
      continue;
    }
    const lapsesAt = requestLapsesAt(request);
    if (state === 'lapsed') {
      await endRequest(deps, request.requestId, {
        status: 'failed',
        outcome: { lapsed: true },
        reasons: [
          `not answered by its deadline ${request.deadline} nor within ${REQUEST_OVERDUE_GRACE_DAYS} days after it: the freeze of the subject's records lapsed at ${lapsesAt}, and the request must be answered again`,
        ],
        details: { lapsed: true },
      });
    }
    report.push({ requestId: request.requestId, type: request.type, receivedAt: request.receivedAt, deadline: request.deadline, lapsesAt, state });
  }
  return report;
}

/** Every live record of the subject (by pseudonym) with its fields opened. */
export async function collectSubjectData(
  deps: LifecycleDeps,
  subject: string,
): Promise<{ opened: Awaited<ReturnType<typeof openRecord>>[]; records: StoredRecord[]; unreadable: string[] }> {
  const records = await deps.records.listBySubject(subject);
  const keys = new SubjectKeys(deps);
  const opened = [];
  const unreadable: string[] = [];
  for (const record of records) {
    try {
      opened.push(await openRecord(keys, record, deps, true));
    } catch (error) {
      if (!(error instanceof KeyUnavailableError)) {
        throw error;
      }
      unreadable.push(record.recordId);
      opened.push({ fields: { ...record.fields }, documents: [] });
    }
  }
  return { opened, records, unreadable };
}

/** Builds the disclosure package of a request's subject, quarantined lines included. */
export async function exportSubject(
  deps: RequestDeps,
  request: SubjectRequest,
): Promise<{ pkg: ExportPackage; reasons: string[] }> {
  assertApproved(request);
  const { opened, records, unreadable } = await collectSubjectData(deps, request.subjectPseudonym);
  const { subjectId } = await openRequestValues(deps, request);
  const quarantined = deps.landing === undefined ? [] : await subjectQuarantine({ ...deps, landing: deps.landing }, request.subjectPseudonym);
  const pkg = buildExportPackage(deps.catalogue, {
    requestId: request.requestId,
    subjectId: subjectId ?? request.subjectPseudonym,
    generatedAt: deps.clock.now().toISOString(),
    records: records.map((record, i) => ({
      record,
      fields: opened[i]?.fields ?? {},
      documents: opened[i]?.documents ?? [],
    })),
    quarantined,
  });
  const reasons = [
    ...pkg.withheld.map(
      (w) => `record ${w.recordId} item ${w.field} withheld: ${w.ground}`,
    ),
    ...unreadable.map(
      (id) => `record ${id}: encrypted items can no longer be decrypted (the data key was destroyed)`,
    ),
  ];
  await deps.audit.append([
    ...records.map((r) => ({
      action: 'export' as const,
      actor: 'system:requests',
      recordId: r.recordId,
      subjectPseudonym: r.subjectPseudonym,
      dataset: r.dataset,
      policyVersion: r.policyVersion,
      outcome: 'ok' as const,
      details: { requestId: request.requestId },
    })),
    ...(quarantined.length === 0
      ? []
      : [
          {
            action: 'export' as const,
            actor: 'system:requests',
            subjectPseudonym: request.subjectPseudonym,
            policyVersion: deps.catalogue.version,
            outcome: 'ok' as const,
            details: { requestId: request.requestId, scope: 'quarantine', lines: quarantined.length },
          },
        ]),
  ]);
  return { pkg, reasons };
}

/** Field changes of a correction request. */
export interface Correction {
  readonly recordId: string;
  readonly set: Readonly<Record<string, unknown>>;
  readonly unset: readonly string[];
}

/** The change a correction request asks for, its values opened. */
export async function correctionOf(deps: RequestDeps, request: SubjectRequest): Promise<Correction | undefined> {
  const { recordId, unset = [] } = request.params;
  if (recordId === undefined) {
    return undefined;
  }
  const { set } = await openRequestValues(deps, request);
  return { recordId, set, unset };
}

/**
 * Corrects, adds or deletes fields of one record of the subject, with
 * re-classification and re-encryption (every field sealed under the
 * subject's key), the correction audited in the same write. A change that
 * the catalogue would refuse at ingest is refused here too, with the
 * reasons.
 */
export async function correctRecord(
  deps: RequestDeps,
  request: SubjectRequest,
  change: Correction,
): Promise<{ changed: string[] }> {
  assertApproved(request);
  const record = (await deps.records.listBySubject(request.subjectPseudonym)).find(
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
  const subject = record.subjectPseudonym;
  const names = Object.keys(classified.fields);
  const key = names.length > 0 ? await keys.forWriting(subject) : undefined;
  const sealed: Record<string, string> = {};
  const fieldCategories: Record<string, StoredRecord['categories'][number]> = {};
  for (const [name, cls] of Object.entries(classified.fields)) {
    fieldCategories[name] = cls.category;
    sealed[name] = sealValue(key as Uint8Array, merged[name], fieldAad(record.recordId, name));
  }
  const changed = [...Object.keys(change.set), ...change.unset].sort();
  await deps.records.update(
    {
      ...record,
      fields: {},
      sealed,
      fieldCategories,
      categories: [...new Set(Object.values(fieldCategories))],
      updatedAt: deps.clock.now().toISOString(),
      version: record.version + 1,
    },
    record.version,
    [
      {
        action: 'correction',
        actor: 'system:requests',
        recordId: record.recordId,
        subjectPseudonym: subject,
        dataset: record.dataset,
        policyVersion: record.policyVersion,
        outcome: 'ok',
        details: { requestId: request.requestId, fields: changed.length },
      },
    ],
  );
  // As at ingest: count the use, so an erasure that read the key before
  // this write does not destroy it under the corrected record.
  if (key !== undefined && !(await deps.keys.use(subject))) {
    throw new LifecycleError(`the data key of record ${record.recordId}'s subject was destroyed during the correction`);
  }
  return { changed };
}

/** Suspends (or resumes) use of every live record of the subject. */
export async function setRestriction(
  deps: RequestDeps,
  request: SubjectRequest,
  restricted: boolean,
): Promise<{ recordIds: string[] }> {
  assertApproved(request);
  const changed: string[] = [];
  for (const r of await deps.records.listBySubject(request.subjectPseudonym)) {
    const target = restricted ? 'restricted' : 'active';
    if (r.status === target) {
      continue;
    }
    await deps.records.update(
      { ...r, status: target, updatedAt: deps.clock.now().toISOString(), version: r.version + 1 },
      r.version,
      [
        {
          action: restricted ? 'restriction' : 'restriction-lifted',
          actor: 'system:requests',
          recordId: r.recordId,
          subjectPseudonym: request.subjectPseudonym,
          policyVersion: deps.catalogue.version,
          outcome: 'ok',
          details: { requestId: request.requestId },
        },
      ],
    );
    changed.push(r.recordId);
  }
  return { recordIds: changed };
}

/** The notice of purposes of use of the subject's data (APPI Art. 32(2)). */
export async function purposesNotice(
  deps: RequestDeps,
  request: SubjectRequest,
): Promise<{ datasets: { id: string; name: string; purposes: { id: string; ja: string; en: string }[] }[] }> {
  const records = await deps.records.listBySubject(request.subjectPseudonym);
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
 * kept and the reason is reported (APPI Art. 35, Art. 36). When nothing
 * of the subject remains, the key is destroyed even if no record used it
 * (it seals the requests' own values), so the request items keep only
 * ciphertext and the pseudonym. The subject's lines refused at landing are
 * erased from quarantine too, and so is every disclosure package made for
 * the subject (see {@link eraseSubjectExports}), kept records or not: a
 * package is a copy, not the record a law requires to keep.
 */
export async function eraseSubject(
  deps: EraseDeps,
  request: SubjectRequest,
): Promise<{ erased: string[]; kept: { recordId: string; reason: string }[]; keyDestroyed: boolean; quarantineLines: number; exportPackages: number }> {
  assertApproved(request);
  const now = deps.clock.now();
  const erased: string[] = [];
  const kept: { recordId: string; reason: string }[] = [];
  let keyDestroyed = false;
  const subject = request.subjectPseudonym;
  const exportPackages = await eraseSubjectExports(deps, request);
  for (const record of await deps.records.listBySubject(subject)) {
    const keep = erasureKeepGround(record, now);
    if (keep !== undefined) {
      kept.push({ recordId: record.recordId, reason: keep.reason });
      continue;
    }
    const done = await eraseRecord(deps, record, `request:${request.requestId}`, 'system:requests');
    keyDestroyed ||= done.keyDestroyed;
    if (done.erased) {
      erased.push(record.recordId);
    }
  }
  // Refused lines have no retention basis of their own: always erased.
  const quarantine =
    deps.landing === undefined
      ? { lines: 0 }
      : await eraseSubjectQuarantine(
          { ...deps, landing: deps.landing },
          { subject, cause: `request:${request.requestId}`, actor: 'system:requests' },
        );
  if (!keyDestroyed && kept.length === 0) {
    // Read before listing, destroyed only if unused since: a record
    // ingested meanwhile shows in the listing or has counted a use.
    const key = await deps.keys.get(subject);
    if (key !== undefined && (await deps.records.listBySubject(subject)).length === 0) {
      keyDestroyed = await deps.keys.destroy(subject, key.uses ?? 0, [
        {
          action: 'key-destroyed',
          actor: 'system:requests',
          subjectPseudonym: subject,
          policyVersion: deps.catalogue.version,
          outcome: 'ok',
          details: { cause: `request:${request.requestId}` },
        },
      ]);
    }
  }
  // Record erasures and the key destruction staged their events with their
  // writes: chained now, so the checkpoint the receipt needs can cover them
  // (the checkpointer itself cannot chain).
  await deps.audit.integrate();
  return { erased, kept, keyDestroyed, quarantineLines: quarantine.lines, exportPackages };
}

/** Why an erasure keeps a record, or undefined when it erases it. */
export interface KeepGround {
  /** `law`: a retention the law requires, not yet due; `hold`: a legal hold. */
  readonly ground: 'law' | 'hold';
  /** The sentence the erasure reports. */
  readonly reason: string;
  /** The legal reference (law) or the holds' reasons. */
  readonly reference: string;
  /** Until when (ISO), when known (law). */
  readonly until?: string;
}

/**
 * Whether an erasure on request keeps `record` at `now`, and on what
 * ground: a legal retention not yet due (basis `law`), then a legal hold.
 * The one rule both {@link eraseSubject} and its preview apply.
 */
export function erasureKeepGround(record: StoredRecord, now: Date): KeepGround | undefined {
  const dueAt = record.retention.dueAt;
  if (record.retention.basis === 'law' && (dueAt === undefined || Date.parse(dueAt) > now.getTime())) {
    return {
      ground: 'law',
      reason: `kept: retention required by law (${record.retention.legalRef}) ${dueAt === undefined ? 'until its trigger event and period' : `until ${dueAt}`}`,
      reference: record.retention.legalRef,
      ...(dueAt === undefined ? {} : { until: dueAt }),
    };
  }
  if (record.holds.length > 0) {
    const reference = record.holds.map((h) => h.reason).join('; ');
    return { ground: 'hold', reason: `kept: legal hold (${reference})`, reference };
  }
  return undefined;
}

/** Ports of an erasure: the request ports and the store of disclosure packages. */
export type EraseDeps = RequestDeps & { readonly exports: ExportStore };

/**
 * Removes every disclosure package made for the request's subject (the
 * packages of the subject's export requests, found by pseudonym, whatever
 * their status), each removal audited by request id and pseudonym only.
 * The event is written before the deletion: a crash in between leaves the
 * package for the rerun (and a second event), never a deletion unproven.
 * A package already gone (removed before, or expired for good) is skipped
 * without an event, so a rerun or a second erasure is harmless. Returns how
 * many packages this call removed.
 */
export async function eraseSubjectExports(deps: EraseDeps, request: SubjectRequest): Promise<number> {
  let removed = 0;
  for (const earlier of await deps.requests.listBySubject(request.subjectPseudonym)) {
    if (earlier.type !== 'export') {
      continue;
    }
    const objects = await deps.exports.packageObjects(earlier.requestId);
    if (objects === 0) {
      continue;
    }
    await deps.audit.append([
      {
        action: 'erasure',
        actor: 'system:requests',
        subjectPseudonym: request.subjectPseudonym,
        policyVersion: deps.catalogue.version,
        outcome: 'ok',
        details: { cause: `request:${request.requestId}`, scope: 'export', exportRequestId: earlier.requestId, objects },
      },
    ]);
    await deps.exports.remove(earlier.requestId);
    removed += 1;
  }
  return removed;
}
