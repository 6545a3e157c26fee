/**
 * Races: two or three runs of one source at once, the lease of the run holding the source
 * expiring at an awkward moment (after it took the lease, while it fetches, midway through its
 * delivery, just before its commit), so the next run takes the source over while the first is
 * still alive. Each delivered record is tagged with the run that delivered it; the figure is the
 * number of pages (fetch positions) whose records were delivered by more than one run. Afterwards
 * the source is drained fault-free and checked for loss like any chaos run.
 */
import { CursorStore } from '../../shared/cursor-store.ts';
import { eventUid } from '../../shared/ocsf.ts';
import type { runSource } from '../../shared/runner.ts';
import type { Sink } from '../../shared/sink.ts';
import { randomInt, seededRandom, type Random } from '../emulators/random.ts';
import { nonDestructiveStands, startStand, type StandName } from './stands.ts';
import { emptyOutputs } from './hygiene.ts';
import { CHAOS_LEASE_MS, invoke, startArchive, type Rig } from './invoke.ts';
import { CHAOS_EPOCH, drain } from './run.ts';
import type { Steps } from './steps.ts';
import { CHAOS_TABLE, FakeClock, type ChaosWorld } from './world.ts';

/** Where a run is when its lease runs out and the next run starts. */
export const MOMENTS = ['afterLease', 'duringFetch', 'midSink', 'beforeCommit'] as const;
export type Moment = (typeof MOMENTS)[number];

const RACE_STANDS: readonly StandName[] = nonDestructiveStands();

export interface RaceReport {
  readonly seed: number;
  readonly stand: StandName;
  readonly writers: number;
  readonly moments: readonly Moment[];
  /** Distinct pages (fetch positions) whose records reached the archive. */
  readonly pages: number;
  /** Pages whose records were delivered by more than one run. */
  readonly doubled: number;
  /** Deliveries that began when the delivering run no longer held the lease (expired, or taken over). */
  readonly stale: number;
  readonly lost: number;
  readonly strangers: number;
  readonly outcomes: readonly string[];
}

/** Which run delivered which uid, and which page (fetch position) each uid was fetched on. */
class Ledger {
  readonly pageOf = new Map<string, string>();
  readonly writers = new Map<string, Set<string>>();
  stale = 0;

  fetched(key: string, uids: readonly string[]): void {
    for (const uid of uids) if (!this.pageOf.has(uid)) this.pageOf.set(uid, key);
  }

  delivered(owner: string, records: readonly Uint8Array[]): void {
    for (const bytes of records) {
      const uid = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { metadata: { uid: string } }).metadata.uid;
      const page = this.pageOf.get(uid) ?? `uid:${uid}`;
      this.writers.set(page, (this.writers.get(page) ?? new Set()).add(owner));
    }
  }

  doubled(): number {
    return [...this.writers.values()].filter((owners) => owners.size > 1).length;
  }
}

/** The steps of one writer: deliveries tagged, and `onMoment` called once at the chosen moment. */
function instrument(
  rig: Rig,
  ledger: Ledger,
  owner: string,
  moment: Moment | undefined,
  nth: number,
  onMoment: () => Promise<void>,
) {
  let count = 0;
  let fired = false;
  const at = async (m: Moment): Promise<void> => {
    if (m !== moment || fired || ++count !== nth) return;
    fired = true;
    await onMoment();
  };
  return (steps: Steps<unknown, unknown>): Steps<unknown, unknown> => {
    const { connector, source } = { connector: steps.connector, source: rig.stand.source };
    const reader = new CursorStore({ client: rig.world.client, tableName: CHAOS_TABLE, now: rig.clock.now });
    const store = Object.create(steps.store) as typeof steps.store;
    store.acquireLease = async (...args) => {
      const state = await steps.store.acquireLease(...args);
      await at('afterLease');
      return state;
    };
    store.commit = async (...args) => {
      await at('beforeCommit');
      return steps.store.commit(...args);
    };
    const sink: Sink = {
      name: steps.sink.name,
      put: async (records, deadline) => {
        const lease = await reader.get(source.id);
        if (lease?.leaseOwner !== owner || (lease.leaseExpiresAt ?? 0) <= rig.clock.now()) ledger.stale++;
        if (moment === 'midSink' && !fired && records.length > 1) {
          ledger.delivered(owner, records.slice(0, Math.ceil(records.length / 2)));
          await steps.sink.put(records.slice(0, Math.ceil(records.length / 2)), deadline);
          await at('midSink');
        }
        await steps.sink.put(records, deadline);
        ledger.delivered(owner, records);
      },
    };
    return {
      ...steps,
      store,
      sink,
      connector: {
        ...connector,
        fetchPage: async (ctx, cursor) => {
          const page = await connector.fetchPage(ctx, cursor);
          const key = JSON.stringify(connector.position ? connector.position(cursor) : cursor);
          ledger.fetched(
            key,
            page.records.flatMap((r) => {
              const parsed = connector.recordSchema.safeParse(r.value);
              return parsed.success ? [eventUid(source.vendor, source.id, connector.nativeId(parsed.data, r))] : [];
            }),
          );
          if (page.records.length > 0) await at('duringFetch');
          return page;
        },
      },
    };
  };
}

