/**
 * Nected Audit Log API emulator (../README.md): both API
 * generations (legacy `/dev/audit/{module}/...` with `nected-api-key`; v1 `/dev/v1/audit/{module}/...`
 * with `Nected-API-Key` and `Nected-Branch`), offset paging over a live newest-first list (new
 * events land at the head and shift every offset), the detail endpoint, the documented error
 * bodies, live arrivals, latency and faults that tests can change at run time.
 */
import { backlogWindow, hostEmulator, loadVariety, spreadBacklog } from '../../../local/emulators/emulator-host.ts';
import { startForCli } from '../../../local/emulators/cli-emulator.ts';
import type {
  CliEmulatorOptions,
  VendorEmulatorOptions,
  HostedEmulator,
} from '../../../local/emulators/emulator-host.ts';
import { type EmulatorRequest, type EmulatorResponse } from '../../../local/emulators/http-server.ts';
import { randomInt } from '../../../local/emulators/random.ts';
import { RequestGate, disturbPage, fire, tooManyRequests } from '../../../local/emulators/emulator-faults.ts';
import type { PageFaults, RequestFaults } from '../../../local/emulators/emulator-faults.ts';
import {
  MODULES,
  createNectedLog,
  parseDate,
  positive,
  searchBody,
  searchFilter,
  type NectedLog,
  type NectedStoredEvent,
  type NectedVariety,
} from './data.ts';
import type { EmulatorSettings, RunningEmulator } from '../../../local/emulators/emulators.ts';

export type { NectedRecord, NectedStoredEvent } from './data.ts';

/** Largest `pageSize`; larger values are clamped (../README.md; clamp vs error UNCONFIRMED). */
export const NECTED_MAX_PAGE_SIZE = 10;
/** Elasticsearch's default `max_result_window` (../README.md, UNCONFIRMED for Nected). */
export const NECTED_RESULT_WINDOW = 10_000;
/** The credential `startNectedForCli` accepts: fixed and obviously fake. */
export const NECTED_LOCAL_API_KEY = 'local-nected-api-key-4c8e2b1d';
const DAY_MS = 86_400_000;
const ROUTE = /^\/dev(\/v1)?\/audit\/([^/]+)\/([^/]+)$/;

/**
 * Faults the emulator injects; counters count down as they fire. Mutable while running. The 5xx (a 500) and the 429
 * go to authenticated calls of a known module only (Nected documents no rate limit); malformed and truncated
 * bodies to searches only.
 */
export interface NectedFaults extends RequestFaults {
  /** Every search for this `pageNo` answers 500 until reset to 0. */
  failPageNo: number;
  /** Before answering each search, this many new events arrive dated now: at the head. */
  headInsertsPerSearch: number;
}

/** One search as the emulator understood it, for the `onSearch` hook and assertions. */
export interface NectedSearch {
  api: 'legacy' | 'v1';
  module: string;
  pageNo: number;
  pageSize: number;
  startNs?: bigint;
  endNs?: bigint;
}

/** Options of {@link startNectedEmulator}: 1000 events there at start (backlog), over [backlogStart, backlogEnd]. */
export interface NectedEmulatorOptions extends VendorEmulatorOptions<NectedFaults> {
  apiKey: string;
  /** Branches the v1 `Nected-Branch` header may name. @default ['main'] */
  branches?: readonly string[];
  /** @default backlogEnd - 2 days */
  backlogStart?: Date;
  /** @default now - 15 minutes, so a first run with the default settle lag drains the whole backlog */
  backlogEnd?: Date;
  /** Arrivals are dated up to this much before they become searchable. @default 2000 */
  ingestDelayMs?: number;
  /** Deepest `pageNo * pageSize` allowed. @default 10000 */
  maxResultWindow?: number;
}

/** What the emulator counts. */
export interface NectedStats {
  requests: number;
  searches: number;
  details: number;
  errors: number;
  legacy: number;
  v1: number;
  inFlight: number;
  maxInFlight: number;
  maxPageNo: number;
}

/** A running emulator. */
export interface NectedEmulator extends HostedEmulator<NectedFaults & PageFaults, NectedStats> {
  /** Every event, oldest first (the API serves them newest first). */
  events(): readonly NectedStoredEvent[];
  /** Adds `n` events dated `ageMs` before now (default 0: at the head of the newest-first list). */
  addEvents(n: number, opts?: { ageMs?: number }): NectedStoredEvent[];
  /** Called at each search before it is answered (tests insert events mid-paging here). */
  onSearch: ((search: NectedSearch) => void) | undefined;
}

