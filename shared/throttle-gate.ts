/**
 * One run's gate to its limit scope (docs/throttling.md), passed by the HTTP client before every
 * attempt (shared/http.ts RequestGate). It only ever delays requests: a wait never moves a cursor,
 * and a wait that would end past the deadline stops the run as throttled (RateLimitedError), its
 * cursor where the last delivered page left it.
 *
 * - Back-off: when the vendor asks one run to pause, the run records it in the scope's item
 *   (shared/throttle.ts) and every run of the scope holds its requests until then, and says so.
 *   A run reads the item before its first request (a back-off a run before it was told); runs of a
 *   scope that other sources share or that states a rateLimit read it before every request, or
 *   learn it from the budget's write, which refuses while a back-off stands.
 * - Budget: every request takes a token from the scope's bucket, for the next free slot, and waits
 *   for it. Requests that wait together (the concurrent fetches of one page) take theirs in one
 *   write.
 */
import { withinDeadline } from './deadline.ts';
import { RateLimitedError } from './errors.ts';
import type { GateClock, RequestGate } from './http.ts';
import type { Logger } from './logger.ts';
import { readyAt, type Budget, type ThrottleState, type ThrottleStore } from './throttle.ts';

export interface ScopeGateOptions {
  readonly store: ThrottleStore;
  readonly scope: string;
  readonly sourceId: string;
  readonly budget?: Budget;
  /** Reads the scope's item before every request (others may report a back-off), not only before the first. */
  readonly watch: boolean;
  readonly log: Logger;
  /** Time spent holding requests: for the vendor's back-off, or for room in the budget. */
  readonly onWait: (ms: number, cause: 'backoff' | 'budget') => void;
  /** A request the budget held back (counted once, however long it waited). */
  readonly onRefused: () => void;
  /** @default Math.random */
  readonly random?: () => number;
}

/** Longest pause before a write that lost a race last time: runs that woke together write apart. */
const RACE_JITTER_MS = 50;

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** The gate of one run to its scope; see the module comment. */
export class ScopeGate implements RequestGate {
  /** The latest back-off this run knows of (epoch ms). */
  private until = 0;
  /** The back-off last announced in this run's log, so each is said once. */
  private announced = 0;
  /** The bucket's `tat` as this run last saw it. */
  private tat: number | undefined;
  private readBefore = false;
  /**
   * This run's last write for an idle bucket lost to another run's: the next one waits a random
   * moment first. So does the first one on a scope others share, as runs scheduled together start.
   */
  private raced: boolean;
  private readonly waiting: Waiter[] = [];
  private granting = false;

  constructor(private readonly o: ScopeGateOptions) {
    this.raced = o.watch;
  }

