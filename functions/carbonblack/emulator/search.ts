/**
 * The `_search` request grammar of the Carbon Black emulator (../README.md): criteria,
 * exclusions, the Lucene-like query, sort, rows and the 0-based start.
 */
import type { CbAuditLog, CbStoredEvent } from './data.ts';

/** A 400 answer in the platform's error shape (../README.md). */
export interface CbBadRequest {
  status: 400;
  body: Record<string, string>;
}
/** A parsed `_search` / `_export` request. */
export interface CbSearch {
  test(e: CbStoredEvent): boolean;
  compare(a: CbStoredEvent, b: CbStoredEvent): number;
  rows: number;
  start: number;
}

/**
 * Largest `rows` (a community script's "maximum", UNCONFIRMED, ../README.md); default rows
 * UNCONFIRMED
 * too.
 */
export const CB_MAX_ROWS = 10_000;
export const CB_DEFAULT_ROWS = 10;
const TERMS = ['actor_ip', 'actor', 'request_url', 'description'] as const;
const FLAGS = ['flagged', 'verbose'] as const;
const SORTABLE = new Set<string>([...TERMS, ...FLAGS, 'create_time', 'org_key']);
const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

const bad = (error_code: string, message: string, field?: string): CbBadRequest => ({
  status: 400,
  body: { error_code, message, ...(field ? { field } : {}) },
});

type Test = (e: CbStoredEvent) => boolean;

/**
 * `create_time` as `{start, end}` (both inclusive: UNCONFIRMED) or `{range: "-Nx"}`, never both
 * (../README.md).
 */
function timeTest(value: unknown, now: number, field: string): Test | CbBadRequest {
  const { start, end, range } = (value ?? {}) as Record<string, unknown>;
  if (range !== undefined && (start !== undefined || end !== undefined))
    return bad('INVALID_VALUE', 'create_time takes either start/end or range', field);
  if (range !== undefined) {
    const m = /^-(\d+)([smhdwy])$/.exec(String(range));
    if (!m) return bad('INVALID_VALUE', `invalid range "${String(range)}"`, field);
    const since = now - Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
    return (e) => e.time >= since;
  }
  const from = start === undefined ? -Infinity : Date.parse(String(start));
  const to = end === undefined ? Infinity : Date.parse(String(end));
  if (Number.isNaN(from) || Number.isNaN(to))
    return bad('INVALID_VALUE', 'create_time start/end must be ISO-8601 times', field);
  return (e) => e.time >= from && e.time <= to;
}

/**
 * Criteria or exclusions: term lists (any of), booleans, create_time. A record matches criteria
 * when every clause holds, and is excluded when any exclusion clause holds (UNCONFIRMED).
 */
function clauses(value: unknown, now: number, where: 'criteria' | 'exclusions'): Test | CbBadRequest {
  const tests: Test[] = [];
  for (const [field, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
    if (field === 'create_time') {
      const t = timeTest(v, now, `${where}.create_time`);
      if (typeof t !== 'function') return t;
      tests.push(t);
    } else if ((TERMS as readonly string[]).includes(field) && Array.isArray(v)) {
      tests.push((e) => v.includes(e.record[field as (typeof TERMS)[number]]));
    } else if ((FLAGS as readonly string[]).includes(field) && typeof v === 'boolean') {
      tests.push((e) => e.record[field as (typeof FLAGS)[number]] === v);
    } else return bad('INVALID_VALUE', `unsupported ${where} field ${field}`, `${where}.${field}`);
  }
  return where === 'criteria' ? (e) => tests.every((t) => t(e)) : (e) => tests.some((t) => t(e));
}

/** Lucene-like `query`: `field:value` / `field:"a phrase"` / bare words, ANDed, case-insensitive substrings. */
export function queryTest(query: string): Test | CbBadRequest {
  const malformed: CbBadRequest = {
    status: 400,
    body: { reason: 'query_malformed_syntax', message: `cannot parse query: ${query}` },
  };
  if ((query.match(/"/g) ?? []).length % 2) return malformed;
  const tests: Test[] = [];
  for (const m of query.matchAll(/(?:(\w+):)?(?:"([^"]*)"|(\S+))/g)) {
    const [, field, phrase, word] = m;
    const needle = (phrase ?? word ?? '').toLowerCase();
    if (!field && (needle === 'and' || needle === '')) continue;
    if (!field && (needle === 'or' || needle === 'not')) return malformed;
    if (field && !SORTABLE.has(field)) return malformed;
    tests.push((e) =>
      (field ? [e.record[field as keyof CbAuditLog]] : [e.record.description, e.record.actor]).some((s) =>
        String(s ?? '')
          .toLowerCase()
          .includes(needle),
      ),
    );
  }
  return (e) => tests.every((t) => t(e));
}

/**
 * `sort: [{field, order}]`; orders in any case (../README.md); none given: newest first
 * (UNCONFIRMED).
 */
function sortOf(value: unknown): CbSearch['compare'] | CbBadRequest {
  const specs = value === undefined ? [{ field: 'create_time', order: 'DESC' }] : value;
  if (!Array.isArray(specs)) return bad('INVALID_VALUE', 'sort must be an array', 'sort');
  const keys: Array<{ field: keyof CbAuditLog; sign: number }> = [];
  for (const spec of specs as Array<Record<string, unknown>>) {
    const order = String(spec?.order ?? 'ASC').toUpperCase();
    if (order !== 'ASC' && order !== 'DESC')
      return bad('INVALID_ENUM_VALUE', `Malformed JSON input: invalid sort order ${String(spec?.order)}`, 'sort.order');
    if (!SORTABLE.has(String(spec?.field)))
      return bad('INVALID_VALUE', `cannot sort by ${String(spec?.field)}`, 'sort.field');
    keys.push({ field: spec.field as keyof CbAuditLog, sign: order === 'ASC' ? 1 : -1 });
  }
  return (a, b) => {
    for (const { field, sign } of keys) {
      const [x, y] = field === 'create_time' ? [a.time, b.time] : [String(a.record[field]), String(b.record[field])];
      if (x !== y) return x < y ? -sign : sign;
    }
    return a.seq - b.seq; // a stable order among equal keys, so offset paging neither skips nor repeats
  };
}

/** Parses a `_search` body (../README.md). */
export function parseSearch(body: unknown, now: number): CbSearch | CbBadRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return bad('MALFORMED_JSON', 'Malformed JSON input: expected an object');
  const b = body as Record<string, unknown>;
  const rows = b.rows ?? CB_DEFAULT_ROWS;
  const start = b.start ?? 0;
  if (!Number.isInteger(rows) || (rows as number) < 1 || (rows as number) > CB_MAX_ROWS)
    return bad('INVALID_VALUE', `rows must be 1..${CB_MAX_ROWS}`, 'rows');
  if (!Number.isInteger(start) || (start as number) < 0)
    return bad('INVALID_VALUE', 'start must be a non-negative integer', 'start');
  const include = clauses(b.criteria, now, 'criteria');
  const exclude = clauses(b.exclusions, now, 'exclusions');
  const query = queryTest(typeof b.query === 'string' ? b.query : '');
  const compare = sortOf(b.sort);
  if (typeof include !== 'function') return include;
  if (typeof exclude !== 'function') return exclude;
  if (typeof query !== 'function') return query;
  if (typeof compare !== 'function') return compare;
  return { rows: rows as number, start: start as number, compare, test: (e) => include(e) && !exclude(e) && query(e) };
}
