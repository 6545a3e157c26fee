/**
 * The Veza emulator's pure helpers: seeded records in the two documented shapes (../README.md),
 * their wire text, RFC 3339 nanosecond times and the filter grammar (../README.md), and page tokens.
 */
import { createHmac } from 'node:crypto';
import { randomHex, randomInt, randomUuid, seededRandom, type Random } from '../../../local/emulators/random.ts';

/** Any JSON value. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * The current schema: the OpenAPI example on the doc page (../README.md). The tidy generator
 * fills every field; protojson leaves out fields at their default ("" and 0), so the shapes of
 * functions/veza/emulator/arbitrary.ts may lack any field but `id` and `timestamp`.
 */
export interface VezaNewRecord {
  id: string;
  timestamp: string;
  intent?: {
    trace_id?: string;
    user_id?: string;
    session_id?: string;
    api_key_id?: string;
    endpoint?: string;
    method?: string;
    url?: string;
    client?: { ip_address?: string; user_agent?: string };
    request?: Json;
    delegate?: string;
  };
  result?: { code?: number; error_reason?: number | string; response?: Json };
}

/**
 * The older schema still shown in the doc's "Audit events" section (../README.md); every field but
 * `request_id`
 * and `ended_at` may be left out.
 */
export interface VezaOldRecord {
  identity?: { user_id?: string; session_id?: string; api_key_id?: string; email?: string };
  status?: { grpc_code?: string; http_status?: number; error_reason?: string };
  client?: { ip?: string; user_agent?: string };
  endpoint?: string;
  method?: string;
  url?: string;
  request_id: string;
  request?: Json;
  response?: Json;
  started_at?: string;
  ended_at: string;
}

/** A Veza audit record in either shape; which one a live tenant returns is UNCONFIRMED (../README.md). */
export type VezaRecord = VezaNewRecord | VezaOldRecord;
/** Record schema the emulator serves: one shape, or a seeded mix of both. */
export type VezaShape = 'new' | 'old' | 'mixed';

/** One persisted event: the record, its exact wire text, and the hidden `persisted_at` (../README.md). */
export interface VezaStoredEvent {
  readonly id: string;
  readonly shape: 'new' | 'old';
  readonly record: VezaRecord;
  readonly text: string;
  readonly persistedAt: string;
  readonly persistedAtNs: bigint;
  /** `timestamp` (new shape) or `ended_at` (old shape). */
  readonly endedAt: string;
  readonly endedAtNs: bigint;
}

