/**
 * Throttle scenarios (local/chaos/throttles.ts, docs/throttling.md): three sources on one API key
 * drain one Carbon Black org at once under a vendor that throttles (its own sliding-window limit,
 * whose back-off every request during it extends, and extra 429s with Retry-After), against
 * dynalite. No request is sent while a back-off stands, no window of the budget's length holds
 * more requests than the budget, and nothing is lost; a runner that keeps back-offs and budget
 * to each run is caught.
 */
import { describe, expect, it } from '@jest/globals';
import { passed, report } from '../../local/chaos/report.ts';
import { throttleScenario, type ThrottleReport } from '../../local/chaos/throttles.ts';
import { runSource } from '../../shared/runner.ts';
import { chaosWorldForFile } from '../helpers/chaos-world.ts';

const world = chaosWorldForFile();

const findings = (throttles: ThrottleReport[]) => ({ runs: [], races: [], fuzz: [], kills: [], throttles });

describe('throttle scenarios: three sources on one key under a throttling vendor', () => {
  it('send nothing during a back-off, never more than the budget in a window, and lose nothing', async () => {
    // Act: seeds 1-6 hold scenarios with and without a budget.
    const reports: ThrottleReport[] = [];
    for (let seed = 1; seed <= 6; seed++) reports.push(await throttleScenario(world(), seed));

    // Assess
    const broken = reports.map((r) => ({
      seed: r.seed,
      duringBackoff: r.duringBackoff,
      overBudget: r.overBudget,
      vendorLimited: r.budgeted ? r.vendorLimited : 0,
      lost: r.lost,
      strangers: r.strangers,
      caughtUp: r.caughtUp,
    }));
    expect(broken).toEqual(
      reports.map((r) => ({
        seed: r.seed,
        duringBackoff: 0,
        overBudget: 0,
        vendorLimited: 0,
        lost: 0,
        strangers: 0,
        caughtUp: true,
      })),
    );
    // Not vacuous: back-offs were asked for, and a budget was used to the full.
    expect(reports.some((r) => r.budgeted) && reports.some((r) => !r.budgeted)).toBe(true);
    expect(reports.every((r) => r.backoffs > 0)).toBe(true);
    expect(reports.some((r) => r.budgeted && r.overBudget === 0 && r.busiestWindow > 1)).toBe(true);
    expect(passed(findings(reports))).toBe(true);
  }, 120_000);

  it('catch runs that keep their back-offs and budget to themselves, with the seed to reproduce it', async () => {
    // Prepare: the runner without the shared throttle state.
    const alone: typeof runSource = (connector, source, deps) =>
      runSource(connector, source, { ...deps, throttle: undefined as never });

    // Act
    const reports = [
      await throttleScenario(world(), 1, { runner: alone }),
      await throttleScenario(world(), 2, { runner: alone }),
    ];

    // Assess: seed 1 has no budget, seed 2 has one.
    expect(reports[0]?.duringBackoff).toBeGreaterThan(0);
    expect(reports[1]?.overBudget).toBeGreaterThan(0);
    const lines = report(findings(reports), { ms: 1, jobs: 1, seed: 1 });
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^throttles: scenarios=2 \(1 with a budget; three sources on one key\) .* requests_during_a_backoff=[1-9]\d* \(goal 0\) requests_over_budget=[1-9]/,
      ),
    );
    expect(lines).toContain(
      '  reproduce: npm run chaos -- --runs 0 --races 0 --fuzz 0 --kills 0 --throttles 1 --seed 2',
    );
    expect(passed(findings(reports))).toBe(false);
  }, 120_000);
});
