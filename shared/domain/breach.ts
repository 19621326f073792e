/**
 * Breach assessment (漏えい等報告): which reporting triggers fire, whether the
 * encryption safe harbour applies, who must be notified, the report
 * deadlines, and a Japanese draft of the report.
 *
 * Law applied:
 * - APPI Art. 26 with 施行規則第7条 (businesses) and Art. 68 with
 *   施行規則第43条 (行政機関等): sensitive data, data whose misuse may cause
 *   financial loss, improper purpose (不正の目的), more than 1,000 subjects
 *   (100 for public bodies). The exclusion for 高度な暗号化 in 第7条第1号
 *   applies to the whole article ("以下この条…において同じ"), so the safe
 *   harbour is applied per trigger.
 * - 特定個人情報の漏えい等に関する報告等に関する規則第2条 (My Number):
 *   improper purpose, data made viewable by an unspecified number of people
 *   over a network, data in a system that item covers (情報提供ネットワーク
 *   システム / 個人番号利用事務 systems), more than 100 subjects.
 * - Deadlines: 速報 "promptly" (施行規則第8条第1項; PPC guidance about 3–5
 *   days), 確報 30 days, 60 days for improper purpose (第8条第2項), counted in
 *   JST calendar days from the day the organisation learned of it, the
 *   first day not counted (民法第140条), ending at the end of the last day
 *   (民法第141条). A deadline on a weekend or holiday is not moved.
 *
 * Assumptions where the records cannot tell:
 * - A value is "encrypted" only when it was sealed with the subject's data
 *   key; clear values never qualify, whatever the storage encryption.
 * - A document carries every category of its record, because its contents
 *   are not classified field by field.
 * - Whether My Number data sat in a system covered by 第2条第1号, and
 *   whether it was exposed to an unspecified number of people, are inputs.
 */
import type {
  Catalogue,
  CategoryKind,
  Controller,
  Dataset,
} from './catalogue-types.ts';
import { CATEGORY_LABELS } from './category-labels.ts';
import { escapeHtml } from './html.ts';
import { jstDate, jstDeadline } from './jst.ts';
import type { StoredRecord } from './record.ts';
import type { Problem } from '../errors.ts';

/** One affected field or document of a record. */
export interface AffectedItem {
  /** Field name, or document name for documents. */
  readonly name: string;
  /** Field, or document in the object store. */
  readonly kind: 'field' | 'document';
  /** Category kinds of the value (a document carries its record's). */
  readonly categories: readonly CategoryKind[];
  /** True when sealed with the subject's data key. */
  readonly sealed: boolean;
}

/** The facts about one affected record (no field values). */
export interface AffectedRecord {
  /** Record id. */
  readonly recordId: string;
  /** Subject id. */
  readonly subjectPseudonym: string;
  /** Dataset id. */
  readonly dataset: string;
  /** Category kinds of the record. */
  readonly categories: readonly CategoryKind[];
  /** Which fields and documents were affected. */
  readonly items: readonly AffectedItem[];
}

/** What is known about the incident besides the records. */
export interface BreachFlags {
  /** It may have been done with an improper purpose (不正の目的). */
  readonly improperPurpose: boolean;
  /** The subject keys (or the key wrapping them) may have leaked too. */
  readonly keyExposed: boolean;
  /** When the organisation learned of it (ISO). */
  readonly discoveredAt: string;
  /**
   * My Number data was made viewable by an unspecified number of people
   * over a network. @default false
   */
  readonly publiclyExposed?: boolean;
  /**
   * My Number data was held in a system covered by 規則第2条第1号
   * (情報提供ネットワークシステム or a 個人番号利用事務 system).
   * @default false
   */
  readonly myNumberSystem?: boolean;
}

/** Thresholds. */
export interface BreachConfig {
  /**
   * Subjects above which a leak is reportable by count.
   * @default 1000 for businesses, 100 for public bodies
   */
  readonly subjectThreshold?: number;
  /** My Number subjects above which a leak is reportable. @default 100 */
  readonly myNumberThreshold?: number;
}

/** APPI trigger ids. */
export type TriggerId =
  | 'sensitive'
  | 'financial'
  | 'improper-purpose'
  | 'subject-count';

