/**
 * Carbon Black Cloud audit log emulator (../README.md):
 * `_search` with criteria/exclusions/query/sort/paging and a capped `num_available`; the destructive
 * per-API-key `_queue` seeded with the last three days, and the legacy v3 queue; export jobs;
 * `X-Auth-Token: <secret>/<id>` with 401, 403 (missing permission) and 429 with `Retry-After`.
 */
import { cbNativeIds } from '../identity.ts';
import { backlogWindow, hostEmulator, loadVariety } from '../../../local/emulators/emulator-host.ts';
import { startForCli } from '../../../local/emulators/cli-emulator.ts';
import type {
  CliEmulatorOptions,
  VendorEmulatorOptions,
  HostedEmulator,
} from '../../../local/emulators/emulator-host.ts';
import { type EmulatorRequest, type EmulatorResponse } from '../../../local/emulators/http-server.ts';
import { seededRandom } from '../../../local/emulators/random.ts';
import { RequestGate, disturbPage, tooManyRequests } from '../../../local/emulators/emulator-faults.ts';
import type { PageFaults, RequestFaults } from '../../../local/emulators/emulator-faults.ts';
import { CbExports } from './exports.ts';
import { CbRateLimit, createCbLog, type CbLog, type CbStoredEvent, type CbVariety } from './data.ts';
import { parseSearch } from './search.ts';
import type { EmulatorSettings, RunningEmulator } from '../../../local/emulators/emulators.ts';

export type { CbAuditLog, CbStoredEvent } from './data.ts';

const DAY_MS = 86_400_000;
/** A new key's queue starts with this much history (../README.md). */
export const CB_QUEUE_HISTORY_MS = 3 * DAY_MS;
/**
 * `num_available` cap (UNCONFIRMED, ../README.md) and `_queue` batch cap (cbc-syslog's 2500,
 * UNCONFIRMED, ../README.md).
 */
export const CB_EMULATOR_SEARCH_CAP = 10_000;
export const CB_EMULATOR_QUEUE_BATCH = 2500;
/** Permissions (../README.md): audit routes need the first, job routes the second. */
export const CB_AUDIT_PERMISSION = 'org.audits';
export const CB_JOBS_PERMISSION = 'jobs.status';

/** An API key: `X-Auth-Token: <secret>/<id>`; permissions default to both of the above. */
export interface CbApiKey {
  readonly id: string;
  readonly secret: string;
  readonly permissions?: readonly string[];
}

/**
 * Faults the emulator injects; counters count down as they fire. Mutable while running. The 5xx is a 503
 * `SERVICE_UNAVAILABLE` before the route is looked at; the 429 comes after the route and method checks, as the
 * sliding-window limit's does.
 */
export type CarbonBlackFaults = RequestFaults;

/**
 * Options of {@link startCarbonBlackEmulator}: 1000 appends before start (backlog; each may bring identical copies),
 * spread from backlogStart to backlogEnd.
 */
export interface CarbonBlackEmulatorOptions extends VendorEmulatorOptions<CarbonBlackFaults> {
  /** @default 'ABCD1234' */
  orgKey?: string;
  apiKeys: readonly CbApiKey[];
  /** @default backlogEnd - 4 days + 5 minutes */
  backlogStart?: Date;
  /** @default now - 5 minutes */
  backlogEnd?: Date;
  /** Live events carry a create_time up to this much in the past (ingestion delay). @default 2000 */
  arrivalLagMs?: number;
  searchCap?: number;
  queueBatch?: number;
  /** Order inside a `_queue` batch; the docs disagree (UNCONFIRMED, ../README.md). @default 'desc' */
  queueOrder?: 'asc' | 'desc';
  /**
   * A sliding-window limit over all requests; during the back-off every request extends it
   * (../README.md).
   */
  rateLimit?: { requests: number; windowMs: number; retryAfterSeconds: number };
}

/** What the emulator counts. */
export interface CarbonBlackStats {
  requests: number;
  search: number;
  queue: number;
  legacyQueue: number;
  exports: number;
  errors: number;
}

