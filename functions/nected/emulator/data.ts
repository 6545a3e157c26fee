/**
 * The Nected emulator's pure helpers: seeded audit records shaped like the vendor's documented example
 * (../README.md), their wire text, a date-ordered store, the search filters of both API
 * generations, parameter parsing and the page body. Nanosecond RFC 3339 times reuse the Veza
 * emulator's helpers.
 */
import { randomHex, randomInt, randomUuid, seededRandom, type Random } from '../../../local/emulators/random.ts';
import { formatNs, parseRfc3339Ns, type Json } from '../../veza/emulator/data.ts';

/**
 * One audit record, field for field as in the vendor's documented example. The tidy
 * generator fills every field as the example does; the `AuditLogEntry` schema is not public
 * (../README.md), so the shapes of functions/nected/emulator/arbitrary.ts may lack or null any field but
 * `logId`
 * and
 * `date`.
 */
export interface NectedRecord {
  entityId?: string | null;
  executionId?: string | null;
  type?: string | null;
  name?: string | null;
  event?: string | null;
  status?: string | null;
  environment?: string | null;
  user?: string | null;
  workspaceId?: string | null;
  ip?: string | null;
  logId: string;
  statusTimeMs?: number | null;
  date: string;
  rootNode?: { id?: string | null; name?: string | null; logId?: string | null } | null;
  traceId?: string | null;
  message?: string | null;
  input?: Json;
  output?: Json;
  path?: Json[] | string | null;
  version?: string | null;
}

/** A stored record with its exact wire text and sort key. */
export interface NectedStoredEvent {
  readonly id: string;
  readonly record: NectedRecord;
  /** The record's text exactly as it appears inside a search response. */
  readonly text: string;
  readonly dateNs: bigint;
  /** Insertion order, the tie-breaker for equal dates. */
  readonly seq: number;
}

/** The audit index: records kept in ascending (date, seq) order. */
export interface NectedLog {
  readonly events: readonly NectedStoredEvent[];
  /** Adds one record dated `dateMs` (plus a sub-millisecond part), wherever that date sorts. */
  insert(dateMs: number): NectedStoredEvent;
  /** Records with start <= date <= end (ns; either end optional), ascending. */
  between(startNs: bigint | undefined, endNs: bigint | undefined): readonly NectedStoredEvent[];
}

/**
 * Wire text as the doc example shows it: 4-space indentation, records nested at 8, and Go's
 * encoding/json escapes of `<`, `>`, `&`. A client that re-serializes records would change them.
 */
export function recordText(record: NectedRecord): string {
  return JSON.stringify(record, null, 4)
    .replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)
    .replace(/\n/g, '\n        ');
}

// The `event` filter's values (../README.md) and the display names records carry. Only
// "Test Via Console" and "Call Via API" appear in the doc; the others are UNCONFIRMED.
const EVENT_NAMES: Record<string, string> = {
  test: 'Test Via Console',
  api: 'Call Via API',
  roleRevoke: 'Role Revoke',
  roleUpdate: 'Role Update',
  cronTest: 'Cron Test',
  cron: 'Via Cron',
  webhook: 'Via Webhook',
  delayedTest: 'Delayed Test',
  delay: 'Via Delay',
};

/** Search filters by API generation (../README.md); other parameters are ignored. */
export const FILTERS = {
  legacy: ['search', 'type', 'event', 'status', 'environment'],
  v1: ['type', 'status', 'environment', 'user'],
} as const;

const EVENT_BY_KEY = Object.fromEntries(
  Object.entries(EVENT_NAMES).map(([k, v]) => [k.toLowerCase(), v.toLowerCase()]),
);
const anyOf = (value: string): string[] =>
  value
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);
const low = (value: string | null | undefined): string => (value ?? '').toLowerCase();
const MATCH: Record<string, (r: NectedRecord, value: string) => boolean> = {
  // `type=decisionTable` matches the display value "Decisiontable": compare case-insensitively.
  type: (r, v) => anyOf(v).includes(low(r.type)),
  event: (r, v) => anyOf(v).some((k) => (EVENT_BY_KEY[k] ?? k) === low(r.event)),
  status: (r, v) => anyOf(v).includes(low(r.status)),
  environment: (r, v) => anyOf(v).includes(low(r.environment)),
  user: (r, v) => low(r.user) === v.toLowerCase(),
  search: (r, v) => [r.name, r.message, r.type].some((f) => low(f).includes(v.toLowerCase())),
};

