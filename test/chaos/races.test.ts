/**
 * Races (docs/guarantees.md): two and three runs of one source at once, the lease of the run
 * holding it expiring at awkward moments. Nothing is ever lost or invented. A page can be
 * delivered by two runs when a run outlives its lease: the design accepts that duplicate (same
 * uid); the runner narrows it to leases that lapse during or after a delivery by renewing the
 * lease before a delivery when more than half of it has been used (shared/runner.ts holdLease).
 */
import { describe, expect, it } from '@jest/globals';
import { race, type RacePlan } from '../../local/chaos/races.ts';
import { chaosWorldForFile } from '../helpers/chaos-world.ts';

const world = chaosWorldForFile();

describe('races: concurrent runs of one source', () => {
  it('two and three writers whose leases expire at awkward moments lose and invent nothing', async () => {
    // Prepare / Act: seeded scenarios (stand, writer count and moments drawn from the seed).
    const reports = [];
    for (let seed = 1; seed <= 8; seed++) reports.push(await race(world(), seed));

    // Assess
    expect(reports.map((r) => [r.lost, r.strangers])).toEqual(reports.map(() => [0, 0]));
    expect(reports.some((r) => r.writers === 3)).toBe(true);
    expect(reports.reduce((n, r) => n + r.pages, 0)).toBeGreaterThan(20);
  });

  it('a lease that lapses after a run delivered a page lets the next run deliver it again, with the same uids (the accepted duplicate)', async () => {
    // Prepare
    const plan: RacePlan = { stand: 'veza', writers: 2, moments: ['beforeCommit'], nths: [1] };

    // Act
    const report = await race(world(), 3, undefined, plan);

    // Assess: one page twice, nothing lost; the first run's commit was refused.
    expect(report).toMatchObject({ doubled: 1, stale: 0, lost: 0, strangers: 0 });
    expect(report.outcomes).toContain('writer-0:failed:CursorConflictError');
  });

  // The runner renews its lease before a delivery when more than half of it is used, and stops on a conflict.
  it.each(['afterLease', 'duringFetch'] as const)(
    'a run whose lease lapsed (%s) before it delivered stops instead of delivering a page another run delivers',
    async (moment) => {
      // Prepare
      const plan: RacePlan = { stand: 'veza', writers: 2, moments: [moment], nths: [1] };

      // Act
      const report = await race(world(), 5, undefined, plan);

      // Assess
      expect(report).toMatchObject({ doubled: 0, stale: 0, lost: 0, strangers: 0 });
    },
  );
});
