/**
 * Retraced (BoxyHQ) Enterprise API emulator (../README.md): `POST /auditlog/enterprise/v1/graphql`
 * as the real server v1.13.1 in Postgres search mode answers it. The query is parsed and validated
 * by graphql-js against the exact SDL of ../README.md with the server's extra NoDuplicateFields rule,
 * so
 * errors come out with the server's statuses and bodies (../README.md, ../README.md).
 * Every
 * executed read writes
 * an `audit.log.view` event; events become searchable only after an ingest delay (../README.md). As the
 * real server was seen to answer (issue 15): every response of the route carries
 * `x-retraced-requestid`, a GET or a body without `query` is a 500, and an event without an actor
 * or target shows an object of nulls.
 */
import { backlogWindow, hostEmulator, loadVariety } from '../../../local/emulators/emulator-host.ts';
import { startForCli } from '../../../local/emulators/cli-emulator.ts';
import type {
  CliEmulatorOptions,
  VendorEmulatorOptions,
  HostedEmulator,
} from '../../../local/emulators/emulator-host.ts';
import { type EmulatorRequest, type EmulatorResponse } from '../../../local/emulators/http-server.ts';
import { randomHex, seededRandom } from '../../../local/emulators/random.ts';
import { RequestGate, disturbPage, fire, tooManyRequests } from '../../../local/emulators/emulator-faults.ts';
import type { PageFaults, RequestFaults } from '../../../local/emulators/emulator-faults.ts';
import {
  RetracedLog,
  makePublished,
  markdown,
  seedBacklog,
  type RetracedPublished,
  type RetracedStoredEvent,
} from './data.ts';
import { answerGraphql, search, type SearchArgs } from './search.ts';
import type { EmulatorSettings, RunningEmulator } from '../../../local/emulators/emulators.ts';

export type { RetracedPublished, RetracedStoredEvent } from './data.ts';

export const RETRACED_GRAPHQL_PATH = '/auditlog/enterprise/v1/graphql';
export { RETRACED_SDL } from './search.ts';

/**
 * Faults the emulator injects; counters count down as they fire. Mutable while running. The 502 and the
 * 429 come from the proxy in front of the server, with HTML bodies, before the route is looked at.
 */
export type RetracedFaults = RequestFaults;

/**
 * Options of {@link startRetracedEmulator}: 1000 events received before start (backlog), evenly spaced over
 * [backlogStart, backlogEnd); `variety` draws published events from every shape the publisher API accepts
 * (no actor, no target, empty strings and maps...).
 */
export interface RetracedEmulatorOptions extends VendorEmulatorOptions<RetracedFaults> {
  /** The enterprise token the pump uses; its reads are logged as `enterprise:<token[0:7]>`. */
  token: string;
  /** The token's display name (the view events' actor name). @default 'audit-pump' */
  displayName?: string;
  /** More tokens of the same group (other readers). */
  otherTokens?: readonly string[];
  /** @default backlogEnd - 2 days */
  backlogStart?: Date;
  /** @default now - 10 minutes, so a pump with the default settle lag reads the whole backlog */
  backlogEnd?: Date;
  /** Receive-to-searchable lag (../README.md observed 0.6-1.1 s). @default 1000 */
  ingestDelayMs?: number;
  /** Indentation of the JSON bodies (Express's "json spaces"; the server sends none). @default 0 */
  jsonSpaces?: number;
  /** Keep every response body for {@link RetracedEmulator.bodies} (tests). @default false */
  recordBodies?: boolean;
}

/** Fields over a generated event; undefined removes one (an event without actor or target). */
type Overrides = { [K in keyof RetracedPublished]?: RetracedPublished[K] | undefined };

/** Draws a doc-shaped published event (functions/retraced/emulator/arbitrary.ts, loaded only when asked for). */
type Draw = (random: () => number, group: { id: string; name: string }, receivedMs: number) => RetracedPublished;

/** What the emulator counts. */
export interface RetracedStats {
  requests: number;
  reads: number;
  errors: number;
}

/** A running emulator. */
export interface RetracedEmulator extends HostedEmulator<RetracedFaults & PageFaults, RetracedStats> {
  readonly group: { readonly id: string; readonly name: string };
  /** Every event of the token's group, searchable yet or not, view events included, in receive order. */
  events(): RetracedStoredEvent[];
  /** The events of every group (other tenants' events are never served to the token). */
  allEvents(): readonly RetracedStoredEvent[];
  /**
   * Publishes one event now (group defaults to the token's); `created` may be backdated; an undefined field removes the
   * generated one.
   */
  publish(event: Overrides, options?: { ingestDelayMs?: number }): RetracedStoredEvent;
  /** Publishes `n` generated events now; `created: null` forces none, a number forces that time. */
  addEvents(n: number, options?: { created?: number | null; ingestDelayMs?: number }): RetracedStoredEvent[];
  /** Every response body sent, in order, when `recordBodies` is set (byte-exact raw_data checks). */
  bodies(): readonly string[];
}

