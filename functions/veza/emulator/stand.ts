/**
 * Veza in the chaos campaign (local/chaos/stand-kit.ts): the export stream serves every persisted
 * event; late ones are persisted after their time, and a third of those are stamped by a producer
 * clock running ahead (up to a year); poison records are stored invalid, to be dead-lettered.
 */
import { eventUid } from '../../../shared/ocsf.ts';
import { deadLetterUid, expectedOf, time, type Expected, type Progress } from '../../../local/chaos/expected.ts';
import {
  chaosToken,
  COMMON_KNOBS,
  DAY_MS,
  standOf,
  type FaultKnobs,
  type StandDefinition,
} from '../../../local/chaos/stand-kit.ts';
import { randomInt, type Random } from '../../../local/emulators/random.ts';
import { vezaConnector } from '../connector.ts';
import { vezaRecord } from '../schemas.ts';
import { startVezaEmulator, type VezaEmulator } from './emulator.ts';

// A bare 429 is gRPC RESOURCE_EXHAUSTED; a repeated page token is its loop; page tokens expire.
const KNOBS: FaultKnobs = {
  ...COMMON_KNOBS,
  '429-bare': 'resourceExhaustedNext',
  loop: 'repeatTokenNext',
  'expired-token': 'refuseTokenNext',
};

/** Every persisted event is due once caught up; the invalid ones go to the dead-letter stream instead. */
export function vezaExpected(emulator: VezaEmulator, sourceId: string): Expected {
  const invalid = emulator.events().filter((e) => !vezaRecord.safeParse(e.record).success);
  const bad = new Set(invalid);
  return expectedOf(
    emulator.events().map((e) => [eventUid('veza', sourceId, e.id), e.text, !bad.has(e)]),
    new Map(invalid.map((e) => [deadLetterUid('veza', sourceId, e.text), eventUid('veza', sourceId, e.id)])),
  );
}

/**
 * The watermark (the newest event time delivered, never past the read time). Not the stream offset
 * in the emulator's token: a reseed after a refused token re-reads an overlap by design, so the
 * offset may go back (the duplicates keep their uid); the watermark may not.
 */
export function vezaProgress(cursor: unknown): Progress {
  return { watermark: time((cursor as { watermark?: unknown }).watermark) || -1 };
}

/**
 * How long before (positive) or after (negative: a producer clock ahead, up to a year) its persisting a late
 * event is stamped.
 */
function lateness(random: Random): number {
  return random() < 1 / 3 ? -randomInt(random, 60_000, 365 * DAY_MS) : randomInt(random, 1000, 600_000);
}

const vezaStand: StandDefinition = {
  knobs: KNOBS,
  async start(ctx) {
    const token = chaosToken('veza', ctx.seed);
    const emu = await startVezaEmulator({ seed: ctx.seed, backlog: ctx.backlog, now: ctx.now, token, shape: 'mixed' });
    const options = { pageSize: 20 };
    return {
      ...standOf(ctx, emu, { connector: vezaConnector, knobs: KNOBS, credentials: { token }, options }),
      arrive: (n, late, random, poison = false) =>
        emu.addEvents(n, { ...(late ? { latePersistedMs: lateness(random) } : {}), invalid: poison }),
      expected: () => vezaExpected(emu, ctx.sourceId),
      progress: vezaProgress,
    };
  },
};

export const vezaStands: Readonly<Record<string, StandDefinition>> = { veza: vezaStand };
