/**
 * The Retraced emulator's data: events as a publisher sends them, as the ingest pipeline stores
 * them (id, `received`, `canonical_time`, when they become searchable), and as the GraphQL `Event`
 * type shows them (../README.md). Seeded, so a seed always yields the same log.
 */
import { randomHex, randomInt, seededRandom, type Random } from '../../../local/emulators/random.ts';

/** String maps, as publishers send `fields`; GraphQL shows them as `[{key, value}]` (../README.md). */
export type RetracedFields = Record<string, string>;

/** An event as a publisher sends it (`POST /publisher/v1/project/{id}/event`). */
export interface RetracedPublished {
  action: string;
  crud?: 'c' | 'r' | 'u' | 'd';
  /** Publisher-supplied event time (ms); may be backdated or future-dated (../README.md). */
  created?: number;
  group: { id: string; name?: string };
  actor?: { id: string; name?: string; fields?: RetracedFields };
  target?: { id: string; name?: string; type?: string; fields?: RetracedFields };
  description?: string;
  source_ip?: string;
  country?: string;
  loc_subdiv1?: string;
  loc_subdiv2?: string;
  is_failure?: boolean;
  is_anonymous?: boolean;
  fields?: RetracedFields;
  component?: string;
  version?: string;
  external_id?: string;
}

/** A stored event: what the processor indexed, plus when the emulator lets searches see it. */
export interface RetracedStoredEvent extends RetracedPublished {
  /** 32 hex characters: randomUUID without dashes (../README.md). */
  readonly id: string;
  /** Server receive time (ms); what `received:lo,hi` filters on (../README.md). */
  readonly received: number;
  /**
   * `created` when the publisher gave one, else `received` (../README.md); the sort key
   * (../README.md).
   */
  readonly canonicalTime: number;
  /**
   * Searchable from this time on (ms): the ingest pipeline's lag (../README.md,
   * ../README.md).
   */
  readonly visibleAt: number;
}

/**
 * `moment.utc(ms).format()`: RFC 3339 with second precision only (../README.md,
 * ../README.md).
 */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Values above year 3000 are taken as too precise and divided by 1000 until plausible (../README.md). */
export function plausibleCreated(created: number): number {
  let value = created;
  while (value > 32_503_680_000_000) value = Math.floor(value / 1000);
  return value;
}

/** The search cursor: base64 of `"<canonical_time ms>,<id>"` (../README.md). */
export function encodeCursor(canonicalTime: number, id: string): string {
  return Buffer.from(`${canonicalTime},${id}`).toString('base64');
}

/**
 * The server's own decoding (../README.md): lenient base64, parseInt; undefined where it says "Invalid
 * cursor".
 */
export function decodeCursor(cursor: string): { time: number; id: string } | undefined {
  const parts = Buffer.from(cursor, 'base64').toString('utf8').split(',');
  const time = parseInt(parts[0] ?? '', 10);
  const id = parts[1];
  return Number.isNaN(time) || !id ? undefined : { time, id };
}

const list = (fields: RetracedFields | undefined): Array<{ key: string; value: string }> | null =>
  fields ? Object.entries(fields).map(([key, value]) => ({ key, value })) : null;

/**
 * The default display template (../README.md); an event without a target drops its "on the item" part,
 * as the real server renders the reads' own events (issue 15).
 */
export function markdown(event: Pick<RetracedPublished, 'actor' | 'target' | 'action'>): string {
  // Without an actor name the server shows the bare action (retraced addDisplayTitles).
  if (!event.actor?.name) return event.action;
  const who = `**${event.actor?.name ?? ''}** performed the action **${event.action}**`;
  return event.target?.id ? `${who} on the item **${event.target.name ?? ''}**.` : `${who}.`;
}

/**
 * The object the GraphQL `Event` resolvers see: times formatted to seconds, maps flattened to
 * key/value lists (an empty map an empty list), `href` and `raw` null (../README.md: not stored),
 * absent
 * values null. The real server never sends a null actor or target: without one, every field of
 * the object is null (issue 15).
 */
export function toNode(event: RetracedStoredEvent): Record<string, unknown> {
  const { actor, target } = event;
  return {
    id: event.id,
    action: event.action,
    description: event.description ?? null,
    group: { id: event.group.id, name: event.group.name ?? null },
    actor: { id: actor?.id ?? null, name: actor?.name ?? null, href: null, fields: list(actor?.fields) },
    target: {
      id: target?.id ?? null,
      name: target?.name ?? null,
      href: null,
      type: target?.type ?? null,
      fields: list(target?.fields),
    },
    crud: event.crud ?? null,
    display: { markdown: markdown(event) },
    received: formatTime(event.received),
    created: event.created === undefined ? null : formatTime(event.created),
    canonical_time: formatTime(event.canonicalTime),
    is_failure: event.is_failure ?? null,
    is_anonymous: event.is_anonymous ?? null,
    source_ip: event.source_ip ?? null,
    country: event.country ?? null,
    loc_subdiv1: event.loc_subdiv1 ?? null,
    loc_subdiv2: event.loc_subdiv2 ?? null,
    component: event.component ?? null,
    version: event.version ?? null,
    fields: list(event.fields),
    raw: null,
    external_id: event.external_id ?? null,
    metadata: null,
  };
}

