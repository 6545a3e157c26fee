import { describe, it, expect } from '@jest/globals';
import { fullJitterDelay, parseRetryAfter } from '../../shared/backoff.ts';

describe('fullJitterDelay', () => {
  it('spans [0, base * 2^attempt]', () => {
    expect(fullJitterDelay(0, 500, 20_000, () => 0)).toBe(0);
    expect(fullJitterDelay(0, 500, 20_000, () => 1)).toBe(500);
    expect(fullJitterDelay(3, 500, 20_000, () => 1)).toBe(4000);
    expect(fullJitterDelay(3, 500, 20_000, () => 0.5)).toBe(2000);
  });

  it('is capped by maxMs, also for huge attempts', () => {
    expect(fullJitterDelay(10, 500, 20_000, () => 1)).toBe(20_000);
    expect(fullJitterDelay(5000, 500, 20_000, () => 0.25)).toBe(5000);
  });

  it('stays in range with a misbehaving random and a negative attempt', () => {
    expect(fullJitterDelay(2, 100, 1000, () => 7)).toBe(400);
    expect(fullJitterDelay(2, 100, 1000, () => -1)).toBe(0);
    expect(fullJitterDelay(-3, 100, 1000, () => 1)).toBe(100);
  });

  it('uses Math.random by default and stays within bounds', () => {
    for (let i = 0; i < 100; i++) {
      const d = fullJitterDelay(2, 100, 1000);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(400);
    }
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('5', now)).toBe(5000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
  });

  it('turns negative values into 0', () => {
    expect(parseRetryAfter('-3', now)).toBe(0);
  });

  it('reads HTTP-dates relative to now, past dates as 0', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('Wed Jan  1 00:01:00 2025', now)).toBeGreaterThan(0);
  });

  it('returns undefined for garbage and absent values', () => {
    for (const value of ['soon', '', '  ', '12abc', '5 s', 'Fri, not a date', null, undefined]) {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    }
  });
});
