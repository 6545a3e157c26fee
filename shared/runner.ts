/**
 * The runner: lease, cursor walk, delivery, commit, deadline (DESIGN.md 4.3). Connectors only
 * fetch and map; every invariant lives here:
 *  1. the cursor moves only after the page's records were accepted by every destination (or the
 *     dead-letter), so a crash at any step loses nothing;
 *  2. a rerun repeats at most the pages since the last commit, with the same `metadata.uid`;
 *  3. one writer: lease taken/renewed conditionally, commits conditional on version and owner;
 *  4. the run stops at `deadline` (the caller keeps a margin before the Lambda's end);
 *  6. bad records are dead-lettered with the reason; a cursor that does not advance is an error.
 *
 * Pipelining: while page n is delivered and committed, page n+1 is already being fetched from
 * page n's `next` (unless the connector opts out, see Connector.prefetch). Delivery and commits
 * stay strictly in order: page n+1 is delivered only after page n's commit, so a crash, deadline
 * or lost lease at any point drops at most the prefetched page, which was never delivered.
 */
import { deliverPage } from './delivery.ts';
import {
  AuthError,
  CursorInvalidError,
  CursorStuckError,
  DeadlineError,
  LeaseHeldError,
  PlaceholderSecretError,
  RateLimitedError,
  describeError,
} from './errors.ts';
import type { Sink } from './sink.ts';
import { raceDeadline, withinDeadline } from './deadline.ts';
import { redactingLogger, silentLogger, type Logger } from './logger.ts';
import { makeRedactor } from './redact.ts';
import {
  parseCredentials,
  parseOptions,
  type Connector,
  type Credentials,
  type Options,
  type FetchContext,
  type Page,
} from './connector.ts';
import type { CursorStore } from './cursor-store.ts';
import type { HttpClient, RequestGate, RetryEvent, RetryRule } from './http.ts';
import { limitScope, type Source } from './config.ts';
import type { Spool } from './spool.ts';
import { ScopeGate } from './throttle-gate.ts';
import { settleLagMs } from './windows.ts';
import { budgetOf, type ThrottleStore } from './throttle.ts';

/** Where a source's credentials come from; `refresh` bypasses the cache (after a 401). */
export interface CredentialsProvider {
  get(source: Source, options?: { refresh?: boolean }): Promise<Record<string, string>>;
}

/** Builds the HTTP client for one source (redacting its credentials, honouring the deadline). */
export type HttpFactory = (input: {
  source: Source;
  credentials: Record<string, string>;
  deadline: number;
  onRetry: (e: RetryEvent) => void;
  retryRule?: RetryRule;
  /** The run's gate to its limit scope (shared/throttle-gate.ts), when the run has a throttle store. */
  gate?: RequestGate;
}) => HttpClient;

/** The limit scopes' shared state (docs/throttling.md). */
export interface ThrottleDeps {
  readonly store: ThrottleStore;
  /** Scopes several configured sources share: their runs read the scope's back-off before every request. */
  readonly shared: ReadonlySet<string>;
}

export interface RunnerDeps {
  readonly store: CursorStore;
  /** Archive (and SIEM) destinations, usually a FanOutSink. */
  readonly sink: Sink;
  readonly deadLetter: Sink;
  readonly credentials: CredentialsProvider;
  readonly http: HttpFactory;
  /** This run's lease owner id (the Lambda request id, or a random id locally). */
  readonly owner: string;
  readonly leaseMs: number;
  /** Epoch ms at which the run must have stopped (already minus the safety margin). */
  readonly deadline: number;
  readonly now?: () => number;
  readonly log?: Logger;
  /** Called after each committed page (progress views). */
  readonly onProgress?: (stats: Readonly<RunStats>) => void;
  /** Passed to the connector as `ctx.spool` (queue-style vendors spool raw batches there). */
  readonly spool?: Spool;
  /** Asks the run to stop (Ctrl-C locally): it ends at the next page boundary, as at the deadline. */
  readonly stop?: AbortSignal;
  /** The scopes' shared back-offs and budgets; without it a run keeps its back-offs to itself and keeps no budget. */
  readonly throttle?: ThrottleDeps;
}

