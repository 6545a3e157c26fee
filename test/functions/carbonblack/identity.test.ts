/**
 * Identity of Carbon Black records, which have no id: content hash plus occurrence index, counted
 * per millisecond and carried across page boundaries by the cursor's tail.
 */
import { describe, expect, it } from '@jest/globals';
import {
  byCreateTime,
  canonicalJson,
  cbNativeId,
  cbNativeIds,
  contentHash,
  tagOccurrences,
} from '../../../functions/carbonblack/identity.ts';
import { carbonBlackConnector, cbHeaders } from '../../../functions/carbonblack/connector.ts';
import type { RawRecord } from '../../../shared/connector.ts';
import type { CbContext } from '../../../functions/carbonblack/schemas.ts';
import type { CbTail } from '../../../functions/carbonblack/schemas.ts';

const rec = (description: string, create_time: string): RawRecord => {
  const value = { org_key: 'ABCD1234', actor: 'ada@example.com', description, create_time };
  return { raw: JSON.stringify(value), value };
};
const T1 = '2024-03-01T10:00:00.001Z';
const T2 = '2024-03-01T10:00:00.002Z';
/** Three identical log-ins in one millisecond, one other event in it, then one in the next. */
const STREAM = [
  rec('Logged in', T1),
  rec('Logged in', T1),
  rec('Updated policy', T1),
  rec('Logged in', T1),
  rec('Logged out', T2),
];
const ids = (records: ReturnType<typeof tagOccurrences>['records']): string[] =>
  records.map((r) => cbNativeId(r.hash, r.occurrence));

describe('Carbon Black identity', () => {
  it('hashes content, not spelling: key order and spacing do not change the hash, a field does', () => {
    // Act / Assess
    expect(canonicalJson({ b: [1, { d: 2, c: null }], a: 'x' })).toBe('{"a":"x","b":[1,{"c":null,"d":2}]}');
    expect(contentHash(JSON.parse('{"a": 1, "b": "x"}'))).toBe(contentHash({ b: 'x', a: 1 }));
    expect(contentHash({ a: 1, b: 'x' })).not.toBe(contentHash({ a: 1, b: 'y' }));
    expect(contentHash({ a: 1 })).toMatch(/^[0-9a-f]{32}$/);
  });

  it('numbers identical records 0, 1, 2 within their millisecond', () => {
    // Act
    const { records, tail } = tagOccurrences(STREAM);

    // Assess
    expect(records.map((r) => r.occurrence)).toEqual([0, 1, 0, 2, 0]);
    expect(new Set(ids(records)).size).toBe(5);
    expect(tail).toEqual({ at: Date.parse(T2), counts: { [contentHash(STREAM[4]?.value)]: 1 } });
  });

  it('gives the same ids whatever the page boundaries, when each page continues the previous tail', () => {
    // Prepare
    const whole = ids(tagOccurrences(STREAM).records);

    // Act
    const paged = [1, 2, 3, 4].map((size) => {
      const out: string[] = [];
      let tail: CbTail | undefined;
      for (let i = 0; i < STREAM.length; i += size) {
        const page = tagOccurrences(STREAM.slice(i, i + size), tail);
        out.push(...ids(page.records));
        tail = page.tail;
      }
      return out;
    });

    // Assess
    for (const p of paged) expect(p).toEqual(whole);
  });

  it('lists the same ids for a whole set, in any order', () => {
    // Act
    const forward = cbNativeIds(STREAM.map((r) => r.value));
    const backward = cbNativeIds([...STREAM].reverse().map((r) => r.value));

    // Assess
    expect([...forward].sort()).toEqual([...backward].sort());
    expect(forward).toEqual(ids(tagOccurrences(STREAM).records));
  });

  it('sorts a queue batch by create_time, keeping the vendor order among equal times', () => {
    // Act
    const ordered = byCreateTime([STREAM[4], STREAM[0], STREAM[2]] as RawRecord[]);

    // Assess
    expect(ordered.map((r) => (r.value as { description: string }).description)).toEqual([
      'Logged in',
      'Updated policy',
      'Logged out',
    ]);
  });

  it('derives the native id from the tag the connector put on the raw record', () => {
    // Prepare
    const [, second] = tagOccurrences(STREAM).records;

    // Act
    const id = carbonBlackConnector.nativeId(second?.value as never, second as RawRecord);

    // Assess
    expect(id).toBe(`${contentHash(STREAM[1]?.value)}.1`);
  });

  it('sends X-Auth-Token as <apiSecret>/<apiId>', () => {
    // Act
    const headers = cbHeaders({
      credentials: { apiId: 'ABCD123456', apiSecret: 'ABCDEFGHIJKLMNO123456789' },
    } as unknown as CbContext);

    // Assess
    expect(headers['x-auth-token']).toBe('ABCDEFGHIJKLMNO123456789/ABCD123456');
  });
});