/** A race: the stand, how many writers, and where each writer but the last loses its lease (the nth time there). */
export interface RacePlan {
  readonly stand: StandName;
  readonly writers: number;
  readonly moments: readonly Moment[];
  readonly nths: readonly number[];
}

function plan(random: Random): RacePlan {
  const writers = random() < 0.5 ? 2 : 3;
  const moments = Array.from(
    { length: writers - 1 },
    () => MOMENTS[randomInt(random, 0, MOMENTS.length - 1)] as Moment,
  );
  // A run takes its lease once: that moment comes only once.
  const nths = moments.map((m) => (m === 'afterLease' ? 1 : randomInt(random, 1, 2)));
  return { stand: RACE_STANDS[randomInt(random, 0, RACE_STANDS.length - 1)] as StandName, writers, moments, nths };
}

/** One race with seed `seed` (or `chosen`); `runner` replaces shared/runner.ts's runSource (a patched copy). */
export async function race(
  world: ChaosWorld,
  seed: number,
  runner?: typeof runSource,
  chosen?: RacePlan,
): Promise<RaceReport> {
  const random = seededRandom(seed ^ 0x7ace);
  const drawn = plan(random);
  const { stand: name, writers, moments, nths } = chosen ?? drawn;
  const clock = new FakeClock(CHAOS_EPOCH);
  const archive = await startArchive(clock);
  const stand = await startStand(name, {
    sourceId: `race-${(seed >>> 0).toString(36)}-${world.commits.length}`,
    seed,
    now: clock.now,
    backlog: randomInt(random, 30, 90),
  });
  const rig: Rig = { world, clock, stand, archive, outputs: emptyOutputs(), seed, ...(runner ? { runner } : {}) };
  const ledger = new Ledger();
  const outcomes: string[] = [];
  /** Writer k runs; at its moment the lease expires and writer k+1 runs to its end before k goes on. */
  const writer = async (k: number): Promise<void> => {
    const owner = `writer-${k}`;
    const next = async (): Promise<void> => {
      clock.advance(CHAOS_LEASE_MS + 1000);
      await writer(k + 1);
    };
    const last = k === writers - 1;
    const wrap = instrument(rig, ledger, owner, last ? undefined : moments[k], nths[k] ?? 1, next);
    const { result } = await invoke(rig, { owner, wrap });
    outcomes.push(`${owner}:${result.status}${result.error ? `:${/^(\w+)/.exec(result.error)?.[1] ?? ''}` : ''}`);
    // A writer whose moment never came (too few pages) still lets the next one run, after it.
    if (!last && outcomes.length < writers && !outcomes.some((o) => o.startsWith(`writer-${k + 1}:`)))
      await writer(k + 1);
  };
  try {
    await writer(0);
    const settledAt = await drain(rig);
    const archived = await archive.byUid();
    const { all, due } = stand.expected(settledAt ?? 0);
    return {
      seed,
      stand: name,
      writers,
      moments,
      pages: ledger.writers.size,
      doubled: ledger.doubled(),
      stale: ledger.stale,
      lost: [...due].filter((u) => !archived.has(u)).length,
      strangers: [...archived.keys()].filter((u) => !all.has(u)).length,
      outcomes,
    };
  } finally {
    await stand.stop();
    await archive.stop();
  }
}
