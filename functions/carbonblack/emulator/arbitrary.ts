/**
 * Carbon Black Cloud v1 audit logs in every shape the docs allow (../README.md): no id; the
 * doc samples send `actor_ip` and `request_url` null; the Data Forwarder leaves out false and empty
 * fields; `actor` is a user's login or an API key id. So every field but `create_time` and
 * `description` may be absent, null, "" or set. Used by the property tests and by the emulator's
 * `variety` option.
 */
import * as fc from 'fast-check';
import { IP, TEXT, maybe, present, sampleOne } from '../../../local/emulators/arbitrary-sample.ts';
import { wireJson, type CbAuditLog } from './data.ts';
import type { Random } from '../../../local/emulators/random.ts';
import type { Generated } from '../../../local/vendor-local.ts';

export interface ShapeOptions {
  readonly full?: boolean;
}

/** Descriptions as the console writes them: log-ins, failures, changes with names and ids, free text. */
const DESCRIPTION = fc.oneof(
  fc.constantFrom(
    'Logged in successfully',
    'Logged out',
    'Login failed: invalid password',
    'Downloaded audit log export',
    'API key used to search devices',
  ),
  fc
    .tuple(
      fc.constantFrom(
        'Updated policy',
        'Created API key',
        'Deleted sensor group',
        'Enabled bypass mode on device',
        'Connector',
      ),
      TEXT,
      fc.nat(999_999),
    )
    .map(([verb, name, id]) => `${verb} "${name}" (id ${id})`),
  fc.constant(''),
  TEXT,
);

/** A text field the forwarder may leave out: absent, null, "" or set. */
function field(value: fc.Arbitrary<string>, full: boolean | undefined): fc.Arbitrary<string | null | undefined> {
  return full ? value : fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant(''), value);
}

const shapes = new Map<boolean, fc.Arbitrary<Omit<CbAuditLog, 'create_time'>>>();

/**
 * Records without their `create_time`; an `org_key` that is set is a placeholder the caller replaces. Built once:
 * building costs more than drawing.
 */
function shape(full = false): fc.Arbitrary<Omit<CbAuditLog, 'create_time'>> {
  let arbitrary = shapes.get(full);
  if (arbitrary) return arbitrary;
  const flag = full ? fc.boolean() : fc.oneof(fc.constant(undefined), fc.constant(null), fc.boolean());
  arbitrary = fc
    .record({
      org_key: field(fc.constant('ORG'), full),
      actor_ip: field(fc.oneof(IP, fc.constant('unknown')), full),
      actor: field(fc.oneof(fc.emailAddress(), fc.stringMatching(/^[A-Z0-9]{10}$/), TEXT), full),
      request_url: field(fc.webUrl({ withQueryParameters: true }), full),
      description: DESCRIPTION,
      flagged: flag,
      verbose: maybe(fc.boolean(), full),
    })
    .map((r) => present(r) as Omit<CbAuditLog, 'create_time'>);
  shapes.set(full, arbitrary);
  return arbitrary;
}

/** The record of `orgKey` at `timeMs`, in the key order the API writes. */
function place(record: Omit<CbAuditLog, 'create_time'>, orgKey: string, timeMs: number): CbAuditLog {
  return { ...record, ...(record.org_key ? { org_key: orgKey } : {}), create_time: new Date(timeMs).toISOString() };
}

const TIME = fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2030-01-01T00:00:00Z') });

/** Records as `_search` and `_queue` serve them (ASCII-escaped JSON text). */
function carbonBlackWire(options: ShapeOptions = {}): fc.Arbitrary<string> {
  return fc.tuple(shape(options.full), TIME).map(([record, ms]) => wireJson(place(record, 'ABCD1234', ms)));
}

/** A record of `orgKey` at `timeMs`, drawn from the emulator's Random. */
export function drawCarbonBlack(random: Random, orgKey: string, timeMs: number): CbAuditLog {
  return place(sampleOne(shape(), random), orgKey, timeMs);
}

/** CarbonBlack's records for the property tests, and the options a source needs to read them. */
export const carbonBlackGenerated: Generated = { wire: carbonBlackWire, options: { orgKey: 'ABCD1234' } };
