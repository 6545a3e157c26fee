/** The bench's figures: each is judged as it is reported, so `value` and `met` never disagree. */
import { describe, expect, it } from '@jest/globals';
import { atLeast, atMost } from '../../bench/report.ts';

describe('figures', () => {
  it('judges an upper goal on the value as reported', () => {
    expect(atMost('peak RSS', 160.04, 'MB', 160, 1)).toEqual({
      name: 'peak RSS',
      value: 160,
      unit: 'MB',
      goal: '≤ 160.0',
      met: true,
    });
    expect(atMost('peak RSS', 160.06, 'MB', 160, 1)).toMatchObject({ value: 160.1, met: false });
    expect(atMost('module init', 80.4, 'ms', 80)).toMatchObject({ value: 80, goal: '≤ 80', met: true });
  });

  it('judges a lower goal on the value as reported', () => {
    expect(atLeast('throughput', 19_999.6, 'events/s', 20_000)).toMatchObject({
      value: 20_000,
      goal: '≥ 20000',
      met: true,
    });
    expect(atLeast('throughput', 19_999.4, 'events/s', 20_000)).toMatchObject({ value: 19_999, met: false });
  });
});
