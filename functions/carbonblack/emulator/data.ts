/**
 * The Carbon Black Cloud emulator's data: seeded v1 audit logs (../README.md) with their
 * exact wire text and the legacy v3 notification shape, identical records in one millisecond, and
 * the sliding-window rate limit (../README.md).
 */
import { randomHex, randomInt, seededRandom, type Random } from '../../../local/emulators/random.ts';

/**
 * A v1 audit log: no id field (../README.md). The tidy generator fills every field; the doc
 * samples send `actor_ip` and `request_url` null, and the Data Forwarder leaves out false and empty
 * fields, so the generated shapes of functions/carbonblack/emulator/arbitrary.ts may lack or null any of them.
 */
export interface CbAuditLog {
  org_key?: string | null;
  actor_ip?: string | null;
  actor?: string | null;
  request_url?: string | null;
  description: string;
  flagged?: boolean | null;
  verbose?: boolean | null;
  create_time: string;
}

/** The deprecated v3 notification (../README.md), for `/integrationServices/v3/auditlogs`. */
export interface CbLegacyNotification {
  requestUrl: string | null;
  eventTime: number;
  eventId: string;
  loginName: string | null;
  orgName: string;
  flagged: boolean;
  clientIp: string | null;
  verbose: boolean;
  description: string;
}

/** One stored event: arrival sequence, record, wire texts, time. */
export interface CbStoredEvent {
  readonly seq: number;
  readonly time: number;
  readonly record: CbAuditLog;
  /** The exact JSON text the emulator serves for the record. */
  readonly text: string;
  readonly legacyText: string;
}

/** The event store: arrival order, plus a view sorted by time (ties in arrival order). */
export interface CbLog {
  readonly events: readonly CbStoredEvent[];
  byTime(): readonly CbStoredEvent[];
  /** Appends one event at `timeMs`, followed now and then (or `copies - 1` times) by identical copies. */
  append(timeMs: number, copies?: number): CbStoredEvent[];
}

interface Actor {
  name: string;
  ip: string;
}
interface Template {
  text: (r: Random) => string;
  flagged?: number;
  viaKey?: boolean;
  url?: (org: string, r: Random) => string;
}

const USERS = [
  'ada@example.com',
  'grace@example.com',
  'José.Núñez@example.com',
  'linus@example.com',
  'margaret@example.com',
];
const API_KEYS = ['ABCD123456', 'K7Q2M9XZ1P'];
const TEMPLATES: readonly Template[] = [
  { text: () => 'Logged in successfully' },
  { text: () => 'Logged in successfully' },
  { text: () => 'Login failed: invalid password', flagged: 1 },
  { text: () => 'Logged out' },
  { text: (r) => `Updated policy "Standard ${randomInt(r, 1, 9)}" (id ${randomInt(r, 100000, 999999)})` },
  { text: (r) => `Created API key ${randomHex(r, 10).toUpperCase()} with access level "SIEM"`, flagged: 0.5 },
  { text: (r) => `Deleted sensor group "Lab ${randomInt(r, 1, 20)}"` },
  { text: (r) => `Enabled bypass mode on device ${randomInt(r, 1000, 9999)}`, flagged: 1 },
  {
    text: (r) =>
      `LiveResponse session ${randomInt(r, 1, 500)} started on device ${randomInt(r, 1000, 9999)} (Zoë's laptop)`,
  },
  { text: () => 'Downloaded audit log export' },
  {
    text: (r) => `Connector "siem-${randomInt(r, 1, 5)}" retrieved alerts`,
    viaKey: true,
    url: (org) => `https://defense.conferdeploy.net/api/alerts/v7/orgs/${org}/alerts/_search`,
  },
  {
    text: () => 'API key used to search devices',
    viaKey: true,
    url: (org, r) =>
      `https://defense.conferdeploy.net/appservices/v6/orgs/${org}/devices/_search?rows=${randomInt(r, 10, 500)}`,
  },
];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/**
 * Wire JSON as a Java service writing ASCII-only output would send it: compact, non-ASCII as
 * `\uXXXX` (UNCONFIRMED; it makes a re-serialized record differ from the bytes received).
 */