/** A running emulator. */
export interface CarbonBlackEmulator extends HostedEmulator<CarbonBlackFaults & PageFaults, CarbonBlackStats> {
  readonly orgKey: string;
  /** Every request received (method, path, body; headers are left out: they hold the key). */
  readonly requests: ReadonlyArray<{ method: string; path: string; body: string }>;
  /** Every event, in arrival order. */
  events(): readonly CbStoredEvent[];
  /**
   * Adds `n` events at `atMs` (default now) to the log and every key's queue; `identical`: copies of each (default:
   * seeded).
   */
  addEvents(n: number, opts?: { atMs?: number; identical?: number }): CbStoredEvent[];
  /** Creates a key now; its queue starts with the last three days. */
  addApiKey(key: CbApiKey): void;
  /** Events still waiting in a key's queue / every event that ever entered it. */
  queued(apiId: string): readonly CbStoredEvent[];
  enqueued(apiId: string): readonly CbStoredEvent[];
  /** The connector's native ids (content hash + occurrence) of the given events (default: all). */
  nativeIds(events?: readonly CbStoredEvent[]): string[];
}

const platformError = (status: number, error_code: string, message: string): EmulatorResponse => ({
  status,
  body: { error_code, message },
});
const resultsBody = (numFound: number, numAvailable: number, events: readonly CbStoredEvent[]): string =>
  `{"num_found":${numFound},"num_available":${numAvailable},"results":[${events.map((e) => e.text).join(',')}]}`;

const ROUTES: ReadonlyArray<readonly [RegExp, string, string]> = [
  [/^\/audit_log\/v1\/orgs\/([^/]+)\/logs\/_search$/, 'POST', 'search'],
  [/^\/audit_log\/v1\/orgs\/([^/]+)\/logs\/_queue$/, 'GET', 'queue'],
  [/^\/audit_log\/v1\/orgs\/([^/]+)\/logs\/_export$/, 'POST', 'export'],
  [/^\/jobs\/v1\/orgs\/([^/]+)\/jobs\/(\d+)(\/progress|\/download)?$/, 'GET', 'job'],
  [/^\/integrationServices\/v3\/auditlogs$/, 'GET', 'legacyQueue'],
];

/** State and request handling of one emulator. */
class CarbonBlackService {
  readonly stats = { requests: 0, search: 0, queue: 0, legacyQueue: 0, exports: 0, errors: 0 };
  readonly requests: Array<{ method: string; path: string; body: string }> = [];
  readonly faults: CarbonBlackFaults & PageFaults;
  readonly log: CbLog;
  readonly keys = new Map<string, { key: CbApiKey; pending: CbStoredEvent[]; all: CbStoredEvent[] }>();
  readonly exports: CbExports;
  readonly #o: CarbonBlackEmulatorOptions & { orgKey: string };
  readonly #limit: CbRateLimit | undefined;
  readonly #gate: RequestGate<CarbonBlackFaults>;
  #previousPage: readonly CbStoredEvent[] = [];

