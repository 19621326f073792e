import { describe, expect, it } from 'vitest';
import { checkCatalogue } from '#shared/domain/catalogue.ts';
import { controllersDeadline, deadlineRule } from '#shared/domain/request-deadlines.ts';
import { rawSampleCatalogue } from '../fixtures/catalogue.ts';

type Raw = Record<string, any>;

function withSetting(setting: unknown): Raw {
  const c: Raw = rawSampleCatalogue();
  c.controllers[2].requestDeadline = setting;
  return c;
}

describe('catalogue: a controller\'s request deadline setting', () => {
  it.each([
    ['a business with its defaults', { kind: 'business' }],
    ['a public body with its defaults', { kind: 'public-body' }],
    ['a public body shortened by ordinance, moved past closed days', { kind: 'public-body', days: 15, closedDayRule: 'next-working-day', closedDates: [{ from: '12-29', to: '01-03' }, { from: '08-13', to: '08-16' }] }],
    ['a business of 90 days', { kind: 'business', days: 90, closedDayRule: 'none' }],
  ])('accepts %s', (_case, setting) => {
    expect(checkCatalogue(withSetting(setting))).toEqual([]);
  });

  it.each([
    ['not an object', 'thirty days', [['controllers[2].requestDeadline', 'must be an object']]],
    ['no kind', {}, [['controllers[2].requestDeadline.kind', 'must be business or public-body']]],
    ['an unknown kind', { kind: 'ministry' }, [['controllers[2].requestDeadline.kind', 'must be business or public-body']]],
    ['a public body over 30 days', { kind: 'public-body', days: 31 }, [['controllers[2].requestDeadline.days', 'must be a whole number of days from 1 to 30, not 31']]],
    ['a business over 90 days', { kind: 'business', days: 91 }, [['controllers[2].requestDeadline.days', 'must be a whole number of days from 1 to 90, not 91']]],
    ['zero days', { kind: 'business', days: 0 }, [['controllers[2].requestDeadline.days', 'must be a whole number of days from 1 to 90, not 0']]],
    ['days as text', { kind: 'public-body', days: '30' }, [['controllers[2].requestDeadline.days', 'must be a whole number of days from 1 to 30, not "30"']]],
    ['an unknown closed-day rule', { kind: 'public-body', closedDayRule: 'previous-working-day' }, [['controllers[2].requestDeadline.closedDayRule', 'must be next-working-day or none']]],
    ['closed dates not a list', { kind: 'public-body', closedDates: '12-29..01-03' }, [['controllers[2].requestDeadline.closedDates', 'must be an array']]],
    ['a closed range that is not an object', { kind: 'public-body', closedDates: ['12-29'] }, [['controllers[2].requestDeadline.closedDates[0]', 'must be an object with from and to (MM-DD)']]],
    ['a day that does not exist', { kind: 'public-body', closedDates: [{ from: '02-30', to: '03-01' }] }, [['controllers[2].requestDeadline.closedDates[0].from', '"02-30" is not a month-day (MM-DD)']]],
    ['a missing end', { kind: 'public-body', closedDates: [{ from: '12-29' }] }, [['controllers[2].requestDeadline.closedDates[0].to', 'undefined is not a month-day (MM-DD)']]],
    ['an unknown key', { kind: 'public-body', extension: 30 }, [['controllers[2].requestDeadline.extension', 'is not a deadline setting (kind, days, closedDayRule, closedDates)']]],
    [
      'several problems at once',
      { kind: 'public-body', days: 45, closedDayRule: 'sometimes', closedDates: [{ from: '1229', to: '0103' }] },
      [
        ['controllers[2].requestDeadline.days', 'must be a whole number of days from 1 to 30, not 45'],
        ['controllers[2].requestDeadline.closedDayRule', 'must be next-working-day or none'],
        ['controllers[2].requestDeadline.closedDates[0].from', '"1229" is not a month-day (MM-DD)'],
        ['controllers[2].requestDeadline.closedDates[0].to', '"0103" is not a month-day (MM-DD)'],
      ],
    ],
  ])('names every problem of %s by path', (_case, setting, want) => {
    // Act
    const problems = checkCatalogue(withSetting(setting));
    // Assess
    expect(problems.map((p) => [p.path, p.message])).toEqual(want);
  });
});

describe('deadlineRule', () => {
  it.each([
    ['absent: today\'s behaviour', undefined, { kind: 'business', days: 14, closedDayRule: 'none', closedDates: [] }],
    ['a business', { kind: 'business' } as const, { kind: 'business', days: 14, closedDayRule: 'none', closedDates: [] }],
    ['a public body', { kind: 'public-body' } as const, { kind: 'public-body', days: 30, closedDayRule: 'none', closedDates: [] }],
    ['a public body, 20 days, moved', { kind: 'public-body', days: 20, closedDayRule: 'next-working-day' } as const, { kind: 'public-body', days: 20, closedDayRule: 'next-working-day', closedDates: [] }],
  ])('%s', (_case, setting, want) => {
    expect(deadlineRule(setting)).toEqual(want);
  });
});

describe('controllersDeadline', () => {
  const received = new Date('2027-04-01T01:00:00.000Z');
  const publicBody = { kind: 'public-body', closedDayRule: 'next-working-day' } as const;
  it.each([
    ['no controllers: 14 days', [], '2027-04-15T14:59:59.999Z'],
    ['no setting: 14 days', [undefined], '2027-04-15T14:59:59.999Z'],
    ['one public body: 30 days, past Golden Week', [publicBody], '2027-05-06T14:59:59.999Z'],
    ['a public body and a business without a setting: the earlier', [publicBody, undefined], '2027-04-15T14:59:59.999Z'],
    ['two public bodies, one shortened to 20 days', [publicBody, { ...publicBody, days: 20 }], '2027-04-21T14:59:59.999Z'],
  ] as const)('%s', (_case, settings, want) => {
    expect(controllersDeadline(received, settings)).toBe(want);
  });
});
