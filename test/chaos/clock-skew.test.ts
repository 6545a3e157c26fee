/**
 * A pump whose clock runs ahead of the vendor's (docs/guarantees.md): the time-window vendors close
 * a window only once it is settled by both clocks, the vendor's read from its `Date` header, so the
 * events that arrive after a fast-clocked run are still read. Played on the chaos campaign's stands.
 */
import { describe, expect, it } from '@jest/globals';
import type { StandName } from '../../local/chaos/stands.ts';
import { chaosRun } from '../../local/chaos/run.ts';
import type { Schedule } from '../../local/chaos/schedule.ts';
import { chaosWorldForFile } from '../helpers/chaos-world.ts';

const world = chaosWorldForFile();

const HOUR = 3_600_000;

/** One run with the pump's clock `skewMs` off, then arrivals, then a run with a right clock, then the drain. */
const skewed = (stand: StandName, skewMs: number): Schedule => ({
  seed: 3,
  stand,
  backlog: 40,
  invocations: [
    { vendorFaults: [], skewMs, gapMs: 10_000 },
    { arrivals: { n: 5, late: false }, vendorFaults: [], gapMs: 10_000 },
  ],
});

describe.each(['retraced', 'nected', 'carbonblack'] as const)('%s with the pump clock off', (stand) => {
  it.each([HOUR, -HOUR])('skewed %d ms: the events that arrive after the skewed run are archived', async (skewMs) => {
    // Act
    const report = await chaosRun(world(), 3, { schedule: skewed(stand, skewMs) });

    // Assess
    expect({
      lost: report.lost,
      strangers: report.strangers,
      caughtUp: report.caughtUp,
      details: report.details,
    }).toEqual({ lost: 0, strangers: 0, caughtUp: true, details: [] });
    expect(report.skews).toBe(1);
  });
});