export type RunStatus = 'caught-up' | 'deadline' | 'stopped' | 'throttled' | 'busy' | 'skipped' | 'failed';

/** Counters of one run of one source; the handler turns them into metrics. */
export interface RunStats {
  pages: number;
  events: number;
  rejected: number;
  retries: number;
  /**
   * Time requests were held for throttling: the vendor's back-offs (this run's or another run's of the scope) and the
   * budget.
   */
  throttledWaitMs: number;
  /** Of that, the time requests waited for room in the scope's budget. */
  budgetWaitMs: number;
  /** Requests the scope's budget held back. */
  budgetRefused: number;
  /** Seconds the cursor trails the vendor: 0 once caught up, else now minus the newest event delivered. */
  cursorLagSeconds?: number;
  /** Seconds the pump's clock is ahead of the vendor's (its `Date` header; negative when behind), once heard. */
  clockSkewSeconds?: number;
}

/** The counters of a run that has done nothing yet. */
export function noRunStats(): RunStats {
  return { pages: 0, events: 0, rejected: 0, retries: 0, throttledWaitMs: 0, budgetWaitMs: 0, budgetRefused: 0 };
}

/** A clock skew beyond this is logged (once a run); the ClockSkew metric carries every run's figure. */
export const CLOCK_SKEW_WARN_SECONDS = 30;

export interface RunResult extends RunStats {
  readonly sourceId: string;
  readonly status: RunStatus;
  /** True when the source has more to read (deadline reached, throttled, or failed mid-way). */
  readonly more: boolean;
  readonly durationMs: number;
  readonly error?: string;
}

/** Runs one source until caught up, the deadline, or an error. Never throws for source failures. */
export async function runSource<C, R, O extends Options, K extends Credentials>(
  connector: Connector<C, R, O, K>,
  source: Source,
  deps: RunnerDeps,
): Promise<RunResult> {
  const now = deps.now ?? Date.now;
  const log = deps.log ?? silentLogger;
  const started = now();
  const stats: RunStats = noRunStats();
  const finish = (status: RunStatus, more: boolean, error?: string): RunResult => ({
    sourceId: source.id,
    status,
    more,
    durationMs: now() - started,
    ...stats,
    ...(error !== undefined ? { error } : {}),
  });
  let state;
  try {
    if (now() >= deps.deadline) return finish('deadline', true);
    state = await withinDeadline(`source ${source.id}: taking the lease`, deps.deadline - now(), (signal) =>
      deps.store.acquireLease(source.id, deps.owner, deps.leaseMs, signal),
    );
  } catch (error) {
    if (error instanceof LeaseHeldError) {
      log.info('source busy: another run holds the lease', {
        sourceId: source.id,
        holder: error.holder,
        expiresAt: new Date(error.expiresAt).toISOString(),
      });
      return finish('busy', false, error.message);
    }
    // An answer lost to the abort may still have taken the lease: release it (only if it is ours).
    if (error instanceof DeadlineError) await release(source, deps, log);
    return finish(error instanceof DeadlineError ? 'deadline' : 'failed', true, describeError(error));
  }
  const walk = new Walk(connector, source, deps, stats, now, log, state.leaseExpiresAt ?? now() + deps.leaseMs);
  // Every text that leaves the run (result, logs) passes the source's redactor: an error may quote the vendor.
  const described = (error: unknown): string => walk.redact(describeError(error));
  try {
    const status = await walk.run(state.version, state.cursor, state.cursorError, state.lastEventTime);
    return finish(status, status !== 'caught-up');
  } catch (error) {
    if (error instanceof RateLimitedError) {
      log.warn('stopping: the vendor asked for a wait beyond the deadline', {
        sourceId: source.id,
        error: described(error),
      });
      return finish('throttled', true);
    }
    if (error instanceof DeadlineError) {
      log.warn('stopping at the deadline; the cursor stays at the last committed page', {
        sourceId: source.id,
        error: described(error),
      });
      return finish('deadline', true);
    }
    if (error instanceof PlaceholderSecretError) {
      log.warn('source skipped: its secret is still a placeholder', { sourceId: source.id, error: error.message });
      return finish('skipped', false, error.message);
    }
    log.error('run failed; the cursor stays at the last delivered page', {
      sourceId: source.id,
      error: described(error),
    });
    return finish('failed', true, described(error));
  } finally {
    await release(source, deps, log);
  }
}

