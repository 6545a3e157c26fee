/**
 * A run's fault schedule, drawn from its seed alone (so `--runs 1 --seed <run seed>` replays it):
 * which stand, then a few invocations, each with arrivals, vendor faults, Firehose and DynamoDB
 * faults, a crash at one step boundary, the deadline arriving during one request, and the clock
 * gap before the next invocation.
 */
import type { FirehoseFaults } from '../aws/firehose-emulator.ts';
import { randomInt, seededRandom, type Random } from '../emulators/random.ts';
import { STANDS, standDefinition, standFaults, type StandName, type VendorFault } from './stands.ts';
import { STEPS, type CrashPlan } from './steps.ts';
import type { DynamoFault, StoreOp } from './world.ts';

/** One invocation of the source and what goes wrong around it. */
export interface Invocation {
  readonly arrivals?: { readonly n: number; readonly late: boolean; readonly poison?: boolean };
  readonly vendorFaults: ReadonlyArray<{ readonly fault: VendorFault; readonly n: number }>;
  readonly firehose?: Partial<FirehoseFaults>;
  readonly dynamo?: DynamoFault;
  readonly crash?: CrashPlan;
  /** The deadline passes while the run's n-th HTTP request is answered. */
  readonly deadlineAtRequest?: number;
  /** The pump's clock is this far ahead of the vendor's during the invocation (negative: behind). */
  readonly skewMs?: number;
  /**
   * Firehose takes this long (real time) to answer, and the invocation has only STALL_BUDGET_MS left: its calls must be
   * aborted.
   */
  readonly stallMs?: number;
  /** How far the clock moves after the invocation. */
  readonly gapMs: number;
}

export interface Schedule {
  readonly seed: number;
  readonly stand: StandName;
  readonly backlog: number;
  readonly invocations: readonly Invocation[];
}

const pick = <T>(random: Random, items: readonly T[]): T => items[randomInt(random, 0, items.length - 1)] as T;

function firehoseFault(random: Random): Partial<FirehoseFaults> {
  switch (randomInt(random, 0, 3)) {
    case 0:
      return { failNextRecords: randomInt(random, 1, 40) };
    case 1:
      return { throttleNextCalls: randomInt(random, 1, 4) };
    case 2:
      return { recordFailureRate: pick(random, [0.05, 0.2, 0.5]) };
    default:
      return { dropConnectionNextCalls: 1 };
  }
}

function dynamoFault(random: Random): DynamoFault {
  const op: StoreOp = pick(random, ['commit', 'commit', 'acquire', 'release']);
  return {
    op,
    when: pick(random, ['before', 'after']),
    kind: op === 'commit' && random() < 0.5 ? 'conflict' : 'error',
  };
}

function invocation(random: Random, stand: StandName, faults: readonly VendorFault[]): Invocation {
  const steps = STEPS.filter((s) => s !== 'afterSpoolPut' || standDefinition(stand).destructive === true);
  const vendorFaults = Array.from({ length: randomInt(random, 0, 2) }, () => {
    const fault = pick(random, faults);
    return { fault, n: fault === 'timeout' ? 1 : randomInt(random, 1, 2) };
  });
  return {
    ...(random() < 0.6
      ? { arrivals: { n: randomInt(random, 1, 12), late: random() < 0.5, poison: random() < 0.25 } }
      : {}),
    vendorFaults,
    ...(random() < 0.3 ? { firehose: firehoseFault(random) } : {}),
    ...(random() < 0.2 ? { dynamo: dynamoFault(random) } : {}),
    ...(random() < 0.5 ? { crash: { step: pick(random, steps), nth: randomInt(random, 1, 3) } } : {}),
    ...(random() < 0.15 ? { deadlineAtRequest: randomInt(random, 1, 6) } : {}),
    ...(random() < 0.25 ? { skewMs: pick(random, [-3_600_000, 3_600_000, -90_000, 90_000, 600_000]) } : {}),
    ...(random() < 0.06 ? { stallMs: pick(random, [5000, 8000]) } : {}),
    gapMs: randomInt(random, 10_000, 360_000),
  };
}

/** The schedule of the run with this seed; `stands` limits the draw. */
export function scheduleFor(seed: number, stands: readonly StandName[] = STANDS): Schedule {
  const random = seededRandom(seed ^ 0x43a05);
  const stand = pick(random, stands);
  const count = randomInt(random, 3, 8);
  return {
    seed,
    stand,
    backlog: randomInt(random, 40, 120),
    invocations: Array.from({ length: count }, () => invocation(random, stand, standFaults(stand))),
  };
}
