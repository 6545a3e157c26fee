/**
 * A test stand: one vendor under test (the campaign's `--stand`), its emulator on the campaign's
 * fake clock, the source that reads it, the vendor faults it can take (mapped onto the emulator's
 * knobs), arrivals (late ones dated inside the settle lag), and what the archive must hold
 * (expected.ts). Backlogs are small and pages short, so a run crosses many page boundaries in
 * little time. ("Bench" is the performance benchmark's word only.)
 */
import { authentic8Connector } from '../../functions/authentic8/connector.ts';
import { carbonBlackConnector } from '../../functions/carbonblack/connector.ts';
import { nectedConnector } from '../../functions/nected/connector.ts';
import { retracedConnector } from '../../functions/retraced/connector.ts';
import { vezaConnector } from '../../functions/veza/connector.ts';
import { optionSchemas } from '../../functions/registry.ts';
import { parseSources, type Source, type Vendor } from '../../shared/config.ts';
import type { Connector } from '../../shared/connector.ts';
import { MemorySpool, type Spool } from '../../shared/spool.ts';
import { startAuthentic8Emulator } from '../../functions/authentic8/emulator/emulator.ts';
import { startCarbonBlackEmulator } from '../../functions/carbonblack/emulator/emulator.ts';
import type { PageFaults } from '../emulators/emulator-faults.ts';
import { startNectedEmulator } from '../../functions/nected/emulator/emulator.ts';
import { randomInt, type Random } from '../emulators/random.ts';
import { startRetracedEmulator } from '../../functions/retraced/emulator/emulator.ts';
import { startVezaEmulator } from '../../functions/veza/emulator/emulator.ts';
import {
  authentic8Expected,
  authentic8Progress,
  carbonBlackQueueExpected,
  carbonBlackSearchExpected,
  nectedExpected,
  queueProgress,
  retracedExpected,
  vezaExpected,
  vezaProgress,
  windowProgress,
  type Expected,
  type Progress,
} from './expected.ts';

/** The stands: the five vendors, Carbon Black in both modes. */
export const STANDS = ['veza', 'authentic8', 'retraced', 'nected', 'carbonblack', 'carbonblack-queue'] as const;
export type StandName = (typeof STANDS)[number];

/** Vendor faults, each mapped to an emulator knob where the vendor has one. */
export const VENDOR_FAULTS = [
  '429',
  '429-bare',
  '5xx',
  'timeout',
  'truncated',
  'malformed',
  'duplicate',
  'reorder',
  'loop',
  'in-band',
  'expired-token',
] as const;
export type VendorFault = (typeof VENDOR_FAULTS)[number];

const DAY_MS = 86_400_000;

export interface Stand {
  readonly name: StandName;
  readonly vendor: Vendor;
  readonly connector: Connector;
  readonly source: Source;
  /** The credential values the source uses (the secret-hygiene scan looks for them). */
  readonly secrets: readonly string[];
  /** The settle lag of a window vendor (0 for the others). */
  readonly settleLagMs: number;
  readonly faults: readonly VendorFault[];
  readonly spool?: Spool;
  /** Arms `fault` for the next `n` answers. */
  inject(fault: VendorFault, n: number, random: Random): void;
  /** Disarms every vendor fault. */
  calm(): void;
  /**
   * `n` new events now; `late` ones are dated up to 80% of the settle lag back (or persisted late,
   * Veza); `poison` ones are stored invalid, to be dead-lettered (Veza only; the others ignore it).
   */
  arrive(n: number, late: boolean, random: Random, poison?: boolean): void;
  /** What must be archived once a run that started at `lastRunAt` caught up. */
  expected(lastRunAt: number): Expected;
  progress(cursor: unknown): Progress;
  /**
   * True when a run starting at this stored cursor can report caught-up with events still unread:
   * Authentic8 resumes a round over the types, and reads the types drained earlier in the round
   * only in the next round (the next run).
   */
  partial?(cursor: unknown): boolean;
  stop(): Promise<void>;
}

interface Knobs extends PageFaults {
  [knob: string]: number | undefined;
}