/** My Number trigger ids. */
export type MyNumberTriggerId =
  | 'my-number-system'
  | 'my-number-improper-purpose'
  | 'my-number-public-exposure'
  | 'my-number-subject-count';

/** The outcome of one trigger. */
export interface TriggerOutcome<Id extends string = string> {
  /** Trigger id. */
  readonly id: Id;
  /** Whether it fired (after the safe harbour). */
  readonly fired: boolean;
  /** Legal reference. */
  readonly law: string;
  /** Japanese label of the trigger. */
  readonly labelJa: string;
  /** Why it fired or not (English, no personal data). */
  readonly reason: string;
  /** Subjects whose unprotected data falls under the trigger. */
  readonly subjects: number;
  /** Subjects whose data fell under it but was all sealed with a safe key. */
  readonly protectedSubjects: number;
}

/** One affected field of a dataset, summed over records. */
export interface AffectedFieldSummary {
  /** Dataset id. */
  readonly dataset: string;
  /** Field or document name. */
  readonly name: string;
  /** Field or document. */
  readonly kind: 'field' | 'document';
  /** Japanese label (the catalogue's, or the name). */
  readonly labelJa: string;
  /** Category kinds. */
  readonly categories: readonly CategoryKind[];
  /** Records where it was sealed. */
  readonly sealedRecords: number;
  /** Records where it was in clear. */
  readonly clearRecords: number;
}

/** Report deadlines (JST, ISO with +09:00). */
export interface BreachDeadlines {
  /** Day the organisation learned of it (JST date). */
  readonly discoveredOn: string;
  /** End of the 3rd day after: the early end of "promptly". */
  readonly preliminaryDay3: string;
  /** End of the 5th day after: the late end of "promptly". */
  readonly preliminaryDay5: string;
  /** End of the final-report period. */
  readonly final: string;
  /** 30 or 60. */
  readonly finalDays: 30 | 60;
}

/** One item of the report draft (施行規則第8条第1項各号). */
export interface DraftItem {
  /** Item number, 1–9. */
  readonly no: number;
  /** Heading, e.g. 概要. */
  readonly heading: string;
  /** Pre-filled text. */
  readonly text: string;
  /** True when someone has to fill in or confirm this item. */
  readonly toFill: boolean;
}

/** The assessment for one controller (each is obliged on its own). */
export interface ControllerAssessment {
  /** Controller id. */
  readonly controllerId: string;
  /** Japanese name. */
  readonly controllerName: string;
  /** Public body (行政機関等). */
  readonly publicBody: boolean;
  /** Datasets affected. */
  readonly datasets: readonly string[];
  /** Affected records. */
  readonly records: number;
  /** Affected subjects. */
  readonly subjects: number;
  /** Subjects with at least one unprotected affected value. */
  readonly unprotectedSubjects: number;
  /** Count threshold used. */
  readonly subjectThreshold: number;
  /** APPI triggers. */
  readonly triggers: readonly TriggerOutcome<TriggerId>[];
  /** My Number triggers. */
  readonly myNumberTriggers: readonly TriggerOutcome<MyNumberTriggerId>[];
  /** A report to the PPC under APPI is required. */
  readonly reportRequired: boolean;
  /** A report to the PPC under the My Number Act is required. */
  readonly myNumberReportRequired: boolean;
  /** Notices to individuals are required (Art. 26(2) / 68(2)). */
  readonly noticeRequired: boolean;
  /** Subject ids to notify, sorted. */
  readonly subjectsToNotify: readonly string[];
  /** Category kinds affected. */
  readonly categories: readonly CategoryKind[];
  /** Affected fields. */
  readonly fields: readonly AffectedFieldSummary[];
  /** Deadlines, when any report is required. */
  readonly deadlines?: BreachDeadlines;
  /** Report draft (Japanese). */
  readonly draft: readonly DraftItem[];
}

