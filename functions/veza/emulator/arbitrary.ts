/**
 * Veza audit records in every shape the docs allow (../README.md): both documented schemas;
 * protojson leaves out fields at their default, so any field but the id and the end time may be
 * absent; the doc's sample shows "" (`api_key_id`) and the OpenAPI example `{}` (`request`,
 * `response`); `result.code` a gRPC number, `error_reason` a number or a name. Null is never sent.
 * Used by the property tests and by the emulator's `variety` option.
 */
import * as fc from 'fast-check';
import { HEX32, IP, TEXT, maybe, present, sampleOne } from '../../../local/emulators/arbitrary-sample.ts';
import { formatNs, wireJson, type Json, type VezaNewRecord, type VezaOldRecord, type VezaRecord } from './data.ts';
import type { Random } from '../../../local/emulators/random.ts';
import type { Generated } from '../../../local/vendor-local.ts';

export interface ShapeOptions {
  readonly full?: boolean;
}

/** A text field: absent, "" or set (with `full`, set). */
function field(value: fc.Arbitrary<string>, full: boolean | undefined): fc.Arbitrary<string | undefined> {
  return full ? value : fc.oneof(fc.constant(undefined), fc.constant(''), value);
}

/** An object: absent, {} or set. */
function object<T>(
  value: fc.Arbitrary<T>,
  full: boolean | undefined,
): fc.Arbitrary<T | Record<string, never> | undefined> {
  return full ? value : fc.oneof(fc.constant(undefined), fc.constant({}), value);
}

const ENDPOINT = fc.oneof(
  fc.constantFrom(
    '/api_protos.v1.APIKeyService/CreateAPIKey',
    '/api_protos.v1.QueryService/ListAssessmentQueries',
    '/api_protos.v1.AuthService/Login',
    '/api_protos.v1.SyncService/StartSync',
  ),
  TEXT,
);
const METHOD = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE');
const URL = fc.constantFrom(
  '/api/preview/keys',
  '/api/preview/keys?page_size=100&order_by=name',
  '/api/v1/providers/custom?filter=state+eq+%22ENABLED%22',
  '/',
);
const EXCERPT = fc.dictionary(
  fc.constantFrom('name', 'id', 'value', 'team_id'),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  { minKeys: 1, maxKeys: 3 },
);
const GRPC_NAMES = fc.constantFrom(
  'OK',
  'PERMISSION_DENIED',
  'NOT_FOUND',
  'INVALID_ARGUMENT',
  'UNAUTHENTICATED',
  'RESOURCE_EXHAUSTED',
  'INTERNAL',
);

type NewShape = Omit<VezaNewRecord, 'timestamp'>;
type OldShape = Omit<VezaOldRecord, 'ended_at' | 'started_at'> & { startedBeforeNs?: number };

const built = new Map<string, fc.Arbitrary<NewShape | OldShape>>();

function newShape(full: boolean | undefined): fc.Arbitrary<NewShape> {
  const client = fc
    .record({ ip_address: field(fc.oneof(IP, fc.constant('unknown')), full), user_agent: field(TEXT, full) })
    .map(present);
  const intent = fc
    .record({
      trace_id: field(HEX32, full),
      user_id: field(fc.uuid(), full),
      session_id: field(fc.uuid(), full),
      api_key_id: field(fc.uuid(), full),
      endpoint: field(ENDPOINT, full),
      method: field(METHOD, full),
      url: field(URL, full),
      client: object(client, full),
      request: object(EXCERPT, full),
      delegate: field(TEXT, full),
    })
    .map(present);
  const result = fc
    .record({
      code: maybe(fc.oneof(fc.integer({ min: 0, max: 16 }), fc.constant(42)), full),
      error_reason: maybe(fc.oneof(fc.nat(20), GRPC_NAMES), full),
      response: object(EXCERPT, full),
    })
    .map(present);
  return fc
    .record({ id: fc.uuid(), intent: object(intent, full), result: object(result, full) })
    .map((r) => present(r) as NewShape);
}

function oldShape(full: boolean | undefined): fc.Arbitrary<OldShape> {
  const identity = fc
    .record({
      user_id: field(fc.uuid(), full),
      session_id: field(fc.uuid(), full),
      api_key_id: field(fc.uuid(), full),
      email: field(fc.emailAddress(), full),
    })
    .map(present);
  const status = fc
    .record({
      grpc_code: field(GRPC_NAMES, full),
      http_status: maybe(fc.constantFrom(200, 400, 401, 403, 404, 429, 500), full),
      error_reason: field(GRPC_NAMES, full),
    })
    .map(present);
  const client = fc
    .record({ ip: field(fc.oneof(IP, fc.constant('unknown')), full), user_agent: field(TEXT, full) })
    .map(present);
  return fc
    .record({
      identity: object(identity, full),
      status: object(status, full),
      client: object(client, full),
      endpoint: field(ENDPOINT, full),
      method: field(METHOD, full),
      url: field(URL, full),
      request_id: HEX32,
      request: object(EXCERPT, full),
      response: object(EXCERPT, full),
      startedBeforeNs: maybe(fc.integer({ min: 1_000, max: 90_000_000 }), full),
    })
    .map((r) => present(r) as OldShape);
}

/** Records of `shape` without their times. Built once: building costs more than drawing. */
function shapeOf(shape: 'new' | 'old', full = false): fc.Arbitrary<NewShape | OldShape> {
  const key = `${shape}${full}`;
  let arbitrary = built.get(key);
  if (!arbitrary) built.set(key, (arbitrary = shape === 'new' ? newShape(full) : oldShape(full)));
  return arbitrary;
}

/** The record with its end time `endedNs` (and start time) placed as the shape writes them. */
function place(record: NewShape | OldShape, endedNs: bigint): VezaRecord {
  if ('id' in record) {
    const { id, ...rest } = record;
    return { id, timestamp: formatNs(endedNs), ...rest };
  }
  const { startedBeforeNs, ...rest } = record;
  return {
    ...rest,
    ...(startedBeforeNs === undefined ? {} : { started_at: formatNs(endedNs - BigInt(startedBeforeNs)) }),
    ended_at: formatNs(endedNs),
  };
}

const ENDED_NS = fc.bigInt({ min: 1_577_836_800_000_000_000n, max: 1_893_456_000_000_000_000n });

/** Records of either shape as the export's `values[]` serves them (Go-escaped JSON text). */
function vezaWire(options: ShapeOptions = {}): fc.Arbitrary<string> {
  const record = fc.constantFrom('new' as const, 'old' as const).chain((shape) => shapeOf(shape, options.full));
  return fc.tuple(record, ENDED_NS).map(([r, ns]) => wireJson(place(r, ns)));
}

/** A record of `shape` ending at `endedNs`, drawn from the emulator's Random. */
export function drawVeza(random: Random, shape: 'new' | 'old', endedNs: bigint): VezaRecord {
  return place(sampleOne(shapeOf(shape), random), endedNs);
}

/** Veza's records for the property tests, and the options a source needs to read them. */
export const vezaGenerated: Generated = { wire: vezaWire, options: {} };
