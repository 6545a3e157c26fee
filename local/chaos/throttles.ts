/**
 * Throttle scenarios (docs/throttling.md): three Carbon Black sources on one API key, hence one
 * limit scope, drain one org at once in rounds, under a vendor that throttles: its own sliding-
 * window limit whose back-off every request during it extends (functions/carbonblack/README.md), and seeded
 * extra 429s with Retry-After. Half the scenarios or more give the scope a budget equal to the
 * vendor's limit. Time is a VirtualClock, so a request reaches the vendor at the instant it was
 * sent. The checks: no request sent while a back-off an earlier answer asked for stood, no window
 * of the budget's length holding more requests than the budget, the vendor's own limit never hit
 * under a budget, and nothing lost.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { carbonBlackConnector } from '../../functions/carbonblack/connector.ts';
import { optionSchemas } from '../../functions/registry.ts';
import { parseSources, type Source } from '../../shared/config.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import { clientPerSource } from '../../shared/http.ts';
import { runSource, type RunResult } from '../../shared/runner.ts';
import { ThrottleStore } from '../../shared/throttle.ts';
import { startCarbonBlackEmulator, type CarbonBlackEmulator } from '../../functions/carbonblack/emulator/emulator.ts';
import { LOCAL_AWS } from '../aws/dynamo.ts';
import { randomInt, seededRandom, type Random } from '../emulators/random.ts';
import { carbonBlackSearchExpected } from '../../functions/carbonblack/emulator/stand.ts';
import { capturingLogger, emptyOutputs, runMetrics, scan } from './hygiene.ts';
import { CHAOS_LEASE_MS, INVOCATION_MS, startArchive, type Archive } from './invoke.ts';
import { CHAOS_EPOCH } from './run.ts';
import { VirtualClock } from './virtual-clock.ts';
import { CHAOS_TABLE, type ChaosWorld } from './world.ts';

/** What a scenario plays: the scope's budget (or none), the vendor's own limit, and rounds of runs. */
export interface ThrottlePlan {
  readonly budget?: { readonly requests: number; readonly perSeconds: number };
  readonly vendorLimit: { readonly requests: number; readonly windowMs: number; readonly retryAfterSeconds: number };
  readonly backlog: number;
  readonly rounds: ReadonlyArray<{
    readonly arrivals: number;
    readonly extra429s: number;
    readonly retryAfterSeconds: number;
    readonly gapMs: number;
  }>;
}

export interface ThrottleReport {
  readonly seed: number;
  readonly budgeted: boolean;
  readonly requests: number;
  /** 429 answers, each a back-off. */
  readonly backoffs: number;
  /** Requests sent while a back-off an earlier answer asked for stood (goal 0). */
  readonly duringBackoff: number;
  /** Requests in the budget's busiest window, and how far that is above the budget (goal 0). */
  readonly busiestWindow: number;
  readonly overBudget: number;
  /**
   * 429s of the vendor's own limit (the extra ones aside); none while the scope keeps the vendor's limit as its budget.
   */
  readonly vendorLimited: number;
  /**
   * Writes to the scope's throttle item for the budget (grants, refused ones included) and for back-offs, and pages
   * committed.
   */
  readonly budgetWrites: number;
  readonly backoffWrites: number;
  readonly pages: number;
  readonly lost: number;
  readonly strangers: number;
  /** The API key's secret or id in a log line, run error or metric of the runs. */
  readonly leaks: readonly string[];
  readonly caughtUp: boolean;
  readonly outcomes: Readonly<Record<string, number>>;
  readonly details: readonly string[];
  readonly ms: number;
}

/** A request as the pump sent it: when, by whom, and the answer's status and asked pause. */
interface Sent {
  readonly at: number;
  readonly status: number;
  readonly pauseMs: number;
}

const SOURCES = ['a', 'b', 'c'];
const SETTLE_LAG_MS = carbonBlackConnector.settleLagMs ?? 0;
const MAX_ROUNDS = 30;
let sequence = 0;

/** The plan of seed `seed`. */
export function throttlePlan(seed: number): ThrottlePlan {
  const random = seededRandom(seed ^ 0x7417);
  const pick = <T>(items: readonly T[]): T => items[randomInt(random, 0, items.length - 1)] as T;
  const budgeted = random() < 0.6;
  const requests = pick([4, 6, 10, 20]);
  const perSeconds = pick([1, 2, 5]);
  const vendorLimit = budgeted
    ? { requests, windowMs: perSeconds * 1000, retryAfterSeconds: randomInt(random, 1, 10) }
    : {
        requests: randomInt(random, 4, 12),
        windowMs: randomInt(random, 1, 3) * 1000,
        retryAfterSeconds: randomInt(random, 1, 5),
      };
  const rounds = Array.from({ length: randomInt(random, 2, 4) }, () => ({
    arrivals: randomInt(random, 0, 30),
    extra429s: randomInt(random, 0, 3),
    retryAfterSeconds: randomInt(random, 1, 30),
    gapMs: randomInt(random, 10_000, 300_000),
  }));
  return {
    ...(budgeted ? { budget: { requests, perSeconds } } : {}),
    vendorLimit,
    backlog: randomInt(random, 60, 160),
    rounds,
  };
}

