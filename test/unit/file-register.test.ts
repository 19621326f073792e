import { describe, expect, it } from 'vitest';
import type { Catalogue } from '#shared/domain/catalogue-types.ts';
import {
  buildFileRegister,
  COMPUTER_FILE,
  type DatasetWithFileRegister,
  FILE_REGISTER_LABELS,
  NOT_IN_CATALOGUE,
} from '#shared/domain/public-register/file-register.ts';
import { renderFileRegister } from '#shared/domain/public-register/file-register-render.ts';
import { ValidationError } from '#shared/errors.ts';
import { sampleCatalogue } from '../fixtures/catalogue.ts';

const catalogue = sampleCatalogue();
const AS_OF = new Date('2026-11-30T16:00:00Z');
const publicBodies = catalogue.controllers.filter((c) => c.publicBody).map((c) => c.id);

describe('file register (個人情報ファイル簿, APPI Art. 75)', () => {
  const register = buildFileRegister(catalogue, AS_OF);

  it('has one file per dataset of a public-body controller, and none of a business', () => {
    // Assess
    expect(register.files.map((f) => f.id)).toEqual(catalogue.datasets.filter((d) => publicBodies.includes(d.controller)).map((d) => d.id));
    expect(register.files.length).toBeGreaterThan(0);
    expect(register.asOf).toBe('2026-12-01');
  });

  it('states every item from the catalogue, and marks what the catalogue cannot say', () => {
    // Prepare
    const d = catalogue.datasets.find((x) => x.id === 'saitama-covid-line');
    const c = catalogue.controllers.find((x) => x.id === 'saitama-pref');
    // Act
    const f = register.files.find((x) => x.id === 'saitama-covid-line');
    // Assess
    expect(d && c && f).toBeTruthy();
    if (!d || !c || !f) return;
    expect(f).toMatchObject({
      fileName: d.name.ja,
      organisation: c.name.ja,
      department: c.requestContact,
      sensitive: '要配慮個人情報が含まれる',
      scope: NOT_IN_CATALOGUE,
      collection: NOT_IN_CATALOGUE,
      specialProcedure: NOT_IN_CATALOGUE,
      fileKind: COMPUTER_FILE,
    });
    expect(f.items).toEqual(Object.values(d.fields).map((x) => x.label.ja));
    expect(f.purposes).toEqual(d.purposes.map((p) => catalogue.purposes.find((x) => x.id === p)?.label.ja));
    expect(f.recipients).toEqual(d.recipients.map((id) => catalogue.recipients.find((x) => x.id === id)?.name.ja));
    expect(f.requestOffice).toContain(c.requestContact);
    expect(f.retention).toContain(d.retention.legalRef);
    expect(f.retention).toContain('1年');
  });

  it.each<[string, string | undefined, number | 'business' | 'unknown']>([
    ['every public body', undefined, -1],
    ['one public body', 'ibaraki-pref', 1],
    ['a business', 'gunma-yorozu', 'business'],
    ['a controller not in the catalogue', 'nobody', 'unknown'],
  ])('for %s', (_what, controller, expected) => {
    // Act
    const act = () => buildFileRegister(catalogue, AS_OF, controller);
    // Assess
    if (expected === 'business') {
      expect(act).toThrow(ValidationError);
      expect(act).toThrow(/is a business, not a public body/);
    } else if (expected === 'unknown') {
      expect(act).toThrow(/is not in the catalogue/);
    } else if (expected === -1) {
      expect(new Set(act().files.map((f) => f.controllerId))).toEqual(new Set(publicBodies.filter((id) => catalogue.datasets.some((d) => d.controller === id))));
    } else {
      expect(act().files.map((f) => f.controllerId)).toEqual(Array(expected).fill(controller));
    }
  });

  it('uses a dataset\'s own file register items over the marker', () => {
    // Prepare
    const datasets = catalogue.datasets.map((d): DatasetWithFileRegister =>
      d.id === 'jlis-inquiries' ? { ...d, fileRegister: { scope: '問合せをした者', collection: '本人から電子メールで', specialProcedure: ' ' } } : d,
    );
    // Act
    const f = buildFileRegister({ ...catalogue, datasets } as Catalogue, AS_OF, 'jlis').files[0];
    // Assess
    expect(f).toMatchObject({ scope: '問合せをした者', collection: '本人から電子メールで', specialProcedure: NOT_IN_CATALOGUE });
  });

  it.each(['md', 'html', 'csv'] as const)('renders every item label and value in %s', (format) => {
    // Act
    const text = renderFileRegister(register, format);
    // Assess
    for (const label of FILE_REGISTER_LABELS) expect(text).toContain(label);
    for (const f of register.files) {
      expect(text).toContain(f.organisation);
      expect(text).toContain(COMPUTER_FILE);
    }
    expect(text).toContain(NOT_IN_CATALOGUE);
  });

  it('escapes catalogue text in HTML and neutralises formulas in CSV', () => {
    // Prepare
    const hostile = {
      ...catalogue,
      datasets: catalogue.datasets.map((d) => (d.id === 'jlis-inquiries' ? { ...d, name: { ja: '=HYPERLINK("x")<b>', en: 'x' } } : d)),
    };
    const r = buildFileRegister(hostile, AS_OF, 'jlis');
    // Act
    const html = renderFileRegister(r, 'html');
    const csv = renderFileRegister(r, 'csv');
    const md = renderFileRegister(r, 'md');
    // Assess
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;b&gt;');
    expect(csv).toContain(`"'=HYPERLINK(""x"")<b>"`);
    expect(md).toContain('\\<b\\>');
  });

  it('says so when no file is listed', () => {
    // Act
    const r = buildFileRegister({ ...catalogue, controllers: catalogue.controllers.filter((c) => !c.publicBody) }, AS_OF);
    // Assess
    expect(r.files).toEqual([]);
    expect(renderFileRegister(r, 'md')).toContain('該当する個人情報ファイルはありません');
  });
});