/**
 * How long a call that must still be made at or after the deadline may take: the commit of a page
 * already delivered (it saves the next run from delivering it again) and the lease release. The
 * Lambda keeps a margin of several seconds past the deadline (DEADLINE_MARGIN_MS) for them.
 */
export const FINAL_CALL_MS = 2000;

/** Gives the lease back, bounded by FINAL_CALL_MS; a failure only means the lease will expire. */
async function release(source: Source, deps: RunnerDeps, log: Logger): Promise<void> {
  await withinDeadline(`source ${source.id}: releasing the lease`, FINAL_CALL_MS, (signal) =>
    deps.store.releaseLease(source.id, deps.owner, signal),
  ).catch((error: unknown) => {
    log.warn('lease release failed; it will expire', { sourceId: source.id, error: describeError(error) });
  });
}

/** One run's cursor walk; a class only to keep the loop's state out of long parameter lists. */
class Walk<C, R, O extends Options, K extends Credentials> {
  private readonly seen = new Set<string>();
  /** Parsed once, when the walk starts; a bad option fails the run before any request. */
  private options: O | undefined;
  private credentials: K | undefined;
  private redactor: (text: string) => string = (text) => text;
  private http: HttpClient | undefined;
  /** What connectors log through: the run's logger behind the source's redactor. */
  private readonly connectorLog: Logger;
  /** The next page, fetched while the current one is delivered; undefined when none is in flight. */
  private prefetched: Promise<Page<C>> | undefined;
  /** The run's gate to its limit scope: one for the whole run, whichever HTTP client it builds. */
  private readonly gate: RequestGate | undefined;

  constructor(
    private readonly connector: Connector<C, R, O, K>,
    private readonly source: Source,
    private readonly deps: RunnerDeps,
    private readonly stats: RunStats,
    private readonly now: () => number,
    private readonly log: Logger,
    /** Until when this run's lease is known to hold: as taken, then as last renewed or committed. */
    private leaseUntil: number,
  ) {
    this.connectorLog = redactingLogger(log, (text) => this.redact(text));
    this.gate = deps.throttle && scopeGate(source, deps.throttle, stats, log);
  }

  /** `text` without the source's secrets (the identity until the credentials are loaded). */
  redact(text: string): string {
    return this.redactor(text);
  }

  async run(
    version: number,
    stored: unknown,
    storedError: string | undefined,
    lastEventTime: number | undefined,
  ): Promise<RunStatus> {
    try {
      return await this.walk(version, stored, storedError, lastEventTime);
    } finally {
      // A prefetch still in flight when the run ends (deadline, failure) is dropped, never delivered;
      // wait for it so no request of this run outlives it.
      await this.prefetched?.then(noop, noop);
    }
  }

  private async walk(
    version: number,
    stored: unknown,
    storedError: string | undefined,
    lastEventTime: number | undefined,
  ): Promise<RunStatus> {
    this.options = parseOptions(this.connector, this.source);
    let cursor = this.initialCursor(stored, storedError, this.options);
    if (lastEventTime !== undefined) this.stats.cursorLagSeconds = Math.max(0, (this.now() - lastEventTime) / 1000);
    await this.loadCredentials(false);
    for (;;) {
      if (this.now() >= this.deps.deadline) return 'deadline';
      if (this.deps.stop?.aborted) return 'stopped';
      const page = await (this.prefetched ?? this.fetch(cursor));
      this.prefetched = undefined;
      this.checkAdvance(cursor, page);
      if (!page.caughtUp && !this.deps.stop?.aborted && this.mayPrefetch()) this.prefetch(page.next);
      // deliver() keeps the lease before each chunk it sends (holdLease), the first one included.
      const { lastEventTime: newest } = await this.deliver(page);
      const committedAt = this.now();
      const commit = {
        owner: this.deps.owner,
        expectedVersion: version,
        cursor: page.next,
        leaseMs: this.deps.leaseMs,
        ...(newest !== undefined ? { lastEventTime: newest } : {}),
      };
      // A delivered page is committed even at the deadline (within FINAL_CALL_MS): that saves a redelivery.
      const left = Math.max(this.deps.deadline - committedAt, FINAL_CALL_MS);
      version = await withinDeadline(`source ${this.source.id}: commit`, left, (signal) =>
        this.deps.store.commit(this.source.id, commit, signal),
      );
      this.leaseUntil = committedAt + this.deps.leaseMs;
      this.stats.pages++;
      // Lag is how far the cursor trails the vendor: none once caught up (a quiet source is not a stale one).
      if (page.caughtUp) this.stats.cursorLagSeconds = 0;
      else if (newest !== undefined) this.stats.cursorLagSeconds = Math.max(0, (this.now() - newest) / 1000);
      this.deps.onProgress?.(this.stats);
      cursor = page.next;
      if (page.caughtUp) return 'caught-up';
    }
  }