/** Everything the rounds share. */
interface Scene {
  readonly world: ChaosWorld;
  readonly clock: VirtualClock;
  readonly emulator: CarbonBlackEmulator;
  readonly archive: Archive;
  readonly sources: readonly Source[];
  readonly scope: string;
  readonly sent: Sent[];
  readonly outputs: ReturnType<typeof emptyOutputs>;
  readonly runner: typeof runSource;
  readonly seed: number;
  readonly throttle: ThrottleStore;
  readonly tally: { budget: number; backoff: number; pages: number };
}

/** One run of `source`, as a Lambda invocation would make it, taking part in the virtual clock. */
async function invokeOne(scene: Scene, source: Source, owner: string): Promise<RunResult> {
  const { clock, world } = scene;
  const who = clock.join();
  try {
    const fetch = ((input: string | URL | Request, init?: RequestInit) =>
      who.busy(async () => {
        const at = clock.now();
        const response = await globalThis.fetch(input, init);
        const pauseMs = response.status === 429 ? Number(response.headers.get('retry-after') ?? 0) * 1000 : 0;
        scene.sent.push({ at, status: response.status, pauseMs });
        return response;
      })) as typeof globalThis.fetch;
    const random: Random = seededRandom(scene.seed ^ scene.sent.length);
    return await scene.runner(carbonBlackConnector, source, {
      store: new CursorStore({ client: world.client, tableName: CHAOS_TABLE, now: clock.now }),
      sink: scene.archive.sink,
      deadLetter: scene.archive.deadLetter,
      owner,
      leaseMs: CHAOS_LEASE_MS,
      deadline: clock.now() + INVOCATION_MS,
      now: clock.now,
      log: capturingLogger(scene.outputs.logs),
      credentials: { get: async (s) => s.credentials ?? {} },
      throttle: { store: scene.throttle, shared: new Set([scene.scope]) },
      http: clientPerSource({ fetch, now: clock.now, sleep: who.sleep, random }),
    });
  } finally {
    who.leave();
  }
}

/** Requests sent strictly inside the pause an earlier answer asked for. */
function duringBackoff(sent: readonly Sent[]): number {
  const pauses = sent.filter((s) => s.pauseMs > 0).map((s) => [s.at, s.at + s.pauseMs] as const);
  return sent.filter((s) => pauses.some(([from, to]) => s.at > from && s.at < to)).length;
}

/** The most requests in any window [t, t + windowMs). */
export function busiest(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[j] as number) <= (sorted[i] as number) - windowMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/**
 * Plays the rounds, then fault-free rounds past the settle lag until all three are caught up; returns when that last
 * round started.
 */
async function play(
  scene: Scene,
  plan: ThrottlePlan,
  outcomes: Record<string, number>,
): Promise<{ settledAt: number | undefined; extraServed: number }> {
  const { emulator, clock } = scene;
  let extraServed = 0;
  const round = async (label: string): Promise<RunResult[]> => {
    const results = await Promise.all(scene.sources.map((s) => invokeOne(scene, s, `${label}-${s.id}`)));
    for (const r of results) {
      scene.tally.pages += r.pages;
      if (r.error !== undefined) scene.outputs.errors.push(r.error);
      scene.outputs.metrics.push(...runMetrics(r));
      const key = r.error ? `${r.status}:${/^(\w+)/.exec(r.error)?.[1] ?? 'error'}` : r.status;
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    }
    return results;
  };
  for (const [i, step] of plan.rounds.entries()) {
    emulator.addEvents(step.arrivals);
    Object.assign(emulator.faults, { rateLimitNext: step.extra429s, retryAfterSeconds: step.retryAfterSeconds });
    await round(`round-${i}`);
    extraServed += step.extra429s - emulator.faults.rateLimitNext;
    emulator.faults.rateLimitNext = 0;
    clock.advanceBy(step.gapMs);
  }
  clock.advanceBy(SETTLE_LAG_MS + CHAOS_LEASE_MS);
  for (let i = 0; i < MAX_ROUNDS; i++) {
    const startedAt = clock.now();
    if ((await round(`drain-${i}`)).every((r) => r.status === 'caught-up'))
      return { settledAt: startedAt, extraServed };
    clock.advanceBy(60_000);
  }
  return { settledAt: undefined, extraServed };
}

