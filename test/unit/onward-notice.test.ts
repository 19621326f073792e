import { describe, expect, it } from 'vitest';
import type { ProvisionEvent } from '#shared/domain/onward-notice.ts';
import { mergeOnward, onwardNoticesOf, owesOnwardNotice, renderOnwardNotice } from '#shared/domain/onward-notice.ts';
import { requestDecidedEvent } from '#shared/domain/request-event.ts';

const SUBJECT = 'pseudo-1';
const provision = (time: string, recipient: string, recordId?: string, extra: Partial<ProvisionEvent> = {}): ProvisionEvent => ({
  action: 'provision',
  outcome: 'ok',
  time,
  subjectPseudonym: SUBJECT,
  ...(recordId === undefined ? {} : { recordId }),
  details: { recipient, records: 2 },
  ...extra,
});
const request = { subjectPseudonym: SUBJECT, completedAt: '2026-12-01T00:00:00.000Z' };
const controller = {
  name: { ja: '茨城県', en: 'Ibaraki' },
  address: '水戸市笠原町978番6',
  requestContact: '県民相談室',
  publicBody: true,
};

describe('onwardNoticesOf', () => {
  it.each([
    ['a provision of the subject before the request ended', provision('2026-10-01T00:00:00Z', 'r1', 'prov-1'), 1],
    ['a refused provision', provision('2026-10-01T00:00:00Z', 'r1', 'prov-1', { outcome: 'refused', action: 'provision-refused' }), 0],
    ['a provision of another subject', provision('2026-10-01T00:00:00Z', 'r1', 'prov-1', { subjectPseudonym: 'other' }), 0],
    ['a provision after the request ended', provision('2026-12-02T00:00:00Z', 'r1', 'prov-1'), 0],
    ['an event without a recipient', provision('2026-10-01T00:00:00Z', 'r1', 'prov-1', { details: { records: 1 } }), 0],
  ])('counts %s', (_what, event, count) => {
    // Act
    const notices = onwardNoticesOf([event], request);
    // Assess
    expect(notices).toHaveLength(count);
  });

  it('drafts one notice per provision, oldest first, with its reference and count', () => {
    // Act
    const notices = onwardNoticesOf(
      [provision('2026-11-01T00:00:00Z', 'r2', 'prov-2'), provision('2026-10-01T00:00:00Z', 'r1', 'prov-1'), provision('2026-10-01T00:00:00Z', 'r1', 'prov-1')],
      request,
    );
    // Assess
    expect(notices).toEqual([
      { recipientId: 'r1', provisionedAt: '2026-10-01T00:00:00Z', provisionRecordId: 'prov-1', records: 2, state: 'drafted' },
      { recipientId: 'r2', provisionedAt: '2026-11-01T00:00:00Z', provisionRecordId: 'prov-2', records: 2, state: 'drafted' },
    ]);
  });

  it('keeps only the recipients a correction may concern', () => {
    // Act
    const notices = onwardNoticesOf([provision('2026-10-01T00:00:00Z', 'r1', 'p1'), provision('2026-10-02T00:00:00Z', 'r2', 'p2')], request, {
      recipients: new Set(['r2']),
    });
    // Assess
    expect(notices.map((n) => n.recipientId)).toEqual(['r2']);
  });

  it('keeps the states of notices drafted before when merged again', () => {
    // Prepare
    const first = onwardNoticesOf([provision('2026-10-01T00:00:00Z', 'r1', 'p1')], request).map((n) => ({ ...n, state: 'sent' as const, sentBy: 'clerk-1' }));
    // Act
    const merged = mergeOnward(first, onwardNoticesOf([provision('2026-10-01T00:00:00Z', 'r1', 'p1'), provision('2026-10-02T00:00:00Z', 'r2', 'p2')], request));
    // Assess
    expect(merged.map((n) => [n.recipientId, n.state])).toEqual([['r1', 'sent'], ['r2', 'drafted']]);
  });

  it.each([
    ['correct', 'completed', true],
    ['erase', 'partially-completed', true],
    ['erase', 'refused', false],
    ['export', 'completed', false],
  ] as const)('owes a notice for a %s request %s: %s', (type, status, owed) => {
    expect(owesOnwardNotice({ type, status })).toBe(owed);
  });
});

