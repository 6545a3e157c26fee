/**
 * The scopes' throttle items (shared/throttle.ts) against a real local DynamoDB: back-offs that
 * only ever extend, and the budget's token bucket taken with conditional writes, which never grants
 * more than the budget in any window, whoever races for it.
 */
import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { busiest } from '../../local/chaos/throttles.ts';
import { seededRandom } from '../../local/emulators/random.ts';
import { backfillItemId } from '../../shared/backfill.ts';
import {
  budgetOf,
  readyAt,
  throttleItemId,
  throttleItemPattern,
  type Budget,
  type ThrottleStore,
} from '../../shared/throttle.ts';
import { startThrottleStore, type LocalThrottleStore } from '../helpers/throttle-store.ts';

const TABLE = 'throttle-test';
const T0 = Date.UTC(2026, 10, 20, 12, 0, 0);

let local: LocalThrottleStore;
let store: ThrottleStore;
let scopes = 0;

/** A scope no other test has used. */
const freshScope = (): string => `audit-pump/scope-${++scopes}`;

beforeAll(async () => {
  local = await startThrottleStore(TABLE);
  store = local.store;
});
afterAll(() => local.stop());

describe('budgetOf and readyAt', () => {
  it('turns a budget into a burst of a hundredth and the interval that keeps any window, with its margin, within it', () => {
    expect(budgetOf({ requests: 1000, perSeconds: 300 })).toEqual({ burst: 11, emissionMs: 304 });
    expect(budgetOf({ requests: 20, perSeconds: 1 })).toEqual({ burst: 1, emissionMs: 51 });
    expect(budgetOf({ requests: 1, perSeconds: 60 })).toEqual({ burst: 1, emissionMs: 60_250 });
  });

  it('grants, as soon as it can, never more than `requests` in any window stretched by its margin, and at least 96% of them', () => {
    for (const limit of [
      { requests: 20, perSeconds: 1 },
      { requests: 100, perSeconds: 10 },
      { requests: 1000, perSeconds: 300 },
      { requests: 7, perSeconds: 3 },
      { requests: 40, perSeconds: 5 },
    ]) {
      // Prepare: a greedy taker, one token whenever the bucket allows.
      const budget = budgetOf(limit);
      const windowMs = limit.perSeconds * 1000;
      const grants: number[] = [];
      let tat: number | undefined;
      let now = 0;

      // Act
      while (now < windowMs * 10) {
        now = Math.max(now, readyAt(budget, tat, 1));
        grants.push(now);
        tat = Math.max(tat ?? now, now) + budget.emissionMs;
      }

      // Assess
      expect(busiest(grants, windowMs + Math.min(250, windowMs / 50))).toBeLessThanOrEqual(limit.requests);
      expect(grants.filter((t) => t < windowMs * 10).length).toBeGreaterThanOrEqual(
        Math.floor(limit.requests * 10 * 0.96),
      );
    }
  });
});

describe('ThrottleStore back-offs', () => {
  it("records a back-off in the scope's own item and reads it back", async () => {
    const scope = freshScope();
    const state = await store.backOff(scope, T0 + 5000, 'veza-a', T0);
    expect(state).toEqual({ backoffUntil: T0 + 5000, backoffBy: 'veza-a' });
    expect(await store.read(scope)).toEqual(state);
    const item = await local.dynamo.client.send(
      new GetItemCommand({ TableName: TABLE, Key: { sourceId: { S: `veza#${scope}#throttle` } } }),
    );
    expect(item.Item?.backoffUntil).toEqual({ N: String(T0 + 5000) });
  });

  it('keeps the later back-off when a shorter one is reported after it, and answers with it', async () => {
    const scope = freshScope();
    await store.backOff(scope, T0 + 60_000, 'veza-a', T0);
    const state = await store.backOff(scope, T0 + 1000, 'veza-b', T0 + 10);
    expect(state).toEqual({ backoffUntil: T0 + 60_000, backoffBy: 'veza-a' });
  });

  it('reads an empty state for a scope nobody throttled', async () => {
    expect(await store.read(freshScope())).toEqual({});
  });

  it("keys a scope's item apart from every source's cursor and backfill items", () => {
    expect(throttleItemId('veza', 'audit-pump/veza')).toBe('veza#audit-pump/veza#throttle');
    expect(throttleItemPattern('veza')).toBe('veza#*#throttle');
    // A source "veza" has the backfill item "veza#backfill": not a throttle item's key, nor the pattern's.
    expect(throttleItemId('veza', 'backfill')).not.toBe(backfillItemId('veza'));
    expect(backfillItemId('veza').endsWith('#throttle')).toBe(false);
  });
});

