/**
 * The 個人情報ファイル簿 of public bodies (APPI Art. 75; 施行令 Art. 20):
 * one entry per personal information file, here one per dataset of a
 * public-body controller, with the items the Act lists. Items the
 * catalogue cannot state (記録範囲, 収集方法, special procedures under
 * other laws) carry {@link NOT_IN_CATALOGUE} unless the dataset gives
 * them in an optional `fileRegister` entry, so a reader sees what is still
 * to be filled in rather than an invented value.
 */
import type { Catalogue, Controller, Dataset } from '../catalogue-types.ts';
import { ValidationError } from '../../errors.ts';
import { jstDate } from '../jst.ts';
import { periodJa, triggerJa } from './japanese-terms.ts';

/** The file register's title. */
export const FILE_REGISTER_TITLE = '個人情報ファイル簿';

/** Marker of an item the catalogue does not state. */
export const NOT_IN_CATALOGUE = '（カタログに記載なし）';

/** The kind of every file of wasure: records kept in a database. */
export const COMPUTER_FILE = '電算処理ファイル';

/**
 * Items of the file register a dataset may state itself. The catalogue
 * schema (v1) has no such field yet; when it gains one, these are used
 * over the marker.
 */
export interface FileRegisterItems {
  /** 記録範囲: whose information the file records. */
  readonly scope?: string;
  /** 記録情報の収集方法. */
  readonly collection?: string;
  /** 担当部署 (else the controller's request contact). */
  readonly department?: string;
  /** 訂正・利用停止の他法令による特別の手続. */
  readonly specialProcedure?: string;
}

/** A dataset that may carry its own file register items. */
export type DatasetWithFileRegister = Dataset & { readonly fileRegister?: FileRegisterItems };

/** One file's entry (the items of Art. 75(1) and 施行令 Art. 20). */
export interface FileRegisterEntry {
  /** Dataset id. */
  readonly id: string;
  /** Controller id. */
  readonly controllerId: string;
  /** ファイルの名称. */
  readonly fileName: string;
  /** 行政機関等の名称. */
  readonly organisation: string;
  /** 担当部署. */
  readonly department: string;
  /** 利用目的 (Japanese labels). */
  readonly purposes: readonly string[];
  /** 記録項目 (field labels). */
  readonly items: readonly string[];
  /** 記録範囲. */
  readonly scope: string;
  /** 記録情報の収集方法. */
  readonly collection: string;
  /** 要配慮個人情報が含まれるときは、その旨. */
  readonly sensitive: string;
  /** 記録情報の経常的提供先. */
  readonly recipients: readonly string[];
  /** 開示請求等を受理する組織の名称及び所在地. */
  readonly requestOffice: string;
  /** 訂正及び利用停止に関する他の法令の規定による特別の手続等. */
  readonly specialProcedure: string;
  /** ファイルの種別. */
  readonly fileKind: string;
  /** 保存期間 and its legal reference. */
  readonly retention: string;
}

/** The file register. */
export interface FileRegister {
  /** JST date it describes. */
  readonly asOf: string;
  /** Catalogue version. */
  readonly policyVersion: string;
  /** Files, in catalogue order. */
  readonly files: readonly FileRegisterEntry[];
}

const given = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value.trim());

function fileEntry(catalogue: Catalogue, c: Controller, d: DatasetWithFileRegister): FileRegisterEntry {
  const own = d.fileRegister ?? {};
  return {
    id: d.id,
    controllerId: c.id,
    fileName: d.name.ja,
    organisation: c.name.ja,
    department: given(own.department) ?? given(c.requestContact) ?? NOT_IN_CATALOGUE,
    purposes: d.purposes.map((id) => catalogue.purposes.find((p) => p.id === id)?.label.ja ?? id),
    items: Object.entries(d.fields).map(([name, f]) => f.label.ja || name),
    scope: given(own.scope) ?? NOT_IN_CATALOGUE,
    collection: given(own.collection) ?? NOT_IN_CATALOGUE,
    sensitive: d.categories.includes('sensitive') ? '要配慮個人情報が含まれる' : '含まない',
    recipients: d.recipients.map((id) => catalogue.recipients.find((r) => r.id === id)?.name.ja ?? id),
    requestOffice: [c.name.ja, given(c.requestContact), given(c.address)].filter((x) => x !== undefined).join('　'),
    specialProcedure: given(own.specialProcedure) ?? NOT_IN_CATALOGUE,
    fileKind: COMPUTER_FILE,
    retention: `${triggerJa(d.retention.trigger)}から${periodJa(d.retention.period)}（${d.retention.legalRef}）`,
  };
}

/**
 * Builds the file register: one entry per dataset of each public-body
 * controller (of `controllerId` only, when given). A controller that is
 * not in the catalogue, or is a business (its datasets have no file
 * register; it publishes the Art. 32 register instead), is refused with a
 * {@link ValidationError} naming `--controller`.
 * @example buildFileRegister(catalogue, new Date(), 'ibaraki-pref').files[0]?.fileKind === '電算処理ファイル'
 */
export function buildFileRegister(catalogue: Catalogue, asOf: Date, controllerId?: string): FileRegister {
  if (controllerId !== undefined) {
    const named = catalogue.controllers.find((c) => c.id === controllerId);
    if (named === undefined) {
      throw new ValidationError(`controller ${controllerId} is not in the catalogue`, [
        { path: '--controller', message: `"${controllerId}" is none of ${catalogue.controllers.map((c) => c.id).join(', ')}` },
      ]);
    }
    if (!named.publicBody) {
      throw new ValidationError(`controller ${controllerId} is a business, not a public body: it keeps no 個人情報ファイル簿`, [
        {
          path: '--controller',
          message: `"${controllerId}" is not a public body (publicBody: false); the file register (APPI Art. 75) is for 行政機関等 only, a business publishes the public register (wasure register, Art. 32)`,
        },
      ]);
    }
  }
  const controllers = catalogue.controllers.filter((c) => c.publicBody && (controllerId === undefined || c.id === controllerId));
  return {
    asOf: jstDate(asOf),
    policyVersion: catalogue.version,
    files: controllers.flatMap((c) =>
      catalogue.datasets.filter((d) => d.controller === c.id).map((d) => fileEntry(catalogue, c, d)),
    ),
  };
}

/** The Japanese labels of the items, in register order. */
export const FILE_REGISTER_LABELS = [
  '個人情報ファイルの名称',
  '行政機関等の名称',
  '個人情報ファイルが利用に供される事務をつかさどる組織の名称（担当部署）',
  '個人情報ファイルの利用目的',
  '記録項目',
  '記録範囲',
  '記録情報の収集方法',
  '要配慮個人情報',
  '記録情報の経常的提供先',
  '開示請求等を受理する組織の名称及び所在地',
  '訂正及び利用停止に関する他の法令の規定による特別の手続等',
  '個人情報ファイルの種別',
  '保存期間',
] as const;

/** The items of an entry in register order, as Japanese label and text. */
export function fileRegisterItems(f: FileRegisterEntry): [string, string][] {
  const list = (xs: readonly string[]) => (xs.length === 0 ? 'なし' : xs.join('、'));
  const values = [
    f.fileName,
    f.organisation,
    f.department,
    list(f.purposes),
    list(f.items),
    f.scope,
    f.collection,
    f.sensitive,
    list(f.recipients),
    f.requestOffice,
    f.specialProcedure,
    f.fileKind,
    f.retention,
  ];
  return FILE_REGISTER_LABELS.map((label, i) => [label, values[i] ?? '']);
}
