import { describe, expect, it } from 'vitest';
import type { SubjectRequest } from '#shared/domain/requests.ts';
import { ValidationError } from '#shared/errors.ts';
import { noticeInputOf, noticeKindOf, renderRequestNotice } from '#shared/use-cases/decision-notice.ts';
import { sampleCatalogue } from '../../fixtures/catalogue.ts';

const base: SubjectRequest = {
  requestId: 'q-1',
  type: 'export',
  subjectPseudonym: 'p',
  requester: { kind: 'subject' },
  verification: { method: 'passport' },
  receivedAt: '2026-12-01T01:00:00.000Z',
  deadline: '2026-12-31T14:59:59.999Z',
  status: 'completed',
  params: {},
  sealed: {},
  reasons: [],
  completedAt: '2026-12-03T01:00:00.000Z',
  controllerId: 'ibaraki-pref',
  version: 3,
};
const as = (over: Partial<SubjectRequest>): SubjectRequest => ({ ...base, ...over });

describe('the notice a decided request gets', () => {
  it.each([
    ['export', 'completed', { withheld: 0 }, 'disclosure'],
    ['export', 'completed', { withheld: 2 }, 'partial-disclosure'],
    ['export', 'partially-completed', {}, 'partial-disclosure'],
    ['export', 'refused', {}, 'non-disclosure'],
    ['export', 'rejected', {}, 'non-disclosure'],
    ['correct', 'completed', {}, 'correction'],
    ['correct', 'rejected', {}, 'non-correction'],
    ['erase', 'completed', {}, 'suspension'],
    ['erase', 'partially-completed', {}, 'suspension'],
    ['erase', 'rejected', {}, 'non-suspension'],
    ['restrict', 'completed', {}, 'suspension'],
    ['stop-provision', 'refused', {}, 'non-suspension'],
  ] as const)('%s %s %j → %s', (type, status, outcome, kind) => {
    expect(noticeKindOf(as({ type, status, outcome }), 'decision')).toBe(kind);
  });

  it.each([
    ['an open request', as({ status: 'received' }), 'not decided yet'],
    ['a withdrawn one', as({ status: 'withdrawn' }), '取下げ'],
    ['a failed one', as({ status: 'failed' }), 'failed'],
    ['a purposes request', as({ type: 'purposes' }), 'without a decision notice'],
  ])('refuses %s, saying why', (_name, request, message) => {
    // Act
    const error = (() => {
      try {
        noticeKindOf(request, 'decision');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems[0]?.message).toContain(message);
  });

  it('prints a rejection\'s reason in the approver\'s words, without the approver\'s id', () => {
    // Prepare
    const rejected = as({
      type: 'correct',
      status: 'rejected',
      reasons: ['rejected by chief-2: 根拠資料なし'],
      timeline: [{ kind: 'rejected', at: '2026-12-03T01:00:00.000Z', by: 'chief-2', reason: '根拠資料なし' }],
    });
    // Act
    const { kind, html } = renderRequestNotice(sampleCatalogue(), rejected);
    // Assess
    expect(kind).toBe('non-correction');
    expect(html).toContain('根拠資料なし');
    expect(html).not.toContain('chief-2');
    expect(html).toContain('教示');
  });

  it('names withheld items by their catalogue label, once each', () => {
    // Prepare
    const partial = as({
      outcome: { withheld: 2, records: 2, withheldItems: [{ recordId: 'a', field: 'email', ground: '法第78条第1項第7号' }, { recordId: 'b', field: 'email', ground: '法第78条第1項第7号' }] },
    });
    // Act
    const input = noticeInputOf(sampleCatalogue(), partial);
    // Assess
    expect(input.kind).toBe('partial-disclosure');
    expect(input.decision.withheld).toEqual([{ label: 'メールアドレス', ground: '法第78条第1項第7号' }]);
  });

  it('needs a controller when the request names none, and gives the extension notice only after an extension', () => {
    expect(() => noticeInputOf(sampleCatalogue(), as({ controllerId: undefined }))).toThrow(ValidationError);
    expect(noticeInputOf(sampleCatalogue(), as({ controllerId: undefined }), { controllerId: 'jlis' }).controller.id).toBe('jlis');
    expect(() => noticeKindOf(as({}), 'extension')).toThrow(ValidationError);
    expect(noticeKindOf(as({ status: 'received', extension: { days: 30, reason: '大量' } }), 'extension')).toBe('extension');
  });
});
