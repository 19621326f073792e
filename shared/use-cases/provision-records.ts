/**
 * Third-party provision and receipt records (APPI Arts. 27, 29, 30; Tochigi
 * rules Arts. 10-2, 10-3). Each record is itself a stored record of the
 * subject, in the system dataset {@link PROVISION_DATASET}, so it is
 * disclosed with the subject's data and erased by the same sweep when its
 * own retention (the catalogue's `provisionRecords` rule) ends.
 */
import type { CategoryKind } from '../domain/catalogue-types.ts';
import { fieldAad, sealValue } from '../domain/envelope.ts';
import type { StoredRecord } from '../domain/record.ts';
import { computeDueAt } from '../domain/retention.ts';
import { NotFoundError, RefusedError, ValidationError } from '../errors.ts';
import type { AuditEventInput, RequestStore } from '../ports/index.ts';
import type { LifecycleDeps } from './deps.ts';
import { keepUnderLiveKey, SubjectKeys } from './subject-keys.ts';

/** System dataset of provision and receipt records. */
export const PROVISION_DATASET = 'wasure-provision-records';

/** Ports needed here: the lifecycle ports plus the request store. */
export type ProvisionDeps = LifecycleDeps & { readonly requests: RequestStore };

/** A provision to record. */
export interface ProvideInput {
  readonly subjectId: string;
  readonly recipientId: string;
  /** `consent`, `joint-use`, `opt-out` or an exception id. */
  readonly basis: string;
  readonly consentRef?: string;
  /** Limit to these records; default every record the recipient may get. */
  readonly recordIds?: readonly string[];
  readonly actor: string;
}

/** The outcome of a recorded provision. */
export interface ProvideResult {
  readonly provisionRecordId: string;
  readonly recipientId: string;
  readonly sourceRecordIds: readonly string[];
  readonly items: readonly string[];
}

/**
 * A provision or receipt record of the subject: its values sealed under
 * the subject's data key like any record's, the subject by pseudonym.
 */
function provisionRecord(
  deps: LifecycleDeps,
  subjectPseudonym: string,
  recordId: string,
  now: string,
  fields: Record<string, unknown>,
  key: Uint8Array,
): StoredRecord {
  const sealed: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    sealed[name] = sealValue(key, value, fieldAad(recordId, name));
  }
  const rule = deps.catalogue.provisionRecords;
  const dueAt = computeDueAt(rule, { acquiredAt: now, events: {} });
  const fieldCategories: Record<string, CategoryKind> = {};
  for (const name of Object.keys(fields)) {
    fieldCategories[name] = 'basic';
  }
  return {
    recordId,
    subjectPseudonym,
    dataset: PROVISION_DATASET,
    purposes: ['wasure-provision-record'],
    categories: ['basic'],
    fieldCategories,
    retention: {
      basis: rule.basis,
      legalRef: rule.legalRef,
      period: rule.period,
      trigger: rule.trigger,
      ...(dueAt === undefined ? {} : { dueAt }),
    },
    consentRefs: typeof fields.consentRef === 'string' ? [fields.consentRef] : [],
    acquiredAt: now,
    events: {},
    policyVersion: deps.catalogue.version,
    holds: [],
    pendingRequests: [],
    status: 'active',
    fields: {},
    sealed,
    documents: [],
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
}

/**
 * Writes a provision or receipt record with its audit event, sealed under
 * a key that is still live once the record exists (like an ingested
 * record: a sweep destroying the subject's key meanwhile makes it sealed
 * again under a fresh one).
 */
async function createProvisionRecord(
  deps: LifecycleDeps,
  subjectPseudonym: string,
  fields: Record<string, unknown>,
  audit: (record: StoredRecord) => AuditEventInput[],
): Promise<StoredRecord> {
  const keys = new SubjectKeys(deps);
  const recordId = `prov-${deps.ids.next()}`;
  const now = deps.clock.now().toISOString();
  const build = async () => provisionRecord(deps, subjectPseudonym, recordId, now, fields, await keys.forWriting(subjectPseudonym));
  const record = await build();
  await deps.records.create(record, audit(record));
  return keepUnderLiveKey(deps, keys, record, build);
}

/** True when the subject has a standing stop-provision request. */
export async function provisionStopped(
  requests: RequestStore,
  subjectPseudonym: string,
): Promise<string | undefined> {
  const stop = (await requests.listBySubject(subjectPseudonym)).find(
    (r) =>
      r.type === 'stop-provision' &&
      (r.status === 'completed' || r.status === 'partially-completed'),
  );
  return stop?.requestId;
}

/**
 * Checks a provision against the catalogue and the subject's requests and
 * records it; refusals carry every reason and are audited too.
 */
