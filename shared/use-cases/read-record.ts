/**
 * Purpose-bound reads: personal data is read for a stated purpose of use.
 * A purpose outside the record's purposes is refused unless an exception
 * basis from the catalogue is given; a restricted record (suspension of
 * use) is readable only for retention or legal claims. Every read and
 * every refusal is audited.
 */
import { fieldAad, openBytes, openValue } from '../domain/envelope.ts';
import { isTombstone, type StoredRecord } from '../domain/record.ts';
import { NotFoundError, RefusedError } from '../errors.ts';
import type { LifecycleDeps } from './deps.ts';
import { SubjectKeys } from './subject-keys.ts';

/** Purposes that stay allowed on a restricted record. */
export const LEGAL_PURPOSES = ['retention', 'legal-claims'] as const;

/** A read request. */
export interface ReadInput {
  readonly recordId: string;
  /** Purpose id from the catalogue, or one of {@link LEGAL_PURPOSES}. */
  readonly purpose: string;
  /** Exception basis id when the purpose is outside the record's purposes. */
  readonly exception?: string;
  readonly actor: string;
  /** Also return document bodies. @default false */
  readonly withDocuments?: boolean;
}

/** What a read returns: every field in clear. */
export interface ReadResult {
  readonly record: StoredRecord;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly documents: readonly { name: string; contentType: string; body: Uint8Array }[];
}

/** Decides whether a read is allowed; returns the refusal reason if not. */
export function readRefusal(
  record: StoredRecord,
  purpose: string,
  exception: string | undefined,
  exceptionIds: readonly string[],
): string | undefined {
  const legal = (LEGAL_PURPOSES as readonly string[]).includes(purpose);
  if (record.status === 'restricted' && !legal) {
    return 'use of this record is suspended (利用停止); only retention and legal-claims reads are allowed';
  }
  if (legal || record.purposes.includes(purpose)) {
    return undefined;
  }
  if (exception === undefined) {
    return `purpose "${purpose}" is not among the record's purposes (${record.purposes.join(', ')}) and no exception basis was given`;
  }
  if (!exceptionIds.includes(exception)) {
    return `"${exception}" is not an exception basis of the catalogue`;
  }
  return undefined;
}

/** Opens every sealed field and document of a record with the subject key. */
export async function openRecord(
  keys: SubjectKeys,
  record: StoredRecord,
  deps: Pick<LifecycleDeps, 'objects'>,
  withDocuments: boolean,
): Promise<Omit<ReadResult, 'record'>> {
  const fields: Record<string, unknown> = { ...record.fields };
  const sealedNames = Object.keys(record.sealed);
  const needsKey =
    sealedNames.length > 0 || (withDocuments && record.documents.some((d) => d.sealed));
  const key = needsKey ? await keys.forReading(record.subjectPseudonym) : undefined;
  for (const name of sealedNames) {
    fields[name] = openValue(
      key as Uint8Array,
      record.sealed[name] as string,
      fieldAad(record.recordId, name),
    );
  }
  const documents = [];
  if (withDocuments) {
    for (const doc of record.documents) {
      const stored = await deps.objects.get(doc.key);
      if (stored === undefined) {
        throw new NotFoundError(`document ${doc.name} of ${record.recordId} is missing`);
      }
      const body = doc.sealed
        ? openBytes(key as Uint8Array, Buffer.from(stored).toString('utf8'), doc.key)
        : stored;
      documents.push({ name: doc.name, contentType: doc.contentType, body });
    }
  }
  return { fields, documents };
}

/** Reads one record for a purpose. */
export async function readRecord(
  deps: LifecycleDeps,
  input: ReadInput,
): Promise<ReadResult> {
  const item = await deps.records.get(input.recordId);
  if (item === undefined || isTombstone(item)) {
    throw new NotFoundError(`record ${input.recordId} is not held`);
  }
  const refusal = readRefusal(
    item,
    input.purpose,
    input.exception,
    deps.catalogue.exceptions.map((e) => e.id),
  );
  const event = {
    actor: input.actor,
    recordId: item.recordId,
    subjectPseudonym: item.subjectPseudonym,
    dataset: item.dataset,
    policyVersion: item.policyVersion,
    basis: input.exception ?? `purpose:${input.purpose}`,
  };
  if (refusal !== undefined) {
    await deps.audit.append([
      { ...event, action: 'read-refused', outcome: 'refused', reason: refusal },
    ]);
    throw new RefusedError(`read of ${item.recordId} refused`, [refusal]);
  }
  const opened = await openRecord(new SubjectKeys(deps), item, deps, input.withDocuments ?? false);
  await deps.audit.append([
    {
      ...event,
      action: Object.keys(item.sealed).length > 0 ? 'decrypt' : 'read',
      outcome: 'ok',
      details: { purpose: input.purpose },
    },
  ]);
  return { record: item, ...opened };
}
