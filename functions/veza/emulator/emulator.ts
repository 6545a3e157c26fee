/**
 * Veza System Audit Logs emulator (../README.md): the
 * export stream and the list endpoint with grpc-gateway-style errors, seeded records in either
 * documented shape, live arrivals, and faults that tests can change at run time.
 */
import {
  LOCAL_TOKEN,
  backlogWindow,
  hostEmulator,
  loadVariety,
  spreadBacklog,
} from '../../../local/emulators/emulator-host.ts';
import type {
  CliEmulatorOptions,
  VendorEmulatorOptions,
  HostedEmulator,
} from '../../../local/emulators/emulator-host.ts';
import { startForCli } from '../../../local/emulators/cli-emulator.ts';
import type { EmulatorSettings, RunningEmulator } from '../../../local/emulators/emulators.ts';
import { type EmulatorRequest, type EmulatorResponse } from '../../../local/emulators/http-server.ts';
import { RequestGate, disturbPage, fire, tooManyRequests } from '../../../local/emulators/emulator-faults.ts';
import type { PageFaults, RequestFaults } from '../../../local/emulators/emulator-faults.ts';
import {
  createVezaLog,
  parseExportFilter,
  parseListFilter,
  vezaTokenCodec,
  wireJson,
  type VezaLog,
  type VezaShape,
  type VezaStoredEvent,
  type VezaTokenCodec,
  type VezaVariety,
} from './data.ts';

export type { VezaRecord, VezaNewRecord, VezaOldRecord, VezaShape, VezaStoredEvent } from './data.ts';

const DAY_MS = 86_400_000;
/** Export retention. UNCONFIRMED: inferred from the doc's "90 or 30 days" Q&A (../README.md). */
export const VEZA_EXPORT_RETENTION_MS = 30 * DAY_MS;
/** How far back the list endpoint's `ended_at GE` may reach (../README.md). */
export const VEZA_LIST_WINDOW_MS = 90 * DAY_MS;
/** Largest `page_size` (../README.md). */
export const VEZA_MAX_PAGE_SIZE = 10_000;
const EXPORT_PATH = '/api/preview/system/audit/export';
const LIST_PATH = '/api/preview/system/audit';

/**
 * Faults the emulator injects; counters count down as they fire. Mutable while running. The 5xx is a 503
 * `{"code":14}` before the route is looked at; the 429 (`rateLimitNext`) a `{"code":8}` to authenticated calls.
 */
export interface VezaFaults extends RequestFaults {
  /** Next N export calls: 429 `ResourceExhausted` (code 8). */
  resourceExhaustedNext: number;
  /** Next N non-empty export pages hand back the position that was asked for (a buggy server). */
  repeatTokenNext: number;
  /**
   * Every Nth authenticated export call (0: none) answers as `rateLimitNext` does: a stand-in that throttles steadily.
   */
  throttleEvery: number;
  /** The `retry_delay` of a google.rpc.RetryInfo in the details of those 429s, in seconds (none when 0). */
  retryInfoSeconds: number;
  /**
   * Next N export calls that send a page token: 400 "invalid page token", as for a token that expired (lifetime
   * UNCONFIRMED).
   */
  refuseTokenNext: number;
}

/**
 * Options of {@link startVezaEmulator}; defaults: seed 1, backlog 1000 persisted before start, evenly spaced from
 * `backlogStart` (now - 2 days) up to now, shape 'new', no arrivals.
 */
export interface VezaEmulatorOptions extends VendorEmulatorOptions<VezaFaults> {
  /** The valid API key. */
  token: string;
  shape?: VezaShape;
}

/** What the emulator counts. */
export interface VezaStats {
  requests: number;
  exportRequests: number;
  listRequests: number;
  errors: number;
  throttled: number;
}

/** A running emulator. */
export interface VezaEmulator extends HostedEmulator<VezaFaults & PageFaults, VezaStats> {
  /** Every persisted event, in persistence order. */
  events(): readonly VezaStoredEvent[];
  /**
   * Persists `n` events now; `latePersistedMs` puts their own time that much before `persisted_at`;
   * `invalid` stores them with a time that is not one (served so on every read: records to dead-letter).
   */
  addEvents(n: number, opts?: { latePersistedMs?: number; invalid?: boolean }): void;
}

/** The export bootstrap filter, `persisted_at GE "<iso>"` (../README.md). */
export function vezaExportFilter(iso: string): string {
  return `persisted_at GE "${iso}"`;
}

/** A google.rpc.Status error body, as grpc-gateway writes it (../README.md). */
function rpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  details: unknown[] = [],
): EmulatorResponse {
  return { status, headers, body: { code, message, details } };
}

/**
 * ResourceExhausted with the delays the knobs name: `Retry-After` and a google.rpc.RetryInfo detail (proto3 JSON
 * names).
 */
function throttled(faults: VezaFaults): EmulatorResponse {
  const retryInfo =
    faults.retryInfoSeconds > 0
      ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: `${faults.retryInfoSeconds}s` }]
      : [];
  const { headers = {} } = tooManyRequests(faults.retryAfterSeconds);
  return rpcError(429, 8, 'rate limited', headers, retryInfo);
}
const invalid = (message: string): EmulatorResponse => rpcError(400, 3, message);

