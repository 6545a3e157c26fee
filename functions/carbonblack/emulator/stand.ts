/**
 * Carbon Black in the chaos campaign (local/chaos/stand-kit.ts), in both read modes: the search
 * (windows, settle lag) and the queue (destructive reads, spooled before delivery).
 */
import { eventUid } from '../../../shared/ocsf.ts';
import { MemorySpool } from '../../../shared/spool.ts';
import { expectedOf, windowProgress, type Expected, type Progress } from '../../../local/chaos/expected.ts';
import {
  chaosToken,
  COMMON_KNOBS,
  standOf,
  type StandContext,
  type StandDefinition,
} from '../../../local/chaos/stand-kit.ts';
import { randomInt } from '../../../local/emulators/random.ts';
import { carbonBlackConnector } from '../connector.ts';
import { startCarbonBlackEmulator, type CarbonBlackEmulator } from './emulator.ts';

// Carbon Black records have no id: a record served twice is two identical events (not promised).
const { duplicate: _duplicate, ...SEARCH_KNOBS } = COMMON_KNOBS;

// A queue batch cut or garbled after the dequeue is lost with it (queue.ts: the known window).
const { truncated: _truncated, malformed: _malformed, ...QUEUE_KNOBS } = SEARCH_KNOBS;

/** Search: every event (identical copies numbered); due when created before `settledBefore`. */
export function carbonBlackSearchExpected(
  emulator: CarbonBlackEmulator,
  sourceId: string,
  settledBefore: number,
): Expected {
  const events = emulator.events();
  const ids = emulator.nativeIds(events);
  return expectedOf(
    events.map((e, i) => [eventUid('carbonblack', sourceId, ids[i] as string), e.text, e.time < settledBefore]),
  );
}

/** Queue: every event that entered the key's queue; all due once the queue is drained. */
export function carbonBlackQueueExpected(emulator: CarbonBlackEmulator, apiId: string, sourceId: string): Expected {
  const events = emulator.enqueued(apiId);
  const ids = emulator.nativeIds(events);
  return expectedOf(events.map((e, i) => [eventUid('carbonblack', sourceId, ids[i] as string), e.text, true]));
}

/** Queue: the acknowledged batch's spool key starts with its ISO time. */
export function queueProgress(cursor: unknown): Progress {
  const acked = (cursor as { acked?: string }).acked;
  const iso = acked ? /\/(\d{4}-[^/]*?Z)-[0-9a-f]+\.json$/.exec(acked)?.[1] : undefined;
  return { acked: iso ? Date.parse(iso) : -1 };
}

function carbonBlackStand(queue: boolean): StandDefinition {
  const knobs = queue ? QUEUE_KNOBS : SEARCH_KNOBS;
  return {
    knobs,
    ...(queue ? { destructive: true } : {}),
    async start(ctx: StandContext) {
      const key = { id: 'CHAOSKEY01', secret: chaosToken('cb', ctx.seed) };
      // The queue reads no windows: nothing is held back.
      const settleLagMs = queue ? 0 : (carbonBlackConnector.settleLagMs ?? 0);
      const emu = await startCarbonBlackEmulator({
        seed: ctx.seed,
        backlog: ctx.backlog,
        now: ctx.now,
        apiKeys: [key],
        queueBatch: 25,
      });
      const options = queue ? { orgKey: emu.orgKey, mode: 'queue' } : { orgKey: emu.orgKey, rows: 20 };
      const credentials = { apiId: key.id, apiSecret: key.secret };
      const name = queue ? 'carbonblack-queue' : 'carbonblack';
      return {
        ...standOf(ctx, emu, { connector: carbonBlackConnector, knobs, credentials, options, name, settleLagMs }),
        ...(queue ? { spool: new MemorySpool() } : {}),
        arrive: (n, late, random) =>
          void emu.addEvents(n, { atMs: ctx.now() - (late && !queue ? randomInt(random, 0, settleLagMs * 0.8) : 0) }),
        expected: (lastRunAt) =>
          queue
            ? carbonBlackQueueExpected(emu, key.id, ctx.sourceId)
            : carbonBlackSearchExpected(emu, ctx.sourceId, lastRunAt - settleLagMs),
        progress: queue ? queueProgress : windowProgress,
      };
    },
  };
}

export const carbonBlackStands: Record<string, StandDefinition> = {
  carbonblack: carbonBlackStand(false),
  'carbonblack-queue': carbonBlackStand(true),
};
