/**
 * Authentic8 Silo Log Extraction API emulator (../README.md):
 * one `POST /api/` taking a JSON array of commands (`setauth` first, then `extractlog`,
 * `get_log_types`), one reply per command in order with `command_id` echoed, errors per command
 * inside the HTTP 200. Seeded logs per org (authentic8-data.ts), live arrivals, latency and faults
 * that tests can change at run time.
 */
import { backlogWindow, hostEmulator, loadVariety, spreadBacklog } from '../../../local/emulators/emulator-host.ts';
import { startForCli } from '../../../local/emulators/cli-emulator.ts';
import type {
  CliEmulatorOptions,
  VendorEmulatorOptions,
  HostedEmulator,
} from '../../../local/emulators/emulator-host.ts';
import { type EmulatorRequest, type EmulatorResponse } from '../../../local/emulators/http-server.ts';
import { RequestGate, disturbPage, fire, tooManyRequests } from '../../../local/emulators/emulator-faults.ts';
import type { PageFaults, RequestFaults } from '../../../local/emulators/emulator-faults.ts';
import {
  AUTHENTIC8_LOG_TYPES,
  createAuthentic8Log,
  orgPath,
  pyJson,
  type Authentic8Event,
  type Authentic8Log,
  type Authentic8Org,
  type Authentic8Variety,
} from './data.ts';
import {
  extractArgs,
  extractResultText,
  replyText,
  resolveOrg,
  selectPage,
  type Command,
  type Reply,
} from './protocol.ts';
import type { EmulatorSettings, RunningEmulator } from '../../../local/emulators/emulators.ts';

export { AUTHENTIC8_LOG_TYPES, decryptStandard, orgPath, type Authentic8Event, type Authentic8Org } from './data.ts';
export { AUTHENTIC8_MAX_LIMIT, parseOrgPath } from './protocol.ts';

const DAY_MS = 86_400_000;
/** Logs older than this are gone: "a rolling 90 days" (../README.md). */
export const AUTHENTIC8_RETENTION_MS = 90 * DAY_MS;
/** The org the token's admin account belongs to; its subtree is what the token can read. */
export const AUTHENTIC8_MAIN_ORG = 'Acme Corp';
/** A fixed, obviously fake token for local runs: 32 base64 characters like a real one (../README.md). */
export const AUTHENTIC8_LOCAL_TOKEN = Buffer.from('local-authentic8-token-1').toString('base64');

/**
 * Faults the emulator injects; counters count down as they fire. Mutable while running. The 5xx is a 502 with an
 * HTML body, before the route is looked at; the 429 (`{"error": ...}`) comes after the route and method checks.
 */
export interface Authentic8Faults extends RequestFaults {
  /**
   * Next N requests: HTTP 401 (TA-authentic8 handles one; when the API sends it is UNCONFIRMED,
   * ../README.md).
   */
  unauthorizedNext: number;
  /** Next N extractlogs: `is_more: true` with `next_seq` equal to the `start_seq` asked for (a server bug). */
  stuckNextSeqNext: number;
  /** Next N extractlogs: an in-band `{"error": ...}` inside the HTTP 200. */
  commandErrorNext: number;
}

/**
 * Options of {@link startAuthentic8Emulator}; defaults: seed 1, 300 logs per org (backlog) over the last 2 days,
 * evenly spaced from `backlogStart` up to now, no arrivals (new logs per second, in the main org).
 */
export interface Authentic8EmulatorOptions extends VendorEmulatorOptions<Authentic8Faults> {
  /** The valid auth token (of an admin of {@link AUTHENTIC8_MAIN_ORG}). */
  token: string;
  /**
   * `next_seq` of a drained extractlog (UNCONFIRMED, ../README.md): `scanned` (default) is the org's
   * next
   * `seq_id` (everything up to it was scanned); `echo` is the last served `seq_id` + 1, or `start_seq`
   * when nothing was served.
   */
  drainedNextSeq?: 'scanned' | 'echo';
}

/** What the emulator counts. */
export interface Authentic8Stats {
  requests: number;
  commands: number;
  extractlogs: number;
  errors: number;
  commandErrors: number;
}