describe('renderOnwardNotice', () => {
  const notices = onwardNoticesOf([provision('2026-10-01T00:00:00Z', 'r1', 'prov-77')], request);

  it('writes an A4 letter in Japanese to the recipient, citing Art. 97 for a public body', () => {
    // Act
    const html = renderOnwardNotice({
      request: { type: 'erase', completedAt: request.completedAt },
      recipient: { id: 'r1', name: { ja: '学校法人慶應義塾', en: 'Keio' } },
      controller,
      notices,
      issuedAt: '2026-12-01T00:00:00Z',
    });
    // Assess
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain('@page { size: A4');
    expect(html).toContain('学校法人慶應義塾　御中');
    expect(html).toContain('茨城県');
    expect(html).toContain('prov-77');
    expect(html).toContain('第97条');
    expect(html).toContain('消去');
    expect(html).not.toContain('<script');
  });

  it('names the corrected fields by their labels and cites no article for a business', () => {
    // Act
    const html = renderOnwardNotice({
      request: { type: 'correct', completedAt: request.completedAt },
      recipient: { id: 'r1', name: { ja: '企業', en: 'Firm' } },
      controller: { ...controller, publicBody: false },
      notices,
      fields: [{ ja: 'メールアドレス', en: 'E-mail' }],
      issuedAt: '2026-12-01T00:00:00Z',
    });
    // Assess
    expect(html).toContain('メールアドレス');
    expect(html).toContain('訂正');
    expect(html).not.toContain('第97条');
    expect(html).toContain('2026年12月1日');
  });

  it('escapes a hostile recipient name and field label', () => {
    // Act
    const html = renderOnwardNotice({
      request: { type: 'correct', completedAt: request.completedAt },
      recipient: { id: 'r1', name: { ja: '<script>alert("x")</script>&', en: 'x' } },
      controller: { ...controller, name: { ja: '"><img src=x onerror=1>', en: 'x' } },
      notices,
      fields: [{ ja: '<b>項目</b>', en: 'x' }],
      issuedAt: '2026-12-01T00:00:00Z',
    });
    // Assess
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;');
  });

  it('prints no subject id or pseudonym', () => {
    // Act
    const html = renderOnwardNotice({
      request: { type: 'erase', completedAt: request.completedAt, ...({ subjectPseudonym: SUBJECT, requestId: 'REQ-S-IBK-1001' } as object) },
      recipient: { id: 'r1', name: { ja: '企業', en: 'Firm' } },
      controller,
      notices,
      issuedAt: '2026-12-01T00:00:00Z',
    });
    // Assess
    expect(html).not.toContain(SUBJECT);
    expect(html).not.toContain('S-IBK-1001');
  });
});

describe('requestDecidedEvent', () => {
  it('carries ids, status and the onward recipients once each, and no pseudonym', () => {
    // Act
    const event = requestDecidedEvent({
      requestId: 'r-1',
      type: 'erase',
      status: 'completed',
      controllerId: 'ibaraki-pref',
      completedAt: '2026-12-01T00:00:00Z',
      onward: [{ recipientId: 'a' }, { recipientId: 'b' }, { recipientId: 'a' }],
      ...({ subjectPseudonym: SUBJECT } as object),
    });
    // Assess
    expect(event).toEqual({
      source: 'wasure.requests',
      detailType: 'Subject request decided',
      detail: { requestId: 'r-1', type: 'erase', status: 'completed', controllerId: 'ibaraki-pref', completedAt: '2026-12-01T00:00:00Z', onwardRecipients: ['a', 'b'] },
    });
    expect(JSON.stringify(event)).not.toContain(SUBJECT);
  });
});