/** The knob of each fault per vendor; `retryAfterSeconds` is set alongside the 429 ones. */
const KNOBS: Record<StandName, Partial<Record<VendorFault, string>>> = {
  veza: {
    '429': 'rateLimitNext',
    '429-bare': 'resourceExhaustedNext',
    '5xx': 'serverErrorNext',
    timeout: 'hangNext',
    truncated: 'truncateNext',
    malformed: 'malformedNext',
    duplicate: 'duplicateNext',
    reorder: 'reorderNext',
    loop: 'repeatTokenNext',
    'expired-token': 'refuseTokenNext',
  },
  authentic8: {
    '429': 'rateLimitNext',
    '429-bare': 'rateLimitNext',
    '5xx': 'serverErrorNext',
    timeout: 'hangNext',
    truncated: 'truncateNext',
    malformed: 'malformedNext',
    duplicate: 'duplicateNext',
    reorder: 'reorderNext',
    loop: 'stuckNextSeqNext',
    'in-band': 'commandErrorNext',
  },
  retraced: {
    '429': 'rateLimitNext',
    '429-bare': 'rateLimitNext',
    '5xx': 'serverErrorNext',
    timeout: 'hangNext',
    truncated: 'truncateNext',
    malformed: 'malformedNext',
    duplicate: 'duplicateNext',
    reorder: 'reorderNext',
  },
  nected: {
    '429': 'rateLimitNext',
    '429-bare': 'rateLimitNext',
    '5xx': 'serverErrorNext',
    timeout: 'hangNext',
    truncated: 'truncateNext',
    malformed: 'malformedNext',
    duplicate: 'duplicateNext',
    reorder: 'reorderNext',
  },
  // Carbon Black records have no id: a record served twice is two identical events (not promised).
  carbonblack: {
    '429': 'rateLimitNext',
    '429-bare': 'rateLimitNext',
    '5xx': 'serverErrorNext',
    timeout: 'hangNext',
    truncated: 'truncateNext',
    malformed: 'malformedNext',
    reorder: 'reorderNext',
  },
  // A queue batch cut or garbled after the dequeue is lost with it (queue.ts: the known window).
  'carbonblack-queue': {
    '429': 'rateLimitNext',
    '429-bare': 'rateLimitNext',
    '5xx': 'serverErrorNext',
    timeout: 'hangNext',
    reorder: 'reorderNext',
  },
};

/** The vendor faults a stand takes. */
export function standFaults(name: StandName): VendorFault[] {
  return Object.keys(KNOBS[name]) as VendorFault[];
}

function armer(name: StandName, knobs: Knobs): Pick<Stand, 'faults' | 'inject' | 'calm'> {
  const map = KNOBS[name];
  return {
    faults: standFaults(name),
    inject(fault, n, random) {
      const knob = map[fault];
      if (!knob) return;
      knobs[knob] = (knobs[knob] ?? 0) + n;
      if (fault === '429') knobs.retryAfterSeconds = randomInt(random, 1, 90);
      if (fault === '429-bare' && 'retryAfterSeconds' in knobs) knobs.retryAfterSeconds = 0;
    },
    calm() {
      for (const knob of Object.values(map)) knobs[knob as string] = 0;
    },
  };
}

/**
 * How long before (positive) or after (negative: a producer clock ahead, up to a year) its persisting a late Veza event
 * is stamped.
 */
function vezaLateness(random: Random): number {
  return random() < 1 / 3 ? -randomInt(random, 60_000, 365 * DAY_MS) : randomInt(random, 1000, 600_000);
}

function sourceOf(
  id: string,
  vendor: Vendor,
  baseUrl: string,
  credentials: Record<string, string>,
  startFrom: number,
  options: Record<string, unknown>,
): Source {
  const { sources } = parseSources(
    { sources: [{ id, vendor, baseUrl, credentials, startFrom: new Date(startFrom).toISOString(), options }] },
    optionSchemas(),
  );
  return sources[0] as Source;
}

/** Everything a stand needs from the campaign. */
export interface StandContext {
  readonly sourceId: string;
  readonly seed: number;
  readonly now: () => number;
  /** Backlog size (per org for Authentic8). */
  readonly backlog: number;
}

const CHAOS_TOKEN = (vendor: string, seed: number): string =>
  `chaos-${vendor}-secret-${(seed >>> 0).toString(36)}-7f3a9c`;

