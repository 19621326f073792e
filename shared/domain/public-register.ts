/**
 * The public register of held personal data (保有個人データに関する事項の
 * 公表): APPI Art. 32, the Tochigi rules Art. 10-4 and Gunma's
 * 個人情報データベース簿. Per controller: name, address, representative,
 * every purpose of use, the request procedures, the security measures and
 * the complaint contact; per business line: kinds of data, retention,
 * recipients, processors and the live count of held records. Rendered in
 * Japanese as Markdown, HTML or CSV (UTF-8 with BOM, so Excel in Japan
 * opens it).
 */
import type {
  Catalogue,
  Controller,
  Dataset,
  RetentionBasis,
} from './catalogue-types.ts';
import { CATEGORY_LABELS } from './category-labels.ts';
import { bilingual, toCsv } from './csv.ts';
import { parseDuration } from './duration.ts';
import { escapeHtml } from './html.ts';
import { jstDate } from './jst.ts';
import type { Problem } from '../errors.ts';

/** How requests (開示等の請求等) are made to a controller. */
export interface RequestProcedure {
  /** Where to send them. */
  readonly where: string;
  /** How the requester's identity is verified. */
  readonly identityVerification: string;
  /** Who may request on the subject's behalf. */
  readonly agents: string;
  /** Fees. */
  readonly fees: string;
}

/**
 * A controller entry that may carry its own request procedure. The
 * catalogue schema (v1) has no such field yet; when it gains one, the
 * register uses it over the statutory defaults.
 */
export type ControllerWithProcedure = Controller & {
  readonly requestProcedure?: Partial<RequestProcedure>;
};

/** One business line (dataset) in the register. */
export interface RegisterDataset {
  /** Dataset id. */
  readonly id: string;
  /** Japanese name. */
  readonly name: string;
  /** Purposes (Japanese labels). */
  readonly purposes: readonly string[];
  /** Kinds of data (Japanese). */
  readonly categories: readonly string[];
  /** Recorded items (Japanese field labels). */
  readonly items: readonly string[];
  /** Contains 要配慮個人情報. */
  readonly sensitive: boolean;
  /** Contains 特定個人情報. */
  readonly myNumber: boolean;
  /** Retention period in Japanese, e.g. 契約終了から5年. */
  readonly retentionPeriod: string;
  /** Retention basis in Japanese. */
  readonly retentionBasis: string;
  /** Legal reference of the retention. */
  readonly retentionLegalRef: string;
  /** Recipients: name, basis and purposes. */
  readonly recipients: readonly string[];
  /** Processors: name and scope. */
  readonly processors: readonly string[];
  /** Live records held. */
  readonly heldRecords: number;
}

/** One controller in the register. */
export interface RegisterController {
  /** Controller id. */
  readonly id: string;
  /** Name. */
  readonly name: string;
  /** Address. */
  readonly address: string;
  /** Representative. */
  readonly representative: string;
  /** Public body. */
  readonly publicBody: boolean;
  /** Every purpose of use of its held data (Japanese labels). */
  readonly purposes: readonly string[];
  /** Request procedures. */
  readonly procedure: RequestProcedure & {
    /** Requests that can be made. */
    readonly kinds: string;
    /** Legal reference of the procedure. */
    readonly legalRef: string;
  };
  /** Security measures. */
  readonly securityMeasures: readonly string[];
  /** Complaint contact. */
  readonly complaintContact: string;
  /** Business lines. */
  readonly datasets: readonly RegisterDataset[];
}

/** The register. */
export interface PublicRegister {
  /** JST date it describes. */
  readonly asOf: string;
  /** Catalogue version. */
  readonly policyVersion: string;
  /** Controllers. */
  readonly controllers: readonly RegisterController[];
}

/** Register output formats. */
export type RegisterFormat = 'md' | 'html' | 'csv';

const BASIS_JA: Readonly<Record<RetentionBasis, string>> = {
  law: '法令',
  contract: '契約',
  consent: '本人の同意',
  necessity: '利用目的の達成に必要な範囲',
};

const EVENT_JA: Readonly<Record<string, string>> = {
  'membership-withdrawn': '退会',
  'case-closed': '案件終了',
  'inquiry-closed': '対応完了',
  'contract-ended': '契約終了',
  'filing-deadline': '法定申告期限の翌日',
};

