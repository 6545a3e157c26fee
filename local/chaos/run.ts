/**
 * One chaos run: a stand, its seeded schedule of invocations under faults, then fault-free reruns
 * (the clock moved past the settle lag and any lease) until the source is caught up, and the
 * checks: nothing due is missing from the archive, nothing archived is unknown to the vendor, no
 * uid carries two different raw_data, no committed version or position went backwards, and no
 * credential appears in anything the run produced.
 */
import { CursorStore } from '../../shared/cursor-store.ts';
import type { RunResult, RunStatus, runSource } from '../../shared/runner.ts';
import { seededRandom, type Random } from '../emulators/random.ts';
import { startStand, type Stand } from './stands.ts';
import { regressed } from './expected.ts';
import { archiveTexts, emptyOutputs, scan, spoolTexts } from './hygiene.ts';
import { CHAOS_LEASE_MS, STALL_BUDGET_MS, invoke, startArchive, type Archive, type Rig } from './invoke.ts';
import { scheduleFor, type Invocation, type Schedule } from './schedule.ts';
import { CHAOS_TABLE, FakeClock, type ChaosWorld } from './world.ts';
import type { StandName } from './stands.ts';

/** Where every campaign's clock starts: fixed, so a seed replays the same run on any day. */
export const CHAOS_EPOCH = Date.parse('2026-11-20T12:00:00.000Z');
const MAX_DRAIN = 40;

/** The findings of one run. */
export interface RunReport {
  readonly seed: number;
  readonly stand: StandName;
  readonly lost: number;
  readonly strangers: number;
  readonly uidConflicts: number;
  /** Archived raw_data that differs from the bytes the emulator served (where it keeps them). */
  readonly rawMismatches: number;
  readonly cursorRegressions: number;
  readonly leaks: readonly string[];
  /** How many texts (log lines, errors, metric documents, archive objects) the secret scan read. */
  readonly scanned: number;
  readonly duplicates: number;
  readonly events: number;
  readonly invocations: number;
  readonly crashes: number;
  /** Invocations whose pump clock ran ahead of or behind the vendor's. */
  readonly skews: number;
  /** Invocations whose Firehose stalled past the deadline. */
  readonly stalls: number;
  /** Of those, the ones that did not end as stopped at the deadline. */
  readonly overruns: number;
  readonly caughtUp: boolean;
  /** Run outcomes by status and error class, e.g. `failed:HttpTimeoutError`. */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly details: readonly string[];
  readonly ms: number;
}

let sequence = 0;

/** What a run counts as it plays its schedule. */
interface Tally {
  invocations: number;
  crashes: number;
  skews: number;
  stalls: number;
  overruns: number;
}

function outcome(status: RunStatus, error: string | undefined): string {
  return error ? `${status}:${/^(\w+)/.exec(error)?.[1] ?? 'error'}` : status;
}

function arm(rig: Rig, step: Invocation, random: Random): void {
  if (step.arrivals) rig.stand.arrive(step.arrivals.n, step.arrivals.late, random, step.arrivals.poison);
  for (const { fault, n } of step.vendorFaults) rig.stand.inject(fault, n, random);
  if (step.firehose) Object.assign(rig.archive.firehose.faults, step.firehose);
  if (step.dynamo) rig.world.dynamoFaults.push(step.dynamo);
}

function calm(rig: Rig): void {
  rig.stand.calm();
  Object.assign(rig.archive.firehose.faults, {
    recordFailureRate: 0,
    failNextRecords: 0,
    throttleNextCalls: 0,
    dropConnectionNextCalls: 0,
  });
  rig.world.dynamoFaults.length = 0;
}

