/**
 * Authentic8 Silo logs in every shape the docs allow
 * (../README.md): the doc's URL and ENC examples give the field names; the reference guide
 * says `port` is null for 80/443 or a string, the categories come only with a policy; the other
 * types' fields are UNCONFIRMED, so each may be absent, null, "" or set, and any type may carry
 * extra fields of any JSON shape. Used by the property tests and by the emulator's `variety` option.
 */
import * as fc from 'fast-check';
import { IP, TEXT, maybe, present, sampleOne } from '../../../local/emulators/arbitrary-sample.ts';
import { AUTHENTIC8_LOG_TYPES, pyJson, type Json } from './data.ts';
import type { Random } from '../../../local/emulators/random.ts';
import type { Generated } from '../../../local/vendor-local.ts';

export interface ShapeOptions {
  readonly full?: boolean;
}

type Record8 = Record<string, Json>;

/** A documented-but-optional text field: absent, null, "" or set (with `full`, set). */
function field(value: fc.Arbitrary<Json>, full: boolean | undefined): fc.Arbitrary<Json | undefined> {
  return full ? value : fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant(''), value);
}

/** An optional number: absent, null or set. */
function number(value: fc.Arbitrary<number>, full: boolean | undefined): fc.Arbitrary<number | null | undefined> {
  return full ? value : fc.oneof(fc.constant(undefined), fc.constant(null), value);
}

const HEX = fc.stringMatching(/^[0-9a-f]{32}$/);
const HEADER_LINES = fc
  .array(fc.tuple(fc.constantFrom('Host', 'User-Agent', 'Content-Type', 'X-Odd'), fc.string({ maxLength: 20 })), {
    maxLength: 5,
  })
  .map((lines) => lines.map(([k, v]) => `${k}: ${v}\r\n`).join(''));
const URL_TEXT = fc.oneof(
  fc.webUrl(),
  fc.constantFrom('https://example.com/a/report.pdf', 'http://host:8080/x?q=1', 'not a url'),
);
/** Extra fields of an UNCONFIRMED type: any JSON, nested objects and arrays included. */
const EXTRAS = fc.dictionary(
  fc.constantFrom('detail', 'event', 'egress_location', 'policy', 'bytes_sent', 'meta'),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  { maxKeys: 3 },
);

/** The fields every plaintext type shares (../README.md: `org_id` on every type, the others on most). */
function common(full: boolean | undefined): fc.Arbitrary<Record8> {
  return fc
    .record({
      org_id: HEX,
      client_ip: field(fc.oneof(IP, fc.constant('unknown')), full),
      user_id: field(HEX, full),
      username: field(fc.oneof(fc.emailAddress(), TEXT), full),
      session_id: field(HEX, full),
    })
    .map((r) => present(r) as Record8);
}

function urlFields(type: string, full: boolean | undefined): fc.Arbitrary<Record8> {
  const blocked = type === 'BLOCKED URL';
  return fc
    .record({
      domain: blocked ? field(fc.domain(), full) : fc.domain(),
      path: field(fc.constantFrom('/', '/en/download/installed.jsp', '/search', '/a b/ü'), full),
      scheme: field(fc.constantFrom('http', 'https'), full),
      method: field(fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'get'), full),
      query: field(fc.constantFrom('q=1', 'a=%C3%A9&b'), full),
      url: maybe(fc.oneof(fc.constant(null), URL_TEXT), full),
      // "null for 80 and 443"; the reference guide's example sends "81", a string.
      port: full
        ? fc.integer({ min: 1, max: 65_535 })
        : fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 65_535 }), fc.constantFrom('81', '8443')),
      response_code: blocked
        ? fc.constant(undefined)
        : number(fc.constantFrom(200, 204, 301, 304, 404, 500, 503), full),
      response_size: blocked
        ? fc.constant(undefined)
        : number(fc.oneof(fc.nat(90_000), fc.constant(5_000_000_000)), full),
      headers: field(HEADER_LINES, full),
      response_headers: blocked ? fc.constant(undefined) : field(HEADER_LINES, full),
      micro_category: maybe(TEXT, full),
      macro_category: maybe(TEXT, full),
    })
    .map((r) => present(r) as Record8);
}

