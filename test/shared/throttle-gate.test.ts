/**
 * A run's gate to its limit scope (shared/throttle-gate.ts) against a real local DynamoDB: no
 * request passes while a back-off any run of the scope recorded stands, requests of several runs
 * together never pass more than the budget in any window, and a wait past the deadline stops the
 * run as throttled instead of waiting. Time is a clock that moves only when every run sleeps.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { VirtualClock, type Participant } from '../../local/chaos/virtual-clock.ts';
import { busiest } from '../../local/chaos/throttles.ts';
import { RateLimitedError } from '../../shared/errors.ts';
import type { GateClock } from '../../shared/http.ts';
import type { Logger } from '../../shared/logger.ts';
import { ScopeGate, type ScopeGateOptions } from '../../shared/throttle-gate.ts';
import { budgetOf, type Budget, type ThrottleStore } from '../../shared/throttle.ts';
import { failure } from '../helpers/failure.ts';
import { startThrottleStore, type LocalThrottleStore } from '../helpers/throttle-store.ts';

const TABLE = 'throttle-gate-test';
const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);

let local: LocalThrottleStore;
let store: ThrottleStore;
let scopes = 0;

beforeAll(async () => {
  local = await startThrottleStore(TABLE);
  store = local.store;
});
afterAll(() => local.stop());

/** One run's gate with what it reported: waits, refusals, log lines; `takes` counts its budget writes. */
function gate(scope: string, sourceId: string, options: Partial<ScopeGateOptions> = {}) {
  const seen = {
    waits: [] as Array<[number, string]>,
    refused: 0,
    lines: [] as string[],
    takes: [] as number[],
    missed: 0,
  };
  const counting = Object.create(store) as ThrottleStore;
  counting.take = async (s, k, ...rest) => {
    seen.takes.push(k);
    const taken = await store.take(s, k, ...rest);
    if (taken.missed) seen.missed++;
    return taken;
  };
  const log: Logger = {
    debug: () => undefined,
    info: (m) => void seen.lines.push(m),
    warn: (m) => void seen.lines.push(m),
    error: (m) => void seen.lines.push(m),
  };
  const g = new ScopeGate({
    store: counting,
    scope,
    sourceId,
    watch: true,
    log,
    random: () => 0,
    onWait: (ms, cause) => void seen.waits.push([ms, cause]),
    onRefused: () => void seen.refused++,
    ...options,
  });
  return { gate: g, seen };
}

/** A run's clock: the virtual clock's time, the participant's sleep, a deadline `leftMs` away. */
function clockOf(clock: VirtualClock, who: Participant, leftMs = 600_000): GateClock {
  const deadline = clock.now() + leftMs;
  return { now: clock.now, sleep: who.sleep, deadline, latestEnd: deadline - 1000 };
}

const freshScope = (): string => `audit-pump/gate-${++scopes}`;

describe('ScopeGate: shared back-off', () => {
  it("holds a watching run's request until the back-off another run recorded is over, and says so", async () => {
    // Prepare
    const clock = new VirtualClock(T0);
    const scope = freshScope();
    const a = gate(scope, 'cbc-a');
    const b = gate(scope, 'cbc-b');
    const [runA, runB] = [clock.join(), clock.join()];
    await a.gate.backOff(T0 + 5000, 'HTTP 429', clockOf(clock, runA));
    runA.leave();

    // Act
    await b.gate.admit(clockOf(clock, runB));
    runB.leave();

    // Assess
    expect(clock.now()).toBe(T0 + 5000);
    expect(b.seen.waits).toEqual([[5000, 'backoff']]);
    expect(b.seen.lines).toEqual([
      `limit scope "${scope}" backs off until 2026-11-20T12:00:05.000Z (asked of cbc-a); holding this run's requests`,
    ]);
    expect(a.seen.lines[0]).toContain(
      `every run of limit scope "${scope}" holds its requests until 2026-11-20T12:00:05.000Z`,
    );
  });

  it('honours, before its first request, a back-off an earlier run recorded, even when it does not watch', async () => {
    const clock = new VirtualClock(T0);
    const scope = freshScope();
    await store.backOff(scope, T0 + 2000, 'veza-old-run', T0);
    const b = gate(scope, 'veza-b', { watch: false });
    const run = clock.join();
    await b.gate.admit(clockOf(clock, run));
    await b.gate.admit(clockOf(clock, run));
    run.leave();
    expect(b.seen.waits).toEqual([[2000, 'backoff']]);
  });

  it("waits again when the back-off was extended while it waited (a request during it extends Carbon Black's)", async () => {
    // Prepare: while this run waits, another run records a longer back-off.
    const clock = new VirtualClock(T0);
    const scope = freshScope();
    await store.backOff(scope, T0 + 1000, 'cbc-a', T0);
    const b = gate(scope, 'cbc-b');
    const run = clock.join();
    const extending: GateClock = {
      ...clockOf(clock, run),
      sleep: async (ms) => {
        if (clock.now() === T0) await store.backOff(scope, T0 + 4000, 'cbc-c', T0 + 500);
        await run.sleep(ms);
      },
    };

    // Act
    await b.gate.admit(extending);
    run.leave();

    // Assess
    expect(clock.now()).toBe(T0 + 4000);
    expect(b.seen.waits).toEqual([
      [1000, 'backoff'],
      [3000, 'backoff'],
    ]);
  });

  it('stops the run as throttled, without waiting, when the back-off ends past the deadline', async () => {
    const clock = new VirtualClock(T0);
    const scope = freshScope();
    await store.backOff(scope, T0 + 120_000, 'veza-a', T0);
    const b = gate(scope, 'veza-b');
    const error = await failure(b.gate.admit(clockOf(clock, clock.join(), 60_000)));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.message).toBe(
      `source veza-b: limit scope "${scope}" backs off until 2026-11-20T12:02:00.000Z, past the deadline`,
    );
    expect([clock.now(), b.seen.waits]).toEqual([T0, []]);
  });
});

