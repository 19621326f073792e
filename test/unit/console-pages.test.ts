import { describe, expect, it } from 'vitest';
import type { ShownRequest } from '#functions/console/actions.ts';
import { daysLeft, requestDetailPage, requestListPage, shownDate } from '#functions/console/pages.ts';
import type { Catalogue } from '#shared/domain/catalogue-types.ts';

const catalogue = {
  controllers: [
    { id: 'pref', publicBody: true },
    { id: 'shop', publicBody: false },
  ],
} as unknown as Catalogue;

const request = (over: Partial<ShownRequest>): ShownRequest =>
  ({
    requestId: 'req-1',
    type: 'erase',
    subjectPseudonym: 'p',
    requester: { kind: 'subject' },
    verification: { method: 'passport' },
    receivedAt: '2026-11-01T00:00:00Z',
    deadline: '2026-11-15T14:59:59Z',
    status: 'received',
    params: {},
    reasons: [],
    version: 1,
    standing: 'open',
    ...over,
  }) as ShownRequest;

describe('console pages', () => {
  it.each([
    ['2026-11-22T00:00:00Z', '2026-11-25T00:00:00Z', 3],
    ['2026-11-22T00:00:00Z', '2026-11-22T10:00:00Z', 1],
    ['2026-11-22T00:00:00Z', '2026-11-20T00:00:00Z', -2],
  ])('counts the days left from %s to %s as %i', (now, deadline, left) => {
    // Act / Assess
    expect(daysLeft(deadline, new Date(now))).toBe(left);
  });

  it('writes a public body\'s dates in 和暦 beside JST, a business\'s in JST only', () => {
    // Act
    const pref = shownDate('2026-12-01T15:30:00Z', catalogue, 'pref', 'ja');
    const shop = shownDate('2026-12-01T15:30:00Z', catalogue, 'shop', 'ja');
    const english = shownDate('2026-12-01T15:30:00Z', catalogue, 'pref', 'en');
    // Assess
    expect(pref).toBe('2026-12-02 00:30:00 JST (令和8年12月2日)');
    expect(shop).toBe('2026-12-02 00:30:00 JST');
    expect(english).toBe('2026-12-02 00:30:00 JST');
  });

  it('marks an overdue open request in red, not a paused one', () => {
    // Act
    const html = requestListPage({ lang: 'ja', operator: 'a' }, [request({ requestId: 'late' }), request({ requestId: 'paused', pausedSince: '2026-11-10T00:00:00Z' })], catalogue, new Date('2026-11-22T00:00:00Z'));
    // Assess
    expect(html).toMatch(/<tr class="overdue"><td><a href="\/requests\/late">/);
    expect(html).not.toMatch(/<tr class="overdue"><td><a href="\/requests\/paused">/);
  });

  it('escapes what operators typed and offers approval only to another operator than the filer', () => {
    // Prepare
    const typed = request({ filedBy: 'clerk-1', approval: { state: 'pending' }, timeline: [{ kind: 'filed', at: '2026-11-01T00:00:00Z', by: 'clerk-1', reason: '<script>alert(1)</script>' }] });
    // Act
    const filer = requestDetailPage({ lang: 'ja', operator: 'clerk-1', csrf: 'c' }, typed, catalogue);
    const other = requestDetailPage({ lang: 'en', operator: 'chief-2', csrf: 'c' }, typed, catalogue);
    // Assess
    expect(filer).not.toContain('<script>alert');
    expect(filer).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(filer).not.toContain('/approve');
    expect(filer).toContain('/withdraw');
    expect(other).toContain('action="/requests/req-1/approve"');
    expect(other).toContain('<label for="approve-reason">');
    expect(other).toContain('<input type="hidden" name="_csrf" value="c">');
  });
});

describe('the console\'s words for a request', () => {
  it('gives a standing and a type in Japanese, and the ids themselves in English', async () => {
    const { standingWords, typeWords } = await import('#functions/console/labels.ts');
    expect(standingWords('awaiting-approval, overdue', 'ja')).toBe('決裁待ち・期限超過');
    expect(standingWords('withdrawn', 'ja')).toBe('取下げ');
    expect(standingWords('awaiting-approval, overdue', 'en')).toBe('awaiting-approval, overdue');
    expect(typeWords('stop-provision', 'ja')).toBe('第三者提供の停止');
    expect(typeWords('erase', 'en')).toBe('erase');
  });
});