export function wireJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A dashless UUIDv1-shaped id (the `11e8` group carries version 1, ../README.md). */
function legacyEventId(random: Random): string {
  const h = randomHex(random, 32);
  return `${h.slice(0, 12)}1${h.slice(13)}`;
}

function makeRecord(random: Random, orgKey: string, timeMs: number, actors: readonly Actor[]): CbAuditLog {
  const template = pick(random, TEMPLATES);
  const actor = template.viaKey
    ? { name: pick(random, API_KEYS), ip: actors[0]?.ip ?? '203.0.113.9' }
    : pick(random, actors);
  return {
    org_key: orgKey,
    actor_ip: actor.ip,
    actor: actor.name,
    request_url: template.url ? template.url(orgKey, random) : null,
    description: template.text(random),
    flagged: random() < (template.flagged ?? 0),
    verbose: random() < 0.1,
    create_time: new Date(timeMs).toISOString(),
  };
}

/** The v3 shape of a record (field mapping of ../README.md; `orgName` held the org's name). */
function legacyOf(record: CbAuditLog, random: Random): CbLegacyNotification {
  return {
    requestUrl: record.request_url ?? null,
    eventTime: Date.parse(record.create_time),
    eventId: legacyEventId(random),
    loginName: record.actor ?? null,
    orgName: `${(record.org_key ?? 'org').toLowerCase()}.example.org`,
    flagged: record.flagged ?? false,
    clientIp: record.actor_ip ?? null,
    verbose: record.verbose ?? false,
    description: record.description,
  };
}

/** Share of events followed by identical copies in the same millisecond (a double-submitted action). */
export const CB_TWIN_RATE = 0.04;

/**
 * Doc-shaped records mixed into the tidy ones (functions/carbonblack/emulator/arbitrary.ts): `share` of them, drawn by
 * `draw`.
 */
export interface CbVariety {
  readonly share: number;
  readonly draw: (random: Random, orgKey: string, timeMs: number) => CbAuditLog;
}

/** A seeded, append-only store; times are whole milliseconds, like `create_time`. */
export function createCbLog(seed: number, orgKey: string, variety?: CbVariety): CbLog {
  const random = seededRandom(seed);
  const actors = USERS.map((name) => ({
    name,
    ip: `198.51.${randomInt(random, 0, 255)}.${randomInt(random, 1, 254)}`,
  }));
  const events: CbStoredEvent[] = [];
  let sorted: CbStoredEvent[] | undefined;
  const store = (record: CbAuditLog, legacy: CbLegacyNotification): CbStoredEvent => {
    const event = {
      seq: events.length,
      time: Date.parse(record.create_time),
      record,
      text: wireJson(record),
      legacyText: wireJson(legacy),
    };
    events.push(event);
    sorted = undefined;
    return event;
  };
  return {
    events,
    byTime: () => (sorted ??= [...events].sort((a, b) => a.time - b.time || a.seq - b.seq)),
    append(timeMs, copies) {
      const record =
        variety && random() < variety.share
          ? variety.draw(random, orgKey, Math.floor(timeMs))
          : makeRecord(random, orgKey, Math.floor(timeMs), actors);
      const added = [store(record, legacyOf(record, random))];
      const extra = copies !== undefined ? copies - 1 : random() < CB_TWIN_RATE ? (random() < 0.25 ? 2 : 1) : 0;
      // Identical content and millisecond; the v3 queue would still give each its own eventId.
      for (let i = 0; i < extra; i++) added.push(store(record, legacyOf(record, random)));
      return added;
    },
  };
}

/** A sliding-window request limit whose back-off every request made during it extends (../README.md). */
export class CbRateLimit {
  readonly #hits: number[] = [];
  #until = 0;

  constructor(readonly limit: { requests: number; windowMs: number; retryAfterSeconds: number }) {}

  /** True when the request at `now` must be refused with 429. */
  refuse(now: number): boolean {
    const backOff = (): true => {
      this.#until = now + this.limit.retryAfterSeconds * 1000;
      return true;
    };
    if (now < this.#until) return backOff();
    while (this.#hits.length && (this.#hits[0] ?? 0) <= now - this.limit.windowMs) this.#hits.shift();
    this.#hits.push(now);
    return this.#hits.length > this.limit.requests ? backOff() : false;
  }
}
