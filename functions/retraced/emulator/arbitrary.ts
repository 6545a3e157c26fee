/**
 * Retraced events in every shape the publisher API accepts (../README.md; retraced
 * `createEvent.ts` validation): `action` and `crud` required; `actor`, `target` and `group` each
 * optional but with an `id` when present; no actor only when `is_anonymous`; `source_ip` a valid
 * IPv4 or IPv6 address; every other field absent, empty ("" or {}) or set. The server adds the
 * place (from the IP), times and id; the GraphQL node (functions/retraced/emulator/data.ts `toNode`) turns what
 * is absent into null. Used by the property tests and by the emulator's `variety` option.
 */
import * as fc from 'fast-check';
import { HEX32, IP, TEXT, maybe, present, sampleOne, textOrEmpty } from '../../../local/emulators/arbitrary-sample.ts';
import type { Random } from '../../../local/emulators/random.ts';
import { toNode, type RetracedFields, type RetracedPublished, type RetracedStoredEvent } from './data.ts';
import type { Generated } from '../../../local/vendor-local.ts';

/** Options of the generators: `full` sets every optional field (the field-coverage test). */
export interface ShapeOptions {
  readonly full?: boolean;
}

/** A published event without its group, and its `created` as an offset from `received`. */
type Shape = Omit<RetracedPublished, 'group' | 'created'> & { createdOffsetMs?: number };

const ACTIONS = fc.oneof(
  fc.constantFrom(
    'user.login',
    'user.logout',
    'sso.login.failed',
    'document.edit',
    'audit.log.view',
    'api_key.create',
    'a',
  ),
  fc.string({ minLength: 1, maxLength: 30 }),
);

function fieldsOf(full: boolean | undefined): fc.Arbitrary<RetracedFields> {
  const map = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), textOrEmpty(full), { minKeys: 1, maxKeys: 4 });
  return full ? map : fc.oneof(fc.constant({}), map);
}

function actorOf(full: boolean | undefined): fc.Arbitrary<NonNullable<RetracedPublished['actor']>> {
  return fc
    .record({ id: TEXT, name: maybe(textOrEmpty(full), full), fields: maybe(fieldsOf(full), full) })
    .map(present);
}

function targetOf(full: boolean | undefined): fc.Arbitrary<NonNullable<RetracedPublished['target']>> {
  return fc
    .record({
      id: TEXT,
      name: maybe(textOrEmpty(full), full),
      type: maybe(textOrEmpty(full), full),
      fields: maybe(fieldsOf(full), full),
    })
    .map(present);
}

/** Where the IP was placed by the server's geo lookup: nothing, a country, or down to the city. */
const PLACE = fc.oneof(
  fc.constant({}),
  fc.record({ country: TEXT }),
  fc.record({ country: TEXT, loc_subdiv1: TEXT }),
  fc.record({ country: TEXT, loc_subdiv1: TEXT, loc_subdiv2: TEXT }),
);

/** `created` relative to `received`: absent, slightly behind, days behind (batch uploads), or ahead. */
const CREATED_OFFSET = fc.oneof(
  fc.integer({ min: -5_000, max: 0 }),
  fc.integer({ min: -3 * 86_400_000, max: -3_600_000 }),
  fc.integer({ min: 1_000, max: 120_000 }),
);

/** Every event the publisher API accepts, without group and times. */
export function retracedShape(options: ShapeOptions = {}): fc.Arbitrary<Shape> {
  const { full } = options;
  const who = full
    ? fc.record({ actor: actorOf(full), is_anonymous: fc.boolean() })
    : fc.oneof(
        fc.record({ is_anonymous: fc.constant(true) }),
        fc.record({ actor: actorOf(full), is_anonymous: maybe(fc.boolean(), full) }),
      );
  const where = full
    ? fc.tuple(
        IP,
        PLACE.filter((p) => 'loc_subdiv2' in p),
      )
    : fc.option(fc.tuple(IP, PLACE), { nil: undefined, freq: 2 });
  return fc
    .record({
      action: ACTIONS,
      crud: fc.constantFrom('c', 'r', 'u', 'd') as fc.Arbitrary<'c' | 'r' | 'u' | 'd'>,
      who,
      target: maybe(targetOf(full), full),
      where,
      createdOffsetMs: maybe(CREATED_OFFSET, full),
      description: maybe(textOrEmpty(full), full),
      is_failure: maybe(fc.boolean(), full),
      fields: maybe(fieldsOf(full), full),
      component: maybe(textOrEmpty(full), full),
      version: maybe(textOrEmpty(full), full),
      external_id: maybe(textOrEmpty(full), full),
    })
    .map(
      ({ who: w, where: place, ...rest }) =>
        present({ ...rest, ...w, ...(place ? { source_ip: place[0], ...place[1] } : {}) }) as Shape,
    );
}

/** A published event of `group` received at `receivedMs`, drawn from the emulator's Random. */
export function drawRetraced(
  random: Random,
  group: { id: string; name: string },
  receivedMs: number,
): RetracedPublished {
  const { createdOffsetMs, ...shape } = sampleOne(retracedShape(), random);
  return {
    ...shape,
    group: { ...group },
    ...(createdOffsetMs === undefined ? {} : { created: receivedMs + createdOffsetMs }),
  };
}

/** GraphQL nodes (`edges[].node`) as the enterprise API returns them, as JSON text. */
function retracedWire(options: ShapeOptions = {}): fc.Arbitrary<string> {
  const received = fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2030-01-01T00:00:00Z') });
  return fc.tuple(retracedShape(options), received, HEX32).map(([{ createdOffsetMs, ...shape }, receivedMs, id]) => {
    const created = createdOffsetMs === undefined ? undefined : receivedMs + createdOffsetMs;
    const event: RetracedStoredEvent = {
      ...shape,
      group: { id: 'rtrcdqa1234', name: 'RetracedQA' },
      ...(created === undefined ? {} : { created }),
      id,
      received: receivedMs,
      canonicalTime: created ?? receivedMs,
      visibleAt: receivedMs,
    };
    return JSON.stringify(toNode(event));
  });
}

/** Retraced's records for the property tests, and the options a source needs to read them. */
export const retracedGenerated: Generated = { wire: retracedWire, options: {} };
