import { describe, expect, it } from 'vitest';
import type { RetentionRule } from '#shared/domain/catalogue-types.ts';
import { addDuration, isDuration, parseDuration } from '#shared/domain/duration.ts';
import {
  computeDueAt,
  dueIndexAttributes,
  formatJst,
  isDue,
  ttlEpochSeconds,
} from '#shared/domain/retention.ts';
import { DUE_SHARDS } from '#shared/domain/store-definitions.ts';

const rule = (period: string, trigger: string): RetentionRule => ({
  basis: 'law',
  legalRef: 'test',
  period,
  trigger,
});

describe('ISO-8601 durations', () => {
  it.each(['P5Y', 'P3M', 'P30D', 'P2W', 'PT12H', 'P1Y6M', 'P1DT2H30M', 'PT0S'])(
    'accepts %s',
    (d) => expect(isDuration(d)).toBe(true),
  );
  it.each(['', 'P', '5 years', 'P1.5Y', 'PT', 'P-1D', 'p5y', 'P5Y '])(
    'rejects %j',
    (d) => expect(isDuration(d)).toBe(false),
  );

  it.each([
    ['2024-01-31T00:00:00Z', 'P1M', '2024-02-29T00:00:00.000Z'],
    ['2023-01-31T00:00:00Z', 'P1M', '2023-02-28T00:00:00.000Z'],
    ['2024-02-29T12:00:00Z', 'P1Y', '2025-02-28T12:00:00.000Z'],
    ['2020-03-31T08:00:00Z', 'P5Y', '2025-03-31T08:00:00.000Z'],
    ['2026-12-31T23:00:00Z', 'P1D', '2027-01-01T23:00:00.000Z'],
    ['2026-11-30T15:00:00Z', 'P3M', '2027-02-28T15:00:00.000Z'],
    ['2026-01-01T00:00:00Z', 'PT36H', '2026-01-02T12:00:00.000Z'],
  ])('%s + %s = %s (calendar months clamp to month end)', (start, d, want) => {
    const parsed = parseDuration(d);
    expect(parsed).toBeDefined();
    expect(addDuration(new Date(start), parsed!).toISOString()).toBe(want);
  });
});

describe('retention due time per trigger', () => {
  const facts = {
    acquiredAt: '2020-04-01T00:00:00.000Z',
    lastActivityAt: '2022-06-15T03:00:00.000Z',
    events: { 'contract-ended': '2023-03-31T08:00:00.000Z' },
  };

  it.each([
    ['acquired', 'P5Y', '2025-04-01T00:00:00.000Z'],
    ['last-activity', 'P1Y', '2023-06-15T03:00:00.000Z'],
    ['event:contract-ended', 'P5Y', '2028-03-31T08:00:00.000Z'],
    ['event:case-closed', 'P5Y', undefined],
  ])('trigger %s with %s → %s', (trigger, period, want) => {
    expect(computeDueAt(rule(period, trigger), facts)).toBe(want);
  });

  it('falls back to acquisition for last-activity when no activity is known', () => {
    expect(
      computeDueAt(rule('P1Y', 'last-activity'), {
        acquiredAt: '2020-04-01T00:00:00.000Z',
        events: {},
      }),
    ).toBe('2021-04-01T00:00:00.000Z');
  });

  it('treats a time given in JST as the same instant in UTC', () => {
    // 2026-04-01 00:30 JST is 2026-03-31 15:30 UTC.
    expect(
      computeDueAt(rule('P1D', 'acquired'), {
        acquiredAt: new Date('2026-04-01T00:30:00+09:00').toISOString(),
        events: {},
      }),
    ).toBe('2026-04-01T15:30:00.000Z');
  });

  it('is due exactly at the due time, not a millisecond before', () => {
    const due = '2026-11-22T00:00:00.000Z';
    expect(isDue(due, new Date('2026-11-22T00:00:00.000Z'))).toBe(true);
    expect(isDue(due, new Date('2026-11-21T23:59:59.999Z'))).toBe(false);
    expect(isDue(undefined, new Date('2100-01-01T00:00:00Z'))).toBe(false);
  });

  it('displays due times in JST', () => {
    expect(formatJst('2026-03-31T15:30:00.000Z')).toBe('2026-04-01 00:30:00 JST');
  });
});

describe('due index and TTL backstop', () => {
  it('spreads records over every shard with a sortable, unique key', () => {
    const shards = new Set<string>();
    for (let i = 0; i < 400; i += 1) {
      const a = dueIndexAttributes(`rec-${i}`, '2026-01-01T00:00:00.000Z');
      shards.add(a.dueShard);
      expect(a.dueKey).toBe(`2026-01-01T00:00:00.000Z#rec-${i}`);
    }
    expect(shards.size).toBe(DUE_SHARDS);
  });

  it('sets the TTL a grace period after the due time', () => {
    expect(ttlEpochSeconds('2026-01-01T00:00:00.000Z', 30)).toBe(
      Date.parse('2026-01-31T00:00:00.000Z') / 1000,
    );
  });
});
