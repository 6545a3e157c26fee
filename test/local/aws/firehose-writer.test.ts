import { describe, expect, it } from '@jest/globals';
import {
  evaluatePrefix,
  formatUtc,
  partitionKeysOf,
  validateStreamConfig,
} from '../../../local/aws/firehose-writer.ts';

const NOV_2 = Date.UTC(2026, 10, 2, 23, 59, 59, 999);

describe('partitionKeysOf', () => {
  it('extracts vendor, UTC date and source as the deployed jq query does', () => {
    const keys = partitionKeysOf({ time: NOV_2, metadata: { log_provider: 'veza', log_name: 'veza-main' } });

    expect(keys).toEqual({ vendor: 'veza', dt: '2026-11-02', source: 'veza-main' });
  });

  it('leaves source out when the record has no log_name', () => {
    expect(partitionKeysOf({ time: NOV_2, metadata: { log_provider: 'veza' } })).toEqual({
      vendor: 'veza',
      dt: '2026-11-02',
    });
  });

  it.each([
    ['an array', [{ time: NOV_2, metadata: { log_provider: 'veza' } }]],
    ['a string', 'veza'],
    ['no metadata', { time: NOV_2 }],
    ['no vendor', { time: NOV_2, metadata: {} }],
    ['a time that is not epoch ms', { time: '2026-11-02T00:00:00Z', metadata: { log_provider: 'veza' } }],
    ['a vendor that would escape the archive', { time: NOV_2, metadata: { log_provider: '..' } }],
    ['a vendor with a slash', { time: NOV_2, metadata: { log_provider: 'a/b' } }],
  ])('returns undefined for %s', (_name, record) => {
    expect(partitionKeysOf(record)).toBeUndefined();
  });
});

describe('evaluatePrefix', () => {
  it('fills partition keys, arrival-time tokens and the error output type', () => {
    const arrival = Date.UTC(2027, 0, 5, 7, 8, 9);

    const data = evaluatePrefix(
      'e/v=!{partitionKeyFromQuery:vendor}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/',
      { vendor: 'veza' },
      arrival,
    );
    const error = evaluatePrefix(
      'err/!{firehose:error-output-type}/!{timestamp:yyyy-MM-dd}/',
      {},
      arrival,
      'partitioning-failed',
    );

    expect(data).toBe('e/v=veza/2027/01/05/07/');
    expect(error).toBe('err/partitioning-failed/2027-01-05/');
  });

  it('returns undefined when a partition key is missing', () => {
    expect(evaluatePrefix('e/!{partitionKeyFromQuery:source}/', { vendor: 'veza' }, 0)).toBeUndefined();
  });

  it('formats the object-name timestamp in UTC', () => {
    expect(formatUtc('yyyy-MM-dd-HH-mm-ss', Date.UTC(2026, 10, 2, 3, 4, 5))).toBe('2026-11-02-03-04-05');
  });
});

describe('validateStreamConfig', () => {
  it('rejects partition keys in the error prefix, as CreateDeliveryStream does', () => {
    expect(() =>
      validateStreamConfig('s', { prefix: 'p/', errorOutputPrefix: 'e/!{partitionKeyFromQuery:vendor}/' }),
    ).toThrow(/errorOutputPrefix/);
  });

  it('rejects an unknown namespace', () => {
    expect(() =>
      validateStreamConfig('s', { prefix: 'p/!{partitionKeyFromLambda:x}/', errorOutputPrefix: 'e/' }),
    ).toThrow(/unknown namespace/);
  });
});