const fail = (status: number, body: unknown, headers: Record<string, string> = {}): EmulatorResponse => ({
  status,
  headers,
  body,
});
const badRequest = (message: string): EmulatorResponse => fail(400, { code: 'BAD_REQUEST', message });

/** State and request handling of one emulator. */
class NectedService {
  readonly stats = {
    requests: 0,
    searches: 0,
    details: 0,
    errors: 0,
    legacy: 0,
    v1: 0,
    inFlight: 0,
    maxInFlight: 0,
    maxPageNo: 0,
  };
  readonly faults: NectedFaults & PageFaults;
  readonly log: NectedLog;
  readonly byId = new Map<string, NectedStoredEvent>();
  onSearch: NectedEmulator['onSearch'];
  readonly #options: NectedEmulatorOptions;
  readonly #now: () => number;
  readonly #gate: RequestGate<NectedFaults>;
  #previousPage: readonly NectedStoredEvent[] = [];

  constructor(options: NectedEmulatorOptions, variety?: NectedVariety) {
    this.#options = options;
    this.log = createNectedLog(options.seed ?? 1, variety);
    this.#now = options.now ?? Date.now;
    this.#gate = new RequestGate(options, { failPageNo: 0, headInsertsPerSearch: 0 });
    this.faults = this.#gate.faults;
  }

  add(dateMs: number): NectedStoredEvent {
    const event = this.log.insert(dateMs);
    this.byId.set(event.id, event);
    return event;
  }

  /** Live arrivals: dated now minus a random ingest delay. */
  arrive(n: number): void {
    const delay = this.#options.ingestDelayMs ?? 2000;
    for (let i = 0; i < n; i++) this.add(this.#now() - randomInt(this.#gate.random, 0, delay));
  }

  now(): number {
    return this.#now();
  }

  stop(): void {
    this.#gate.stop();
  }

  async handle(req: EmulatorRequest): Promise<EmulatorResponse | undefined> {
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, ++this.stats.inFlight);
    try {
      return await this.#gate.serve(this.stats, () => this.#respond(req));
    } finally {
      this.stats.inFlight--;
    }
  }