/** A running emulator. */
export interface Authentic8Emulator extends HostedEmulator<Authentic8Faults & PageFaults, Authentic8Stats> {
  /** The org at `path` (as {@link orgPath} writes it); the main org by default. */
  org(path?: string): Authentic8Org;
  /** The logs of an org (the main org by default), in `seq_id` order. */
  events(path?: string): readonly Authentic8Event[];
  /** Adds `n` logs now; `type` forces the (inner) type. */
  addEvents(n: number, opts?: { org?: string; type?: string }): Authentic8Event[];
  /** Every extractlog command received, in order (setauth, which holds the token, is never kept). */
  readonly extractCalls: ReadonlyArray<Record<string, unknown>>;
}

/**
 * The native id the connector gives a log: `<org_id>:<seq_id>`, or the `seq_id` alone when the record has no org_id
 * (ENC).
 */
export function authentic8NativeId(event: Authentic8Event): string {
  const orgId = event.record.org_id;
  return typeof orgId === 'string' && orgId ? `${orgId}:${event.seq}` : String(event.seq);
}

/** State and request handling of one emulator. */
class Authentic8Service {
  readonly stats = { requests: 0, commands: 0, extractlogs: 0, errors: 0, commandErrors: 0 };
  readonly extractCalls: Command[] = [];
  readonly faults: Authentic8Faults & PageFaults;
  readonly log: Authentic8Log;
  /** The last non-empty page served per org and type (for the duplicate knob). */
  readonly #previous = new Map<string, readonly Authentic8Event[]>();
  readonly #options: Authentic8EmulatorOptions;
  readonly #now: () => number;
  readonly #gate: RequestGate<Authentic8Faults>;

  constructor(options: Authentic8EmulatorOptions, variety?: Authentic8Variety) {
    this.#options = options;
    this.log = createAuthentic8Log(options.seed ?? 1, variety);
    this.#now = options.now ?? Date.now;
    this.#gate = new RequestGate(options, { unauthorizedNext: 0, stuckNextSeqNext: 0, commandErrorNext: 0 });
    this.faults = this.#gate.faults;
  }

  org(path = AUTHENTIC8_MAIN_ORG): Authentic8Org {
    const org = this.log.orgs.find((o) => orgPath(o.path) === path);
    if (!org) throw new Error(`no emulated org ${path}`);
    return org;
  }

  addEvents(n: number, opts: { org?: string; type?: string } = {}): Authentic8Event[] {
    const org = this.org(opts.org);
    return Array.from({ length: n }, () => this.log.append(org, this.#now(), opts.type));
  }

  stop(): void {
    this.#gate.stop();
  }

  handle(req: EmulatorRequest): Promise<EmulatorResponse | undefined> {
    return this.#gate.serve(this.stats, () => this.#respond(req));
  }

  #respond(req: EmulatorRequest): EmulatorResponse {
    if (this.#gate.serverError()) {
      return {
        status: 502,
        headers: { 'content-type': 'text/html' },
        body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
      };
    }
    if (!/^\/api\/?$/.test(req.url.pathname)) return { status: 404, body: { error: 'Not Found' } };
    if (req.method !== 'POST') return { status: 405, body: { error: 'Method Not Allowed' } };
    if (fire(this.faults, 'rateLimitNext'))
      return tooManyRequests(this.faults.retryAfterSeconds, { error: 'Too Many Requests' });
    if (this.faults.unauthorizedNext > 0) {
      this.faults.unauthorizedNext--;
      return { status: 401, body: { error: 'Unauthorized' } };
    }
    let commands: unknown;
    try {
      commands = JSON.parse(req.body);
    } catch {
      return { status: 400, body: { error: 'request body is not JSON' } };
    }
    if (!Array.isArray(commands)) return { status: 400, body: { error: 'expected a JSON array of commands' } };
    const session: { token?: string } = {};
    const body = `[${commands.map((c: unknown, i) => replyText(this.#command(c, i, session), c)).join(', ')}]`;
    return this.#gate.spoil({ status: 200, body });
  }

  #command(raw: unknown, index: number, session: { token?: string }): Reply {
    this.stats.commands++;
    const reply = this.#run(raw, index, session);
    if ('error' in reply) this.stats.commandErrors++;
    return reply;
  }