describe('ScopeGate: budget', () => {
  it('takes the tokens of requests that wait together in one write', async () => {
    const clock = new VirtualClock(T0);
    const g = gate(freshScope(), 'nected-a', { budget: { burst: 5, emissionMs: 100 } });
    const run = clock.join();
    await Promise.all(Array.from({ length: 5 }, () => g.gate.admit(clockOf(clock, run))));
    run.leave();
    expect(g.seen.takes).toEqual([5]);
  });

  it('holds requests until the bucket has room, counting each held request once', async () => {
    const clock = new VirtualClock(T0);
    const g = gate(freshScope(), 'veza-a', { budget: { burst: 1, emissionMs: 100 } });
    const run = clock.join();
    for (let i = 0; i < 3; i++) await g.gate.admit(clockOf(clock, run));
    run.leave();
    expect(clock.now()).toBe(T0 + 200);
    expect(g.seen.waits).toEqual([
      [100, 'budget'],
      [100, 'budget'],
    ]);
    expect(g.seen.refused).toBe(2);
  });

  it('stops the run as throttled when the budget has no room before the deadline', async () => {
    const clock = new VirtualClock(T0);
    const g = gate(freshScope(), 'veza-a', { budget: { burst: 1, emissionMs: 60_000 } });
    const run = clock.join();
    await g.gate.admit(clockOf(clock, run, 30_000));
    const error = await failure(g.gate.admit(clockOf(clock, run, 30_000)));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.message).toContain('has no room in its budget before 2026-11-20T12:01:00.000Z, past the deadline');
  });

  it("grants nothing during a back-off, then goes on at the budget's pace", async () => {
    const clock = new VirtualClock(T0);
    const scope = freshScope();
    await store.backOff(scope, T0 + 3000, 'cbc-a', T0);
    const g = gate(scope, 'cbc-b', { budget: { burst: 1, emissionMs: 100 } });
    const run = clock.join();
    const passed: number[] = [];
    for (let i = 0; i < 2; i++) passed.push((await g.gate.admit(clockOf(clock, run)), clock.now()));
    run.leave();
    expect(passed).toEqual([T0 + 3000, T0 + 3100]);
  });

  it('lets runs of one scope that start together take in turn, each write the right one, after a random moment', async () => {
    // Prepare: three runs whose first takes would all find the bucket idle.
    const clock = new VirtualClock(T0);
    const scope = freshScope();
    const runs = [0.1, 0.5, 0.9].map((r, i) =>
      gate(scope, `cbc-${i}`, { budget: { burst: 1, emissionMs: 100 }, random: () => r }),
    );

    // Act
    const passed = await Promise.all(
      runs.map(async (g) => {
        const who = clock.join();
        await g.gate.admit(clockOf(clock, who));
        who.leave();
        return clock.now();
      }),
    );

    // Assess: one slot each, and no write was the wrong one.
    expect([...passed].sort()).toEqual([T0 + 5, T0 + 105, T0 + 205]);
    expect(runs.map((g) => [g.seen.takes.length, g.seen.missed])).toEqual([
      [1, 0],
      [1, 0],
      [1, 0],
    ]);
  });

  it('lets three runs of concurrent requests pass no more than the budget in any window, and every request passes', async () => {
    // Prepare: 20 requests per 2 s; three runs, each with two requests in flight at a time.
    const clock = new VirtualClock(T0);
    const scope = freshScope();
    const limit = { requests: 20, perSeconds: 2 };
    const budget: Budget = budgetOf(limit);
    const passed: number[] = [];
    const run = async (id: string): Promise<void> => {
      const who = clock.join();
      const g = gate(scope, id, { budget });
      const lane = async (): Promise<void> => {
        for (let i = 0; i < 15; i++) passed.push((await g.gate.admit(clockOf(clock, who)), clock.now()));
      };
      await Promise.all([lane(), lane()]).finally(() => who.leave());
    };

    // Act
    await Promise.all(['cbc-a', 'cbc-b', 'cbc-c'].map(run));

    // Assess
    expect(passed).toHaveLength(90);
    expect(busiest(passed, 2000)).toBe(20);
  });
});
