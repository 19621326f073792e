import { describe, expect, it } from 'vitest';
import { ValidationError } from '#shared/errors.ts';
import {
  type ClosedDateRange,
  type DeadlineState,
  extendDeadline,
  isClosedDay,
  isMonthDay,
  type RequestDeadlineRule,
  statutoryDeadline,
} from '#shared/domain/request-deadlines.ts';
import { requestDeadline } from '#shared/domain/requests.ts';

const YEAR_END: readonly ClosedDateRange[] = [{ from: '12-29', to: '01-03' }];

function rule(
  kind: RequestDeadlineRule['kind'],
  days: number,
  closedDayRule: RequestDeadlineRule['closedDayRule'] = 'none',
  closedDates: readonly ClosedDateRange[] = [],
): RequestDeadlineRule {
  return { kind, days, closedDayRule, closedDates };
}

describe('statutory request deadlines', () => {
  it.each([
    // business default: received Sun 1 Mar 2026 10:00 JST → Sun 15 Mar
    ['business 14, ends on a Sunday, no move', '2026-03-01T01:00:00.000Z', rule('business', 14), '2026-03-15T14:59:59.999Z'],
    ['business 14, ends on a Sunday, moved to Monday', '2026-03-01T01:00:00.000Z', rule('business', 14, 'next-working-day'), '2026-03-16T14:59:59.999Z'],
    ['business 14, JST date after midnight counts', '2026-01-31T15:30:00.000Z', rule('business', 14), '2026-02-15T14:59:59.999Z'],
    ['public body 30 from 31 Jan, non-leap year', '2027-01-31T01:00:00.000Z', rule('public-body', 30), '2027-03-02T14:59:59.999Z'],
    ['public body 30 from 31 Jan, leap year', '2028-01-31T01:00:00.000Z', rule('public-body', 30), '2028-03-01T14:59:59.999Z'],
    ['public body 30 from 31 Jan, non-leap, working day', '2027-01-31T01:00:00.000Z', rule('public-body', 30, 'next-working-day'), '2027-03-02T14:59:59.999Z'],
    ['29 days from 31 Jan ends on the leap day', '2028-01-31T01:00:00.000Z', rule('public-body', 29, 'next-working-day'), '2028-02-29T14:59:59.999Z'],
    ['public body 30 ends Sat 1 May 2027, no move', '2027-04-01T01:00:00.000Z', rule('public-body', 30), '2027-05-01T14:59:59.999Z'],
    ['public body 30 ends Sat 1 May 2027, past Golden Week', '2027-04-01T01:00:00.000Z', rule('public-body', 30, 'next-working-day'), '2027-05-06T14:59:59.999Z'],
    ['public body 30 ends on 憲法記念日 2027', '2027-04-03T01:00:00.000Z', rule('public-body', 30, 'next-working-day'), '2027-05-06T14:59:59.999Z'],
    ['public body 30 ends on a 振替休日 (6 May 2026)', '2026-04-06T01:00:00.000Z', rule('public-body', 30, 'next-working-day'), '2026-05-07T14:59:59.999Z'],
    ['ordinance shortens to 14, ends on 昭和の日 2027', '2027-04-15T01:00:00.000Z', rule('public-body', 14, 'next-working-day'), '2027-04-30T14:59:59.999Z'],
    ['ends 30 Dec 2026 in the year-end closure', '2026-11-30T01:00:00.000Z', rule('public-body', 30, 'next-working-day', YEAR_END), '2027-01-04T14:59:59.999Z'],
    ['ends 30 Dec 2026, no closure declared', '2026-11-30T01:00:00.000Z', rule('public-body', 30, 'next-working-day'), '2026-12-30T14:59:59.999Z'],
    ['closure declared but no move', '2026-11-30T01:00:00.000Z', rule('public-body', 30, 'none', YEAR_END), '2026-12-30T14:59:59.999Z'],
  ])('%s', (_case, received, r, want) => {
    // Prepare
    const at = new Date(received);
    // Act
    const got = statutoryDeadline(at, r);
    // Assess
    expect(got).toBe(want);
  });

  it('defaults to a business, 14 days, no move: the same as requestDeadline', () => {
    // Prepare
    const at = new Date('2026-03-01T01:00:00.000Z');
    // Act
    const got = statutoryDeadline(at);
    // Assess
    expect(got).toBe('2026-03-15T14:59:59.999Z');
    expect(requestDeadline(at)).toBe('2026-03-15T14:59:59.999Z');
  });
});

describe('closed days', () => {
  it.each([
    ['2026-03-14', [], true], // Saturday
    ['2026-03-16', [], false], // Monday
    ['2026-05-06', [], true], // 振替休日
    ['2027-05-04', [], true], // みどりの日
    ['2026-12-30', [], false],
    ['2026-12-30', YEAR_END, true],
    ['2027-01-04', YEAR_END, false],
    ['2026-08-14', [{ from: '08-13', to: '08-16' }], true],
    ['2026-08-17', [{ from: '08-13', to: '08-16' }], false],
  ] as const)('%s with %j closed: %s', (date, closed, want) => {
    expect(isClosedDay(date, closed)).toBe(want);
  });

  it.each([
    ['12-29', true],
    ['02-29', true],
    ['02-30', false],
    ['04-31', false],
    ['13-01', false],
    ['1-3', false],
  ])('month-day %s is valid: %s', (value, want) => {
    expect(isMonthDay(value)).toBe(want);
  });
});

describe('extendDeadline (Art. 83(2))', () => {
  it.each([
    ['30 days from a deadline already moved past Golden Week, ends Sat 5 Jun', { deadline: '2027-05-06T14:59:59.999Z' }, rule('public-body', 30, 'next-working-day'), 30, '2027-06-07T14:59:59.999Z'],
    ['14 days, no move', { deadline: '2027-05-06T14:59:59.999Z' }, rule('public-body', 30), 14, '2027-05-20T14:59:59.999Z'],
    ['14 days into the year-end closure', { deadline: '2026-12-15T14:59:59.999Z' }, rule('public-body', 30, 'next-working-day', YEAR_END), 14, '2027-01-04T14:59:59.999Z'],
    ['1 day', { deadline: '2026-03-16T14:59:59.999Z' }, rule('public-body', 30, 'next-working-day'), 1, '2026-03-17T14:59:59.999Z'],
  ] as const)('%s', (_case, current, r, days, want) => {
    // Act
    const got = extendDeadline(current, r, days, 'many records to review');
    // Assess
    expect(got).toEqual({ deadline: want, extension: { days, reason: 'many records to review' } });
  });

  const once: DeadlineState = {
    deadline: '2027-06-07T14:59:59.999Z',
    extension: { days: 30, reason: 'many records to review' },
  };
  it.each([
    ['a second extension', once, 10, 'again', ['extension']],
    ['0 days', { deadline: '2027-05-06T14:59:59.999Z' }, 0, 'why', ['days']],
    ['31 days', { deadline: '2027-05-06T14:59:59.999Z' }, 31, 'why', ['days']],
    ['a fraction of a day', { deadline: '2027-05-06T14:59:59.999Z' }, 1.5, 'why', ['days']],
    ['a blank reason', { deadline: '2027-05-06T14:59:59.999Z' }, 10, ' \t', ['reason']],
    ['everything at once', once, 40, '', ['extension', 'days', 'reason']],
  ] as const)('refuses %s, naming the field', (_case, current, days, reason, paths) => {
    // Act
    let error: unknown;
    try {
      extendDeadline(current, rule('public-body', 30), days, reason);
    } catch (e) {
      error = e;
    }
    // Assess
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.path)).toEqual(paths);
  });
});