interface Token {
  readonly id: string;
  readonly displayName: string;
}

const json = (
  status: number,
  body: unknown,
  spaces: number,
  headers: Record<string, string> = {},
): EmulatorResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(body, null, spaces),
});

/** State and request handling of one emulator. */
class RetracedService {
  readonly stats = { requests: 0, reads: 0, errors: 0 };
  readonly faults: RetracedFaults & PageFaults;
  readonly log: RetracedLog;
  readonly group = { id: 'rtrcdqa1234', name: 'RetracedQA' };
  readonly generator: () => number;
  readonly sent: string[] = [];
  readonly #tokens = new Map<string, Token>();
  readonly #options: RetracedEmulatorOptions;
  readonly #gate: RequestGate<RetracedFaults>;
  readonly #draw: Draw | undefined;
  #previousEdges: readonly unknown[] = [];

  constructor(options: RetracedEmulatorOptions, draw?: Draw) {
    this.#draw = draw;
    const seed = options.seed ?? 1;
    this.#options = options;
    this.log = new RetracedLog(seed);
    this.generator = seededRandom(seed ^ 0xda7a);
    this.#gate = new RequestGate(options, {});
    this.faults = this.#gate.faults;
    this.#tokens.set(options.token, { id: options.token, displayName: options.displayName ?? 'audit-pump' });
    (options.otherTokens ?? []).forEach((id, i) => this.#tokens.set(id, { id, displayName: `reader ${i + 1}` }));
  }

  now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /**
   * Ingests a generated event received now, with `overrides` on top. `created`: a number forces that
   * client time, null forces none, undefined lets the generator choose (usually none or close by).
   */
  publish(
    overrides: Overrides,
    options: { received?: number; ingestDelayMs?: number | undefined; created?: number | null } = {},
  ): RetracedStoredEvent {
    const received = options.received ?? this.now();
    const created = overrides.created ?? options.created;
    const base =
      this.#draw && this.generator() < (this.#options.variety ?? 0)
        ? this.#varied(received, created)
        : makePublished(this.generator, this.group, received, created);
    return this.log.publish(
      { ...base, ...overrides } as RetracedPublished,
      received,
      options.ingestDelayMs ?? this.#options.ingestDelayMs ?? 1000,
    );
  }

  /** A doc-shaped event, with a forced `created` (a number, or null for none) applied. */
  #varied(received: number, created: number | null | undefined): RetracedPublished {
    const { created: drawn, ...event } = (this.#draw as Draw)(this.generator, this.group, received);
    const time = created === null ? undefined : (created ?? drawn);
    return time === undefined ? event : { ...event, created: time };
  }

  stop(): void {
    this.#gate.stop();
  }

  async handle(req: EmulatorRequest): Promise<EmulatorResponse | undefined> {
    const out = await this.#gate.serve(this.stats, () => this.#respond(req));
    if (out && this.#options.recordBodies && typeof out.body === 'string') this.sent.push(out.body);
    return out;
  }

  async #respond(req: EmulatorRequest): Promise<EmulatorResponse> {
    if (this.#gate.serverError()) {
      return {
        status: 502,
        headers: { 'content-type': 'text/html' },
        body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
      };
    }
    if (fire(this.faults, 'rateLimitNext')) {
      const limited = tooManyRequests(
        this.faults.retryAfterSeconds,
        '<html><body><h1>429 Too Many Requests</h1></body></html>',
      );
      return { ...limited, headers: { ...limited.headers, 'content-type': 'text/html' } };
    }
    // Express: unknown routes are a plain-text 404 (../README.md). A GET reaches the handler with no
    // body
    // (issue 15: a 500).
    if (
      (req.method !== 'POST' && req.method !== 'GET') ||
      req.url.pathname.replace(/\/$/, '') !== RETRACED_GRAPHQL_PATH
    ) {
      return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'Not Found' };
    }
    const token = this.#authenticate(req.headers.authorization);
    if (typeof token === 'string') return this.#frameworkError(401, token);
    // Express's JSON body parser reads only JSON bodies; anything else arrives as an empty body.
    const isJson = req.method === 'POST' && /^application\/json\b/i.test(req.headers['content-type'] ?? '');
    return this.#gate.spoil(await this.#graphql(isJson ? req.body : '', token));
  }