/** `page_size` is required, 1..10,000 (../README.md); returns an error message otherwise. */
function pageSize(query: URLSearchParams): number | string {
  const raw = query.get('page_size') ?? '';
  const size = /^\d+$/.test(raw) ? Number(raw) : NaN;
  return size >= 1 && size <= VEZA_MAX_PAGE_SIZE ? size : `page_size must be between 1 and ${VEZA_MAX_PAGE_SIZE}`;
}

/** A 200 page: the records' wire texts spliced in verbatim (../README.md). */
function pageBody(events: readonly VezaStoredEvent[], next: string): EmulatorResponse {
  return {
    status: 200,
    body: `{"values": [${events.map((e) => e.text).join(', ')}], "next_page_token": ${JSON.stringify(next)}}`,
  };
}

/** State and request handling of one emulator. */
class VezaService {
  readonly stats = { requests: 0, exportRequests: 0, listRequests: 0, errors: 0, throttled: 0 };
  readonly faults: VezaFaults & PageFaults;
  readonly log: VezaLog;
  readonly #tokens: VezaTokenCodec;
  readonly #now: () => number;
  readonly #apiKey: string;
  readonly #gate: RequestGate<VezaFaults>;
  #previousPage: readonly VezaStoredEvent[] = [];
  /** Authenticated export calls so far, for `throttleEvery`. */
  #authenticatedExports = 0;

  constructor(options: VezaEmulatorOptions, variety?: VezaVariety) {
    const seed = options.seed ?? 1;
    this.log = createVezaLog(seed, options.shape ?? 'new', variety);
    this.#tokens = vezaTokenCodec(seed);
    this.#now = options.now ?? Date.now;
    this.#apiKey = options.token;
    this.#gate = new RequestGate(options, {
      resourceExhaustedNext: 0,
      repeatTokenNext: 0,
      throttleEvery: 0,
      retryInfoSeconds: 0,
      refuseTokenNext: 0,
    });
    this.faults = this.#gate.faults;
  }

  addEvents(n: number, lateMs?: number, invalid = false): void {
    for (let i = 0; i < n; i++) {
      const event = this.log.append(this.#now(), lateMs);
      if (invalid) this.#spoil(event);
    }
  }

  /** Replaces the newest event by a copy whose time field is not a time. */
  #spoil(event: VezaStoredEvent): void {
    const record =
      'timestamp' in event.record
        ? { ...event.record, timestamp: 'not a time' }
        : { ...event.record, ended_at: 'not a time' };
    const events = this.log.events as VezaStoredEvent[];
    events[events.length - 1] = { ...event, record, text: wireJson(record) };
  }

  stop(): void {
    this.#gate.stop();
  }

  handle(req: EmulatorRequest): Promise<EmulatorResponse | undefined> {
    const path = req.url.pathname.replace(/\/+$/, '');
    // Counted as they come, hung or not.
    if (path === EXPORT_PATH) this.stats.exportRequests++;
    if (path === LIST_PATH) this.stats.listRequests++;
    return this.#gate.serve(this.stats, () => this.#respond(req, path));
  }

  #respond(req: EmulatorRequest, path: string): EmulatorResponse {
    if (this.#gate.serverError()) return { status: 503, body: { code: 14, message: 'unavailable' } };
    if (path !== EXPORT_PATH && path !== LIST_PATH) return rpcError(404, 5, 'Not Found');
    if (req.method !== 'GET') return rpcError(405, 12, 'Method Not Allowed');
    // grpc-gateway maps Unauthenticated (16) to 401 and adds WWW-Authenticate (../README.md).
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== this.#apiKey)
      return rpcError(401, 16, 'invalid or missing API key', { 'www-authenticate': 'Bearer' });
    // ResourceExhausted (8) → 429 is likely but UNCONFIRMED (../README.md).
    if (path === EXPORT_PATH && this.faults.resourceExhaustedNext > 0) {
      this.faults.resourceExhaustedNext--;
      return rpcError(429, 8, 'ResourceExhausted: export rate limit');
    }
    const every = this.faults.throttleEvery;
    const nth = path === EXPORT_PATH ? ++this.#authenticatedExports : 0;
    if (fire(this.faults, 'rateLimitNext') || (every > 0 && nth > 0 && nth % every === 0)) {
      this.stats.throttled++;
      return throttled(this.faults);
    }
    return this.#gate.spoil(
      path === EXPORT_PATH ? this.#exportPage(req.url.searchParams) : this.#listPage(req.url.searchParams),
    );
  }

  #nowNs(): bigint {
    return BigInt(Math.floor(this.#now())) * 1_000_000n;
  }

  /** Index of the first event persisted at or after `ns` (persisted_at strictly increases). */
  #firstPersistedFrom(ns: bigint): number {
    const events = this.log.events;
    let [lo, hi] = [0, events.length];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((events[mid]?.persistedAtNs ?? ns) < ns) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Export (../README.md): bootstrap with `persisted_at GE`, then follow the token, which
   * wins over any filter. The token's parameter name is UNCONFIRMED, so both names are accepted. A
   * caught-up page is empty and hands back the same position, so polling it later yields new events.
   */
  #exportPage(query: URLSearchParams): EmulatorResponse {
    const size = pageSize(query);
    if (typeof size === 'string') return invalid(size);
    const token = query.get('next_page_token') || query.get('page_token') || '';
    let asked: number;
    if (token) {
      if (fire(this.faults, 'refuseTokenNext')) return invalid('invalid page token');
      const { k, p } = this.#tokens.read(token);
      if (k !== 'export' || typeof p !== 'number') return invalid('invalid page token');
      asked = p;
    } else {
      const since = parseExportFilter(query.get('filter') ?? '');
      if (since === undefined) return invalid('filter must be persisted_at GE "<RFC 3339 timestamp>"');
      asked = this.#firstPersistedFrom(since);
    }
    const start = Math.max(
      asked,
      this.#firstPersistedFrom(this.#nowNs() - BigInt(VEZA_EXPORT_RETENTION_MS) * 1_000_000n),
    );
    const page = this.log.events.slice(start, start + size);
    const repeat = page.length > 0 && this.faults.repeatTokenNext > 0;
    if (repeat) this.faults.repeatTokenNext--;
    const next = this.#tokens.write({ k: 'export', p: repeat ? asked : start + page.length });
    const served = disturbPage(this.faults, this.#gate.random, page, this.#repeatable(page));
    if (page.length > 0) this.#previousPage = page;
    return pageBody(served, next);
  }

  /**
   * What the duplicate fault may repeat on `page`: the page served before, less the events persisted
   * after `page`'s last. After a rewind (a re-bootstrap, a reseed) the page served before lies ahead,
   * and serving its events here would put them before events persisted earlier: the export keeps
   * persisted_at order, and the connector's reseed watermark relies on that (functions/veza/connector.ts).
   */
  #repeatable(page: readonly VezaStoredEvent[]): readonly VezaStoredEvent[] {
    const end = page.at(-1)?.persistedAtNs;
    return end === undefined ? [] : this.#previousPage.filter((e) => e.persistedAtNs <= end);
  }

  /**
   * List (../README.md): a required `ended_at GE` within 90 days, never together with a token
   * (the token carries the filter); ordered by ended_at; an empty `next_page_token` ends it (UNCONFIRMED).
   */
  #listPage(query: URLSearchParams): EmulatorResponse {
    const size = pageSize(query);
    if (typeof size === 'string') return invalid(size);
    const token = query.get('page_token') ?? '';
    const filter = query.get('filter') ?? '';
    if (token && filter) return invalid('filter must not be sent with page_token');
    const { k, f, o }: Record<string, unknown> = token ? this.#tokens.read(token) : { k: 'list', f: filter, o: 0 };
    if (k !== 'list' || typeof f !== 'string' || typeof o !== 'number') return invalid('invalid page token');
    if (!f) return invalid('filter is required');
    const parsed = parseListFilter(f);
    if (typeof parsed === 'string') return invalid(parsed);
    const oldest = this.#nowNs() - BigInt(VEZA_LIST_WINDOW_MS) * 1_000_000n;
    if (!token && parsed.since < oldest) return invalid('ended_at must be within the last 90 days');
    const matches = this.log.events.filter((e) => e.endedAtNs >= oldest && parsed.test(e)).sort(byEndedAt);
    const page = matches.slice(o, o + size);
    const next = o + page.length < matches.length ? this.#tokens.write({ k: 'list', f, o: o + page.length }) : '';
    return pageBody(page, next);
  }
}