  constructor(options: CarbonBlackEmulatorOptions, variety?: CbVariety) {
    this.#o = { ...options, orgKey: options.orgKey ?? 'ABCD1234' };
    this.log = createCbLog(options.seed ?? 1, this.#o.orgKey, variety);
    this.exports = new CbExports(this.#o.orgKey, this.now);
    this.#limit = options.rateLimit ? new CbRateLimit(options.rateLimit) : undefined;
    this.#gate = new RequestGate(options, {});
    this.faults = this.#gate.faults;
  }

  readonly now = (): number => (this.#o.now ?? Date.now)();

  addKey(key: CbApiKey): void {
    const since = this.now() - CB_QUEUE_HISTORY_MS;
    const history = this.log.byTime().filter((e) => e.time >= since);
    this.keys.set(key.id, { key, pending: [...history], all: [...history] });
  }

  add(n: number, atMs: number, identical?: number): CbStoredEvent[] {
    const added: CbStoredEvent[] = [];
    for (let i = 0; i < n; i++) added.push(...this.log.append(atMs, identical));
    for (const queue of this.keys.values()) {
      queue.pending.push(...added);
      queue.all.push(...added);
    }
    return added;
  }

  /** Wakes every request the latency and hang knobs hold (stop()). */
  stop(): void {
    this.#gate.stop();
  }

  handle(req: EmulatorRequest): Promise<EmulatorResponse | undefined> {
    this.requests.push({ method: req.method, path: req.url.pathname, body: req.body });
    return this.#gate.serve(this.stats, () => this.#gate.spoil(this.#respond(req)));
  }

  #respond(req: EmulatorRequest): EmulatorResponse {
    if (this.#gate.serverError()) return platformError(503, 'SERVICE_UNAVAILABLE', 'Service temporarily unavailable');
    const path = req.url.pathname;
    const route = ROUTES.map(([re, method, name]) => ({ m: re.exec(path), method, name })).find((r) => r.m);
    if (!route?.m) return platformError(404, 'NOT_FOUND', 'Not found');
    if (req.method !== route.method) return platformError(405, 'METHOD_NOT_ALLOWED', `${req.method} not allowed`);
    const legacy = route.name === 'legacyQueue';
    const limited = this.#rateLimited();
    if (limited) return limited;
    const token = String(req.headers['x-auth-token'] ?? '');
    const cut = token.lastIndexOf('/');
    const entry = this.keys.get(token.slice(cut + 1));
    if (cut < 0 || !entry || entry.key.secret !== token.slice(0, cut)) {
      return legacy
        ? { status: 401, body: { success: false, message: 'Unauthorized' } }
        : platformError(401, 'UNAUTHORIZED', 'Invalid API key');
    }
    const needed = route.name === 'job' ? CB_JOBS_PERMISSION : CB_AUDIT_PERMISSION;
    if (!(entry.key.permissions ?? [CB_AUDIT_PERMISSION, CB_JOBS_PERMISSION]).includes(needed)) {
      return legacy
        ? { status: 403, body: { success: false, message: `missing permission ${needed}` } }
        : platformError(403, 'FORBIDDEN', `API key lacks ${needed} READ`);
    }
    if (!legacy && route.m[1] !== this.#o.orgKey)
      return platformError(403, 'FORBIDDEN', 'API key does not belong to this org');
    return this.#route(route.name, req, entry, route.m);
  }

  #route(
    name: string,
    req: EmulatorRequest,
    entry: { pending: CbStoredEvent[] },
    m: RegExpExecArray,
  ): EmulatorResponse {
    switch (name) {
      case 'search':
        return this.#search(req.body);
      // Both routes drain the key's one queue: whether CBC keeps them apart is UNCONFIRMED
      // (../README.md).
      case 'queue':
      case 'legacyQueue':
        return this.#dequeue(entry.pending, name === 'legacyQueue');
      case 'export':
        this.stats.exports++;
        return this.exports.create(req.body, this.log);
      default:
        return this.exports.job(Number(m[2]), m[3]);
    }
  }

  /** The sliding-window limit and the `rateLimitNext` fault: 429 with Retry-After (../README.md). */
  #rateLimited(): EmulatorResponse | undefined {
    const fault = this.faults.rateLimitNext > 0;
    if (fault) this.faults.rateLimitNext--;
    if (!fault && !this.#limit?.refuse(this.now())) return undefined;
    const wait = fault ? this.faults.retryAfterSeconds : (this.#limit?.limit.retryAfterSeconds ?? 1);
    return tooManyRequests(wait, { error_code: 'TOO_MANY_REQUESTS', message: 'Too many requests' });
  }

  #search(text: string): EmulatorResponse {
    this.stats.search++;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return platformError(400, 'MALFORMED_JSON', 'Malformed JSON input');
    }
    const search = parseSearch(body, this.now());
    if ('status' in search) return search;
    const matches = this.log.events.filter((e) => search.test(e)).sort((a, b) => search.compare(a, b));
    const available = Math.min(matches.length, this.#o.searchCap ?? CB_EMULATOR_SEARCH_CAP);
    const page = matches.slice(search.start, Math.min(available, search.start + search.rows));
    const served = disturbPage(this.faults, this.#gate.random, page, this.#previousPage);
    if (page.length > 0) this.#previousPage = page;
    return { status: 200, body: resultsBody(matches.length, available, served) };
  }

  /** Hands out the oldest batch and forgets it: reads are destructive (../README.md). */
  #dequeue(pending: CbStoredEvent[], legacy: boolean): EmulatorResponse {
    if (legacy) this.stats.legacyQueue++;
    else this.stats.queue++;
    const found = pending.length;
    const batch = pending.splice(0, this.#o.queueBatch ?? CB_EMULATOR_QUEUE_BATCH);
    const ordered = (this.#o.queueOrder ?? 'desc') === 'desc' ? [...batch].reverse() : batch;
    if (legacy)
      return {
        status: 200,
        body: `{"notifications":[${ordered.map((e) => e.legacyText).join(',')}],"success":true,"message":"Success"}`,
      };
    return { status: 200, body: resultsBody(found, batch.length, ordered) };
  }
}

/** Starts a Carbon Black Cloud audit log emulator on 127.0.0.1 with a seeded backlog. */
export async function startCarbonBlackEmulator(options: CarbonBlackEmulatorOptions): Promise<CarbonBlackEmulator> {
  const variety = await loadVariety(options.variety, async () => (await import('./arbitrary.ts')).drawCarbonBlack);
  const service = new CarbonBlackService(options, variety);
  const { first, end } = backlogWindow(options, service.now(), 4 * DAY_MS - 5 * 60_000, 5 * 60_000);
  const backlog = options.backlog ?? 1000;
  const random = seededRandom((options.seed ?? 1) ^ 0xbac);
  let last = first;
  for (let i = 0; i < backlog; i++) {
    // Now and then a different event in the same millisecond as the one before.
    last = random() < 0.03 ? last : Math.floor(first + ((end - first) * i) / backlog + random() * 1000);
    service.log.append(Math.min(last, end));
  }
  for (const key of options.apiKeys) service.addKey(key);
  const lagMs = options.arrivalLagMs ?? 2000;
  const hosted = await hostEmulator(service, options, (n) => {
    for (let i = 0; i < n; i++) service.add(1, service.now() - Math.floor(random() * lagMs));
  });
  const queueOf = (apiId: string) => service.keys.get(apiId) ?? { pending: [], all: [] };
  return {
    ...hosted,
    orgKey: options.orgKey ?? 'ABCD1234',
    requests: service.requests,
    events: () => service.log.events,
    addEvents: (n, opts) => service.add(n, opts?.atMs ?? service.now(), opts?.identical),
    addApiKey: (key) => service.addKey(key),
    queued: (apiId) => queueOf(apiId).pending,
    enqueued: (apiId) => queueOf(apiId).all,
    nativeIds: (events = service.log.events) => cbNativeIds(events.map((e) => JSON.parse(e.text) as unknown)),
  };
}

/** The local API key of `audit-pump emulate carbonblack` and `npm start` (obviously fake). */
export const CB_LOCAL_KEY: CbApiKey = { id: 'LOCAL00001', secret: 'LOCALSECRETKEY0000000000' };

/** `audit-pump emulate carbonblack`, `npm start` and the end-to-end tests (local/emulators/emulators.ts). */
export function startCarbonBlackForCli(settings: EmulatorSettings): Promise<RunningEmulator> {
  const start = (options: CliEmulatorOptions) => startCarbonBlackEmulator({ apiKeys: [CB_LOCAL_KEY], ...options });
  return startForCli('carbonblack', settings, start, (emulator) => ({
    credentials: { apiId: CB_LOCAL_KEY.id, apiSecret: CB_LOCAL_KEY.secret },
    options: { orgKey: emulator.orgKey },
    eventIds: () => emulator.nativeIds(),
  }));
}