  /** `token=(.+)` anywhere in the header (../README.md); returns the 401 message on failure. */
  #authenticate(header: string | undefined): Token | string {
    if (!header) return 'Missing Authorization header';
    const id = /token=(.+)/.exec(header)?.[1];
    if (id === undefined) return 'Invalid Authorization header form';
    return this.#tokens.get(id) ?? 'Unauthorized';
  }

  /**
   * A JSON answer of the route, with the request id header every one of them carries (../README.md,
   * issue
   * 15).
   */
  #reply(status: number, body: unknown): EmulatorResponse {
    return json(status, body, this.#options.jsonSpaces ?? 0, {
      'x-retraced-requestid': `graphqlPost:${randomHex(this.#gate.random, 8)}`,
    });
  }

  /** `handleFrameworkError` bodies (../README.md). */
  #frameworkError(status: number, error: string): EmulatorResponse {
    return this.#reply(status, status === 401 ? { status, type: 'Error', error } : { status, error, type: 'Error' });
  }

  /**
   * Validate (500 when it throws), execute, log the read, 400 when there are any errors (../README.md).
   * A
   * body without a string `query` reaches graphql-js, whose Source throws (issue 15: a 500).
   */
  async #graphql(body: string, token: Token): Promise<EmulatorResponse> {
    let request: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      request = JSON.parse(body || '{}') as typeof request;
    } catch (error) {
      return this.#frameworkError(400, (error as Error).message);
    }
    const outcome = await answerGraphql(request.query, request.variables, request.operationName, {
      search: (args: SearchArgs) => this.#search(args),
    });
    if ('crash' in outcome) return this.#frameworkError(500, outcome.crash);
    if (!outcome.executed) return this.#reply(outcome.status, outcome.body);
    this.#logRead(token);
    return this.#reply(outcome.status, outcome.body);
  }

  /** The resolver, with the page knobs applied to its edges. */
  #search(args: SearchArgs): ReturnType<typeof search> {
    const result = search(this.log.events, args, { groupId: this.group.id, now: this.now() });
    const edges = disturbPage(this.faults, this.#gate.random, result.edges, this.#previousEdges as typeof result.edges);
    if (result.edges.length > 0) this.#previousEdges = result.edges;
    return { ...result, edges };
  }

  /**
   * The event each read writes (EnterpriseController; ../README.md, ../README.md),
   * searchable
   * after the ingest
   * delay; as the real server returns it (issue 15): `created` = `received`, no target, and the
   * display text as its description.
   */
  #logRead(token: Token): void {
    this.stats.reads++;
    const received = this.now();
    const actor = { id: `enterprise:${token.id.substring(0, 7)}`, name: token.displayName };
    const view: RetracedPublished = {
      action: 'audit.log.view',
      crud: 'r',
      group: { ...this.group },
      description: markdown({ action: 'audit.log.view', actor }),
      source_ip: '127.0.0.1',
      actor,
      created: received,
    };
    this.log.publish(view, received, this.#options.ingestDelayMs ?? 1000);
  }
}

/** Starts a Retraced enterprise GraphQL emulator on 127.0.0.1 with a seeded backlog. */
export async function startRetracedEmulator(options: RetracedEmulatorOptions): Promise<RetracedEmulator> {
  const variety = await loadVariety(options.variety, async () => (await import('./arbitrary.ts')).drawRetraced);
  const service = new RetracedService(options, variety?.draw);
  const { first: start, end } = backlogWindow(options, service.now(), 2 * 86_400_000, 600_000);
  seedBacklog(
    service.generator,
    service.group,
    { count: options.backlog ?? 1000, start, end },
    (group, received, created) =>
      service.publish({ group }, { received, ...(created === undefined ? {} : { created }) }),
  );
  const hosted = await hostEmulator(service, options, (n) => {
    for (let i = 0; i < n; i++) service.publish({});
  });
  const mine = () => service.log.events.filter((e) => e.group.id === service.group.id);
  return {
    ...hosted,
    group: service.group,
    events: mine,
    allEvents: () => service.log.events,
    publish: (event, o) => service.publish(event, { ingestDelayMs: o?.ingestDelayMs }),
    addEvents: (n, o = {}) => Array.from({ length: n }, () => service.publish({}, o)),
    bodies: () => service.sent,
  };
}

/** A fixed, obviously fake enterprise token for local runs. */
export const LOCAL_RETRACED_TOKEN = 'local-retraced-token-4d1a9c7e';

/** The emulator as `audit-pump emulate retraced` and `npm start` run it (local/emulators/emulators.ts). */
export function startRetracedForCli(settings: EmulatorSettings): Promise<RunningEmulator> {
  const start = (options: CliEmulatorOptions) => startRetracedEmulator({ token: LOCAL_RETRACED_TOKEN, ...options });
  return startForCli('retraced', settings, start, (emulator) => ({
    credentials: { token: LOCAL_RETRACED_TOKEN },
    eventIds: () => emulator.events().map((e) => e.id),
  }));
}
