/**
 * Breach assessment (漏えい等報告): which reporting triggers fire, whether
 * the encryption safe harbour applies, who must be notified, the report
 * deadlines, and a Japanese draft of the report, per controller.
 */
import type { Catalogue, Controller } from '../catalogue-types.ts';
import { appiTriggers } from './appi-triggers.ts';
import { breachDeadlines } from './deadlines.ts';
import { anyItem, exposure, relevantTo } from './exposure.ts';
import { sortKinds, summariseFields } from './field-summary.ts';
import { myNumberTriggers } from './my-number-triggers.ts';
import { draftItems } from './report-draft.ts';
import type {
  AffectedRecord,
  BreachAssessment,
  BreachConfig,
  BreachFlags,
  ControllerAssessment,
} from './types.ts';

const DEFAULT_PRIVATE_THRESHOLD = 1000;
const DEFAULT_PUBLIC_THRESHOLD = 100;
const DEFAULT_MY_NUMBER_THRESHOLD = 100;

function uniq<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
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
      unprotectedSubjects: exposure(list, anyItem, flags.keyExposed).exposed.size,
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