/** The whole assessment. */
export interface BreachAssessment {
  /** When it was assessed (ISO). */
  readonly assessedAt: string;
  /** Catalogue version. */
  readonly policyVersion: string;
  /** Inputs. */
  readonly flags: BreachFlags;
  /** Per controller. */
  readonly controllers: readonly ControllerAssessment[];
  /** Any report required. */
  readonly reportRequired: boolean;
  /** Any notice required. */
  readonly noticeRequired: boolean;
  /** Union of subjects to notify, sorted. */
  readonly subjectsToNotify: readonly string[];
  /** Union of categories affected. */
  readonly categories: readonly CategoryKind[];
  /** Affected records assessed. */
  readonly records: number;
  /** Affected subjects. */
  readonly subjects: number;
  /** Ids given that are no longer held (erased) or unknown. */
  readonly notAssessed: readonly { recordId: string; why: 'erased' | 'not-found' }[];
  /** Notes on what could not be determined. */
  readonly notes: readonly string[];
}

const DEFAULT_PRIVATE_THRESHOLD = 1000;
const DEFAULT_PUBLIC_THRESHOLD = 100;
const DEFAULT_MY_NUMBER_THRESHOLD = 100;
const TO_FILL = '【要記入】';

/**
 * The facts of one stored record as affected by a breach: all its fields
 * and documents, or only those named.
 */
export function affectedFromRecord(
  record: StoredRecord,
  names?: readonly string[],
): { affected: AffectedRecord; unknownNames: string[] } {
  const fieldNames = [
    ...Object.keys(record.fields),
    ...Object.keys(record.sealed),
  ];
  const wanted = names === undefined ? undefined : new Set(names);
  const items: AffectedItem[] = [];
  for (const name of fieldNames) {
    if (wanted !== undefined && !wanted.has(name)) {
      continue;
    }
    items.push({
      name,
      kind: 'field',
      categories: [record.fieldCategories[name] ?? 'basic'],
      sealed: Object.hasOwn(record.sealed, name),
    });
  }
  for (const doc of record.documents) {
    if (wanted !== undefined && !wanted.has(doc.name)) {
      continue;
    }
    items.push({
      name: doc.name,
      kind: 'document',
      categories: record.categories,
      sealed: doc.sealed,
    });
  }
  const known = new Set([...fieldNames, ...record.documents.map((d) => d.name)]);
  return {
    affected: {
      recordId: record.recordId,
      subjectPseudonym: record.subjectPseudonym,
      dataset: record.dataset,
      categories: record.categories,
      items,
    },
    unknownNames: (names ?? []).filter((n) => !known.has(n)),
  };
}

/** One line of an affected-records file. */
export interface AffectedEntry {
  /** Record id. */
  readonly recordId: string;
  /** Only these fields/documents were affected; all when absent. */
  readonly fields?: readonly string[];
}

/**
 * Parses an affected-records file: one record id per line, or JSON lines
 * `{"recordId": "…", "fields": ["…"]}`. Blank lines and `#` comments are
 * skipped; repeated ids are merged.
 */
export function parseAffectedList(text: string): {
  entries: AffectedEntry[];
  problems: Problem[];
} {
  const problems: Problem[] = [];
  const byId = new Map<string, Set<string> | undefined>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const path = `line ${i + 1}`;
    if (line === '' || line.startsWith('#')) {
      return;
    }
    let recordId: string;
    let fields: string[] | undefined;
    if (line.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        problems.push({ path, message: 'is not valid JSON' });
        return;
      }
      const o = parsed as { recordId?: unknown; fields?: unknown };
      if (typeof o.recordId !== 'string' || o.recordId === '') {
        problems.push({ path: `${path}: recordId`, message: 'must be a non-empty string' });
        return;
      }
      if (
        o.fields !== undefined &&
        !(Array.isArray(o.fields) && o.fields.every((f) => typeof f === 'string'))
      ) {
        problems.push({ path: `${path}: fields`, message: 'must be an array of field names' });
        return;
      }
      recordId = o.recordId;
      fields = o.fields as string[] | undefined;
    } else {
      if (/\s/.test(line)) {
        problems.push({ path, message: 'a record id has no spaces' });
        return;
      }
      recordId = line;
    }
    const prior = byId.get(recordId);
    if (byId.has(recordId) && prior === undefined) {
      return;
    }
    if (fields === undefined) {
      byId.set(recordId, undefined);
    } else {
      byId.set(recordId, new Set([...(prior ?? []), ...fields]));
    }
  });
  const entries = [...byId].map(([recordId, fields]) =>
    fields === undefined ? { recordId } : { recordId, fields: [...fields] },
  );
  return { entries, problems };
}

