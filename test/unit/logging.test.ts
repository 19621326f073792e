import { describe, expect, it } from 'vitest';
import { type LogLine, withMetrics } from '#shared/logging.ts';

describe('withMetrics', () => {
  const run = (lines: LogLine[]) => {
    const logged: LogLine[] = [];
    const written: string[] = [];
    const log = withMetrics((l) => logged.push(l), 'wasure', { 'sweep.finish': ['quarantineBytes', 'quarantineObjects'] }, (t) => written.push(t), () => 1_700_000_000_000);
    for (const l of lines) log(l);
    return { logged, written: written.map((w) => JSON.parse(w)) };
  };

  it('logs every line and publishes the chosen numeric fields of the chosen event as embedded metrics', () => {
    const { logged, written } = run([
      { level: 'info', event: 'sweep.finish', quarantineBytes: 2048, quarantineObjects: 3, sweepId: 's-1' },
      { level: 'info', event: 'sweep.plan', quarantineBytes: 1 },
    ]);
    expect(logged).toHaveLength(2);
    expect(written).toEqual([
      {
        _aws: {
          Timestamp: 1_700_000_000_000,
          CloudWatchMetrics: [{ Namespace: 'wasure', Dimensions: [[]], Metrics: [{ Name: 'quarantineBytes', Unit: 'None' }, { Name: 'quarantineObjects', Unit: 'None' }] }],
        },
        quarantineBytes: 2048,
        quarantineObjects: 3,
      },
    ]);
  });

  it('publishes nothing for a line without the fields, or a non-numeric field', () => {
    const { written } = run([
      { level: 'error', event: 'sweep.finish', error: 'Error' },
      { level: 'info', event: 'sweep.finish', sweepId: 's-2' },
      { level: 'info', event: 'sweep.finish', quarantineBytes: 'many' },
    ]);
    expect(written).toEqual([]);
  });
});