function byEndedAt(a: VezaStoredEvent, b: VezaStoredEvent): number {
  return a.endedAtNs < b.endedAtNs ? -1 : a.endedAtNs > b.endedAtNs ? 1 : 0;
}

/** Starts a Veza System Audit Logs emulator on 127.0.0.1 with a seeded backlog. */
export async function startVezaEmulator(options: VezaEmulatorOptions): Promise<VezaEmulator> {
  const variety = await loadVariety(options.variety, async () => (await import('./arbitrary.ts')).drawVeza);
  const service = new VezaService(options, variety);
  const { first, end } = backlogWindow(options, (options.now ?? Date.now)(), 2 * DAY_MS);
  for (const at of spreadBacklog(options.backlog ?? 1000, first, end)) service.log.append(at);
  const hosted = await hostEmulator(service, options, (n) => service.addEvents(n));
  return {
    ...hosted,
    events: () => service.log.events,
    addEvents: (n, opts) => service.addEvents(n, opts?.latePersistedMs, opts?.invalid),
  };
}

/** The Veza emulator behind the CLI's interface (`audit-pump emulate veza`, `npm start`). */
export function startVezaForCli(settings: EmulatorSettings): Promise<RunningEmulator> {
  const start = (options: CliEmulatorOptions) => startVezaEmulator({ token: LOCAL_TOKEN, ...options });
  return startForCli('veza', settings, start, (emulator) => ({
    credentials: { token: LOCAL_TOKEN },
    eventIds: () => emulator.events().map((e) => e.id),
  }));
}
