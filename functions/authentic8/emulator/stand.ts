/**
 * Authentic8 in the chaos campaign (local/chaos/stand-kit.ts): every log of the source's org (the
 * main org), of every type, read in rounds over the types.
 */
import { eventUid } from '../../../shared/ocsf.ts';
import { expectedOf, type Expected, type Progress } from '../../../local/chaos/expected.ts';
import { chaosToken, COMMON_KNOBS, standOf, type StandDefinition } from '../../../local/chaos/stand-kit.ts';
import { authentic8Connector } from '../connector.ts';
import { authentic8NativeId, startAuthentic8Emulator, type Authentic8Emulator } from './emulator.ts';

// A stuck next_seq is its pagination loop; its errors come in-band, inside a 200.
const KNOBS = { ...COMMON_KNOBS, loop: 'stuckNextSeqNext', 'in-band': 'commandErrorNext' };

/** Every log of the main org, all due once caught up. */
export function authentic8Expected(emulator: Authentic8Emulator, sourceId: string): Expected {
  return expectedOf(
    emulator.events().map((e) => [eventUid('authentic8', sourceId, authentic8NativeId(e)), e.text, true]),
  );
}

/** Each type's start_seq. */
export function authentic8Progress(cursor: unknown): Progress {
  return { ...(cursor as { types?: Progress }).types };
}

const authentic8Stand: StandDefinition = {
  knobs: KNOBS,
  async start(ctx) {
    const token = Buffer.from(chaosToken('a8', ctx.seed)).toString('base64');
    const emu = await startAuthentic8Emulator({
      seed: ctx.seed,
      backlog: Math.ceil(ctx.backlog / 3),
      now: ctx.now,
      token,
    });
    const options = { org: 'Acme Corp', types: 'all', limit: 7 };
    return {
      ...standOf(ctx, emu, { connector: authentic8Connector, knobs: KNOBS, credentials: { token }, options }),
      arrive: (n) => void emu.addEvents(n),
      expected: () => authentic8Expected(emu, ctx.sourceId),
      progress: authentic8Progress,
      // A round over the types resumed mid-way reads the types drained earlier only in the next round (the next run).
      partial: (cursor) => ((cursor as { pending?: unknown[] } | undefined)?.pending?.length ?? 0) > 0,
    };
  },
};

export const authentic8Stands: Readonly<Record<string, StandDefinition>> = { authentic8: authentic8Stand };
