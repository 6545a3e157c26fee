/**
 * Retraced in the chaos campaign (local/chaos/stand-kit.ts): every event of the token's group, the
 * pump's own reads included, due when received before the last run's now minus the settle lag.
 */
import { eventUid } from '../../../shared/ocsf.ts';
import { expectedOf, windowProgress, type Expected } from '../../../local/chaos/expected.ts';
import { chaosToken, COMMON_KNOBS, standOf, type StandDefinition } from '../../../local/chaos/stand-kit.ts';
import { randomInt } from '../../../local/emulators/random.ts';
import { retracedConnector } from '../connector.ts';
import { startRetracedEmulator, type RetracedEmulator } from './emulator.ts';

// Every common fault, nothing the vendor adds.
const KNOBS = COMMON_KNOBS;

/**
 * Due when received before `settledBefore`. The served text depends on the query's field order, so
 * only archived copies are compared with each other.
 */
export function retracedExpected(emulator: RetracedEmulator, sourceId: string, settledBefore: number): Expected {
  return expectedOf(
    emulator.events().map((e) => [eventUid('retraced', sourceId, e.id), undefined, e.received < settledBefore]),
  );
}

const retracedStand: StandDefinition = {
  knobs: KNOBS,
  async start(ctx) {
    const token = chaosToken('retraced', ctx.seed);
    const emu = await startRetracedEmulator({ seed: ctx.seed, backlog: ctx.backlog, now: ctx.now, token });
    const options = { pageSize: 15 };
    const stand = standOf(ctx, emu, { connector: retracedConnector, knobs: KNOBS, credentials: { token }, options });
    const { settleLagMs } = stand;
    return {
      ...stand,
      arrive: (n, late, random) => {
        for (let i = 0; i < n; i++)
          emu.addEvents(1, { ingestDelayMs: late ? randomInt(random, 1000, settleLagMs * 0.8) : 1000 });
      },
      expected: (lastRunAt) => retracedExpected(emu, ctx.sourceId, lastRunAt - settleLagMs),
      progress: windowProgress,
    };
  },
};

export const retracedStands: Readonly<Record<string, StandDefinition>> = { retraced: retracedStand };