/** Formats the end of the N-th JST day after `start` as ISO with +09:00. */
export function jstDayEnd(start: Date, days: number): string {
  return `${jstDate(jstDeadline(start, days))}T23:59:59+09:00`;
}

/** Report deadlines counted from the day the organisation learned of it. */
export function breachDeadlines(
  discoveredAt: Date,
  improperPurpose: boolean,
): BreachDeadlines {
  const finalDays = improperPurpose ? 60 : 30;
  return {
    discoveredOn: jstDate(discoveredAt),
    preliminaryDay3: jstDayEnd(discoveredAt, 3),
    preliminaryDay5: jstDayEnd(discoveredAt, 5),
    final: jstDayEnd(discoveredAt, finalDays),
    finalDays,
  };
}

interface Exposure {
  /** Subjects with an unprotected relevant item. */
  readonly exposed: Set<string>;
  /** Subjects whose relevant items were all protected. */
  readonly shielded: Set<string>;
}

/** Splits subjects by whether their items matching `relevant` were protected. */
function exposure(
  records: readonly AffectedRecord[],
  relevant: (item: AffectedItem) => boolean,
  keyExposed: boolean,
): Exposure {
  const exposed = new Set<string>();
  const touched = new Set<string>();
  for (const r of records) {
    for (const item of r.items) {
      if (!relevant(item)) {
        continue;
      }
      touched.add(r.subjectPseudonym);
      if (!item.sealed || keyExposed) {
        exposed.add(r.subjectPseudonym);
      }
    }
  }
  const shielded = new Set([...touched].filter((s) => !exposed.has(s)));
  return { exposed, shielded };
}

const has = (kind: CategoryKind) => (item: AffectedItem) =>
  item.categories.includes(kind);
const any = () => true;

function outcome<Id extends string>(
  id: Id,
  law: string,
  labelJa: string,
  applies: boolean,
  ex: Exposure,
  why: { notApplicable: string; fired: string; harbour: string },
  extra: { threshold?: number } = {},
): TriggerOutcome<Id> {
  const count = ex.exposed.size;
  const fired =
    applies &&
    (extra.threshold === undefined ? count > 0 : count > extra.threshold);
  let reason: string;
  if (!applies) {
    reason = why.notApplicable;
  } else if (fired) {
    reason = why.fired;
  } else if (ex.shielded.size > 0 && count === 0) {
    reason = why.harbour;
  } else if (extra.threshold !== undefined) {
    reason = `${count} subject(s) with unprotected data, not more than ${extra.threshold}${ex.shielded.size > 0 ? `; ${ex.shielded.size} more protected by encryption with a safe key` : ''}`;
  } else {
    reason = 'no affected values fall under it';
  }
  return {
    id,
    fired,
    law,
    labelJa,
    reason,
    subjects: count,
    protectedSubjects: ex.shielded.size,
  };
}

const HARBOUR =
  'every affected value was sealed with the subject key and the key was not exposed (高度な暗号化)';

function appiTriggers(
  records: readonly AffectedRecord[],
  flags: BreachFlags,
  publicBody: boolean,
  threshold: number,
): TriggerOutcome<TriggerId>[] {
  const rule = publicBody ? '施行規則第43条' : '施行規則第7条';
  const art = publicBody ? '個人情報保護法第68条第1項' : '個人情報保護法第26条第1項';
  const k = flags.keyExposed;
  const sensitive = exposure(records, has('sensitive'), k);
  const financial = exposure(records, has('financial'), k);
  const all = exposure(records, any, k);
  return [
    outcome('sensitive', `${art}・${rule}第1号`, '要配慮個人情報が含まれる個人データの漏えい等', sensitive.exposed.size + sensitive.shielded.size > 0, sensitive, {
      notApplicable: 'no sensitive (要配慮) data among the affected values',
      fired: 'sensitive (要配慮) data was affected without effective encryption',
      harbour: HARBOUR,
    }),
    outcome('financial', `${art}・${rule}第2号`, '不正に利用されることにより財産的被害が生じるおそれがある個人データの漏えい等', financial.exposed.size + financial.shielded.size > 0, financial, {
      notApplicable: 'no data whose misuse may cause financial loss among the affected values',
      fired: 'financial data (accounts, cards) was affected without effective encryption',
      harbour: HARBOUR,
    }),
    outcome('improper-purpose', `${art}・${rule}第3号`, '不正の目的をもって行われたおそれがある行為による個人データの漏えい等', flags.improperPurpose, all, {
      notApplicable: 'no indication of an improper purpose was given',
      fired: 'it may have been done with an improper purpose (不正の目的)',
      harbour: HARBOUR,
    }),
    outcome('subject-count', `${art}・${rule}第4号`, `個人データに係る本人の数が${threshold.toLocaleString('ja-JP')}人を超える漏えい等`, true, all, {
      notApplicable: 'no subjects affected',
      fired: `more than ${threshold} subjects have unprotected data affected`,
      harbour: HARBOUR,
    }, { threshold }),
  ];
}

