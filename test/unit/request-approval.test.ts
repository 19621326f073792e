import { describe, expect, it } from 'vitest';
import { approvalSettingProblems, decideApproval, needsApproval, notApproved, operatorProblems } from '#shared/domain/request-approval.ts';
import { ValidationError } from '#shared/errors.ts';

const AT = new Date('2026-12-02T01:00:00Z');
const pending = { state: 'pending' as const };

describe('decideApproval', () => {
  it.each([
    ['a second operator approves', 'approve', 'chief-2', undefined, 'approved'],
    ['a second operator rejects with a reason', 'reject', 'chief-2', '根拠不足', 'rejected'],
    ['the filer withdraws with a reason', 'withdraw', 'clerk-1', '本人申出', 'withdrawn'],
  ] as const)('%s', (_name, decision, operator, reason, state) => {
    // Act
    const approval = decideApproval(pending, 'clerk-1', operator, decision, reason, AT);
    // Assess
    expect(approval).toEqual({ state, decidedBy: operator, decidedAt: AT.toISOString() });
  });

  it.each([
    ['the filer approves their own request', pending, 'approve', 'clerk-1', undefined, 'operator', 'cannot approve'],
    ['another operator withdraws it', pending, 'withdraw', 'chief-2', 'x', 'operator', 'only the operator who filed it'],
    ['a rejection without a reason', pending, 'reject', 'chief-2', '  ', 'reason', 'needs a reason'],
    ['a decision on a decided request', { state: 'approved' as const, decidedBy: 'chief-2' }, 'reject', 'chief-3', 'x', 'request', 'already approved by chief-2'],
    ['a decision on a request that needed none', undefined, 'approve', 'chief-2', undefined, 'request', 'needed no approval'],
    ['a name for an operator id', pending, 'approve', '山田 太郎', undefined, 'operator', 'not an operator id'],
  ] as const)('refuses %s, naming the field', (_name, current, decision, operator, reason, path, message) => {
    // Act
    const error = (() => {
      try {
        decideApproval(current, 'clerk-1', operator, decision, reason, AT);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems).toEqual(expect.arrayContaining([expect.objectContaining({ path, message: expect.stringContaining(message) })]));
  });
});

describe('the approval policy', () => {
  it('is read per request type from a controller\'s setting, nothing by default', () => {
    expect(needsApproval({ requires: ['erase', 'correct'] }, 'erase')).toBe(true);
    expect(needsApproval({ requires: ['erase', 'correct'] }, 'export')).toBe(false);
    expect(needsApproval(undefined, 'erase')).toBe(false);
  });

  it('refuses a bad setting naming each path', () => {
    expect(approvalSettingProblems({ requires: ['erase', 'sweeps', 3] }, 'controllers[0].approval').map((p) => p.path)).toEqual([
      'controllers[0].approval.requires[1]',
      'controllers[0].approval.requires[2]',
    ]);
    expect(approvalSettingProblems({ requires: ['erase', 'sweep'] }, 'a')).toEqual([]);
    expect(approvalSettingProblems({ requires: 'erase', extra: 1 }, 'a').map((p) => p.path)).toEqual(['a.extra', 'a.requires']);
    expect(approvalSettingProblems([], 'a')).toHaveLength(1);
    expect(approvalSettingProblems({ requires: [] }, 'a')).toEqual([]);
  });

  it('knows an operator id from a name or markup', () => {
    expect(operatorProblems('chief-2')).toEqual([]);
    expect(operatorProblems('arn:aws:sts::123456789012:assumed-role/Admin/chief@example.jp')).toEqual([]);
    expect(operatorProblems(undefined)).toHaveLength(1);
    expect(operatorProblems('<img src=x>')).toHaveLength(1);
  });

  it('lets a workflow run only what needs no approval or was approved', () => {
    expect(notApproved({ requestId: 'a' })).toBeUndefined();
    expect(notApproved({ requestId: 'a', approval: { state: 'approved' } })).toBeUndefined();
    expect(notApproved({ requestId: 'a', approval: { state: 'pending' } })).toContain('awaits approval');
    expect(notApproved({ requestId: 'a', approval: { state: 'rejected' } })).toContain('was rejected');
  });
});