export async function provide(
  deps: ProvisionDeps,
  input: ProvideInput,
): Promise<ProvideResult> {
  const recipient = deps.catalogue.recipients.find((r) => r.id === input.recipientId);
  if (recipient === undefined) {
    throw new ValidationError('unknown recipient', [
      { path: '--to', message: `"${input.recipientId}" is not a recipient in the catalogue` },
    ]);
  }
  const subject = await deps.pseudonyms.pseudonym(input.subjectId);
  const all = (await deps.records.listBySubject(subject)).filter(
    (r) => r.dataset !== PROVISION_DATASET,
  );
  if (all.length === 0) {
    throw new NotFoundError('no personal data of this subject is held');
  }
  const reasons: string[] = [];
  if (!recipient.bases.includes(input.basis)) {
    reasons.push(
      `"${input.basis}" is not a provision basis for ${recipient.id} (allowed: ${recipient.bases.join(', ')})`,
    );
  }
  if (input.basis === 'consent' && (input.consentRef ?? '') === '') {
    reasons.push('provision on consent needs the consent reference (--consent-ref)');
  }
  const stop = await provisionStopped(deps.requests, subject);
  if (stop !== undefined) {
    reasons.push(`the subject requested that provision to third parties stop (request ${stop}; APPI Art. 35)`);
  }
  const wanted = input.recordIds === undefined ? undefined : new Set(input.recordIds);
  for (const id of wanted ?? []) {
    if (!all.some((r) => r.recordId === id)) {
      reasons.push(`record ${id} is not a live record of this subject`);
    }
  }
  const candidates = all.filter(
    (r) => (wanted === undefined || wanted.has(r.recordId)) &&
      deps.catalogue.datasets.find((d) => d.id === r.dataset)?.recipients.includes(recipient.id),
  );
  if (candidates.length === 0) {
    reasons.push(`no record of this subject is in a dataset that lists ${recipient.id} as a recipient`);
  }
  for (const r of candidates) {
    if (r.status === 'restricted') {
      reasons.push(`record ${r.recordId} is under suspension of use (利用停止)`);
    }
    if (input.basis === 'opt-out' && r.categories.includes('sensitive')) {
      reasons.push(`record ${r.recordId} holds sensitive data, which may not be provided by opt-out (APPI Art. 27(2))`);
    }
  }
  const base: Omit<AuditEventInput, 'action' | 'outcome'> = {
    actor: input.actor,
    subjectId: input.subjectId,
    basis: input.basis,
    policyVersion: deps.catalogue.version,
    details: { recipient: recipient.id, records: candidates.length },
  };
  if (reasons.length > 0) {
    await deps.audit.append([
      { ...base, action: 'provision-refused', outcome: 'refused', reason: reasons.join('; ') },
    ]);
    throw new RefusedError(`provision to ${recipient.id} refused`, reasons);
  }
  const items = [
    ...new Set(
      candidates.flatMap((r) => [...Object.keys(r.fields), ...Object.keys(r.sealed)]),
    ),
  ]
    .filter((f) => !recipient.excludedFields.includes(f))
    .sort();
  const record = await createProvisionRecord(deps, subject, {
    kind: 'provision',
    providedAt: deps.clock.now().toISOString(),
    recipientId: recipient.id,
    recipientName: recipient.name.ja,
    basis: input.basis,
    consent: input.basis === 'consent',
    ...(input.consentRef === undefined ? {} : { consentRef: input.consentRef }),
    items,
    sourceRecordIds: candidates.map((r) => r.recordId),
  }, (r) => [{ ...base, action: 'provision', outcome: 'ok', recordId: r.recordId }]);
  await deps.audit.integrate();
  return {
    provisionRecordId: record.recordId,
    recipientId: recipient.id,
    sourceRecordIds: candidates.map((r) => r.recordId),
    items,
  };
}

/** A receipt from a third party to record (APPI Art. 30). */
export interface ReceiptInput {
  readonly subjectId: string;
  readonly providerName: string;
  readonly providerAddress: string;
  readonly providerRepresentative?: string;
  /** How the provider acquired the data (取得の経緯). */
  readonly acquisition: string;
  readonly items: readonly string[];
  readonly consentRef?: string;
  readonly actor: string;
}

/** Records the confirmation made on receiving personal data. */
export async function recordReceipt(
  deps: LifecycleDeps,
  input: ReceiptInput,
): Promise<{ receiptRecordId: string }> {
  const problems = [
    ['--from', input.providerName],
    ['--address', input.providerAddress],
    ['--acquisition', input.acquisition],
  ]
    .filter(([, v]) => (v ?? '').trim() === '')
    .map(([path]) => ({ path: path as string, message: 'is required (APPI Art. 30(1))' }));
  if (input.items.length === 0) {
    problems.push({ path: '--items', message: 'name the data items received' });
  }
  if (problems.length > 0) {
    throw new ValidationError('incomplete receipt confirmation', problems);
  }
  const record = await createProvisionRecord(deps, await deps.pseudonyms.pseudonym(input.subjectId), {
    kind: 'receipt',
    receivedAt: deps.clock.now().toISOString(),
    providerName: input.providerName,
    providerAddress: input.providerAddress,
    ...(input.providerRepresentative === undefined
      ? {}
      : { providerRepresentative: input.providerRepresentative }),
    acquisition: input.acquisition,
    items: [...input.items],
    consent: input.consentRef !== undefined,
    ...(input.consentRef === undefined ? {} : { consentRef: input.consentRef }),
  }, (r) => [
    {
      action: 'receipt',
      actor: input.actor,
      subjectPseudonym: r.subjectPseudonym,
      recordId: r.recordId,
      policyVersion: deps.catalogue.version,
      outcome: 'ok',
      details: { items: input.items.length },
    },
  ]);
  await deps.audit.integrate();
  return { receiptRecordId: record.recordId };
}