  /**
   * Before each chunk of a page is sent (the first one included): a run that has used more than half
   * of its lease since it took, renewed or last committed it (a long fetch, a rate-limit wait, a
   * slow delivery) renews it first. If another run has taken the source over meanwhile, the
   * renewal fails with CursorConflictError and this run stops instead of delivering what the other
   * run delivers too. A quick page costs no extra write.
   */
  private async holdLease(): Promise<void> {
    const left = this.deps.deadline - this.now();
    // Nothing more is sent once the deadline has come: the page stays uncommitted and is read again.
    if (left <= 0)
      throw new DeadlineError(
        `source ${this.source.id}: the deadline came in the middle of a page; it is delivered again by the next run`,
      );
    if (this.now() < this.leaseUntil - this.deps.leaseMs / 2) return;
    const renewedAt = this.now();
    await withinDeadline(`source ${this.source.id}: renewing the lease`, left, (signal) =>
      this.deps.store.renewLease(this.source.id, this.deps.owner, this.deps.leaseMs, signal),
    );
    this.leaseUntil = renewedAt + this.deps.leaseMs;
  }

  private initialCursor(stored: unknown, storedError: string | undefined, options: O): C {
    if (storedError !== undefined)
      throw new CursorInvalidError(
        `source ${this.source.id}: ${storedError}; fix or reset it (audit-pump cursor reset)`,
      );
    if (stored === undefined) return this.connector.initialCursor(this.source, this.now(), options);
    const parsed = this.connector.cursorSchema.safeParse(stored);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new CursorInvalidError(
        `source ${this.source.id}: stored cursor is invalid (${detail}); fix or reset it (audit-pump cursor reset)`,
      );
    }
    return parsed.data;
  }

  private async loadCredentials(refresh: boolean): Promise<void> {
    // Powertools' secrets provider takes no abort signal: the run stops waiting at the deadline instead.
    const raw = await raceDeadline(
      `source ${this.source.id}: reading the secret`,
      this.deps.deadline - this.now(),
      this.deps.credentials.get(this.source, { refresh }),
    );
    const credentials = parseCredentials(this.connector, this.source, raw);
    this.credentials = credentials;
    this.redactor = makeRedactor(Object.values(credentials));
    this.http = this.deps.http({
      source: this.source,
      credentials,
      deadline: this.deps.deadline,
      onRetry: (e) => {
        this.stats.retries++;
        if (e.throttled) this.stats.throttledWaitMs += e.waitMs;
      },
      ...(this.connector.retryRule ? { retryRule: this.connector.retryRule } : {}),
      ...(this.gate ? { gate: this.gate } : {}),
    });
  }

  private mayPrefetch(): boolean {
    return this.connector.prefetch ? this.connector.prefetch(this.options as O) : true;
  }

  /** Starts fetching the page at `next`; its failure surfaces when the loop awaits it, after the commit. */
  private prefetch(next: C): void {
    const pending = this.fetch(next);
    // Observed now so a failure while the current page is delivered is not an unhandled rejection.
    pending.catch(noop);
    this.prefetched = pending;
  }

  /** Fetches one page; on a refused credential, fetches the secret again once and retries. */
  private async fetch(cursor: C): Promise<Page<C>> {
    try {
      return await this.connector.fetchPage(this.context(), cursor);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      this.log.warn('credential refused; fetching the secret again once', { sourceId: this.source.id });
      await this.loadCredentials(true);
      return await this.connector.fetchPage(this.context(), cursor);
    } finally {
      this.noteSkew();
    }
  }

  /** How far the pump's clock is from the vendor's, by its latest `Date` header; warned about once a run. */
  private noteSkew(): void {
    const vendor = this.http?.vendorNow();
    if (vendor === undefined) return;
    const seconds = Math.round((this.now() - vendor) / 1000);
    const known = this.stats.clockSkewSeconds;
    this.stats.clockSkewSeconds = seconds;
    if (
      Math.abs(seconds) > CLOCK_SKEW_WARN_SECONDS &&
      (known === undefined || Math.abs(known) <= CLOCK_SKEW_WARN_SECONDS)
    ) {
      this.log.warn(
        `clock skew: the pump's clock is ${Math.abs(seconds)} s ${seconds > 0 ? 'ahead of' : 'behind'} the vendor's; time windows end by the earlier clock`,
        { sourceId: this.source.id, clockSkewSeconds: seconds },
      );
    }
  }

  /** Only called after the walk parsed the options and loaded the credentials. */
  private context(): FetchContext<O, K> {
    return {
      source: this.source,
      options: this.options as O,
      credentials: this.credentials as K,
      settleLagMs: settleLagMs(this.connector, this.source),
      http: this.http as HttpClient,
      deadline: this.deps.deadline,
      now: this.now,
      log: this.connectorLog,
      ...(this.deps.spool ? { spool: this.deps.spool } : {}),
    };
  }

  /** A cursor that stays put while records flow, or comes back to an earlier position, loops. */
  private checkAdvance(cursor: C, page: Page<C>): void {
    const position = (c: C): string => JSON.stringify(this.connector.position ? this.connector.position(c) : c);
    const from = position(cursor);
    const to = position(page.next);
    this.seen.add(from);
    const moved = to !== from;
    if (!moved && (page.records.length > 0 || !page.caughtUp)) {
      throw new CursorStuckError(
        `source ${this.source.id}: the vendor cursor did not advance (${page.records.length} records at the same position); stopping instead of looping`,
      );
    }
    if (moved && this.seen.has(to)) {
      throw new CursorStuckError(
        `source ${this.source.id}: the vendor cursor went back to a position already read in this run; stopping instead of looping`,
      );
    }
  }

  /** Validates, normalizes and delivers a page (shared/delivery.ts); resolves only when every record was accepted. */
  private async deliver(page: Page<C>): Promise<{ lastEventTime?: number }> {
    const { connector, source } = this;
    const { sink, deadLetter, deadline } = this.deps;
    const beforeChunk = (): Promise<void> => this.holdLease();
    const delivered = await deliverPage(
      { connector, source, sink, deadLetter, deadline, now: this.now, beforeChunk },
      page,
    );
    this.stats.events += delivered.events;
    this.stats.rejected += delivered.rejected;
    return delivered.lastEventTime !== undefined ? { lastEventTime: delivered.lastEventTime } : {};
  }
}

/** The run's gate to the source's limit scope, counting its waits into the run's stats. */
function scopeGate(source: Source, throttle: ThrottleDeps, stats: RunStats, log: Logger): ScopeGate {
  const scope = limitScope(source);
  const { requests, perSeconds } = source.rateLimit ?? {};
  return new ScopeGate({
    store: throttle.store,
    scope,
    sourceId: source.id,
    ...(requests !== undefined && perSeconds !== undefined ? { budget: budgetOf({ requests, perSeconds }) } : {}),
    watch: source.rateLimit !== undefined || throttle.shared.has(scope),
    log,
    onWait: (ms, cause) => {
      stats.throttledWaitMs += ms;
      if (cause === 'budget') stats.budgetWaitMs += ms;
    },
    onRefused: () => void stats.budgetRefused++,
  });
}

function noop(): void {}