/** Starts the emulator and returns the stand. */
export async function startStand(name: StandName, ctx: StandContext): Promise<Stand> {
  const startFrom = ctx.now() - 5 * DAY_MS;
  const common = { seed: ctx.seed, backlog: ctx.backlog, now: ctx.now };
  switch (name) {
    case 'veza': {
      const token = CHAOS_TOKEN('veza', ctx.seed);
      const emu = await startVezaEmulator({ ...common, token, shape: 'mixed' });
      return {
        name,
        vendor: 'veza',
        connector: vezaConnector,
        secrets: [token],
        settleLagMs: 0,
        source: sourceOf(ctx.sourceId, 'veza', emu.baseUrl, { token }, startFrom, { pageSize: 20 }),
        ...armer(name, emu.faults as unknown as Knobs),
        // Late ones are persisted after their time; a third of them are stamped by a clock running ahead instead.
        arrive: (n, late, random, poison = false) =>
          emu.addEvents(n, { ...(late ? { latePersistedMs: vezaLateness(random) } : {}), invalid: poison }),
        expected: () => vezaExpected(emu, ctx.sourceId),
        progress: vezaProgress,
        stop: () => emu.stop(),
      };
    }
    case 'authentic8': {
      const token = Buffer.from(CHAOS_TOKEN('a8', ctx.seed)).toString('base64');
      const emu = await startAuthentic8Emulator({ ...common, backlog: Math.ceil(ctx.backlog / 3), token });
      return {
        name,
        vendor: 'authentic8',
        connector: authentic8Connector,
        secrets: [token],
        settleLagMs: 0,
        source: sourceOf(ctx.sourceId, 'authentic8', emu.baseUrl, { token }, startFrom, {
          org: 'Acme Corp',
          types: 'all',
          limit: 7,
        }),
        ...armer(name, emu.faults as unknown as Knobs),
        arrive: (n) => void emu.addEvents(n),
        expected: () => authentic8Expected(emu, ctx.sourceId),
        progress: authentic8Progress,
        partial: (cursor) => ((cursor as { pending?: unknown[] } | undefined)?.pending?.length ?? 0) > 0,
        stop: () => emu.stop(),
      };
    }
    case 'retraced':
      return retracedStand(ctx, startFrom);
    case 'nected':
      return nectedStand(ctx, startFrom);
    default:
      return carbonBlackStand(name, ctx, startFrom);
  }
}

async function retracedStand(ctx: StandContext, startFrom: number): Promise<Stand> {
  const token = CHAOS_TOKEN('retraced', ctx.seed);
  const settleLagMs = retracedConnector.settleLagMs ?? 0;
  const emu = await startRetracedEmulator({ seed: ctx.seed, backlog: ctx.backlog, now: ctx.now, token });
  return {
    name: 'retraced',
    vendor: 'retraced',
    connector: retracedConnector,
    secrets: [token],
    settleLagMs,
    source: sourceOf(ctx.sourceId, 'retraced', emu.baseUrl, { token }, startFrom, { pageSize: 15 }),
    ...armer('retraced', emu.faults as unknown as Knobs),
    arrive: (n, late, random) => {
      for (let i = 0; i < n; i++)
        emu.addEvents(1, { ingestDelayMs: late ? randomInt(random, 1000, settleLagMs * 0.8) : 1000 });
    },
    expected: (lastRunAt) => retracedExpected(emu, ctx.sourceId, lastRunAt - settleLagMs),
    progress: windowProgress,
    stop: () => emu.stop(),
  };
}

async function nectedStand(ctx: StandContext, startFrom: number): Promise<Stand> {
  const apiKey = CHAOS_TOKEN('nected', ctx.seed);
  const settleLagMs = nectedConnector.settleLagMs ?? 0;
  const emu = await startNectedEmulator({ seed: ctx.seed, backlog: ctx.backlog, now: ctx.now, apiKey });
  return {
    name: 'nected',
    vendor: 'nected',
    connector: nectedConnector,
    secrets: [apiKey],
    settleLagMs,
    source: sourceOf(ctx.sourceId, 'nected', emu.baseUrl, { apiKey }, startFrom, {
      api: 'v1',
      branch: 'main',
      maxWindowEvents: 40,
      concurrency: 3,
    }),
    ...armer('nected', emu.faults as unknown as Knobs),
    arrive: (n, late, random) => void emu.addEvents(n, { ageMs: late ? randomInt(random, 0, settleLagMs * 0.8) : 0 }),
    expected: (lastRunAt) => nectedExpected(emu, ctx.sourceId, lastRunAt - settleLagMs),
    progress: windowProgress,
    stop: () => emu.stop(),
  };
}

async function carbonBlackStand(name: StandName, ctx: StandContext, startFrom: number): Promise<Stand> {
  const key = { id: 'CHAOSKEY01', secret: CHAOS_TOKEN('cb', ctx.seed) };
  const queue = name === 'carbonblack-queue';
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
  return {
    name,
    vendor: 'carbonblack',
    connector: carbonBlackConnector,
    secrets: [key.secret, key.id],
    settleLagMs,
    source: sourceOf(
      ctx.sourceId,
      'carbonblack',
      emu.baseUrl,
      { apiId: key.id, apiSecret: key.secret },
      startFrom,
      options,
    ),
    ...(queue ? { spool: new MemorySpool() } : {}),
    ...armer(name, emu.faults as unknown as Knobs),
    arrive: (n, late, random) =>
      void emu.addEvents(n, { atMs: ctx.now() - (late && !queue ? randomInt(random, 0, settleLagMs * 0.8) : 0) }),
    expected: (lastRunAt) =>
      queue
        ? carbonBlackQueueExpected(emu, key.id, ctx.sourceId)
        : carbonBlackSearchExpected(emu, ctx.sourceId, lastRunAt - settleLagMs),
    progress: queue ? queueProgress : windowProgress,
    stop: () => emu.stop(),
  };
}
