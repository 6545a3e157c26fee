/**
 * Nected audit records in every shape the docs allow (): the
 * example's fields, with `user`, `entityId`, `message` and the root node's ids "" where the doc
 * shows them so, `input`/`output` null or objects, `path` null, [] or text (the detail schema says
 * string or null). The `AuditLogEntry` schema is not public (../README.md), so any field but
 * `logId` and `date` may also be absent or null. Used by the property tests and by the emulator's
 * `variety` option.
 */
import * as fc from 'fast-check';
import { IP, TEXT, present, sampleOne } from '../../../local/emulators/arbitrary-sample.ts';
import { recordText, type NectedRecord } from './data.ts';
import { formatNs } from '../../veza/emulator/data.ts';
import type { Random } from '../../../local/emulators/random.ts';
import type { Json } from '../../veza/emulator/data.ts';
import type { Generated } from '../../../local/vendor-local.ts';

export interface ShapeOptions {
  readonly full?: boolean;
}

/** A field of the unpublished schema: absent, null, "" or set (with `full`, set). */
function field<T extends Json>(
  value: fc.Arbitrary<T>,
  full: boolean | undefined,
): fc.Arbitrary<T | '' | null | undefined> {
  return full ? value : fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant('' as const), value);
}

const EVENTS = fc.constantFrom(
  'Update',
  'Create',
  'Delete',
  'Publish',
  'Role Update',
  'Role Revoke',
  'Test Via Console',
  'Call Via API',
  'Via Cron',
  'Via Webhook',
  'Delayed Test',
);
const TYPES = fc.constantFrom(
  'Decisiontable',
  'Dataset',
  'Connector',
  'Ruleset',
  'Api',
  'Workflow',
  'User',
  'Systemapikey',
);
const STATUSES = fc.constantFrom('Success', 'Completed', 'Error', 'Failed', 'Running', 'success');
const OBJECT = fc.dictionary(
  fc.string({ minLength: 1, maxLength: 8 }),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
  { maxKeys: 3 },
);
const ROOT = fc.record({
  id: fc.oneof(fc.constant(''), fc.uuid()),
  name: fc.oneof(fc.constant(''), TEXT),
  logId: fc.oneof(fc.constant(''), fc.uuid()),
});

const built = new Map<boolean, fc.Arbitrary<Omit<NectedRecord, 'date' | 'logId'>>>();

/** Records without `logId` and `date`, in the example's key order. Built once: building costs more than drawing. */
function shape(full = false): fc.Arbitrary<Omit<NectedRecord, 'date' | 'logId'>> {
  let arbitrary = built.get(full);
  if (arbitrary) return arbitrary;
  arbitrary = fc
    .record({
      entityId: field(fc.uuid(), full),
      executionId: field(fc.uuid(), full),
      type: field(TYPES, full),
      name: field(TEXT, full),
      event: field(EVENTS, full),
      status: field(STATUSES, full),
      environment: field(fc.constantFrom('Staging', 'Production'), full),
      user: field(TEXT, full),
      workspaceId: field(fc.constantFrom('60', '7'), full),
      ip: field(fc.oneof(IP, fc.constant('unknown')), full),
      statusTimeMs: full ? fc.nat(900_000) : fc.oneof(fc.constant(undefined), fc.constant(null), fc.nat(900_000)),
      rootNode: full
        ? ROOT
        : fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant({ id: '', name: '', logId: '' }), ROOT),
      traceId: field(fc.oneof(fc.uuid(), fc.constant('Root=1-6746b398-53e5e9017fd84ff46c030f27')), full),
      message: field(TEXT, full),
      input: full ? OBJECT : fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant({}), OBJECT),
      output: full ? OBJECT : fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant({}), OBJECT),
      path: full
        ? fc.array(fc.string(), { maxLength: 2 })
        : fc.oneof(fc.constant(undefined), fc.constant(null), fc.constant([]), fc.string()),
      version: field(fc.constantFrom('draft', '0.10', '3'), full),
    })
    .map((r) => present(r) as Omit<NectedRecord, 'date' | 'logId'>);
  built.set(full, arbitrary);
  return arbitrary;
}

/** An Elasticsearch-style document id, as the doc's `logId` values look. */
const LOG_ID = fc.stringMatching(/^[A-Za-z0-9_-]{20}$/);

/** The record with its id and date placed where the example has them (after `ip`, after `statusTimeMs`). */
function place(record: Omit<NectedRecord, 'date' | 'logId'>, logId: string, date: string): NectedRecord {
  const { statusTimeMs, rootNode, traceId, message, input, output, path, version, ...head } = record;
  return present({
    ...head,
    logId,
    statusTimeMs,
    date,
    rootNode,
    traceId,
    message,
    input,
    output,
    path,
    version,
  }) as NectedRecord;
}

/** Records as the search's `data[]` serves them (the doc example's indentation and escapes). */
function nectedWire(options: ShapeOptions = {}): fc.Arbitrary<string> {
  const dateNs = fc.bigInt({ min: 1_577_836_800_000_000_000n, max: 1_893_456_000_000_000_000n });
  return fc
    .tuple(shape(options.full), LOG_ID, dateNs)
    .map(([record, logId, ns]) => recordText(place(record, logId, formatNs(ns))));
}

/** A record dated `date` (RFC 3339, nanoseconds), drawn from the emulator's Random. */
export function drawNected(random: Random, date: string): NectedRecord {
  return place(sampleOne(shape(), random), sampleOne(LOG_ID, random), date);
}

/** Nected's records for the property tests, and the options a source needs to read them. */
export const nectedGenerated: Generated = { wire: nectedWire, options: { branch: 'main' } };
