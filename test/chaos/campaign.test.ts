/**
 * The reliability campaign in small (the full one is `npm run chaos`, docs/guarantees.md): seeded
 * schedules of vendor, Firehose and DynamoDB faults with a crash at a step boundary, on every
 * stand; a crash at each step boundary of the runner; and proof that the checks catch a pump that
 * does lose records. After the faults the source is rerun until caught up and the archive is
 * compared with everything the emulator served.
 */
import { describe, expect, it } from '@jest/globals';
import { runSource } from '../../shared/runner.ts';
import type { Sink } from '../../shared/sink.ts';
import { STANDS, type StandName } from '../../local/chaos/stands.ts';
import { chaosRun, type RunReport } from '../../local/chaos/run.ts';
import type { Schedule } from '../../local/chaos/schedule.ts';
import { STEPS, type Step } from '../../local/chaos/steps.ts';
import { chaosWorldForFile } from '../helpers/chaos-world.ts';

const world = chaosWorldForFile();

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
  it.each(STANDS)(
    '%s: a seeded schedule of faults and crashes loses, invents, conflicts and regresses nothing',
    async (stand) => {
      // Prepare / Act
      const report = await chaosRun(world(), 4242, { stands: [stand] });

      // Assess
      expect(findings(report)).toEqual(CLEAN);
      expect(report.invocations).toBeGreaterThan(3);
      expect(report.events).toBeGreaterThan(20);
    },
  );
});

describe('chaos campaign: a crash at every step boundary', () => {
  const crashAt = (stand: StandName, step: Step): Schedule => ({
    seed: 7,
    stand,
    backlog: 60,
    invocations: [
      // Veza's poison arrivals give every page a record to dead-letter (the afterDeadLetter step).
      { arrivals: { n: 5, late: true, poison: true }, vendorFaults: [], crash: { step, nth: 2 }, gapMs: 30_000 },
      { arrivals: { n: 5, late: true, poison: true }, vendorFaults: [], crash: { step, nth: 1 }, gapMs: 30_000 },
    ],
  });
  const standFor = (step: Step, i: number): StandName =>
    step === 'afterSpoolPut' ? 'carbonblack-queue' : step === 'afterDeadLetter' ? 'veza' : (STANDS[i % 5] as StandName);
  const cases = STEPS.map((step, i): [Step, StandName] => [step, standFor(step, i)]);

  it.each(cases)('dying at %s (%s) loses nothing; the lease is taken over once it expires', async (step, stand) => {
    // Prepare / Act
    const report = await chaosRun(world(), 11, { schedule: crashAt(stand, step) });

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
    const report = await chaosRun(world(), 99, { stands: ['veza'], runner: lossy });

    // Assess
    expect(report.lost).toBeGreaterThan(0);
    expect(report.details.join('\n')).toMatch(/lost \d+ of \d+ due/);
  });
});