  #run(raw: unknown, index: number, session: { token?: string }): Reply {
    const command = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as Command;
    if (typeof command.command !== 'string') return { error: 'each command needs a "command" item' };
    if (command.command === 'setauth') {
      if (index !== 0) return { error: 'setauth must be the first command' };
      if (typeof command.data !== 'string') return { error: 'setauth: data is required' };
      session.token = command.data;
      return { result: pyJson('setting auth from data') };
    }
    if (session.token === undefined) return { error: 'setauth must be the first command' };
    // A token that is not on file fails the lookup: the KeyError text quotes it (the real text is UNCONFIRMED,
    // ../README.md).
    if (session.token !== this.#options.token) return { error: `KeyError: '${session.token}'` };
    if (command.command === 'get_log_types')
      return { result: `{"log_types": ${pyJson([...AUTHENTIC8_LOG_TYPES])}, "version": "2026.1"}` };
    if (command.command === 'extractlog') return this.#extract(command);
    return { error: `unknown command '${command.command}'` };
  }

  /**
   * extractlog (../README.md): logs of `type` in the org with seq_id from start_seq (to end_seq) and
   * create_ts in [start_time, end_time].
   */
  #extract(command: Command): Reply {
    this.stats.extractlogs++;
    this.extractCalls.push({ ...command });
    const args = extractArgs(command);
    if (typeof args === 'string') return { error: args };
    const org = resolveOrg(this.log.orgs, [AUTHENTIC8_MAIN_ORG], args.org);
    if (typeof org === 'string') return { error: org };
    if (!(AUTHENTIC8_LOG_TYPES as readonly string[]).includes(args.type))
      return { error: `unknown log type '${args.type}'` };
    if (this.faults.commandErrorNext > 0) {
      this.faults.commandErrorNext--;
      return { error: 'OperationalError: log store unavailable, try again later' };
    }
    const oldest = (this.#now() - AUTHENTIC8_RETENTION_MS) / 1000;
    const { page, isMore, next } = selectPage(org, args, oldest, this.#options.drainedNextSeq ?? 'scanned');
    const key = `${org.id}/${args.type}`;
    const served = disturbPage(this.faults, this.#gate.random, page, this.#previous.get(key) ?? []);
    if (page.length > 0) this.#previous.set(key, page);
    if (this.faults.stuckNextSeqNext <= 0) return { result: extractResultText(served, next, isMore) };
    this.faults.stuckNextSeqNext--;
    return { result: extractResultText(served, args.start, true) };
  }
}

/** Starts an Authentic8 Log Extraction API emulator on 127.0.0.1 with a seeded backlog in every org. */
export async function startAuthentic8Emulator(options: Authentic8EmulatorOptions): Promise<Authentic8Emulator> {
  const variety = await loadVariety(options.variety, async () => (await import('./arbitrary.ts')).drawAuthentic8);
  const service = new Authentic8Service(options, variety);
  const { first, end } = backlogWindow(options, (options.now ?? Date.now)(), 2 * DAY_MS);
  const times = spreadBacklog(options.backlog ?? 300, first, end);
  for (const org of service.log.orgs) for (const at of times) service.log.append(org, at);
  const hosted = await hostEmulator(service, options, (n) => service.addEvents(n));
  return {
    ...hosted,
    extractCalls: service.extractCalls,
    org: (path) => service.org(path),
    events: (path) => service.org(path).events,
    addEvents: (n, opts) => service.addEvents(n, opts),
  };
}

/** `audit-pump emulate authentic8`: the emulator with the local token; the source reads the main org, every type. */
export function startAuthentic8ForCli(settings: EmulatorSettings): Promise<RunningEmulator> {
  const start = (options: CliEmulatorOptions) => startAuthentic8Emulator({ token: AUTHENTIC8_LOCAL_TOKEN, ...options });
  return startForCli('authentic8', settings, start, (emulator) => ({
    credentials: { token: AUTHENTIC8_LOCAL_TOKEN },
    options: { org: AUTHENTIC8_MAIN_ORG, types: 'all' },
    eventIds: () => emulator.events().map(authentic8NativeId),
    // The connector reads the log types one after another.
    streams: () => AUTHENTIC8_LOG_TYPES.map((type) => emulator.events().filter((e) => e.type === type).length),
  }));
}
