/**
 * Legal holds: a held record is never erased by a sweep until every hold is
 * lifted. Holds carry a case reference, never personal data.
 */
import { isTombstone, type Hold, type StoredRecord } from '../domain/record.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import type { LifecycleDeps } from './deps.ts';

/** Which records a hold command targets. */
export type HoldTarget =
  | { readonly recordId: string }
  | { readonly subjectId: string };

async function targetRecords(
  deps: LifecycleDeps,
  target: HoldTarget,
): Promise<StoredRecord[]> {
  if ('recordId' in target) {
    const item = await deps.records.get(target.recordId);
    if (item === undefined || isTombstone(item)) {
      throw new NotFoundError(
        item === undefined
          ? `record ${target.recordId} does not exist`
          : `record ${target.recordId} was already erased`,
      );
    }
    return [item];
  }
  const records = await deps.records.listBySubject(await deps.pseudonyms.pseudonym(target.subjectId));
  if (records.length === 0) {
    throw new NotFoundError('no live records are held for this subject');
  }
  return records;
}

/** Places a hold on the target records; returns the hold and the ids. */
export async function addHold(
  deps: LifecycleDeps,
  input: { target: HoldTarget; reason: string; actor: string },
): Promise<{ hold: Hold; recordIds: string[] }> {
  if (input.reason.trim() === '') {
    throw new ValidationError('a hold needs a reason', [
      { path: '--reason', message: 'must not be empty' },
    ]);
  }
  const hold: Hold = {
    id: deps.ids.next(),
    reason: input.reason,
    placedBy: input.actor,
    placedAt: deps.clock.now().toISOString(),
  };
  const records = await targetRecords(deps, input.target);
  // An erasure that has claimed a record is decided (its documents or key
  // may be gone already): a hold could not keep it, so it is refused
  // rather than recorded as if it did.
  const erasing = records.filter((r) => r.erasing !== undefined);
  if (erasing.length > 0) {
    throw new ConflictError(
      `cannot hold ${erasing.map((r) => `${r.recordId} (erasure begun ${r.erasing?.since}, ${r.erasing?.cause})`).join(', ')}: its erasure has begun and will finish; nothing was held`,
    );
  }
  for (const r of records) {
    await deps.records.update(
      {
        ...r,
        holds: [...r.holds, hold],
        updatedAt: hold.placedAt,
        version: r.version + 1,
      },
      r.version,
    );
  }
  await deps.audit.append(
    records.map((r) => ({
      action: 'hold-added' as const,
      actor: input.actor,
      recordId: r.recordId,
      subjectPseudonym: r.subjectPseudonym,
      dataset: r.dataset,
      policyVersion: r.policyVersion,
      outcome: 'ok' as const,
      details: { holdId: hold.id },
    })),
  );
  return { hold, recordIds: records.map((r) => r.recordId) };
}

/** Lifts one hold (by id) or every hold of the target records. */
export async function removeHold(
  deps: LifecycleDeps,
  input: { target: HoldTarget; holdId?: string; actor: string },
): Promise<{ removed: number; recordIds: string[] }> {
  const records = await targetRecords(deps, input.target);
  const now = deps.clock.now().toISOString();
  let removed = 0;
  const changed: StoredRecord[] = [];
  for (const r of records) {
    const kept = r.holds.filter(
      (h) => input.holdId !== undefined && h.id !== input.holdId,
    );
    if (kept.length === r.holds.length) {
      continue;
    }
    removed += r.holds.length - kept.length;
    changed.push(r);
    await deps.records.update(
      { ...r, holds: kept, updatedAt: now, version: r.version + 1 },
      r.version,
    );
  }
  if (removed === 0) {
    throw new NotFoundError(
      input.holdId === undefined
        ? 'the target records have no holds'
        : `hold ${input.holdId} is not on the target records`,
    );
  }
  await deps.audit.append(
    changed.map((r) => ({
      action: 'hold-removed' as const,
      actor: input.actor,
      recordId: r.recordId,
      subjectPseudonym: r.subjectPseudonym,
      dataset: r.dataset,
      policyVersion: r.policyVersion,
      outcome: 'ok' as const,
      ...(input.holdId === undefined ? {} : { details: { holdId: input.holdId } }),
    })),
  );
  return { removed, recordIds: changed.map((r) => r.recordId) };
}
