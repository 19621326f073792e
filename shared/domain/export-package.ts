/**
 * The disclosure package (開示): everything held about a subject, in JSON
 * (machine-readable), CSV (UTF-8 with BOM so Excel in Japan opens it) and a
 * Japanese HTML summary with English labels, plus a manifest of SHA-256
 * digests. Fields the catalogue marks non-disclosable are withheld and the
 * ground is stated (APPI Art. 33(2), Art. 36).
 */
import { createHash } from 'node:crypto';
import type { Catalogue, Dataset, Label } from './catalogue-types.ts';
import { findDataset } from './catalogue.ts';
import type { StoredRecord } from './record.ts';
import { bilingual, toCsv } from './csv.ts';
import type { QuarantinedLine } from './quarantine.ts';
import { formatJst } from './retention.ts';
import { escapeHtml } from './html.ts';

/** One record with its fields opened. */
export interface OpenedRecord {
  readonly record: StoredRecord;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly documents: readonly { name: string; contentType: string; body: Uint8Array }[];
}

/** A file of the package. */
export interface PackageFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** A withheld item and why. */
export interface Withheld {
  readonly recordId: string;
  readonly field: string;
  readonly ground: string;
}

/** The built package. */
export interface ExportPackage {
  readonly files: readonly PackageFile[];
  readonly withheld: readonly Withheld[];
  readonly recordCount: number;
  /** The subject's lines held in quarantine, in `quarantine.jsonl`. */
  readonly quarantinedLines: number;
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function label(l: Label | undefined, fallback: string): Label {
  return l ?? { ja: fallback, en: fallback };
}

/** Builds the package for one subject (an empty list means no data is held). */
export function buildExportPackage(
  catalogue: Catalogue,
  input: {
    readonly requestId: string;
    readonly subjectId: string;
    readonly generatedAt: string;
    readonly records: readonly OpenedRecord[];
    /** The subject's lines refused at landing and held in quarantine (`quarantine.jsonl`). */
    readonly quarantined?: readonly QuarantinedLine[];
  },
): ExportPackage {
  const quarantined = input.quarantined ?? [];
  const withheld: Withheld[] = [];
  const purposeLabel = (id: string) =>
    label(catalogue.purposes.find((p) => p.id === id)?.label, id);
  const records = input.records.map(({ record, fields, documents }) => {
    const dataset: Dataset | undefined = findDataset(catalogue, record.dataset);
    const disclosed: Record<string, { label: Label; category: string; value: unknown }> = {};
    for (const [name, value] of Object.entries(fields)) {
      const spec = dataset?.fields[name];
      if (spec?.nonDisclosure !== undefined) {
        withheld.push({ recordId: record.recordId, field: name, ground: spec.nonDisclosure });
        continue;
      }
      disclosed[name] = {
        label: label(spec?.label, name),
        category: record.fieldCategories[name] ?? 'basic',
        value,
      };
    }
    return {
      recordId: record.recordId,
      dataset: record.dataset,
      datasetName: label(dataset?.name, record.dataset),
      controller: dataset?.controller,
      status: record.status,
      purposes: record.purposes.map((id) => ({ id, ...purposeLabel(id) })),
      retention: record.retention,
      categories: record.categories,
      acquiredAt: record.acquiredAt,
      consentRefs: record.consentRefs,
      recipients: dataset?.recipients ?? [],
      fields: disclosed,
      documents: documents.map((d) => ({
        name: d.name,
        contentType: d.contentType,
        file: `documents/${record.recordId}/${d.name}`,
        sha256: createHash('sha256').update(d.body).digest('hex'),
      })),
    };
  });
  const data = {
    requestId: input.requestId,
    subjectId: input.subjectId,
    generatedAt: input.generatedAt,
    policyVersion: catalogue.version,
    dataHeld: records.length + quarantined.length > 0,
    quarantinedLines: quarantined.length,
    notice:
      records.length + quarantined.length === 0
        ? '保有個人データはありません。 No personal data about this subject is held.'
        : undefined,
    records,
    withheld,
  };
  const csvRows = [
    [
      bilingual('レコードID', 'recordId'),
      bilingual('データセット', 'dataset'),
      bilingual('項目', 'field'),
      bilingual('項目名', 'label (ja)'),
      bilingual('項目名（英語）', 'label (en)'),
      bilingual('区分', 'category'),
      bilingual('内容', 'value'),
      bilingual('利用目的', 'purposes'),
      bilingual('保存根拠', 'retention basis'),
      bilingual('法令等の根拠', 'legal reference'),
      bilingual('消去予定（日本時間）', 'due at (JST)'),
    ],
    ...records.flatMap((r) =>
      Object.entries(r.fields).map(([name, f]) => [
        r.recordId,
        r.dataset,
        name,
        f.label.ja,
        f.label.en,
        f.category,
        f.value,
        r.purposes.map((p) => p.id).join(' '),
        r.retention.basis,
        r.retention.legalRef,
        r.retention.dueAt === undefined ? '' : formatJst(r.retention.dueAt),
      ]),
    ),
  ];
  const csv = toCsv(csvRows);
  const html = renderHtml(data.generatedAt, input.requestId, records, withheld, quarantined.length);
  const files: PackageFile[] = [
    { name: 'data.json', bytes: Buffer.from(`${JSON.stringify(data, null, 2)}\n`, 'utf8') },
    { name: 'data.csv', bytes: Buffer.from(csv, 'utf8') },
    { name: 'summary.html', bytes: Buffer.from(html, 'utf8') },
    ...input.records.flatMap(({ record, documents }) =>
      documents.map((d) => ({ name: `documents/${record.recordId}/${d.name}`, bytes: d.body })),
    ),
    // JSON lines only: refused lines are disclosed as they landed, and no
    // CSV of them is written that a spreadsheet could run.
    ...(quarantined.length === 0
      ? []
      : [{ name: 'quarantine.jsonl', bytes: Buffer.from(quarantined.map((q) => `${JSON.stringify(q)}\n`).join(''), 'utf8') }]),
  ];
  return {
    files: withManifest(files, { requestId: input.requestId, generatedAt: input.generatedAt }),
    withheld,
    recordCount: records.length,
    quarantinedLines: quarantined.length,
  };
}

/** Name of the manifest every package ends with. */
export const MANIFEST_FILE = 'manifest.json';

/**
 * The files of a package followed by its manifest: the request id, when
 * it was made and the size and SHA-256 of each file. The manifest is the
 * file a package is delivered by (a presigned URL on AWS).
 *
 * @example
 * const files = withManifest([{ name: 'a.json', bytes }], { requestId: 'q-1', generatedAt });
 */
export function withManifest(
  files: readonly PackageFile[],
  meta: { readonly requestId: string; readonly generatedAt: string },
): PackageFile[] {
  const manifest = {
    requestId: meta.requestId,
    generatedAt: meta.generatedAt,
    algorithm: 'SHA-256',
    files: files.map((f) => ({
      name: f.name,
      bytes: f.bytes.byteLength,
      sha256: createHash('sha256').update(f.bytes).digest('hex'),
    })),
  };
  return [...files, { name: MANIFEST_FILE, bytes: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8') }];
}

function renderHtml(
  generatedAt: string,
  requestId: string,
  records: readonly {
    recordId: string;
    datasetName: Label;
    purposes: readonly (Label & { id: string })[];
    retention: StoredRecord['retention'];
    fields: Record<string, { label: Label; value: unknown }>;
    documents: readonly { name: string }[];
  }[],
  withheld: readonly Withheld[],
  quarantinedLines = 0,
): string {
  const e = escapeHtml;
  const quarantineHtml =
    quarantinedLines === 0
      ? ''
      : `<section><h2>受付時に保留したデータ <small lang="en">Data refused at intake and held in quarantine</small></h2><p>${quarantinedLines} 件（quarantine.jsonl） <small lang="en">${quarantinedLines} line(s), in quarantine.jsonl</small></p></section>`;
  const body =
    records.length === 0 && quarantinedLines > 0
      ? ''
      : records.length === 0
      ? '<p>保有個人データはありません。<br><span lang="en">No personal data about you is held.</span></p>'
      : records
          .map(
            (r) => `<section>
<h2>${e(r.datasetName.ja)} <small lang="en">${e(r.datasetName.en)}</small> — ${e(r.recordId)}</h2>
<p>利用目的 <small lang="en">Purposes</small>: ${r.purposes.map((p) => `${e(p.ja)} <small lang="en">(${e(p.en)})</small>`).join('、')}</p>
<p>保存根拠 <small lang="en">Retention</small>: ${e(r.retention.basis)} — ${e(r.retention.legalRef)} (${e(r.retention.period)}${r.retention.dueAt === undefined ? '' : `, 消去予定 ${e(formatJst(r.retention.dueAt))}`})</p>
<table><thead><tr><th>項目 <small lang="en">Item</small></th><th>内容 <small lang="en">Value</small></th></tr></thead><tbody>
${Object.values(r.fields)
  .map((f) => `<tr><td>${e(f.label.ja)} <small lang="en">${e(f.label.en)}</small></td><td>${e(show(f.value))}</td></tr>`)
  .join('\n')}
</tbody></table>
${r.documents.length === 0 ? '' : `<p>添付文書 <small lang="en">Documents</small>: ${r.documents.map((d) => e(d.name)).join(', ')}</p>`}
</section>`,
          )
          .join('\n');
  const withheldHtml =
    withheld.length === 0
      ? ''
      : `<section><h2>不開示とした項目 <small lang="en">Withheld items</small></h2><ul>${withheld
          .map((w) => `<li>${e(w.recordId)} / ${e(w.field)}: ${e(w.ground)}</li>`)
          .join('')}</ul></section>`;
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>保有個人データの開示 (Disclosure)</title></head>
<body>
<h1>保有個人データの開示 <small lang="en">Disclosure of retained personal data</small></h1>
<p>請求番号 <small lang="en">Request</small>: ${e(requestId)} / 作成日時 <small lang="en">Generated</small>: ${e(formatJst(generatedAt))}</p>
${body}
${quarantineHtml}
${withheldHtml}
</body></html>
`;
}