/** The append-only event store (every group; searches scope by the token's group). */
export class RetracedLog {
  readonly events: RetracedStoredEvent[] = [];
  readonly #random: Random;

  constructor(seed: number) {
    this.#random = seededRandom(seed);
  }

  /** Ingests one published event received at `receivedMs`, searchable `ingestDelayMs` later. */
  publish(published: RetracedPublished, receivedMs: number, ingestDelayMs: number): RetracedStoredEvent {
    const created = published.created === undefined ? undefined : plausibleCreated(published.created);
    const event: RetracedStoredEvent = {
      ...published,
      ...(created === undefined ? {} : { created }),
      id: randomHex(this.#random, 32),
      received: receivedMs,
      canonicalTime: created ?? receivedMs,
      visibleAt: receivedMs + ingestDelayMs,
    };
    this.events.push(event);
    return event;
  }
}

const PEOPLE = [
  ['qa@retraced.io', 'RetracedQA Employee'],
  ['jane.smith@company.com', 'Jane Smith'],
  ['john.doe@company.com', 'John Doe'],
  ['jose.alvarez@company.com', 'José Álvarez'],
  ['li.wei@company.com', '李伟'],
  ['svc-billing', 'billing service'],
] as const;
const ACTIONS = [
  ['user.login', 'c'],
  ['user.logout', 'c'],
  ['user.login.failed', 'c'],
  ['document.create', 'c'],
  ['document.edit', 'u'],
  ['document.view', 'r'],
  ['document.delete', 'd'],
  ['license.update', 'u'],
  ['api_key.create', 'c'],
  ['report.export', 'r'],
] as const;
const TARGETS = [
  ['rtrcdapi', 'Retraced API', 'integration'],
  ['doc-4411', 'Q3 plan "final" <draft>', 'document'],
  ['lic-2', 'Enterprise license', 'license'],
  ['key-77', 'CI deploy key', 'api_key'],
] as const;
const PLACES = [
  ['United States', 'California', 'San Francisco'],
  ['Germany', 'Berlin', 'Berlin'],
  ['India', 'Karnataka', 'Bengaluru'],
] as const;

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/**
 * `created` as publishers send it: absent about half the time, else the client's clock, which is
 * usually a little behind, sometimes hours or days behind (batch uploads), sometimes ahead
 * (../README.md).
 */
function clientTime(random: Random, receivedMs: number): number | undefined {
  const roll = random();
  if (roll < 0.5) return undefined;
  if (roll < 0.8) return receivedMs - randomInt(random, 0, 5_000);
  if (roll < 0.95) return receivedMs - randomInt(random, 3_600_000, 3 * 86_400_000);
  return receivedMs + randomInt(random, 1_000, 120_000);
}

/** A plausible published event of `group`; `created` may be forced (ties, backdating). */
export function makePublished(
  random: Random,
  group: { id: string; name: string },
  receivedMs: number,
  created?: number | null,
): RetracedPublished {
  const [action, crud] = pick(random, ACTIONS);
  const [actorId, actorName] = pick(random, PEOPLE);
  const [targetId, targetName, targetType] = pick(random, TARGETS);
  const [country, region, city] = pick(random, PLACES);
  const time = created === null ? undefined : (created ?? clientTime(random, receivedMs));
  const event: RetracedPublished = {
    action,
    crud,
    group: { ...group },
    actor: {
      id: actorId,
      name: actorName,
      ...(random() < 0.5 ? { fields: { department: pick(random, ['QA', 'Sales', 'R&D']) } } : {}),
    },
    description: `${actorName} ${action.replace('.', ' ')}`,
    source_ip: `192.168.${randomInt(random, 0, 255)}.${randomInt(random, 1, 254)}`,
    country,
    loc_subdiv1: region,
    loc_subdiv2: city,
    is_failure: action.endsWith('.failed') || random() < 0.03,
    is_anonymous: action === 'user.login.failed',
  };
  if (time !== undefined) event.created = time;
  if (!action.startsWith('user.'))
    event.target = {
      id: targetId,
      name: targetName,
      type: targetType,
      fields: { record_count: String(randomInt(random, 1, 500)) },
    };
  if (random() < 0.4) event.fields = { quality: pick(random, ['excellent', 'ok']), 'request.id': randomHex(random, 8) };
  if (random() < 0.3) Object.assign(event, { component: 'web', version: `v1.${randomInt(random, 0, 9)}.0` });
  if (random() < 0.2) event.external_id = `ext-${randomHex(random, 12)}`;
  return event;
}

/**
 * The backlog: `count` events received evenly over [start, end), about 5% of them in another
 * group (never served to the token), and every 25th event starting a burst of three that share
 * one `created` ms (ties on canonical_time).
 */
export function seedBacklog(
  random: Random,
  group: { id: string; name: string },
  span: { count: number; start: number; end: number },
  publish: (group: { id: string; name: string }, received: number, created: number | undefined) => void,
): void {
  const other = { id: 'othergroup99', name: 'Another tenant' };
  const at = (i: number): number => Math.floor(span.start + ((span.end - span.start) * i) / span.count);
  for (let i = 0; i < span.count; i++) {
    const burst = i % 25 < 3 ? at(i - (i % 25)) - 1000 : undefined;
    publish(random() < 0.05 ? other : group, at(i), burst);
  }
}
