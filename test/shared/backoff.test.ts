import { describe, it, expect } from '@jest/globals';
import { answerDelay, fullJitterDelay, parseRetryAfter, parseRetryInfo } from '../../shared/backoff.ts';

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

describe('parseRetryInfo', () => {
  const status = (...details: unknown[]): string => JSON.stringify({ code: 8, message: 'ResourceExhausted', details });
  const retryInfo = (delay: unknown, key = 'retryDelay', type = 'type.googleapis.com/google.rpc.RetryInfo') => ({
    '@type': type,
    [key]: delay,
  });

  it('reads retry_delay as a duration string, in proto3 JSON or proto names', () => {
    expect(parseRetryInfo(status(retryInfo('1s')))).toBe(1000);
    expect(parseRetryInfo(status(retryInfo('0.250s', 'retry_delay')))).toBe(250);
    expect(parseRetryInfo(status(retryInfo('30.000000001s')))).toBe(30_001);
  });

  it('reads retry_delay given as {seconds, nanos}, seconds as a number or an int64 string', () => {
    expect(parseRetryInfo(status(retryInfo({ seconds: 2, nanos: 500_000_000 })))).toBe(2500);
    expect(parseRetryInfo(status(retryInfo({ seconds: '3' })))).toBe(3000);
  });

  it('takes the longest of several RetryInfo entries and skips the other detail types', () => {
    const other = {
      '@type': 'type.googleapis.com/google.rpc.QuotaFailure',
      violations: [{ subject: 'x' }],
      retryDelay: '99s',
    };
    expect(parseRetryInfo(status(other, retryInfo('2s'), retryInfo('5s')))).toBe(5000);
  });

  it('returns undefined for a body that is not a Status with a usable RetryInfo', () => {
    for (const body of [
      '',
      'not json',
      'null',
      '[]',
      '{"code":8}',
      status(),
      status('x', null),
      status(retryInfo('soon')),
      status(retryInfo('-1s')),
      status(retryInfo({ seconds: -1 })),
      status(retryInfo({ seconds: 'x' })),
      status(retryInfo('1s', 'retryDelay', 'google.rpc.RetryInfoX')),
    ]) {
      expect(parseRetryInfo(body)).toBeUndefined();
    }
  });
});

describe('answerDelay', () => {
  const vendorNow = Date.parse('2025-01-01T00:00:00Z');
  const body = JSON.stringify({
    code: 8,
    details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '4s' }],
  });

  it('takes the longer of Retry-After and RetryInfo when the answer names both', () => {
    expect(answerDelay('1', body, vendorNow)).toBe(4000);
    expect(answerDelay('9', body, vendorNow)).toBe(9000);
  });

  it('takes whichever one the answer names', () => {
    expect(answerDelay(null, body, vendorNow)).toBe(4000);
    expect(answerDelay('2', '{"code":8}', vendorNow)).toBe(2000);
  });

  it("reads an HTTP-date Retry-After against the vendor's clock it is given", () => {
    expect(answerDelay('Wed, 01 Jan 2025 00:00:30 GMT', '', vendorNow)).toBe(30_000);
  });

  it('returns undefined when the answer names no delay', () => {
    expect(answerDelay(null, '{"code":8,"details":[]}', vendorNow)).toBeUndefined();
  });
});