function myNumberTriggers(
  records: readonly AffectedRecord[],
  flags: BreachFlags,
  threshold: number,
): TriggerOutcome<MyNumberTriggerId>[] {
  const rule = '行政手続における特定の個人を識別するための番号の利用等に関する法律第29条の4・特定個人情報の漏えい等に関する報告等に関する規則第2条';
  const ex = exposure(records, has('my-number'), flags.keyExposed);
  const present = ex.exposed.size + ex.shielded.size > 0;
  const none = 'no My Number (個人番号) among the affected values';
  return [
    outcome('my-number-system', rule, '情報提供ネットワークシステム等において管理される特定個人情報の漏えい等', present && flags.myNumberSystem === true, ex, {
      notApplicable: present ? 'the affected My Number data was not held in a system covered by 規則第2条第1号 (input)' : none,
      fired: 'My Number data held in a system covered by 規則第2条第1号 was affected without effective encryption',
      harbour: HARBOUR,
    }),
    outcome('my-number-improper-purpose', rule, '不正の目的をもって行われたおそれがある特定個人情報の漏えい等', present && flags.improperPurpose, ex, {
      notApplicable: present ? 'no indication of an improper purpose was given' : none,
      fired: 'My Number data may have been leaked with an improper purpose',
      harbour: HARBOUR,
    }),
    outcome('my-number-public-exposure', rule, '電磁的方法により不特定多数の者に閲覧されたおそれがある特定個人情報の漏えい等', present && flags.publiclyExposed === true, ex, {
      notApplicable: present ? 'My Number data was not reported as viewable by an unspecified number of people (input)' : none,
      fired: 'My Number data may have been viewable by an unspecified number of people',
      harbour: HARBOUR,
    }),
    outcome('my-number-subject-count', rule, `特定個人情報に係る本人の数が${threshold}人を超える漏えい等`, present, ex, {
      notApplicable: none,
      fired: `more than ${threshold} subjects have unprotected My Number data affected`,
      harbour: HARBOUR,
    }, { threshold }),
  ];
}

function relevantTo(id: string): (item: AffectedItem) => boolean {
  switch (id) {
    case 'sensitive':
      return has('sensitive');
    case 'financial':
      return has('financial');
    case 'improper-purpose':
    case 'subject-count':
      return any;
    default:
      return has('my-number');
  }
}

function uniq<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

const KIND_ORDER: readonly CategoryKind[] = [
  'basic',
  'identifier',
  'sensitive',
  'financial',
  'my-number',
];

function sortKinds(kinds: Iterable<CategoryKind>): CategoryKind[] {
  const set = new Set(kinds);
  return KIND_ORDER.filter((k) => set.has(k));
}

function summariseFields(
  records: readonly AffectedRecord[],
  datasets: ReadonlyMap<string, Dataset>,
): AffectedFieldSummary[] {
  const byKey = new Map<string, AffectedFieldSummary>();
  for (const r of records) {
    for (const item of r.items) {
      const key = `${r.dataset}\u0000${item.kind}\u0000${item.name}`;
      const prior = byKey.get(key);
      const spec = item.kind === 'field' ? datasets.get(r.dataset)?.fields[item.name] : undefined;
      byKey.set(key, {
        dataset: r.dataset,
        name: item.name,
        kind: item.kind,
        labelJa: spec?.label.ja ?? (item.kind === 'document' ? `添付文書「${item.name}」` : item.name),
        categories: sortKinds([...(prior?.categories ?? []), ...item.categories]),
        sealedRecords: (prior?.sealedRecords ?? 0) + (item.sealed ? 1 : 0),
        clearRecords: (prior?.clearRecords ?? 0) + (item.sealed ? 0 : 1),
      });
    }
  }
  return [...byKey.values()];
}