const PROVISION_BASIS_JA: Readonly<Record<string, string>> = {
  consent: '本人の同意',
  'joint-use': '共同利用',
};

/** An ISO-8601 duration in Japanese: `P5Y` → `5年`, `P1Y6M` → `1年6か月`. */
export function periodJa(period: string): string {
  const d = parseDuration(period);
  if (d === undefined) {
    return period;
  }
  const parts = [
    [d.years, '年'],
    [d.months, 'か月'],
    [d.weeks, '週間'],
    [d.days, '日'],
    [d.hours, '時間'],
    [d.minutes, '分'],
    [d.seconds, '秒'],
  ] as const;
  const text = parts
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join('');
  return text === '' ? '0日' : text;
}

/** A retention trigger in Japanese, as the start of the period. */
export function triggerJa(trigger: string): string {
  if (trigger === 'acquired') {
    return '取得日';
  }
  if (trigger === 'last-activity') {
    return '最終利用日';
  }
  const name = trigger.startsWith('event:') ? trigger.slice(6) : trigger;
  return EVENT_JA[name] ?? `事由「${name}」の発生`;
}

function statutoryProcedure(c: Controller): RegisterController['procedure'] {
  const agentsLaw = c.publicBody
    ? '個人情報保護法第76条第2項'
    : '個人情報保護法第37条第3項';
  return {
    where: c.requestContact,
    identityVerification:
      '請求者が本人（代理人による場合は代理人及びその権限）であることを、運転免許証、マイナンバーカード、パスポート等の本人確認書類の提示又は写しの提出により確認します。',
    agents: `次の代理人による請求ができます（${agentsLaw}）：(1) 未成年者又は成年被後見人の法定代理人 (2) 開示等の請求等をすることにつき本人が委任した代理人`,
    fees: c.publicBody
      ? '開示請求に係る手数料及び写しの交付に要する費用は、法令・条例の定めるところによります（個人情報保護法第89条）。'
      : '利用目的の通知又は開示の請求について手数料を徴収する場合は、実費を勘案して合理的と認められる範囲内で別に定めます（個人情報保護法第38条）。',
    kinds:
      '利用目的の通知、開示（第三者提供記録を含む）、内容の訂正・追加・削除、利用の停止・消去、第三者への提供の停止',
    legalRef: c.publicBody
      ? '個人情報保護法第76条〜第103条'
      : '個人情報保護法第32条〜第39条',
  };
}

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

/**
 * Every required item (APPI Art. 32; Tochigi Art. 10-4) that is missing
 * or empty, with its path. An empty list means the register is complete.
 */
export function missingRegisterItems(register: PublicRegister): Problem[] {
  const problems: Problem[] = [];
  const need = (path: string, value: string | readonly string[]) => {
    const empty = typeof value === 'string' ? value.trim() === '' : value.length === 0 || value.some((v) => v.trim() === '');
    if (empty) {
      problems.push({ path, message: 'is required in the public register and is empty' });
    }
  };
  register.controllers.forEach((c, i) => {
    const p = `controllers[${i}] (${c.id})`;
    need(`${p}.name`, c.name);
    need(`${p}.address`, c.address);
    need(`${p}.representative`, c.representative);
    need(`${p}.purposes`, c.purposes);
    need(`${p}.procedure.where`, c.procedure.where);
    need(`${p}.procedure.identityVerification`, c.procedure.identityVerification);
    need(`${p}.procedure.agents`, c.procedure.agents);
    need(`${p}.procedure.fees`, c.procedure.fees);
    need(`${p}.securityMeasures`, c.securityMeasures);
    need(`${p}.complaintContact`, c.complaintContact);
    c.datasets.forEach((d, j) => {
      const q = `${p}.datasets[${j}] (${d.id})`;
      need(`${q}.items`, d.items);
      need(`${q}.retentionPeriod`, d.retentionPeriod);
      need(`${q}.retentionLegalRef`, d.retentionLegalRef);
    });
  });
  return problems;
}