  #respond(req: EmulatorRequest): EmulatorResponse {
    const [, v1, module = '', leaf = ''] = ROUTE.exec(req.url.pathname.replace(/\/+$/, '')) ?? [];
    if (!leaf) return fail(404, { error: 'Not found.' });
    if (req.method !== 'GET') return fail(405, { error: 'Method not allowed.' });
    const api = v1 ? 'v1' : 'legacy';
    this.stats[api]++;
    // Header names are case-insensitive: `nected-api-key` (legacy) and `Nected-API-Key` (v1) are one header.
    if (req.headers['nected-api-key'] !== this.#options.apiKey)
      return fail(401, { error: 'Unauthorized access. Invalid API key.' });
    if (api === 'v1') {
      // A missing branch is "probably 4xx" (../README.md): the status and body are UNCONFIRMED.
      const branch = req.headers['nected-branch'];
      if (typeof branch !== 'string' || !branch) return badRequest('Nected-Branch header is required');
      if (!(this.#options.branches ?? ['main']).includes(branch)) return fail(404, { error: 'Branch not found.' });
    }
    if (!MODULES[module]) return fail(404, { error: 'Module not found.' });
    if (this.#gate.serverError()) return fail(500, { code: 'INTERNAL_ERROR', message: 'internal server error' });
    if (fire(this.faults, 'rateLimitNext'))
      return tooManyRequests(this.faults.retryAfterSeconds, {
        code: 'TOO_MANY_REQUESTS',
        message: 'rate limit exceeded',
      });
    return leaf === 'search'
      ? this.#search(api, module, req.url.searchParams)
      : this.#detail(module, leaf, req.url.searchParams);
  }

  /**
   * The search (../README.md): filters, `startDate`/`endDate` (both ends inclusive, UNCONFIRMED), `sort`,
   * offset pages.
   */
  #search(api: 'legacy' | 'v1', module: string, query: URLSearchParams): EmulatorResponse {
    this.stats.searches++;
    const pageNo = positive(query.get('pageNo'), 1);
    const asked = positive(query.get('pageSize'), NECTED_MAX_PAGE_SIZE);
    if (pageNo === undefined || asked === undefined) return badRequest('pageNo and pageSize must be positive integers');
    const pageSize = Math.min(asked, NECTED_MAX_PAGE_SIZE);
    const [startNs, endNs] = [parseDate(query.get('startDate')), parseDate(query.get('endDate'))];
    if (startNs === 'invalid' || endNs === 'invalid') return badRequest('startDate and endDate must be ISO dates');
    const sort = query.get('sort') ?? 'date:-1';
    if (sort !== 'date:-1' && sort !== 'date:1') return badRequest(`unsupported sort ${sort}`);
    this.stats.maxPageNo = Math.max(this.stats.maxPageNo, pageNo);
    if (this.faults.failPageNo === pageNo)
      return fail(500, { code: 'INTERNAL_ERROR', message: `failed to read page ${pageNo}` });
    if (pageNo * pageSize > (this.#options.maxResultWindow ?? NECTED_RESULT_WINDOW)) {
      return badRequest(
        `Result window is too large, from + size must be less than or equal to: [${this.#options.maxResultWindow ?? NECTED_RESULT_WINDOW}]`,
      );
    }
    this.onSearch?.({
      api,
      module,
      pageNo,
      pageSize,
      ...(startNs === undefined ? {} : { startNs }),
      ...(endNs === undefined ? {} : { endNs }),
    });
    for (let i = 0; i < this.faults.headInsertsPerSearch; i++) this.add(this.#now());
    const inModule = MODULES[module] as (r: NectedStoredEvent['record']) => boolean;
    const filter = searchFilter(api, query);
    const matches = this.log.between(startNs, endNs).filter((e) => inModule(e.record) && filter(e.record));
    const ordered = sort === 'date:1' ? matches : [...matches].reverse();
    const page = ordered.slice((pageNo - 1) * pageSize, pageNo * pageSize);
    const body = searchBody(
      matches.length,
      pageNo,
      pageSize,
      disturbPage(this.faults, this.#gate.random, page, this.#previousPage),
    );
    if (page.length > 0) this.#previousPage = page;
    return this.#gate.spoil({ status: 200, body });
  }

  /** The detail (../README.md): the record, its root run (parent) and its steps (children, paged by 10). */
  #detail(module: string, logId: string, query: URLSearchParams): EmulatorResponse {
    this.stats.details++;
    const event = this.byId.get(logId);
    if (!event || !MODULES[module]?.(event.record)) return fail(404, { error: 'Audit log entry not found.' });
    const pageNo = positive(query.get('pageNo'), 1);
    const pageSize = Math.min(
      positive(query.get('pageSize'), NECTED_MAX_PAGE_SIZE) ?? NECTED_MAX_PAGE_SIZE,
      NECTED_MAX_PAGE_SIZE,
    );
    if (pageNo === undefined) return badRequest('pageNo must be a positive integer');
    const { executionId, rootNode } = event.record;
    const steps = this.log.events.filter((e) => e !== event && executionId && e.record.rootNode?.id === executionId);
    const isStep = Boolean(rootNode?.id) && rootNode?.id !== executionId;
    const parent = isStep
      ? this.log.events.filter((e) => e.record.executionId === rootNode?.id).map((e) => e.record)
      : [];
    const children = steps.slice((pageNo - 1) * pageSize, pageNo * pageSize).map((e) => e.record);
    const data = { detail: event.record, parent, children, totalChildren: steps.length };
    return {
      status: 200,
      body: JSON.stringify({ pageNo, pageSize, data, code: 'success', message: 'success.' }, null, 4),
    };
  }
}

/** Starts a Nected Audit Log API emulator on 127.0.0.1 with a seeded backlog. */
export async function startNectedEmulator(options: NectedEmulatorOptions): Promise<NectedEmulator> {
  const variety = await loadVariety(options.variety, async () => (await import('./arbitrary.ts')).drawNected);
  const service = new NectedService(options, variety);
  const { first, end } = backlogWindow(options, service.now(), 2 * DAY_MS, 15 * 60_000);
  for (const at of spreadBacklog(options.backlog ?? 1000, first, end)) service.add(at);
  const hosted = await hostEmulator(service, options, (n) => service.arrive(n));
  const emulator: NectedEmulator = {
    ...hosted,
    events: () => service.log.events,
    addEvents: (n, opts) => Array.from({ length: n }, () => service.add(service.now() - (opts?.ageMs ?? 0))),
    get onSearch() {
      return service.onSearch;
    },
    set onSearch(hook) {
      service.onSearch = hook;
    },
  };
  return emulator;
}

/** The Nected emulator behind the CLI's interface (`audit-pump emulate nected`, `npm start`). */
export function startNectedForCli(settings: EmulatorSettings): Promise<RunningEmulator> {
  const start = (options: CliEmulatorOptions) => startNectedEmulator({ apiKey: NECTED_LOCAL_API_KEY, ...options });
  return startForCli('nected', settings, start, (emulator) => ({
    credentials: { apiKey: NECTED_LOCAL_API_KEY },
    options: { api: 'v1', branch: 'main' },
    eventIds: () => emulator.events().map((e) => e.id),
  }));
}