function formatJstDay(iso: string): string {
  const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

function draftItems(
  controller: Controller,
  datasetList: readonly Dataset[],
  a: Omit<ControllerAssessment, 'draft'>,
  flags: BreachFlags,
  catalogue: Catalogue,
): DraftItem[] {
  const fired = [...a.triggers, ...a.myNumberTriggers].filter((t) => t.fired);
  const mnCount = a.myNumberTriggers.find((t) => t.id === 'my-number-subject-count');
  const myNumberSubjects = mnCount === undefined ? 0 : mnCount.subjects + mnCount.protectedSubjects;
  const datasetNames = datasetList.map((d) => `「${d.name.ja}」`).join('、');
  const learned = formatJstDay(jstDate(new Date(flags.discoveredAt)));
  const fieldLines = a.fields.map(
    (f) =>
      `・${f.labelJa}（${f.categories.map((c) => CATEGORY_LABELS[c].report).join('・')}）：暗号化あり ${f.sealedRecords}件／暗号化なし ${f.clearRecords}件`,
  );
  const processors = uniq(datasetList.flatMap((d) => d.processors))
    .map((id) => catalogue.processors.find((p) => p.id === id))
    .filter((p) => p !== undefined)
    .map((p) => `${p.name}（${p.scope}）`);
  const encryptionNote = flags.keyExposed
    ? '暗号化に用いた鍵も漏えいしたおそれがあるため、暗号化された項目も保護されていないものとして扱った。'
    : '本人ごとのデータ鍵で暗号化（AES-256-GCM、鍵はKMSで保護）された項目は、鍵の漏えいがない限り高度な暗号化が施されたものとして扱った。';
  return [
    {
      no: 1,
      heading: '概要',
      text: `${controller.name.ja}が取り扱う個人データ（${datasetNames}）について、漏えい等が発生し、又は発生したおそれがある事態を${learned}に把握した。${
        fired.length === 0
          ? '報告対象事態には該当しないと判定した。'
          : `該当する報告対象事態：${fired.map((t) => t.labelJa).join('、')}。`
      }${flags.improperPurpose ? '不正の目的をもって行われたおそれがある。' : ''}発生日時、発覚の経緯、事態の態様（漏えい・滅失・毀損の別）：${TO_FILL}`,
      toFill: true,
    },
    {
      no: 2,
      heading: '漏えい等が発生し、又は発生したおそれがある個人データの項目',
      text: [...fieldLines, encryptionNote].join('\n'),
      toFill: false,
    },
    {
      no: 3,
      heading: '漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数',
      text: `${a.subjects}人（記録${a.records}件）。うち暗号化により保護されていない本人 ${a.unprotectedSubjects}人。${
        myNumberSubjects > 0 ? `特定個人情報に係る本人 ${myNumberSubjects}人。` : ''
      }`,
      toFill: false,
    },
    {
      no: 4,
      heading: '原因',
      text: `${flags.improperPurpose ? '不正の目的をもって行われたおそれがある行為による。' : ''}原因の詳細：${TO_FILL}`,
      toFill: true,
    },
    {
      no: 5,
      heading: '二次被害又はそのおそれの有無及びその内容',
      text: `${
        a.categories.includes('financial')
          ? '財産的被害が生じるおそれがある情報（口座等）が含まれる。'
          : ''
      }${a.categories.includes('sensitive') ? '要配慮個人情報が含まれる。' : ''}二次被害の有無及びその内容：${TO_FILL}`,
      toFill: true,
    },
    {
      no: 6,
      heading: '本人への対応の実施状況',
      text: a.noticeRequired
        ? `本人への通知が必要（${controller.publicBody ? '個人情報保護法第68条第2項' : '個人情報保護法第26条第2項'}）。通知対象 ${a.subjectsToNotify.length}人。通知の実施状況（通知日、方法、代替措置の有無）：${TO_FILL}`
        : `本人への通知は法令上必要と判定されなかった。任意の対応：${TO_FILL}`,
      toFill: true,
    },
    {
      no: 7,
      heading: '公表の実施状況',
      text: `公表の有無、日時及び方法：${TO_FILL}`,
      toFill: true,
    },
    {
      no: 8,
      heading: '再発防止のための措置',
      text: [
        '事態発生時に講じていた安全管理措置：',
        ...controller.securityMeasures.map((m) => `・${m}`),
        `実施済み又は実施予定の再発防止策：${TO_FILL}`,
      ].join('\n'),
      toFill: true,
    },
    {
      no: 9,
      heading: 'その他参考となる事項',
      text: [
        processors.length === 0 ? '委託先：なし' : `委託先：${processors.join('、')}`,
        a.myNumberReportRequired
          ? '特定個人情報の漏えい等に関する報告（番号法第29条の4）も必要。'
          : '',
        a.deadlines === undefined
          ? ''
          : `速報期限の目安：${a.deadlines.preliminaryDay3.slice(0, 10)}〜${a.deadlines.preliminaryDay5.slice(0, 10)}、確報期限：${a.deadlines.final.slice(0, 10)}（${a.deadlines.finalDays}日）`,
        `カタログ版：${catalogue.version}`,
        `その他：${TO_FILL}`,
      ]
        .filter((l) => l !== '')
        .join('\n'),
      toFill: true,
    },
  ];
}

/**
 * Assesses a breach over the affected records. Records are grouped by the
 * controller of their dataset; each controller is assessed with its own
 * threshold, since each one is obliged to report on its own.
 * @example
 * assessBreach(catalogue, records, { improperPurpose: false,
 *   keyExposed: false, discoveredAt: '2026-11-22T10:00:00+09:00' },
 *   {}, '2026-11-22T01:00:00.000Z')
 */
export function assessBreach(
  catalogue: Catalogue,
  records: readonly AffectedRecord[],
  flags: BreachFlags,
  config: BreachConfig,
  assessedAt: string,
): BreachAssessment {
  const datasets = new Map(catalogue.datasets.map((d) => [d.id, d]));
  const notes: string[] = [];
  const byController = new Map<string, AffectedRecord[]>();
  for (const r of records) {
    const dataset = datasets.get(r.dataset);
    const controllerId = dataset?.controller ?? '';
    if (dataset === undefined) {
      notes.push(`record ${r.recordId}: dataset "${r.dataset}" is not in the catalogue; assessed without a controller`);
    }
    byController.set(controllerId, [...(byController.get(controllerId) ?? []), r]);
  }
  const discovered = new Date(flags.discoveredAt);
  const controllers: ControllerAssessment[] = [];
  for (const [controllerId, list] of byController) {
    const controller: Controller = catalogue.controllers.find((c) => c.id === controllerId) ?? {
      id: controllerId,
      name: { ja: '（カタログにない事業者）', en: '(unknown controller)' },
      address: '',
      representative: '',
      requestContact: '',
      complaintContact: '',
      // Unknown: the stricter public-body threshold errs towards reporting.
      publicBody: true,
      securityMeasures: [],
    };
    const threshold =
      config.subjectThreshold ??
      (controller.publicBody ? DEFAULT_PUBLIC_THRESHOLD : DEFAULT_PRIVATE_THRESHOLD);
    const triggers = appiTriggers(list, flags, controller.publicBody, threshold);
    const mnTriggers = myNumberTriggers(list, flags, config.myNumberThreshold ?? DEFAULT_MY_NUMBER_THRESHOLD);
    const reportRequired = triggers.some((t) => t.fired);
    const myNumberReportRequired = mnTriggers.some((t) => t.fired);
    const notify = new Set<string>();
    for (const t of [...triggers, ...mnTriggers]) {
      if (t.fired) {
        for (const s of exposure(list, relevantTo(t.id), flags.keyExposed).exposed) {
          notify.add(s);
        }
      }
    }
    const anyReport = reportRequired || myNumberReportRequired;
    const improper =
      triggers.some((t) => t.id === 'improper-purpose' && t.fired) ||
      mnTriggers.some((t) => t.id === 'my-number-improper-purpose' && t.fired);
    const datasetList = uniq(list.map((r) => r.dataset))
      .map((id) => datasets.get(id))
      .filter((d) => d !== undefined);
    const base: Omit<ControllerAssessment, 'draft'> = {
      controllerId,
      controllerName: controller.name.ja,
      publicBody: controller.publicBody,
      datasets: uniq(list.map((r) => r.dataset)).sort(),
      records: list.length,
      subjects: new Set(list.map((r) => r.subjectPseudonym)).size,
      unprotectedSubjects: exposure(list, any, flags.keyExposed).exposed.size,
      subjectThreshold: threshold,
      triggers,
      myNumberTriggers: mnTriggers,
      reportRequired,
      myNumberReportRequired,
      noticeRequired: anyReport,
      subjectsToNotify: [...notify].sort(),
      categories: sortKinds(list.flatMap((r) => r.items.flatMap((i) => i.categories))),
      fields: summariseFields(list, datasets),
      ...(anyReport ? { deadlines: breachDeadlines(discovered, improper) } : {}),
    };
    controllers.push({
      ...base,
      draft: draftItems(controller, datasetList, base, flags, catalogue),
    });
  }
  controllers.sort((a, b) => a.controllerId.localeCompare(b.controllerId));
  if (records.some((r) => r.categories.includes('my-number'))) {
    notes.push('whether My Number data sat in a system covered by 規則第2条第1号, or was viewable by an unspecified number of people, is taken from the inputs, not the records');
  }
  return {
    assessedAt,
    policyVersion: catalogue.version,
    flags,
    controllers,
    reportRequired: controllers.some((c) => c.reportRequired || c.myNumberReportRequired),
    noticeRequired: controllers.some((c) => c.noticeRequired),
    subjectsToNotify: uniq(controllers.flatMap((c) => c.subjectsToNotify)).sort(),
    categories: sortKinds(controllers.flatMap((c) => c.categories)),
    records: records.length,
    subjects: new Set(records.map((r) => r.subjectPseudonym)).size,
    notAssessed: [],
    notes,
  };
}

/** Renders the report drafts as a Japanese HTML document (no subject ids). */
export function renderBreachReportHtml(assessment: BreachAssessment): string {
  const e = escapeHtml;
  const sections = assessment.controllers
    .map((c) => {
      const rows = [...c.triggers, ...c.myNumberTriggers]
        .map(
          (t) =>
            `<tr><td>${e(t.labelJa)}</td><td>${t.fired ? '該当' : '非該当'}</td><td>${t.subjects}</td><td>${t.protectedSubjects}</td><td>${e(t.law)}</td></tr>`,
        )
        .join('\n');
      const deadlines =
        c.deadlines === undefined
          ? '<p>報告義務：なし</p>'
          : `<ul>
<li>事態を知った日：${e(c.deadlines.discoveredOn)}</li>
<li>速報（速やかに、概ね3〜5日以内）：${e(c.deadlines.preliminaryDay3)} 〜 ${e(c.deadlines.preliminaryDay5)}</li>
<li>確報（${c.deadlines.finalDays}日以内）：${e(c.deadlines.final)}</li>
</ul>`;
      const items = c.draft
        .map(
          (d) =>
            `<tr><th>${d.no}. ${e(d.heading)}</th><td>${e(d.text).replace(/\n/g, '<br>')}</td></tr>`,
        )
        .join('\n');
      return `<section>
<h2>${e(c.controllerName)}${c.publicBody ? '（行政機関等）' : ''}</h2>
<p>個人情報保護委員会への報告：${c.reportRequired ? '必要' : '不要'}／特定個人情報の報告：${c.myNumberReportRequired ? '必要' : '不要'}／本人への通知：${c.noticeRequired ? `必要（${c.subjectsToNotify.length}人）` : '不要'}</p>
<table><thead><tr><th>報告対象事態</th><th>判定</th><th>本人の数</th><th>暗号化により保護</th><th>根拠</th></tr></thead><tbody>
${rows}
</tbody></table>
${deadlines}
<h3>報告書案（施行規則第8条第1項）</h3>
<table><tbody>
${items}
</tbody></table>
</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>漏えい等報告 判定結果・報告書案</title></head>
<body>
<h1>漏えい等報告 判定結果・報告書案</h1>
<p>判定日時：${e(assessment.assessedAt)}／カタログ版：${e(assessment.policyVersion)}／対象記録 ${assessment.records}件・本人 ${assessment.subjects}人</p>
${sections}
</body></html>
`;
}
