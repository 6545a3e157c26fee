/** The bench's arithmetic, on fixed inputs: the vendor bound of a drain and the cost of a million events. */
import { describe, expect, it } from '@jest/globals';
import { costPerMillion } from '../../bench/cost.ts';
import { PRICES } from '../../bench/prices.ts';
import { lowerBoundMs, requestsNeeded } from '../../bench/vendors.ts';

describe('the vendor bound of a drain', () => {
  it('counts the pages at the largest page, plus the empty page that ends a Veza export', () => {
    // Act
    const requests = requestsNeeded('veza', [100_000]);

    // Assess
    expect(requests).toBe(11);
    expect(lowerBoundMs('veza', [100_000], 200)).toBe(2200);
  });

  it('divides by the concurrency the API allows (Nected: pages of 10, 16 at a time)', () => {
    // Act
    const bound = lowerBoundMs('nected', [20_000], 50);

    // Assess
    expect(requestsNeeded('nected', [20_000])).toBe(2000);
    expect(bound).toBe((2000 * 50) / 16);
  });

  it('reads every Authentic8 log type, empty ones included, after listing them', () => {
    // Act
    const requests = requestsNeeded('authentic8', [2500, 0, 1000]);

    // Assess: 1 list + 3 + 1 + 1
    expect(requests).toBe(6);
  });
});

describe('the cost of a million events', () => {
  const prices = {
    ...PRICES,
    lambdaArmGbSecond: 0.00001,
    firehoseIngestGb: 0.03,
    dynamoWriteRequestUnit: 1e-6,
    s3Put: 0.000005,
  };

  it('adds Lambda GB-s from CPU time, Firehose billed GB, DynamoDB writes and S3 objects of a full buffer', () => {
    // Act
    const cost = costPerMillion(
      {
        cpuMsPerEvent: 0.02,
        memoryMb: 1024,
        firehoseBilledBytesPerEvent: 2 ** 30 / 1e6,
        deliveredBytesPerEvent: 64,
        dynamoWritesPerEvent: 0.001,
        bufferBytes: 64e6,
      },
      prices,
    );

    // Assess: 20 s at 1 GB; 1 GB billed; 1,000 writes; 1 object of 64 MB.
    expect(cost.lambda).toBeCloseTo(20 * 0.00001, 10);
    expect(cost.firehose).toBeCloseTo(0.03, 10);
    expect(cost.dynamodb).toBeCloseTo(0.001, 10);
    expect(cost.s3).toBeCloseTo(0.000005, 10);
    expect(cost.total).toBeCloseTo(0.0002 + 0.03 + 0.001 + 0.000005, 10);
  });

  it('scales Lambda with the memory the function is given, not with what it uses', () => {
    // Act
    const half = costPerMillion(
      {
        cpuMsPerEvent: 0.02,
        memoryMb: 512,
        firehoseBilledBytesPerEvent: 0,
        deliveredBytesPerEvent: 0,
        dynamoWritesPerEvent: 0,
        bufferBytes: 1,
      },
      prices,
    );

    // Assess
    expect(half.lambda).toBeCloseTo(10 * 0.00001, 10);
    expect(half.total).toBeCloseTo(half.lambda, 10);
  });
});
