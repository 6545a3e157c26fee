/** The bench's figures: each is judged as it is reported, so `value` and `met` never disagree. */
import { describe, expect, it } from '@jest/globals';
import { atLeast, atMost, formatReport, reported } from '../../bench/report.ts';

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

describe('reported figures', () => {
  it('are shown without a goal and left out of the goals met', () => {
    // Prepare
    const figures = [reported('drain ÷ vendor bound at 50 ms (veza)', 3.456, '×', 2), atMost('x', 2, '×', 1)];

    // Act
    const text = formatReport({
      machine: { cpu: 'cpu', cores: 2, memoryGb: 1, node: 'v20', platform: 'linux/x64', loadBefore: 0 },
      date: '2026-12-06',
      mode: 'smoke',
      figures,
      details: {},
      notes: ['server (veza, 50 ms): 2 answers'],
    });

    // Assess
    expect(figures[0]).toEqual({
      name: 'drain ÷ vendor bound at 50 ms (veza)',
      value: 3.46,
      unit: '×',
      goal: 'report',
      met: true,
    });
    expect(text).toMatch(/drain ÷ vendor bound at 50 ms \(veza\) +3\.46 × +report +-/);
    expect(text).toContain('0 of 1 goals met.');
    expect(text).toContain('server (veza, 50 ms): 2 answers');
  });
});
