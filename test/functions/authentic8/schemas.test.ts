import { describe, expect, it } from '@jest/globals';
import { rawLogs } from '../../../functions/authentic8/raw-logs.ts';
import {
  authentic8Cursor,
  authentic8Options,
  authentic8Record,
  logKind,
} from '../../../functions/authentic8/schemas.ts';
import { MalformedPageError } from '../../../shared/errors.ts';

/** The runner's dead-letter reason for a record that fails its schema. */
function reason(value: unknown): string {
  const parsed = authentic8Record.safeParse(value);
  if (parsed.success) return 'valid';
  return parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

describe('authentic8Record: each type validated with its own schema', () => {
  const base = { seq_id: 7, create_ts: 1763000000.5, org_id: 'f'.repeat(32) };

  it.each([
    ['a URL log without its domain', { ...base, type: 'URL', path: '/' }, /^domain: /],
    [
      'a URL log whose response_code is text',
      { ...base, type: 'URL', domain: 'a.example', response_code: 'OK' },
      /^response_code: /,
    ],
    ['an ENC log without its ciphertext', { ...base, type: 'ENC', key_name: 'k', enc: '' }, /^enc: /],
    ['an AUTH log whose action is a number', { ...base, type: 'AUTH', action: 1 }, /^action: /],
    ['any log whose seq_id is text', { ...base, seq_id: '7', type: 'SESSION' }, /^seq_id: /],
    ['any log without create_ts', { seq_id: 7, type: 'PRINT' }, /^create_ts: /],
    [
      'a create_ts in milliseconds',
      { ...base, type: 'PRINT', create_ts: 1763000000500 },
      /^create_ts: must be epoch seconds \(at most 1e11; milliseconds\?\)/,
    ],
    [
      'a create_ts that is no time (a counter)',
      { ...base, type: 'ENC', key_name: 'k', enc: 'QQ==', create_ts: 42 },
      /^create_ts: must be epoch seconds/,
    ],
    ['a log that is not an object', 'URL', /^\(root\): /],
  ])('refuses %s, naming the field', (_name, value, expected) => {
    expect(reason(value)).toMatch(expected);
  });

  it('accepts the same fields on a type with no schema of its own, and keeps unknown fields', () => {
    // Act
    const parsed = authentic8Record.parse({ ...base, type: 'CASE MANAGER', response_code: 'n/a', case_id: 'C-17' });

    // Assess
    expect(parsed).toEqual({ ...base, type: 'CASE MANAGER', response_code: 'n/a', case_id: 'C-17' });
  });

  it.each([
    [{ type: 'URL' }, 'URL'],
    [{ type: 'BLOCKED URL' }, 'BLOCKED URL'],
    [{ type: 'ENC' }, 'ENC'],
    [{ enc: 'x' }, 'ENC'],
    [{ type: 'LOCATION CHANGE' }, 'OTHER'],
    [{}, 'OTHER'],
    [null, 'OTHER'],
  ])('tells the kind of %j: %s', (value, kind) => {
    expect(logKind(value)).toBe(kind);
  });
});

describe('authentic8Options', () => {
  it('defaults to every type and the largest page', () => {
    expect(authentic8Options.parse({ org: 'Acme' })).toEqual({ org: 'Acme', types: 'all', limit: 1000 });
  });

  it.each([
    [{}, 'org'],
    [{ org: 'Acme', types: [] }, 'types'],
    [{ org: 'Acme', types: ['URL', 'URL'] }, 'types'],
    [{ org: 'Acme', limit: 1001 }, 'limit'],
    [{ org: 'Acme', types: 'every' }, 'types'],
    [{ org: 'Acme', orgId: 'x' }, ''],
  ])('refuses %j at %s', (options, field) => {
    const parsed = authentic8Options.safeParse(options);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path.join('.') ?? '').toBe(field);
  });
});

describe('authentic8Cursor', () => {
  it('holds one sequence per type, names with spaces included, and the rest of a round', () => {
    const cursor = { types: { URL: 3204202, 'BLOCKED URL': 3204150 }, pending: ['POST DATA'] };
    expect(authentic8Cursor.parse(cursor)).toEqual(cursor);
    expect(authentic8Cursor.safeParse({ types: { URL: -1 } }).success).toBe(false);
    expect(authentic8Cursor.safeParse({ types: {}, token: 'x' }).success).toBe(false);
  });
});

describe('rawLogs', () => {
  it('cuts each log out of reply 1 byte for byte, whatever the key order and spacing', () => {
    // Prepare: logs before next_seq, command_id first, strings with brackets and a "logs" key inside a record.
    const a = '{ "seq_id" : 1, "note": "] } \\" [", "create_ts": 1.0 }';
    const b = '{"seq_id":2,"logs":[1,2],"create_ts":2.50}';
    const text = `[ {"result": "setting auth from data"} ,\n {"command_id": "x", "result": {"logs": [\n  ${a},\n  ${b}\n ], "next_seq": 3, "is_more": false}} ]`;

    // Act
    const records = rawLogs(text, JSON.parse(text) as unknown[], 1);

    // Assess
    expect(records.map((r) => r.raw)).toEqual([a, b]);
    expect(records.map((r) => r.value)).toEqual([JSON.parse(a), JSON.parse(b)]);
  });

  it('serves an empty page as no records', () => {
    const text = '[{"result": "ok"}, {"result": {"next_seq": 5, "logs": [], "is_more": false}}]';
    expect(rawLogs(text, JSON.parse(text) as unknown[], 1)).toEqual([]);
  });

  it('refuses a reply that is not an array', () => {
    expect(() => rawLogs('{"result": {}}', [], 1)).toThrow(MalformedPageError);
  });
});
