/**
 * Nected in the chaos campaign (local/chaos/stand-kit.ts): every record, due when dated before the
 * last run's now minus the settle lag; late ones are dated inside the lag.
 */
import { eventUid } from '../../../shared/ocsf.ts';
import { expectedOf, windowProgress, type Expected } from '../../../local/chaos/expected.ts';
import { chaosToken, COMMON_KNOBS, standOf, type StandDefinition } from '../../../local/chaos/stand-kit.ts';
import { randomInt } from '../../../local/emulators/random.ts';
import { nectedConnector } from '../connector.ts';
import { startNectedEmulator, type NectedEmulator } from './emulator.ts';

// Every common fault, nothing the vendor adds.
const KNOBS = COMMON_KNOBS;

/** Due when dated before `settledBefore`. */
export function nectedExpected(emulator: NectedEmulator, sourceId: string, settledBefore: number): Expected {
  const cut = BigInt(Math.floor(settledBefore)) * 1_000_000n;
  return expectedOf(emulator.events().map((e) => [eventUid('nected', sourceId, e.id), e.text, e.dateNs < cut]));
}

const nectedStand: StandDefinition = {
  knobs: KNOBS,
  async start(ctx) {
    const apiKey = chaosToken('nected', ctx.seed);
    const emu = await startNectedEmulator({ seed: ctx.seed, backlog: ctx.backlog, now: ctx.now, apiKey });
    const options = { api: 'v1', branch: 'main', maxWindowEvents: 40, concurrency: 3 };
    const stand = standOf(ctx, emu, { connector: nectedConnector, knobs: KNOBS, credentials: { apiKey }, options });
    const { settleLagMs } = stand;
    return {
      ...stand,
      arrive: (n, late, random) => void emu.addEvents(n, { ageMs: late ? randomInt(random, 0, settleLagMs * 0.8) : 0 }),
      expected: (lastRunAt) => nectedExpected(emu, ctx.sourceId, lastRunAt - settleLagMs),
      progress: windowProgress,
    };
  },
};

export const nectedStands: Readonly<Record<string, StandDefinition>> = { nected: nectedStand };