/** The type-specific fields (UNCONFIRMED names but `audit_type`, TA-authentic8's CIM map). */
function typeFields(type: string, full: boolean | undefined): fc.Arbitrary<Record8> {
  const json = fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>;
  const shapes: Record<string, fc.Arbitrary<Record<string, Json | undefined>>> = {
    AUTH: fc.record({
      auth_type: field(fc.constantFrom('SAML', 'PIN', 'OIDC', 'password'), full),
      action: field(fc.constantFrom('success', 'failure', 'logout', 'locked'), full),
      reason: field(TEXT, full),
    }),
    ADMIN_AUDIT: fc.record({
      audit_type: field(
        fc.constantFrom(
          'USER_CREATE',
          'USER_DISABLE',
          'USER_PASSWORD_RESET',
          'POLICY_UPDATE',
          'GROUP_UPDATE',
          'ORG_SETTINGS_UPDATE',
          'EXPORT',
        ),
        full,
      ),
      target: field(fc.oneof(fc.emailAddress(), TEXT), full),
      target_type: field(fc.constantFrom('user', 'policy', 'group', 'org'), full),
      before: maybe(json, full),
      after: maybe(json, full),
    }),
    DOWNLOAD: fc.record({
      url: field(URL_TEXT, full),
      filename: field(TEXT, full),
      bytes: number(fc.nat(), full),
      sha256: field(fc.stringMatching(/^[0-9a-f]{64}$/), full),
    }),
    UPLOAD: fc.record({
      url: field(URL_TEXT, full),
      filename: field(TEXT, full),
      bytes: number(fc.nat(), full),
      destination_path: field(TEXT, full),
    }),
    EXPLOIT: fc.record({ exploit_name: field(TEXT, full), url: field(URL_TEXT, full), filename: field(TEXT, full) }),
  };
  const own = shapes[type] ?? fc.record({ url: field(URL_TEXT, full), filename: field(TEXT, full) });
  return fc.tuple(own, EXTRAS).map(([fields, extras]) => ({ ...extras, ...present(fields) }) as Record8);
}

/** An ENC envelope (vendor doc example; `encryption_type` from TA-authentic8). */
function encFields(full: boolean | undefined): fc.Arbitrary<Record8> {
  return fc
    .record({
      key_name: fc.oneof(fc.constant(''), TEXT),
      enc: fc.base64String({ minLength: 4, maxLength: 64 }).filter((s) => s.length > 0),
      encryption_type: maybe(fc.constantFrom('Standard', 'seccure', null), full),
      org_id: maybe(HEX, full),
    })
    .map((r) => present(r) as Record8);
}

const built = new Map<string, fc.Arbitrary<Record8>>();

/**
 * One log of `type` without `seq_id` and `create_ts` (the caller's). Built once per type: building costs more than
 * drawing.
 */
export function authentic8Fields(type: string, options: ShapeOptions = {}): fc.Arbitrary<Record8> {
  const key = `${type}\u0000${options.full ? 'full' : ''}`;
  let arbitrary = built.get(key);
  if (!arbitrary) built.set(key, (arbitrary = buildFields(type, options.full)));
  return arbitrary;
}

function buildFields(type: string, full: boolean | undefined): fc.Arbitrary<Record8> {
  if (type === 'ENC') return encFields(full).map((r) => ({ ...r, type }));
  const own = type === 'URL' || type === 'BLOCKED URL' ? urlFields(type, full) : typeFields(type, full);
  return fc.tuple(common(full), own).map(([shared, fields]) => ({ ...shared, ...fields, type }));
}

/** `create_ts`: float epoch seconds, now and then a whole second (written `1404245973.0`). */
const CREATE_TS = fc
  .integer({ min: 1_400_000_000_000, max: 1_900_000_000_000 })
  .chain((ms) => fc.constantFrom(ms / 1000, Math.floor(ms / 1000), (ms * 1000 + 123) / 1e6));

/** Whole logs of any type, as extractlog's `logs[]` serves them (Python json.dumps text). */
function authentic8Wire(options: ShapeOptions = {}): fc.Arbitrary<string> {
  const seq = fc.oneof(fc.nat(), fc.integer({ min: 2 ** 31, max: 2 ** 40 }));
  return fc
    .tuple(fc.constantFrom(...AUTHENTIC8_LOG_TYPES), seq, CREATE_TS)
    .chain(([type, seqId, createTs]) =>
      authentic8Fields(type, options).map((fields) => pyJson({ seq_id: seqId, ...fields, create_ts: createTs })),
    );
}

/** A log of `type` drawn from the emulator's Random (without seq_id and create_ts). */
export function drawAuthentic8(random: Random, type: string): Record8 {
  return sampleOne(authentic8Fields(type), random);
}

/** Authentic8's records for the property tests, and the options a source needs to read them. */
export const authentic8Generated: Generated = { wire: authentic8Wire, options: { org: 'Acme Corp' } };