/** Plays the throttle scenario of `seed` (or `options.plan`) in `world`. */
export async function throttleScenario(
  world: ChaosWorld,
  seed: number,
  options: { plan?: ThrottlePlan; runner?: typeof runSource } = {},
): Promise<ThrottleReport> {
  const started = Date.now();
  const plan = options.plan ?? throttlePlan(seed);
  const clock = new VirtualClock(CHAOS_EPOCH);
  const tag = `${(seed >>> 0).toString(36)}-${++sequence}`;
  const key = { id: 'THROTTLEKEY1', secret: `chaos-throttle-secret-${tag}-4e1d` };
  const emulator = await startCarbonBlackEmulator({
    seed,
    backlog: plan.backlog,
    now: clock.now,
    apiKeys: [key],
    rateLimit: plan.vendorLimit,
  });
  const archive = await startArchive({ pumpNow: clock.now, sleep: async () => undefined });
  const scope = `chaos-cb-${tag}`;
  const startFrom = new Date(clock.now() - 5 * 86_400_000).toISOString();
  const { sources } = parseSources(
    {
      sources: SOURCES.map((x) => ({
        id: `thr-${tag}-${x}`,
        vendor: 'carbonblack',
        baseUrl: emulator.baseUrl,
        credentials: { apiId: key.id, apiSecret: key.secret },
        startFrom,
        options: { orgKey: emulator.orgKey, rows: 10 },
        rateLimit: { scope, ...plan.budget },
      })),
    },
    optionSchemas(),
  );
  // The throttle items' own client, to count their writes.
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint: world.dynamo.endpoint });
  const tally = { budget: 0, backoff: 0, pages: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UpdateItemCommand') {
        if (String((args.input as { UpdateExpression?: string }).UpdateExpression).includes('backoffUntil'))
          tally.backoff++;
        else tally.budget++;
      }
      return next(args);
    },
    { step: 'initialize', name: 'chaosCountThrottleWrites' },
  );
  const throttle = new ThrottleStore({ client, tableName: CHAOS_TABLE, vendor: 'carbonblack' });
  const scene: Scene = {
    world,
    clock,
    emulator,
    archive,
    sources,
    scope,
    sent: [],
    outputs: emptyOutputs(),
    runner: options.runner ?? runSource,
    seed,
    throttle,
    tally,
  };
  const outcomes: Record<string, number> = {};
  const details: string[] = [];
  try {
    const { settledAt, extraServed } = await play(scene, plan, outcomes);
    if (settledAt === undefined) details.push(`not caught up after ${MAX_ROUNDS} fault-free rounds`);
    const archived = await archive.byUid();
    const expected = sources.map((s) => carbonBlackSearchExpected(emulator, s.id, (settledAt ?? 0) - SETTLE_LAG_MS));
    const lost = expected.flatMap((e) => [...e.due].filter((uid) => !archived.has(uid)));
    const strangers = [...archived.keys()].filter((uid) => !expected.some((e) => e.all.has(uid)));
    const backoffs = scene.sent.filter((s) => s.status === 429).length;
    const during = duringBackoff(scene.sent);
    const most = plan.budget
      ? busiest(
          scene.sent.map((s) => s.at),
          plan.budget.perSeconds * 1000,
        )
      : 0;
    const overBudget = plan.budget ? Math.max(0, most - plan.budget.requests) : 0;
    if (lost.length) details.push(`lost ${lost.length} (e.g. ${lost.slice(0, 3).join(', ')})`);
    if (during) details.push(`${during} requests sent during a back-off`);
    if (overBudget)
      details.push(`${most} requests in a window of ${plan.budget?.perSeconds} s, budget ${plan.budget?.requests}`);
    return {
      seed,
      budgeted: plan.budget !== undefined,
      requests: scene.sent.length,
      backoffs,
      duringBackoff: during,
      busiestWindow: most,
      overBudget,
      vendorLimited: backoffs - extraServed,
      budgetWrites: tally.budget,
      backoffWrites: tally.backoff,
      pages: tally.pages,
      lost: lost.length,
      strangers: strangers.length,
      leaks: scan(scene.outputs, [key.secret, key.id]),
      caughtUp: settledAt !== undefined,
      outcomes,
      details,
      ms: Date.now() - started,
    };
  } finally {
    client.destroy();
    await emulator.stop();
    await archive.stop();
  }
}

/** True when a scenario broke a promise. */
export function throttleFailed(r: ThrottleReport): boolean {
  return (
    r.duringBackoff + r.overBudget + r.lost + r.strangers + r.leaks.length > 0 ||
    (r.budgeted && r.vendorLimited > 0) ||
    !r.caughtUp
  );
}