/** The predicate for a search's filter parameters, for one API generation. */
export function searchFilter(api: keyof typeof FILTERS, query: URLSearchParams): (r: NectedRecord) => boolean {
  const tests = FILTERS[api].flatMap((name) => {
    const value = query.get(name);
    const match = MATCH[name];
    return value && match ? [(r: NectedRecord) => match(r, value)] : [];
  });
  return (r) => tests.every((t) => t(r));
}

/** Modules the emulator knows; the doc names `audit`, `user-management` and `rule-engine` (../README.md). */
export const MODULES: Record<string, (r: NectedRecord) => boolean> = {
  audit: () => true,
  'user-management': (r) => (r.event ?? '').startsWith('Role '),
  'rule-engine': (r) => ['ruleset', 'simplerule', 'decisiontable', 'workflow', 'nectedworkflow'].includes(low(r.type)),
};

const ENTITIES: ReadonlyArray<readonly [string, string]> = [
  ['Decisiontable', 'Amazon DP'],
  ['Dataset', 'New_Orders_Ecomm 1704563645284'],
  ['Dataset', 'Loyalty_Rule_Dataset'],
  ['Connector', 'NewDemoDB'],
  ['Ruleset', 'Credit Limit Rules'],
  ['Simplerule', 'Age <18 & KYC'],
  ['Workflow', 'Loan Onboarding'],
  ['Globalvar', 'TAX_RATE'],
  ['Authconfig', 'Partner OAuth'],
  ['Systemapikey', 'CI key'],
  ['Api', 'Amazon DP'],
  ['Cron', 'Nightly Repricing'],
  ['Webhook', 'Order Created'],
  ['Delay', 'Reminder 24h'],
];
/** Types whose executions (tests, API calls, schedules) are audited; the others only get edits. */
const EXECUTABLE = new Set([
  'Decisiontable',
  'Dataset',
  'Connector',
  'Ruleset',
  'Simplerule',
  'Workflow',
  'Api',
  'Cron',
  'Webhook',
  'Delay',
]);
const USERS = ['Snehasish Konger', 'Ada Lovelace', 'Grace Hopper', 'Linus Torvalds'];
const RUNS = ['test', 'api', 'cron', 'webhook', 'delayedTest', 'cronTest', 'delay'];
const ERRORS = [
  'missing required params key countrycode',
  'condition failed: amount > limit',
  'connector timeout after 30000 ms',
];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** An Elasticsearch-style document id, as the doc's `logId` values look (20 base64url characters). */
function esId(random: Random): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let out = '';
  for (let i = 0; i < 20; i++) out += alphabet[Math.floor(random() * 64)];
  return out;
}

interface Kind {
  event: string;
  user: string;
  statusTimeMs: number;
  ok: boolean;
  run: boolean;
}

/** What happened: an edit by a person, a role change, or an execution (test, API call, cron...). */
function kindOf(random: Random): Kind {
  const roll = random();
  if (roll < 0.35)
    return {
      event: pick(random, ['Create', 'Update', 'Update', 'Delete', 'Publish']),
      user: pick(random, USERS),
      statusTimeMs: 0,
      ok: random() > 0.02,
      run: false,
    };
  if (roll < 0.4)
    return {
      event: pick(random, ['Role Update', 'Role Revoke']),
      user: pick(random, USERS),
      statusTimeMs: 0,
      ok: true,
      run: false,
    };
  const event = EVENT_NAMES[pick(random, RUNS)] as string;
  return {
    event,
    user: event === 'Test Via Console' && random() < 0.5 ? pick(random, USERS) : '',
    statusTimeMs: randomInt(random, 1, 900),
    ok: random() > 0.15,
    run: true,
  };
}

