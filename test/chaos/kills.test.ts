/**
 * The campaign's kill scenarios (local/chaos/kills.ts) in small: `audit-pump run` SIGKILLed in the
 * middle of its drain, its lease unlocked, a last run; the archive holds every event the vendor has.
 */
import { describe, expect, it } from '@jest/globals';
import { killRun } from '../../local/chaos/kills.ts';
import { report } from '../../local/chaos/report.ts';

describe('chaos campaign: real process kills', () => {
  it('loses, invents and conflicts nothing when the run is killed mid-drain, and says so on its fault line', async () => {
    // Act
    const kill = await killRun(4);

    // Assess
    expect({
      lost: kill.lost,
      strangers: kill.strangers,
      uidConflicts: kill.uidConflicts,
      rawMismatches: kill.rawMismatches,
      caughtUp: kill.caughtUp,
      details: kill.details,
    }).toEqual({ lost: 0, strangers: 0, uidConflicts: 0, rawMismatches: 0, caughtUp: true, details: [] });
    expect(kill.kills).toBeGreaterThanOrEqual(1);
    expect(kill.events).toBeGreaterThan(100);
    const lines = report({ runs: [], races: [], fuzz: [], kills: [kill], throttles: [] }, { ms: 1, jobs: 1, seed: 4 });
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^faults: kills=${kill.kills} \\(SIGKILL of audit-pump run mid-drain, in 1 scenarios: lost=0 `),
      ),
    );
  }, 120_000);
});
