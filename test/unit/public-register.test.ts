import { describe, expect, it } from 'vitest';
import type { Catalogue } from '#shared/domain/catalogue-types.ts';
import { buildRegister } from '#shared/domain/public-register/build.ts';
import { periodJa, triggerJa } from '#shared/domain/public-register/japanese-terms.ts';
import { missingRegisterItems } from '#shared/domain/public-register/missing-items.ts';
import { renderRegister } from '#shared/domain/public-register/render.ts';
import type { RecordStore } from '#shared/ports/index.ts';
import { renderPublicRegister } from '#shared/use-cases/render-register.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const catalogue = sampleCatalogue();
const AS_OF = new Date('2026-11-30T16:00:00Z');
const counts = { 'ibaraki-job-seekers': 1234, 'tochigi-payroll': 7 };

describe('public register items (APPI Art. 32, Tochigi Art. 10-4)', () => {
  const register = buildRegister(catalogue, counts, AS_OF);

  it('has every required item for every controller of the sample catalogue', () => {
    // Assess
    expect(missingRegisterItems(register)).toEqual([]);
    expect(register.controllers.map((c) => c.id)).toEqual(catalogue.controllers.map((c) => c.id));
    expect(register.asOf).toBe('2026-12-01');
  });

  it.each(['md', 'html', 'csv'] as const)('renders every required item of every controller in %s', (format) => {
    // Act
    const text = renderRegister(register, format);
    // Assess
    for (const c of catalogue.controllers) {
      const datasets = catalogue.datasets.filter((d) => d.controller === c.id);
      const must = [
        c.name.ja,
        c.address,
        c.representative,
        c.requestContact,
        c.complaintContact,
        ...c.securityMeasures,
        ...datasets.flatMap((d) => d.purposes.map((p) => catalogue.purposes.find((x) => x.id === p)?.label.ja as string)),
        ...datasets.flatMap((d) => [d.name.ja, ...Object.values(d.fields).map((f) => f.label.ja)]),
        '本人確認',
        '未成年者又は成年被後見人の法定代理人',
        '本人が委任した代理人',
        '手数料',
      ];
      for (const item of must) {
        const shown = format === 'md' ? item.replace(/([|*_`[\]<>#\\])/g, '\\$1') : format === 'html' ? item.replace(/&/g, '&amp;').replace(/</g, '&lt;') : item;
        expect(text, `${format}: ${c.id}: ${item}`).toContain(shown);
      }
    }
  });

  it('describes each business line: kinds of data, retention in Japanese, recipients, processors, counts', () => {
    // Act
    const payroll = register.controllers.find((c) => c.id === 'tochigi-shakyo')?.datasets.find((d) => d.id === 'tochigi-payroll');
    const saitama = register.controllers.find((c) => c.id === 'saitama-pref')?.datasets[0];
    const md = renderRegister(register, 'md');
    // Assess
    expect(payroll).toMatchObject({
      myNumber: true,
      sensitive: false,
      retentionPeriod: '法定申告期限の翌日から7年',
      retentionBasis: '法令',
      heldRecords: 7,
    });
    expect(payroll?.categories).toContain('特定個人情報（個人番号）');
    expect(payroll?.recipients[0]).toContain('所轄税務署長');
    expect(saitama?.retentionPeriod).toBe('最終利用日から1年');
    expect(saitama?.sensitive).toBe(true);
    expect(saitama?.processors.join()).toContain('LINEヤフー株式会社');
    expect(saitama?.recipients.join()).toContain('店舗等への来訪履歴は提供しない');
    expect(md).toContain('1,234件');
    expect(md).toContain('| 保有件数 | 0件 |');
  });

  it('uses the statutory agents rule of public bodies and of businesses', () => {
    // Assess
    const byId = Object.fromEntries(register.controllers.map((c) => [c.id, c]));
    expect(byId.jlis?.procedure.agents).toContain('第76条第2項');
    expect(byId['tochigi-shakyo']?.procedure.agents).toContain('第37条第3項');
  });

  it('prefers a controller’s own procedure when the catalogue gives one', () => {
    // Prepare
    const custom = structuredClone(catalogue) as Catalogue & { controllers: Record<string, unknown>[] };
    (custom.controllers[1] as Record<string, unknown>).requestProcedure = { fees: '別に定める額の手数料をいただきます' };
    // Act
    const gunma = buildRegister(custom, {}, AS_OF).controllers[1];
    // Assess
    expect(gunma?.procedure.fees).toBe('別に定める額の手数料をいただきます');
    expect(gunma?.procedure.agents).toContain('法定代理人');
  });

  it('names every missing required item', () => {
    // Prepare
    const broken = structuredClone(catalogue) as unknown as { controllers: { address: string; securityMeasures: string[] }[] };
    (broken.controllers[0] as { address: string }).address = ' ';
    (broken.controllers[2] as { securityMeasures: string[] }).securityMeasures = [];
    // Act
    const problems = missingRegisterItems(buildRegister(broken as unknown as Catalogue, {}, AS_OF));
    // Assess
    expect(problems.map((p) => p.path)).toEqual(['controllers[0] (ibaraki-pref).address', 'controllers[2] (jlis).securityMeasures']);
  });
});

describe('register formats', () => {
  const hostile = structuredClone(catalogue) as unknown as { controllers: { name: { ja: string }; address: string }[] };
  (hostile.controllers[0] as { name: { ja: string } }).name.ja = '<script>alert("x")</script> & 株式会社';
  (hostile.controllers[0] as { address: string }).address = '=HYPERLINK("x"),東京都';
  const register = buildRegister(hostile as unknown as Catalogue, counts, AS_OF);

  it('escapes HTML and declares Japanese and UTF-8', () => {
    // Act
    const html = renderRegister(register, 'html');
    // Assess
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 株式会社');
  });

  it('writes CSV with a BOM, one row per business line, quoted cells and no formulas', () => {
    // Act
    const csv = renderRegister(register, 'csv');
    // Assess
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv.startsWith('\uFEFF事業者の名称 / controller,住所 / address,代表者 / representative,')).toBe(true);
    expect(csv).toContain('"\'=HYPERLINK(""x""),東京都"');
    const records = csv.slice(1).split(/\r\n(?=(?:[^"]*"[^"]*")*[^"]*$)/).filter((l) => l !== '');
    expect(records).toHaveLength(1 + catalogue.datasets.length);
  });

  it('escapes Markdown table and heading characters', () => {
    // Act
    const md = renderRegister(register, 'md');
    // Assess
    expect(md).toContain('## \\<script\\>alert("x")\\</script\\> & 株式会社');
  });
});

describe('Japanese periods and triggers', () => {
  it.each([
    ['P5Y', '5年'],
    ['P30D', '30日'],
    ['P1Y6M', '1年6か月'],
    ['P2W', '2週間'],
    ['PT12H', '12時間'],
    ['5 years', '5 years'],
  ])('%s → %s', (period, want) => {
    expect(periodJa(period)).toBe(want);
  });

  it.each([
    ['acquired', '取得日'],
    ['last-activity', '最終利用日'],
    ['event:contract-ended', '契約終了'],
    ['event:moved-away', '事由「moved-away」の発生'],
  ])('%s → %s', (trigger, want) => {
    expect(triggerJa(trigger)).toBe(want);
  });
});

describe('register use case', () => {
  it('counts held records per dataset through the dataset index', async () => {
    // Prepare
    const asked: string[] = [];
    const records = {
      countByDataset: async (d: string) => {
        asked.push(d);
        return d === 'saitama-covid-line' ? 42 : 0;
      },
    } as unknown as RecordStore;
    // Act
    const result = await renderPublicRegister({ records, catalogue, clock: { now: () => AS_OF } }, { format: 'md' });
    // Assess
    expect(asked.sort()).toEqual(catalogue.datasets.map((d) => d.id).sort());
    expect(result.missing).toEqual([]);
    expect(result.register.controllers.find((c) => c.id === 'saitama-pref')?.datasets[0]?.heldRecords).toBe(42);
    expect(result.text).toContain('| 保有件数 | 42件 |');
  });
});
