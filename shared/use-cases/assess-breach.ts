/**
 * Breach assessment over stored records: loads the affected records (facts
 * only; nothing is decrypted), decides triggers, safe harbour, notices and
 * deadlines, and records the assessment in the audit trail with counts and
 * trigger ids only.
 */
import type { AffectedEntry } from '../domain/breach/affected-list.ts';
import { affectedFromRecord } from '../domain/breach/affected-record.ts';
import { assessBreach } from '../domain/breach/assess.ts';
import type { BreachManner } from '../domain/breach/manner.ts';
import { parseOccurred } from '../domain/breach/occurrence.ts';
import type {
  AffectedRecord,
  BreachAssessment,
  BreachConfig,
} from '../domain/breach/types.ts';
import { isTombstone } from '../domain/record.ts';
import { ValidationError } from '../errors.ts';
import type { Page } from '../ports/index.ts';
import type { LifecycleDeps } from './deps.ts';

/** Input of {@link runBreachAssessment}. */
export interface AssessBreachInput {
  /** Affected records, optionally with the fields affected. */
  readonly entries: readonly AffectedEntry[];
  /** It may have been done with an improper purpose. */
  readonly improperPurpose: boolean;
  /** The subject keys may have leaked too. */
  readonly keyExposed: boolean;
  /** My Number data was viewable by an unspecified number of people. */
  readonly publiclyExposed?: boolean;
  /** My Number data sat in a system covered by 規則第2条第1号. */
  readonly myNumberSystem?: boolean;
  /** When the organisation learned of it (ISO). @default now */
  readonly discoveredAt?: string;
  /**
   * When it happened (`YYYY-MM-DD` or an ISO date-time with offset); not
   * after now nor after the discovery. @default unknown
   */
  readonly occurredAt?: string;
  /** Its manner (漏えい/滅失/毀損). @default unknown */
  readonly manners?: readonly BreachManner[];
  /** Thresholds. */
  readonly config?: BreachConfig;
  /** Who runs the assessment. */
  readonly actor: string;
}

/** Lists one page of record ids of a dataset (dataset index). */
export type DatasetRecordLister = (
  dataset: string,
  cursor?: string,
) => Promise<Page<string>>;

/** Every record id of a dataset, page by page from the dataset index. */
export async function recordIdsOfDataset(
  list: DatasetRecordLister,
  dataset: string,
): Promise<AffectedEntry[]> {
  const entries: AffectedEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(dataset, cursor);
    entries.push(...page.items.map((recordId) => ({ recordId })));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return entries;
}

const CHUNK = 100;

/**
 * Assesses a breach and audits it.
 * @example
 * const result = await runBreachAssessment(deps, { entries: [{ recordId }],
 *   improperPurpose: true, keyExposed: false, actor: 'admin:cli' });
 */
export async function runBreachAssessment(
  deps: Pick<LifecycleDeps, 'records' | 'audit' | 'catalogue' | 'clock'>,
  input: AssessBreachInput,
): Promise<BreachAssessment> {
  const now = deps.clock.now();
  const discoveredAt = input.discoveredAt ?? now.toISOString();
  if (Number.isNaN(Date.parse(discoveredAt)) || !/^\d{4}-\d{2}-\d{2}/.test(discoveredAt)) {
    throw new ValidationError('the discovery time is not an ISO-8601 time', [
      { path: '--discovered', message: `"${discoveredAt}" is not an ISO-8601 time` },
    ]);
  }
  const occurred =
    input.occurredAt === undefined
      ? undefined
      : parseOccurred(input.occurredAt, now, new Date(discoveredAt));
  if (occurred !== undefined && occurred.problems.length > 0) {
    throw new ValidationError('the occurrence time is refused', occurred.problems);
  }
  if (input.entries.length === 0) {
    throw new ValidationError('no affected records given', [
      { path: '--records', message: 'lists no record ids' },
    ]);
  }
  const affected: AffectedRecord[] = [];
  const notAssessed: BreachAssessment['notAssessed'][number][] = [];
  const notes: string[] = [];
  for (let i = 0; i < input.entries.length; i += CHUNK) {
    const chunk = input.entries.slice(i, i + CHUNK);
    const found = await deps.records.getMany(chunk.map((e) => e.recordId));
    for (const entry of chunk) {
      const item = found.get(entry.recordId);
      if (item === undefined) {
        notAssessed.push({ recordId: entry.recordId, why: 'not-found' });
      } else if (isTombstone(item)) {
        notAssessed.push({ recordId: entry.recordId, why: 'erased' });
      } else {
        const { affected: a, unknownNames } = affectedFromRecord(item, entry.fields);
        affected.push(a);
        if (unknownNames.length > 0) {
          notes.push(`record ${entry.recordId}: ${unknownNames.length} named field(s) are not in the record`);
        }
      }
    }
  }
  if (notAssessed.some((n) => n.why === 'erased')) {
    notes.push('erased records hold no personal data any more; their ciphertext in backups is unreadable once the subject key is destroyed');
  }
  const base = assessBreach(
    deps.catalogue,
    affected,
    {
      improperPurpose: input.improperPurpose,
      keyExposed: input.keyExposed,
      discoveredAt: new Date(discoveredAt).toISOString(),
      ...(input.publiclyExposed === undefined ? {} : { publiclyExposed: input.publiclyExposed }),
      ...(input.myNumberSystem === undefined ? {} : { myNumberSystem: input.myNumberSystem }),
      ...(occurred?.occurredAt === undefined ? {} : { occurredAt: occurred.occurredAt }),
      ...(input.manners === undefined || input.manners.length === 0 ? {} : { manners: input.manners }),
    },
    input.config ?? {},
    now.toISOString(),
  );
  const result: BreachAssessment = {
    ...base,
    notAssessed,
    notes: [...base.notes, ...notes],
  };
  const fired = (c: BreachAssessment['controllers'][number]) =>
    [...c.triggers, ...c.myNumberTriggers]
      .filter((t) => t.fired)
      .map((t) => t.id)
      .join(',');
  await deps.audit.append([
    {
      action: 'breach-assessment',
      actor: input.actor,
      policyVersion: deps.catalogue.version,
      outcome: 'ok',
      ...(result.controllers.length === 1 && result.controllers[0]?.datasets.length === 1
        ? { dataset: result.controllers[0].datasets[0] }
        : {}),
      details: {
        records: result.records,
        subjects: result.subjects,
        notAssessed: notAssessed.length,
        reportRequired: result.reportRequired,
        noticeRequired: result.noticeRequired,
        subjectsToNotify: result.subjectsToNotify.length,
        improperPurpose: input.improperPurpose,
        keyExposed: input.keyExposed,
        discoveredAt: result.flags.discoveredAt,
        ...(result.flags.occurredAt === undefined ? {} : { occurredAt: result.flags.occurredAt }),
        ...(result.flags.manners === undefined ? {} : { manners: result.flags.manners.join(',') }),
        ...Object.fromEntries(
          result.controllers.map((c) => [`triggers:${c.controllerId}`, fired(c) || 'none']),
        ),
      },
    },
  ]);
  return result;
}
