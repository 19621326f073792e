/**
 * Builds the public register from the catalogue in force and the live
 * record count of each dataset.
 */
import type { Catalogue, Dataset } from '../catalogue-types.ts';
import { CATEGORY_LABELS } from '../category-labels.ts';
import { jstDate } from '../jst.ts';
import {
  BASIS_JA,
  PROVISION_BASIS_JA,
  periodJa,
  triggerJa,
} from './japanese-terms.ts';
import { statutoryProcedure } from './procedure.ts';
import type {
  ControllerWithProcedure,
  PublicRegister,
  RegisterController,
  RegisterDataset,
} from './types.ts';

function datasetEntry(
  catalogue: Catalogue,
  d: Dataset,
  heldRecords: number,
): RegisterDataset {
  const fieldLabel = (name: string) => d.fields[name]?.label.ja ?? name;
  const exceptionLabel = (id: string) =>
    PROVISION_BASIS_JA[id] ??
    (id === 'law' ? '法令に基づく場合' : undefined) ??
    catalogue.exceptions.find((e) => e.id === id)?.label.ja ??
    id;
  const recipients = d.recipients.map((id) => {
    const r = catalogue.recipients.find((x) => x.id === id);
    if (r === undefined) {
      return id;
    }
    const excluded =
      r.excludedFields.length === 0
        ? ''
        : `（${r.excludedFields.map(fieldLabel).join('、')}は提供しない）`;
    return `${r.name.ja}：${r.bases.map(exceptionLabel).join('・')}により提供。提供先の利用目的：${r.purposes.join('、')}${excluded}`;
  });
  const processors = d.processors.map((id) => {
    const p = catalogue.processors.find((x) => x.id === id);
    return p === undefined ? id : `${p.name}（${p.scope}）`;
  });
  return {
    id: d.id,
    name: d.name.ja,
    purposes: d.purposes.map(
      (id) => catalogue.purposes.find((p) => p.id === id)?.label.ja ?? id,
    ),
    categories: d.categories.map((c) => CATEGORY_LABELS[c].register),
    items: Object.keys(d.fields).map(fieldLabel),
    sensitive: d.categories.includes('sensitive'),
    myNumber: d.categories.includes('my-number'),
    retentionPeriod: `${triggerJa(d.retention.trigger)}から${periodJa(d.retention.period)}`,
    retentionBasis: BASIS_JA[d.retention.basis],
    retentionLegalRef: d.retention.legalRef,
    recipients,
    processors,
    heldRecords,
  };
}

/**
 * Builds the register from the catalogue and the live record count of
 * each dataset (a dataset missing from `counts` shows 0).
 */
export function buildRegister(
  catalogue: Catalogue,
  counts: Readonly<Record<string, number>>,
  asOf: Date,
): PublicRegister {
  const controllers = catalogue.controllers.map(
    (c: ControllerWithProcedure): RegisterController => {
      const datasets = catalogue.datasets
        .filter((d) => d.controller === c.id)
        .map((d) => datasetEntry(catalogue, d, counts[d.id] ?? 0));
      const own = c.requestProcedure ?? {};
      const statutory = statutoryProcedure(c);
      return {
        id: c.id,
        name: c.name.ja,
        address: c.address,
        representative: c.representative,
        publicBody: c.publicBody,
        purposes: [...new Set(datasets.flatMap((d) => d.purposes))],
        procedure: {
          ...statutory,
          ...Object.fromEntries(
            Object.entries(own).filter(([, v]) => typeof v === 'string' && v !== ''),
          ),
        },
        securityMeasures: c.securityMeasures,
        complaintContact: c.complaintContact,
        datasets,
      };
    },
  );
  return {
    asOf: jstDate(asOf),
    policyVersion: catalogue.version,
    controllers,
  };
}