describe('ThrottleStore budget', () => {
  const budget: Budget = { burst: 3, emissionMs: 100 };
  const LATEST = T0 + 600_000;

  it('grants a full burst now on an idle scope, then the next tokens for the slots they free, none after `latest`', async () => {
    const scope = freshScope();
    const burst = await store.take(scope, 3, budget, T0, true, LATEST);
    const next = await store.take(scope, 1, budget, T0 + 50, false, LATEST);
    const tooLate = await store.take(scope, 1, budget, T0 + 50, false, T0 + 150);
    expect([burst.granted, burst.at, burst.state.tat]).toEqual([true, T0, T0 + 300]);
    expect([next.granted, next.at]).toEqual([true, T0 + 100]);
    expect([tooLate.granted, tooLate.missed, tooLate.state.tat]).toEqual([false, false, T0 + 400]);
  });

  it('grants when the bucket is not as the caller believes, either way, and says it missed', async () => {
    const scope = freshScope();
    await store.take(scope, 2, budget, T0, true, LATEST);
    // Believed idle, but busy: the burst has room for one more now.
    const busy = await store.take(scope, 1, budget, T0 + 1, true, LATEST);
    // Believed busy, but idle again long since.
    const idle = await store.take(scope, 3, budget, T0 + 10_000, false, LATEST);
    expect([busy.granted, busy.at, busy.missed, idle.granted, idle.at, idle.missed, idle.state.tat]).toEqual([
      true,
      T0 + 1,
      true,
      true,
      T0 + 10_000,
      true,
      T0 + 10_300,
    ]);
  });

  it('refuses every token while a back-off stands, and grants once it is over', async () => {
    const scope = freshScope();
    await store.backOff(scope, T0 + 2000, 'cbc-a', T0);
    const during = await store.take(scope, 1, budget, T0 + 1999, true, LATEST);
    const after = await store.take(scope, 1, budget, T0 + 2000, true, LATEST);
    expect(during).toEqual({ granted: false, missed: false, state: { backoffUntil: T0 + 2000, backoffBy: 'cbc-a' } });
    expect([after.granted, after.at]).toEqual([true, T0 + 2000]);
  });

  it('refuses more tokens at once than the burst', async () => {
    await expect(store.take(freshScope(), 4, budget, T0, true, LATEST)).rejects.toThrow(
      'take: 4 tokens asked, 1..3 possible',
    );
  });

  it("gives 30 runs racing at the same instant a slot each, none shared but the burst's, none after `latest`", async () => {
    const scope = freshScope();
    const takes = await Promise.all(
      Array.from({ length: 30 }, () => store.take(scope, 1, budget, T0, true, T0 + 1000)),
    );
    const slots = takes
      .filter((t) => t.granted)
      .map((t) => t.at as number)
      .sort((a, b) => a - b);
    expect(slots).toEqual([T0, T0, T0, ...Array.from({ length: 10 }, (_, i) => T0 + 100 * (i + 1))]);
  });

  it('never gives more than the budget in any window to three runs taking at seeded random times with their own views', async () => {
    // Prepare: 10 per second; each run asks at its own pace with whatever view it last had.
    const scope = freshScope();
    const limit = { requests: 10, perSeconds: 1 };
    const random = seededRandom(21);
    const views: Array<number | undefined> = [undefined, undefined, undefined];
    const slots: number[] = [];

    // Act
    for (let now = T0; now < T0 + 4000; now += Math.floor(random() * 40)) {
      const run = Math.floor(random() * 3);
      const view = views[run];
      const take = await store.take(scope, 1, budgetOf(limit), now, view === undefined || view <= now, now + 500);
      views[run] = take.state.tat;
      if (take.granted) slots.push(take.at as number);
    }

    // Assess: the busiest window is full, and no window holds more.
    expect(busiest(slots, 1000)).toBe(10);
    expect(slots.length).toBeGreaterThan(30);
  });
});