/** The append-only store, in persistence order. */
export interface VezaLog {
  readonly events: readonly VezaStoredEvent[];
  append(persistedMs: number, lateMs?: number): VezaStoredEvent;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
interface Actor {
  userId: string;
  email: string;
  sessionId: string;
  apiKeyId: string;
  ip: string;
  browser: string;
}
interface Failure {
  grpc: string;
  code: number;
  http: number;
  reason: number;
}
interface Call {
  actor: Actor;
  viaKey: boolean;
  userAgent: string;
  endpoint: string;
  method: Method;
  url: string;
  request: Json;
  response: Json;
  failure: Failure | undefined;
}
interface Context {
  random: Random;
  shape: VezaShape;
  actors: Actor[];
  variety?: VezaVariety | undefined;
}

/**
 * Doc-shaped records mixed into the tidy ones (functions/veza/emulator/arbitrary.ts): `share` of them, drawn by `draw`.
 */
export interface VezaVariety {
  readonly share: number;
  readonly draw: (random: Random, shape: 'new' | 'old', endedNs: bigint) => VezaRecord;
}

// Audited endpoints are gRPC method paths behind REST routes (../README.md).
const ACTIONS: ReadonlyArray<readonly [string, Method, string]> = [
  ['APIKeyService/CreateAPIKey', 'POST', '/api/preview/keys'],
  ['APIKeyService/ListAPIKeys', 'GET', '/api/preview/keys?page_size=100&order_by=name'],
  ['APIKeyService/DeleteAPIKey', 'DELETE', '/api/preview/keys/{id}'],
  ['QueryService/CreateAssessmentQuery', 'POST', '/api/v1/assessments/queries'],
  ['QueryService/GetAssessmentQuery', 'GET', '/api/v1/assessments/queries/{id}'],
  ['QueryService/UpdateAssessmentQuery', 'PUT', '/api/v1/assessments/queries/{id}'],
  ['QueryService/DeleteAssessmentQuery', 'DELETE', '/api/v1/assessments/queries/{id}'],
  ['ProviderService/ListCustomProviders', 'GET', '/api/v1/providers/custom?page_size=50&filter=state+eq+%22ENABLED%22'],
  ['SystemAuditService/ExportAuditEvents', 'GET', '/api/preview/system/audit/export?page_size=1000'],
];
// The numeric `error_reason` values are invented: the enum is UNCONFIRMED (../README.md).
const FAILURES: readonly Failure[] = [
  { grpc: 'PERMISSION_DENIED', code: 7, http: 403, reason: 3 },
  { grpc: 'NOT_FOUND', code: 5, http: 404, reason: 5 },
  { grpc: 'INVALID_ARGUMENT', code: 3, http: 400, reason: 2 },
];
const NAMES = ['ada', 'grace', 'linus', 'margaret', 'ken', 'barbara'];
const BROWSER =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/115.0.0.0 Safari/537.36';
const TOOLS = ['python-requests/2.31.0', 'curl/8.4.0', 'Go-http-client/1.1', 'oaa-client/1.1.0'];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/**
 * Wire JSON: a space after each colon and comma, and `<`, `>`, `&` escaped as Go's encoding/json
 * does. Go's protojson also varies its whitespace, so a client must keep the bytes it received
 * rather than re-serialize (../README.md: grpc-gateway front end; spacing UNCONFIRMED).
 */
export function wireJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(wireJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${wireJson(k)}: ${wireJson(v)}`)
      .join(', ')}}`;
  }
  const text = JSON.stringify(value) ?? 'null';
  return text.replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

/** RFC 3339 with nanoseconds, as the docs show them (../README.md). */
export function formatNs(ns: bigint): string {
  const seconds = new Date(Number(ns / 1_000_000_000n) * 1000).toISOString().slice(0, 19);
  return `${seconds}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`;
}

/** Parses an RFC 3339 time (fraction of up to 9 digits) to nanoseconds since the epoch. */
export function parseRfc3339Ns(text: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1] ?? ''}${m[3] ?? ''}`);
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** `persisted_at GE "<t>"`, the only export filter the docs show (../README.md). */
export function parseExportFilter(filter: string): bigint | undefined {
  const m = /^\s*persisted_at\s+GE\s+"([^"]+)"\s*$/.exec(filter);
  return m?.[1] === undefined ? undefined : parseRfc3339Ns(m[1]);
}

const FIELDS: Record<string, (r: VezaRecord) => string | undefined> = {
  method: (r) => ('request_id' in r ? r.method : r.intent?.method),
  user_id: (r) => ('request_id' in r ? r.identity?.user_id : r.intent?.user_id),
  url: (r) => ('request_id' in r ? r.url : r.intent?.url),
};
const COMPARE: Record<string, (a: bigint, b: bigint) => boolean> = {
  EQ: (a, b) => a === b,
  GE: (a, b) => a >= b,
  GT: (a, b) => a > b,
  LE: (a, b) => a <= b,
  LT: (a, b) => a < b,
};

/** A parsed list filter: its `ended_at GE` bound and a predicate. */
export interface VezaListQuery {
  since: bigint;
  test(event: VezaStoredEvent): boolean;
}

/**
 * List filter: `and`-joined clauses over ended_at (EQ/GE/GT/LE/LT) and method, user_id, url (EQ);
 * an `ended_at GE` clause is required (../README.md; the `and` grammar is UNCONFIRMED).
 * Returns an error message when the filter is invalid.
 */
export function parseListFilter(filter: string): VezaListQuery | string {
  const tests: Array<(e: VezaStoredEvent) => boolean> = [];
  let since: bigint | undefined;
  for (const clause of filter.trim().split(/\s+and\s+/i)) {
    const [, field = '', op = '', value = ''] = /^(\w+)\s+(\w+)\s+"([^"]*)"$/.exec(clause.trim()) ?? [];
    const compare = COMPARE[op];
    const get = FIELDS[field];
    if (field === 'ended_at' && compare) {
      const ns = parseRfc3339Ns(value);
      if (ns === undefined) return `invalid timestamp in filter: ${value}`;
      if (op === 'GE' && (since === undefined || ns > since)) since = ns;
      tests.push((e) => compare(e.endedAtNs, ns));
    } else if (get && op === 'EQ') tests.push((e) => get(e.record) === value);
    else return `unsupported filter clause: ${clause.trim()}`;
  }
  if (since === undefined) return 'filter must include an ended_at GE "<timestamp>" clause';
  return { since, test: (e) => tests.every((t) => t(e)) };
}

/** Writes and checks page tokens; `read` answers `{}` for a token it did not write. */
export interface VezaTokenCodec {
  write(payload: Record<string, string | number>): string;
  read(token: string): Record<string, unknown>;
}

/** Opaque page tokens: base64url JSON with an HMAC, so a tampered token is refused (format UNCONFIRMED). */
export function vezaTokenCodec(seed: number): VezaTokenCodec {
  const sign = (text: string): string =>
    createHmac('sha256', `veza-emulator-${seed}`).update(text).digest('base64url').slice(0, 22);
  return {
    write: (payload) =>
      Buffer.from(JSON.stringify({ ...payload, sig: sign(JSON.stringify(payload)) })).toString('base64url'),
    read(token) {
      try {
        const { sig, ...payload } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Record<
          string,
          unknown
        >;
        return sig === sign(JSON.stringify(payload)) ? payload : {};
      } catch {
        return {};
      }
    },
  };
}

function makeActor(random: Random, name: string): Actor {
  return {
    userId: randomUuid(random),
    email: `${name}@example.com`,
    sessionId: randomUuid(random),
    apiKeyId: randomUuid(random),
    browser: BROWSER,
    ip: `10.${randomInt(random, 0, 255)}.${randomInt(random, 0, 255)}.${randomInt(random, 1, 254)}`,
  };
}

/** A plausible call: an actor, an action, its whitelisted request and response excerpts (../README.md). */
function makeCall(random: Random, actors: readonly Actor[]): Call {
  const actor = pick(random, actors);
  const [rpc, method, path] = pick(random, ACTIONS);
  const viaKey = random() < 0.3;
  const id = randomUuid(random);
  const name = rpc.startsWith('APIKey') ? `KeyName${randomInt(random, 1, 99)}` : `query-${randomInt(random, 1, 999)}`;
  const failure = random() < 0.05 ? pick(random, FAILURES) : undefined;
  const request: Json =
    method === 'POST' ? { name } : method === 'PUT' ? { id, name } : path.includes('{id}') ? { id } : {};
  const value: Json =
    method === 'POST' ? { id, name, team_id: randomUuid(random), user_id: actor.userId } : { id, name };
  const response: Json =
    failure || method === 'DELETE' || (method === 'GET' && !path.includes('{id}')) ? {} : { value };
  return {
    actor,
    viaKey,
    userAgent: viaKey ? pick(random, TOOLS) : actor.browser,
    endpoint: `/api_protos.v1.${rpc}`,
    method,
    url: path.replace('{id}', id),
    request,
    response,
    failure,
  };
}

function newRecord(random: Random, call: Call, endedNs: bigint): VezaNewRecord {
  const { actor, viaKey, failure } = call;
  return {
    id: randomUuid(random),
    timestamp: formatNs(endedNs),
    intent: {
      trace_id: randomHex(random, 32),
      user_id: actor.userId,
      session_id: viaKey ? '' : actor.sessionId,
      api_key_id: viaKey ? actor.apiKeyId : '',
      endpoint: call.endpoint,
      method: call.method,
      url: call.url,
      client: { ip_address: actor.ip, user_agent: call.userAgent },
      request: call.request,
      delegate: '',
    },
    result: { code: failure?.code ?? 0, error_reason: failure?.reason ?? 0, response: call.response },
  };
}

function oldRecord(random: Random, call: Call, endedNs: bigint): VezaOldRecord {
  const { actor, viaKey, failure } = call;
  const startedNs = endedNs - BigInt(randomInt(random, 1_000_000, 80_000_000));
  return {
    identity: {
      user_id: actor.userId,
      session_id: viaKey ? '' : actor.sessionId,
      api_key_id: viaKey ? actor.apiKeyId : '',
      email: actor.email,
    },
    status: {
      grpc_code: failure?.grpc ?? 'OK',
      http_status: failure?.http ?? 200,
      error_reason: failure?.grpc ?? 'OK',
    },
    client: { ip: actor.ip, user_agent: call.userAgent },
    endpoint: call.endpoint,
    method: call.method,
    url: call.url,
    request_id: randomHex(random, 32),
    request: call.request,
    response: call.response,
    started_at: formatNs(startedNs),
    ended_at: formatNs(endedNs),
  };
}

function makeEvent(ctx: Context, persistedNs: bigint, lagNs: bigint): VezaStoredEvent {
  const { random, variety } = ctx;
  const shape = ctx.shape === 'mixed' ? (random() < 0.5 ? 'new' : 'old') : ctx.shape;
  const endedNs = persistedNs - lagNs;
  let record: VezaRecord;
  if (variety && random() < variety.share) record = variety.draw(random, shape, endedNs);
  else {
    const call = makeCall(random, ctx.actors);
    record = shape === 'new' ? newRecord(random, call, endedNs) : oldRecord(random, call, endedNs);
  }
  return {
    id: 'request_id' in record ? record.request_id : record.id,
    shape,
    record,
    text: wireJson(record),
    persistedAt: formatNs(persistedNs),
    persistedAtNs: persistedNs,
    endedAt: formatNs(endedNs),
    endedAtNs: endedNs,
  };
}

/**
 * A seeded, append-only event store. `persisted_at` strictly increases (sub-millisecond jitter, bumped
 * past the previous one) and is never earlier than the event's own time (../README.md).
 */
export function createVezaLog(seed: number, shape: VezaShape, variety?: VezaVariety): VezaLog {
  const random = seededRandom(seed);
  const ctx: Context = { random, shape, actors: NAMES.map((name) => makeActor(random, name)), variety };
  const events: VezaStoredEvent[] = [];
  return {
    events,
    append(persistedMs, lateMs) {
      const last = events.at(-1)?.persistedAtNs ?? -1n;
      const wanted = BigInt(Math.floor(persistedMs)) * 1_000_000n + BigInt(randomInt(random, 0, 999_999));
      const persistedNs = wanted > last ? wanted : last + 1n;
      const lagNs =
        lateMs === undefined ? BigInt(randomInt(random, 5_000_000, 400_000_000)) : BigInt(Math.round(lateMs * 1e6));
      const event = makeEvent(ctx, persistedNs, lagNs);
      events.push(event);
      return event;
    },
  };
}