/** Runs the schedule, then reruns until caught up; returns the clock at the start of the caught-up run. */
async function play(
  rig: Rig,
  schedule: Schedule,
  outcomes: Record<string, number>,
  tally: Tally,
  details: string[],
): Promise<number | undefined> {
  const count = (status: RunStatus, error: string | undefined): void => {
    tally.invocations++;
    outcomes[outcome(status, error)] = (outcomes[outcome(status, error)] ?? 0) + 1;
  };
  const random = seededRandom(schedule.seed ^ 0xa5a5);
  for (const [i, step] of schedule.invocations.entries()) {
    arm(rig, step, random);
    rig.clock.skew = step.skewMs ?? 0;
    if (step.skewMs) tally.skews++;
    if (step.stallMs) {
      rig.archive.firehose.faults.latencyMs = step.stallMs;
      tally.stalls++;
    }
    const startedAt = Date.now();
    const { result, died } = await invoke(rig, {
      owner: `inv-${i}`,
      ...(step.crash ? { crash: step.crash } : {}),
      ...(step.deadlineAtRequest ? { deadlineAtRequest: step.deadlineAtRequest } : {}),
      ...(step.stallMs ? { invocationMs: STALL_BUDGET_MS } : {}),
    });
    // Every call had STALL_BUDGET_MS: a run that waited for the stalled Firehose overran its deadline.
    if (step.stallMs && Date.now() - startedAt >= step.stallMs) {
      tally.overruns++;
      details.push(
        `a Firehose stall of ${step.stallMs} ms held the run ${Date.now() - startedAt} ms past a deadline ${STALL_BUDGET_MS} ms away`,
      );
    }
    rig.archive.firehose.faults.latencyMs = 0;
    count(result.status, result.error);
    if (died) tally.crashes++;
    rig.clock.skew = 0;
    rig.archive.firehose.faults.recordFailureRate = 0;
    rig.world.dynamoFaults.length = 0;
    rig.clock.advance(step.gapMs);
  }
  calm(rig);
  return drain(rig, (r) => count(r.status, r.error));
}

/**
 * Fault-free reruns, the clock first moved past the settle lag and any lease, until the source is
 * caught up; returns the clock at the start of that run, undefined when it never was.
 */
export async function drain(
  rig: Rig,
  onResult: (result: RunResult) => void = () => undefined,
): Promise<number | undefined> {
  rig.clock.advance(Math.max(rig.stand.settleLagMs, CHAOS_LEASE_MS) + 1000);
  const store = new CursorStore({ client: rig.world.client, tableName: CHAOS_TABLE, now: rig.clock.now });
  for (let i = 0; i < MAX_DRAIN; i++) {
    const startedAt = rig.clock.now();
    const partial = rig.stand.partial?.((await store.get(rig.stand.source.id))?.cursor) ?? false;
    const { result } = await invoke(rig, { owner: `drain-${i}` });
    onResult(result);
    if (result.status === 'caught-up' && !partial) return startedAt;
    // A busy source waits for the lease, which a run with a fast clock may have set far ahead.
    const lease = result.status === 'busy' ? (await store.get(rig.stand.source.id))?.leaseExpiresAt : undefined;
    rig.clock.advance(lease === undefined ? 1000 : Math.max(1000, lease - rig.clock.now() + 1000));
  }
  return undefined;
}

/** Commits of the run's source whose version or progress went backwards. */
function regressions(rig: Rig, sourceId: string, from: number, details: string[]): number {
  let found = 0;
  let last: { version: number; progress: Record<string, number> } | undefined;
  for (const commit of rig.world.commits.slice(from).filter((c) => c.sourceId === sourceId)) {
    const progress = rig.stand.progress(commit.cursor);
    const back = last ? regressed(last.progress, progress) : [];
    if (last && (commit.version <= last.version || back.length)) {
      found++;
      details.push(
        `cursor regression at version ${commit.version} (after ${last.version}): ${back.join(', ') || 'version'}`,
      );
    }
    last = { version: commit.version, progress };
  }
  return found;
}