function escapeMd(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/([|*_`[\]<>#])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

const TITLE = '保有個人データに関する事項の公表（個人情報データベース簿）';

function renderMd(r: PublicRegister): string {
  const m = escapeMd;
  const out: string[] = [
    `# ${TITLE}`,
    '',
    `${r.asOf} 現在（カタログ版 ${m(r.policyVersion)}）。個人情報保護法第32条に基づき公表します。`,
    '',
  ];
  for (const c of r.controllers) {
    out.push(
      `## ${m(c.name)}`,
      '',
      `- 名称：${m(c.name)}`,
      `- 住所：${m(c.address)}`,
      `- 代表者：${m(c.representative)}`,
      '',
      '### 全ての保有個人データの利用目的',
      '',
      ...c.purposes.map((p) => `- ${m(p)}`),
      '',
      '### 開示等の請求等の手続',
      '',
      `- 請求できる事項：${m(c.procedure.kinds)}`,
      `- 請求先：${m(c.procedure.where)}`,
      `- 本人確認の方法：${m(c.procedure.identityVerification)}`,
      `- 代理人による請求：${m(c.procedure.agents)}`,
      `- 手数料：${m(c.procedure.fees)}`,
      `- 根拠：${m(c.procedure.legalRef)}`,
      '',
      '### 安全管理のために講じた措置',
      '',
      ...c.securityMeasures.map((s) => `- ${m(s)}`),
      '',
      '### 苦情の申出先',
      '',
      m(c.complaintContact),
      '',
    );
    for (const d of c.datasets) {
      out.push(
        `### 個人情報データベース等：${m(d.name)}`,
        '',
        '| 事項 | 内容 |',
        '| --- | --- |',
        `| 利用目的 | ${d.purposes.map(m).join('<br>')} |`,
        `| 個人データの種類 | ${d.categories.map(m).join('、')} |`,
        `| 記録項目 | ${d.items.map(m).join('、')} |`,
        `| 要配慮個人情報 | ${d.sensitive ? '含む' : '含まない'} |`,
        `| 特定個人情報 | ${d.myNumber ? '含む' : '含まない'} |`,
        `| 保存期間 | ${m(d.retentionPeriod)} |`,
        `| 保存の根拠 | ${m(d.retentionBasis)}：${m(d.retentionLegalRef)} |`,
        `| 提供先 | ${d.recipients.length === 0 ? 'なし' : d.recipients.map(m).join('<br>')} |`,
        `| 委託先 | ${d.processors.length === 0 ? 'なし' : d.processors.map(m).join('<br>')} |`,
        `| 保有件数 | ${d.heldRecords.toLocaleString('ja-JP')}件 |`,
        '',
      );
    }
  }
  return `${out.join('\n')}\n`;
}

function renderHtml(r: PublicRegister): string {
  const e = escapeHtml;
  const list = (xs: readonly string[]) =>
    xs.length === 0 ? 'なし' : `<ul>${xs.map((x) => `<li>${e(x)}</li>`).join('')}</ul>`;
  const sections = r.controllers
    .map((c) => {
      const datasets = c.datasets
        .map(
          (d) => `<h3>個人情報データベース等：${e(d.name)}</h3>
<table><tbody>
<tr><th>利用目的</th><td>${list(d.purposes)}</td></tr>
<tr><th>個人データの種類</th><td>${e(d.categories.join('、'))}</td></tr>
<tr><th>記録項目</th><td>${e(d.items.join('、'))}</td></tr>
<tr><th>要配慮個人情報</th><td>${d.sensitive ? '含む' : '含まない'}</td></tr>
<tr><th>特定個人情報</th><td>${d.myNumber ? '含む' : '含まない'}</td></tr>
<tr><th>保存期間</th><td>${e(d.retentionPeriod)}</td></tr>
<tr><th>保存の根拠</th><td>${e(d.retentionBasis)}：${e(d.retentionLegalRef)}</td></tr>
<tr><th>提供先</th><td>${list(d.recipients)}</td></tr>
<tr><th>委託先</th><td>${list(d.processors)}</td></tr>
<tr><th>保有件数</th><td>${d.heldRecords.toLocaleString('ja-JP')}件</td></tr>
</tbody></table>`,
        )
        .join('\n');
      return `<section>
<h2>${e(c.name)}</h2>
<dl>
<dt>名称</dt><dd>${e(c.name)}</dd>
<dt>住所</dt><dd>${e(c.address)}</dd>
<dt>代表者</dt><dd>${e(c.representative)}</dd>
</dl>
<h3>全ての保有個人データの利用目的</h3>
${list(c.purposes)}
<h3>開示等の請求等の手続</h3>
<dl>
<dt>請求できる事項</dt><dd>${e(c.procedure.kinds)}</dd>
<dt>請求先</dt><dd>${e(c.procedure.where)}</dd>
<dt>本人確認の方法</dt><dd>${e(c.procedure.identityVerification)}</dd>
<dt>代理人による請求</dt><dd>${e(c.procedure.agents)}</dd>
<dt>手数料</dt><dd>${e(c.procedure.fees)}</dd>
<dt>根拠</dt><dd>${e(c.procedure.legalRef)}</dd>
</dl>
<h3>安全管理のために講じた措置</h3>
${list(c.securityMeasures)}
<h3>苦情の申出先</h3>
<p>${e(c.complaintContact)}</p>
${datasets}
</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="ja"><head><meta charset="utf-8"><title>${e(TITLE)}</title></head>
<body>
<h1>${e(TITLE)}</h1>
<p>${e(r.asOf)} 現在（カタログ版 ${e(r.policyVersion)}）。個人情報保護法第32条に基づき公表します。</p>
${sections}
</body></html>
`;
}

const CSV_HEADER = [
  bilingual('事業者の名称', 'controller'),
  bilingual('住所', 'address'),
  bilingual('代表者', 'representative'),
  bilingual('全ての保有個人データの利用目的', 'purposes of all retained data'),
  bilingual('開示等の請求先', 'where to make requests'),
  bilingual('請求できる事項', 'what may be requested'),
  bilingual('本人確認の方法', 'identity verification'),
  bilingual('代理人による請求', 'requests by agents'),
  bilingual('手数料', 'fees'),
  bilingual('安全管理のために講じた措置', 'security measures'),
  bilingual('苦情の申出先', 'complaints'),
  bilingual('個人情報データベース等の名称', 'dataset'),
  bilingual('利用目的', 'purposes'),
  bilingual('個人データの種類', 'categories of data'),
  bilingual('記録項目', 'items'),
  bilingual('要配慮個人情報', 'sensitive data'),
  bilingual('特定個人情報', 'My Number data'),
  bilingual('保存期間', 'retention period'),
  bilingual('保存の根拠', 'retention basis'),
  bilingual('法令等の根拠', 'legal reference'),
  bilingual('提供先', 'recipients'),
  bilingual('委託先', 'processors'),
  bilingual('保有件数', 'records held'),
  bilingual('基準日', 'as of'),
];

function renderCsv(r: PublicRegister): string {
  const rows: string[][] = [CSV_HEADER];
  for (const c of r.controllers) {
    const head = [
      c.name,
      c.address,
      c.representative,
      c.purposes.join('\n'),
      c.procedure.where,
      c.procedure.kinds,
      c.procedure.identityVerification,
      c.procedure.agents,
      c.procedure.fees,
      c.securityMeasures.join('\n'),
      c.complaintContact,
    ];
    if (c.datasets.length === 0) {
      rows.push([...head, '', '', '', '', '', '', '', '', '', '', '', '', r.asOf]);
    }
    for (const d of c.datasets) {
      rows.push([
        ...head,
        d.name,
        d.purposes.join('\n'),
        d.categories.join('、'),
        d.items.join('、'),
        d.sensitive ? '含む' : '含まない',
        d.myNumber ? '含む' : '含まない',
        d.retentionPeriod,
        d.retentionBasis,
        d.retentionLegalRef,
        d.recipients.join('\n'),
        d.processors.join('\n'),
        String(d.heldRecords),
        r.asOf,
      ]);
    }
  }
  return toCsv(rows);
}

/** Renders the register in one format. */
export function renderRegister(
  register: PublicRegister,
  format: RegisterFormat,
): string {
  switch (format) {
    case 'md':
      return renderMd(register);
    case 'html':
      return renderHtml(register);
    case 'csv':
      return renderCsv(register);
  }
}
