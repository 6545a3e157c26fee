/**
 * The reliability campaign in small (the full one is `npm run chaos`, docs/guarantees.md): seeded
 * schedules of vendor, Firehose and DynamoDB faults with a crash at a step boundary, on every
 * bench; a crash at each step boundary of the runner; and proof that the checks catch a pump that
 * does lose records. After the faults the source is rerun until caught up and the archive is
 * compared with everything the emulator served.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runSource } from '../../shared/runner.ts';
import type { Sink } from '../../shared/sink.ts';
import { BENCHES, type BenchName } from '../../local/chaos/benches.ts';
import { chaosRun, type RunReport } from '../../local/chaos/run.ts';
import type { Schedule } from '../../local/chaos/schedule.ts';
import { STEPS, type Step } from '../../local/chaos/steps.ts';
import { startWorld, type ChaosWorld } from '../../local/chaos/world.ts';

let world: ChaosWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world.stop();
});

const findings = (r: RunReport) => ({
  lost: r.lost,
  strangers: r.strangers,
  uidConflicts: r.uidConflicts,
  rawMismatches: r.rawMismatches,
  cursorRegressions: r.cursorRegressions,
  leaks: r.leaks,
  caughtUp: r.caughtUp,
});
const CLEAN = {
  lost: 0,
  strangers: 0,
  uidConflicts: 0,
  rawMismatches: 0,
  cursorRegressions: 0,
  leaks: [],
  caughtUp: true,
};

describe('chaos campaign: seeded fault schedules', () => {
  it.each(BENCHES)(
    '%s: a seeded schedule of faults and crashes loses, invents, conflicts and regresses nothing',
    async (bench) => {
      // Prepare / Act
      const report = await chaosRun(world, 4242, { benches: [bench] });

      // Assess
      expect(findings(report)).toEqual(CLEAN);
      expect(report.invocations).toBeGreaterThan(3);
      expect(report.events).toBeGreaterThan(20);
    },
  );
});

describe('chaos campaign: a crash at every step boundary', () => {
  const crashAt = (bench: BenchName, step: Step): Schedule => ({
    seed: 7,
    bench,
    backlog: 60,
    invocations: [
      // Veza's poison arrivals give every page a record to dead-letter (the afterDeadLetter step).
      { arrivals: { n: 5, late: true, poison: true }, vendorFaults: [], crash: { step, nth: 2 }, gapMs: 30_000 },
      { arrivals: { n: 5, late: true, poison: true }, vendorFaults: [], crash: { step, nth: 1 }, gapMs: 30_000 },
    ],
  });
  const benchFor = (step: Step, i: number): BenchName =>
    step === 'afterSpoolPut'
      ? 'carbonblack-queue'
      : step === 'afterDeadLetter'
        ? 'veza'
        : (BENCHES[i % 5] as BenchName);
  const cases = STEPS.map((step, i): [Step, BenchName] => [step, benchFor(step, i)]);

  it.each(cases)('dying at %s (%s) loses nothing; the lease is taken over once it expires', async (step, bench) => {
    // Prepare / Act
    const report = await chaosRun(world, 11, { schedule: crashAt(bench, step) });

    // Assess
    expect(findings(report)).toEqual(CLEAN);
    expect(report.crashes).toBeGreaterThanOrEqual(1);
  });
});

describe('chaos campaign: the checks themselves', () => {
  it('a pump whose sink drops a record of every page is caught as losing records', async () => {
    // Prepare: a runner whose archive sink acknowledges records it never writes.
    const lossy: typeof runSource = (connector, source, deps) => {
      const sink: Sink = {
        name: deps.sink.name,
        put: (records, deadline) => deps.sink.put(records.slice(1), deadline),
      };
      return runSource(connector, source, { ...deps, sink });
    };

    // Act
    const report = await chaosRun(world, 99, { benches: ['veza'], runner: lossy });

    // Assess
    expect(report.lost).toBeGreaterThan(0);
    expect(report.details.join('\n')).toMatch(/lost \d+ of \d+ due/);
  });
});