/** Compares the archive with what the vendor holds. */
export async function compare(
  archive: Pick<Archive, 'byUid' | 'deadLetters'>,
  stand: Stand,
  settledAt: number,
  details: string[],
) {
  const archived = await archive.byUid();
  const { all, due, deadLetters } = stand.expected(settledAt);
  const letters = await archive.deadLetters();
  // An invalid record is lost unless it was dead-lettered with a reason, and must never be archived.
  const unlettered = [...deadLetters].filter(([letter, uid]) => !letters.get(letter) || archived.has(uid));
  const lost = [...[...due].filter((uid) => !archived.has(uid)), ...unlettered.map(([letter]) => letter)];
  const strangers = [...archived.keys()].filter((uid) => !all.has(uid));
  let uidConflicts = 0;
  let rawMismatches = 0;
  let duplicates = 0;
  for (const [uid, raws] of archived) {
    duplicates += raws.length - 1;
    if (new Set(raws).size > 1) uidConflicts++;
    const text = all.get(uid);
    if (text !== undefined && raws.some((r) => r !== text)) rawMismatches++;
  }
  if (lost.length)
    details.push(
      `lost ${lost.length} of ${due.size + deadLetters.size} due (${unlettered.length} invalid ones not dead-lettered) (e.g. ${lost.slice(0, 3).join(', ')})`,
    );
  if (strangers.length) details.push(`strangers ${strangers.length} (e.g. ${strangers.slice(0, 3).join(', ')})`);
  return {
    lost: lost.length,
    strangers: strangers.length,
    uidConflicts,
    rawMismatches,
    duplicates,
    events: archived.size,
  };
}

/** How a run may be steered: stands to draw from, a schedule of one's own, another runner. */
export interface ChaosOptions {
  readonly stands?: readonly StandName[];
  /** Played instead of the seed's schedule. */
  readonly schedule?: Schedule;
  readonly verbose?: boolean;
  /** Replaces shared/runner.ts's runSource (a patched copy, or a broken one to prove the checks). */
  readonly runner?: typeof runSource;
}

/** Plays the run with seed `seed` in `world`. */
export async function chaosRun(world: ChaosWorld, seed: number, options: ChaosOptions = {}): Promise<RunReport> {
  const { stands, verbose = false, runner } = options;
  const started = Date.now();
  const schedule = options.schedule ?? scheduleFor(seed, stands);
  const clock = new FakeClock(CHAOS_EPOCH);
  const sourceId = `chaos-${(seed >>> 0).toString(36)}-${++sequence}`;
  const archive = await startArchive(clock);
  const stand = await startStand(schedule.stand, { sourceId, seed, now: clock.now, backlog: schedule.backlog });
  const rig: Rig = { world, clock, stand, archive, outputs: emptyOutputs(), seed, ...(runner ? { runner } : {}) };
  const outcomes: Record<string, number> = {};
  const tally: Tally = { invocations: 0, crashes: 0, skews: 0, stalls: 0, overruns: 0 };
  const details: string[] = [];
  const firstCommit = world.commits.length;
  try {
    const settledAt = await play(rig, schedule, outcomes, tally, details);
    if (settledAt === undefined) details.push(`not caught up after ${MAX_DRAIN} fault-free runs`);
    const found = await compare(archive, stand, settledAt ?? 0, details);
    rig.outputs.archive.push(
      ...(await archiveTexts(archive.dir)),
      ...(stand.spool ? await spoolTexts(stand.spool) : []),
    );
    const leaks = scan(rig.outputs, stand.secrets);
    if (verbose) details.push(...new Set(rig.outputs.errors.map((e) => e.slice(0, 240))));
    const scanned = Object.values(rig.outputs).reduce((n, texts) => n + texts.length, 0);
    return {
      seed,
      stand: schedule.stand,
      ...found,
      cursorRegressions: regressions(rig, sourceId, firstCommit, details),
      leaks,
      scanned,
      invocations: tally.invocations,
      crashes: tally.crashes,
      skews: tally.skews,
      stalls: tally.stalls,
      overruns: tally.overruns,
      caughtUp: settledAt !== undefined,
      outcomes,
      details,
      ms: Date.now() - started,
    };
  } finally {
    await stand.stop();
    await archive.stop();
    world.commits.splice(firstCommit);
  }
}