  async admit(clock: GateClock): Promise<void> {
    if (!this.o.budget) return this.clear(clock);
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.granting) void this.grantAll(clock);
    });
  }

  async backOff(until: number, reason: string, clock: GateClock): Promise<void> {
    if (until <= this.until) return;
    this.until = until;
    this.announced = until;
    this.o.log.info(
      `the vendor asked for a pause (${reason}); every run of limit scope "${this.o.scope}" holds its requests until ${iso(until)}`,
      this.fields(until),
    );
    this.learn(
      await this.call(clock, 'recording a back-off', (signal) =>
        this.o.store.backOff(this.o.scope, until, this.o.sourceId, clock.now(), signal),
      ),
    );
  }

  /** Without a budget: waits out the back-off, reading the scope's item as `watch` says. */
  private async clear(clock: GateClock): Promise<void> {
    for (;;) {
      if (this.o.watch || !this.readBefore) {
        this.learn(await this.read(clock));
        this.readBefore = true;
      }
      if (this.until <= clock.now()) return;
      await this.hold(this.until, 'backoff', clock);
      if (!this.o.watch) return;
    }
  }

  /** Serves the waiting requests in turn, as many at once as the bucket's burst allows. */
  private async grantAll(clock: GateClock): Promise<void> {
    this.granting = true;
    // The requests a page starts together have all come by the next turn: they share the write.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.waiting.length > 0) {
        const k = Math.min(this.waiting.length, (this.o.budget as Budget).burst);
        try {
          await this.take(k, clock);
        } catch (error) {
          for (const waiter of this.waiting.splice(0)) waiter.reject(error);
          return;
        }
        for (const waiter of this.waiting.splice(0, k)) waiter.resolve();
      }
    } finally {
      this.granting = false;
    }
  }

  /**
   * Takes `k` tokens, waiting for the back-off and for room in the bucket as long as needed. The
   * write takes the next free slot, now or later (each run its own, however many take at once),
   * and the run waits for it, then reads whether a back-off came up meanwhile: a slot it waited
   * for is given up for one. The write is one of two, the bucket idle or busy: where other runs
   * take too, a bucket not known to be busy is read first, so that the write is the right one, and
   * after a write for an idle bucket lost to another run's (runs that woke together, at the end of
   * a back-off), the next one waits a random moment and reads again.
   */
  private async take(k: number, clock: GateClock): Promise<void> {
    const budget = this.o.budget as Budget;
    let refused = false;
    for (;;) {
      if (this.until > clock.now()) {
        await this.hold(this.until, 'backoff', clock);
        continue;
      }
      if (!(await this.view(budget, clock))) continue;
      const now = clock.now();
      const idle = this.tat === undefined || this.tat <= now;
      const taken = await this.call(clock, 'taking from the budget', (signal) =>
        this.o.store.take(this.o.scope, k, budget, now, idle, clock.latestEnd, signal),
      );
      if (idle) this.raced = taken.missed;
      this.learn(taken.state);
      if (!taken.granted || taken.at === undefined) {
        // Refused without a back-off: no slot is free before the deadline.
        const ready = readyAt(budget, this.tat, k);
        if (this.until <= clock.now() && ready > clock.latestEnd) await this.hold(ready, 'budget', clock);
        continue;
      }
      if (taken.at <= clock.now()) return;
      if (!refused) for (let i = 0; i < k; i++) this.o.onRefused();
      refused = true;
      await this.hold(taken.at, 'budget', clock);
      if (this.o.watch) this.learn(await this.read(clock));
      if (this.until <= clock.now()) return;
    }
  }

  /**
   * Brings this run's view of the bucket up to date before a write, where other runs take too;
   * false when that showed a back-off. A `tat` seen after now needs no read: it only grows.
   */
  private async view(budget: Budget, clock: GateClock): Promise<boolean> {
    const idle = (): boolean => this.tat === undefined || this.tat <= clock.now();
    if (this.o.watch && idle()) this.learn(await this.read(clock));
    if (this.raced && idle()) {
      await clock.sleep(Math.floor((this.o.random ?? Math.random)() * Math.min(budget.emissionMs, RACE_JITTER_MS)));
      this.learn(await this.read(clock));
    }
    return this.until <= clock.now();
  }

  private read(clock: GateClock): Promise<ThrottleState> {
    return this.call(clock, 'reading the throttle state', (signal) => this.o.store.read(this.o.scope, signal));
  }

  /** Waits until `until`; refuses (RateLimitedError) a wait that would end after the clock's latest end. */
  private async hold(until: number, cause: 'backoff' | 'budget', clock: GateClock): Promise<void> {
    const ms = until - clock.now();
    if (ms <= 0) return;
    if (until > clock.latestEnd) {
      const what =
        cause === 'backoff' ? `backs off until ${iso(until)}` : `has no room in its budget before ${iso(until)}`;
      throw new RateLimitedError(
        `source ${this.o.sourceId}: limit scope "${this.o.scope}" ${what}, past the deadline`,
        ms,
      );
    }
    this.o.onWait(ms, cause);
    await clock.sleep(ms);
  }

  private learn(state: ThrottleState): void {
    if (state.tat !== undefined) this.tat = Math.max(this.tat ?? state.tat, state.tat);
    const until = state.backoffUntil ?? 0;
    if (until <= this.until) return;
    this.until = until;
    if (until > this.announced) {
      this.announced = until;
      this.o.log.info(
        `limit scope "${this.o.scope}" backs off until ${iso(until)} (asked of ${state.backoffBy ?? 'another run'}); holding this run's requests`,
        this.fields(until),
      );
    }
  }

  private fields(until: number): Record<string, unknown> {
    return { sourceId: this.o.sourceId, scope: this.o.scope, backoffUntil: iso(until) };
  }

  /** A store call bounded by the deadline, as every AWS call of a run is (shared/deadline.ts). */
  private call<T>(clock: GateClock, what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withinDeadline(
      `source ${this.o.sourceId}: ${what} of limit scope "${this.o.scope}"`,
      clock.deadline - clock.now(),
      fn,
    );
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
