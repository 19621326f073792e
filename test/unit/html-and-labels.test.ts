import { describe, expect, it } from 'vitest';
import { CATEGORY_LABELS } from '#shared/domain/category-labels.ts';
import { escapeHtml } from '#shared/domain/html.ts';
import { rawSampleCatalogue } from '../fixtures/catalogue.ts';

describe('escapeHtml', () => {
  it.each([
    ['&', '&amp;'],
    ['<', '&lt;'],
    ['>', '&gt;'],
    ['"', '&quot;'],
    ["'", '&#39;'],
    ['&lt;', '&amp;lt;'],
    ['<img src="x" onerror=\'a&b\'>', '&lt;img src=&quot;x&quot; onerror=&#39;a&amp;b&#39;&gt;'],
    ['要配慮個人情報', '要配慮個人情報'],
  ])('escapes %j as %j', (text, want) => {
    // Act / Assess
    expect(escapeHtml(text)).toBe(want);
  });
});

describe('CATEGORY_LABELS', () => {
  it('labels in Japanese every category the sample catalogue uses', () => {
    // Prepare
    const datasets = rawSampleCatalogue().datasets as {
      categories: string[];
      fields: Record<string, { category: string }>;
    }[];
    const used = new Set(
      datasets.flatMap((d) => [
        ...d.categories,
        ...Object.values(d.fields).map((f) => f.category),
      ]),
    );
    const labels: Readonly<Record<string, { report: string; register: string }>> =
      CATEGORY_LABELS;

    // Act
    const unlabelled = [...used].filter(
      (c) =>
        !/[\u3040-\u30ff\u4e00-\u9fff]/.test(labels[c]?.report ?? '') ||
        !/[\u3040-\u30ff\u4e00-\u9fff]/.test(labels[c]?.register ?? ''),
    );

    // Assess
    expect(used.size).toBeGreaterThan(0);
    expect(unlabelled).toEqual([]);
  });
});