function makeRecord(random: Random, dateNs: bigint, roots: NectedRecord[]): NectedRecord {
  const kind = kindOf(random);
  const entities = kind.run ? ENTITIES.filter(([t]) => EXECUTABLE.has(t)) : ENTITIES;
  const [type, name] = kind.event.startsWith('Role ') ? ['User', pick(random, USERS)] : pick(random, entities);
  const executionId =
    kind.run && kind.event === 'Test Via Console'
      ? `test_${type.toLowerCase()}:60:${randomUuid(random)}:draft:${randomUuid(random)}`
      : randomUuid(random);
  const record: NectedRecord = {
    entityId: '',
    executionId,
    type,
    name,
    event: kind.event,
    status: kind.ok ? (type === 'Workflow' ? 'Completed' : 'Success') : type === 'Workflow' ? 'Failed' : 'Error',
    environment: random() < 0.6 ? 'Staging' : 'Production',
    user: kind.user,
    workspaceId: '60',
    ip: `${randomInt(random, 11, 223)}.${randomInt(random, 0, 255)}.${randomInt(random, 0, 255)}.${randomInt(random, 1, 254)}`,
    logId: esId(random),
    statusTimeMs: kind.statusTimeMs,
    date: formatNs(dateNs),
    rootNode: { id: '', name: '', logId: '' },
    traceId:
      kind.event === 'Call Via API' ? `Root=1-${randomHex(random, 8)}-${randomHex(random, 24)}` : randomUuid(random),
    message: kind.run ? (kind.ok ? `successfully executed ${type.toLowerCase()} ${name}` : pick(random, ERRORS)) : '',
    input: null,
    output: null,
    path: kind.run ? [] : null,
    version: random() < 0.7 ? 'draft' : `0.${randomInt(random, 1, 20)}`,
  };
  if (!kind.run) return record;
  // An execution is either a root (its rootNode names itself) or a step of a recent root run.
  const root = roots.length > 0 && random() < 0.3 ? pick(random, roots) : undefined;
  record.rootNode = root ? { ...root.rootNode } : { id: executionId, name, logId: executionId };
  if (!root) roots.push(record);
  if (roots.length > 5) roots.shift();
  return record;
}

function compare(a: NectedStoredEvent, b: { dateNs: bigint; seq: number }): number {
  return a.dateNs < b.dateNs ? -1 : a.dateNs > b.dateNs ? 1 : a.seq - b.seq;
}

/** First index whose event sorts at or after `key`. */
function lowerBound(events: readonly NectedStoredEvent[], key: { dateNs: bigint; seq: number }): number {
  let [lo, hi] = [0, events.length];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(events[mid] as NectedStoredEvent, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A seeded audit index. Same seed and same insertion dates give the same records. */
/**
 * Doc-shaped records mixed into the tidy ones (functions/nected/emulator/arbitrary.ts): `share` of them, drawn by
 * `draw`.
 */
export interface NectedVariety {
  readonly share: number;
  readonly draw: (random: Random, date: string) => NectedRecord;
}

export function createNectedLog(seed: number, variety?: NectedVariety): NectedLog {
  const random = seededRandom(seed);
  const roots: NectedRecord[] = [];
  const events: NectedStoredEvent[] = [];
  let seq = 0;
  return {
    events,
    insert(dateMs) {
      const dateNs = BigInt(Math.floor(dateMs)) * 1_000_000n + BigInt(randomInt(random, 0, 999_999));
      const record =
        variety && random() < variety.share
          ? variety.draw(random, formatNs(dateNs))
          : makeRecord(random, dateNs, roots);
      const event: NectedStoredEvent = { id: record.logId, record, text: recordText(record), dateNs, seq: seq++ };
      events.splice(lowerBound(events, event), 0, event);
      return event;
    },
    between(startNs, endNs) {
      const lo = startNs === undefined ? 0 : lowerBound(events, { dateNs: startNs, seq: -1 });
      const hi = endNs === undefined ? events.length : lowerBound(events, { dateNs: endNs + 1n, seq: -1 });
      return events.slice(lo, Math.max(lo, hi));
    },
  };
}

/** `YYYY-MM-DD` (UTC midnight) or RFC 3339; the accepted forms are UNCONFIRMED (../README.md). */
export function parseDate(value: string | null): bigint | undefined | 'invalid' {
  if (!value) return undefined;
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  return parseRfc3339Ns(text) ?? 'invalid';
}

/** A positive integer parameter, its default when absent, or undefined when invalid. */
export function positive(value: string | null, fallback: number): number | undefined {
  if (value === null || value === '') return fallback;
  return /^\d+$/.test(value) && Number(value) >= 1 ? Number(value) : undefined;
}

/**
 * The 200 envelope, spaced as in the doc example; an empty page has `data: null` as a Go nil slice would (UNCONFIRMED).
 */
export function searchBody(
  total: number,
  pageNo: number,
  pageSize: number,
  events: readonly NectedStoredEvent[],
): string {
  const data = events.length ? `[\n        ${events.map((e) => e.text).join(',\n        ')}\n    ]` : 'null';
  return `{\n    "totalCount": ${total},\n    "totalPages": ${Math.ceil(total / pageSize)},\n    "pageNo": ${pageNo},\n    "pageSize": ${pageSize},\n    "data": ${data},\n    "code": "success",\n    "message": "success."\n}`;
}
