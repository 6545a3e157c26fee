/**
 * What a vendor's stand is made of (local/chaos/stands.ts): the vendor faults the campaign throws, the
 * stand's contract, and the pieces every vendor's stand (functions/<vendor>/emulator/stand.ts) builds
 * with. Nothing here names a vendor, and nothing here imports the registry (a vendor's files import
 * this one).
 */
import { parseSources, type Source, type Vendor } from '../../shared/config.ts';
import type { Connector } from '../../shared/connector.ts';
import type { Spool } from '../../shared/spool.ts';
import { randomInt, type Random } from '../emulators/random.ts';
import type { Expected, Progress } from './expected.ts';

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

export const DAY_MS = 86_400_000;

export interface Stand {
  readonly name: string;
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

/** The emulator knob of each vendor fault a stand takes (`retryAfterSeconds` is set alongside the 429 ones). */
export type FaultKnobs = Readonly<Partial<Record<VendorFault, string>>>;

/**
 * The knobs every emulator names alike (local/emulators/emulator-faults.ts and each emulator's
 * faults): a vendor's stand starts from these and adds, replaces or drops what its API differs in.
 */
export const COMMON_KNOBS = {
  '429': 'rateLimitNext',
  '429-bare': 'rateLimitNext',
  '5xx': 'serverErrorNext',
  timeout: 'hangNext',
  truncated: 'truncateNext',
  malformed: 'malformedNext',
  duplicate: 'duplicateNext',
  reorder: 'reorderNext',
} as const satisfies FaultKnobs;

/** Everything a stand needs from the campaign. */
export interface StandContext {
  readonly sourceId: string;
  readonly seed: number;
  readonly now: () => number;
  /** Backlog size (per org for Authentic8). */
  readonly backlog: number;
}

/** A vendor's stand: the faults it takes and how it starts (functions/<vendor>/emulator/stand.ts). */
export interface StandDefinition {
  readonly knobs: FaultKnobs;
  /**
   * The stand reads destructively and spools each batch (a queue): a kill or a lease race mid-read
   * loses the batch by design (the connector's documented window), so those campaigns leave it out,
   * and only it can crash after the spool write.
   */
  readonly destructive?: boolean;
  start(ctx: StandContext): Promise<Stand>;
}

/** Arms and disarms the faults of `map` on an emulator's knobs (its `faults` object). */
function armer(map: FaultKnobs, emulatorFaults: object): Pick<Stand, 'faults' | 'inject' | 'calm'> {
  const knobs = emulatorFaults as Record<string, number | undefined>;
  return {
    faults: Object.keys(map) as VendorFault[],
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

/** Where a stand's source starts reading: five days before the campaign's now. */
function standStart(ctx: StandContext): number {
  return ctx.now() - 5 * DAY_MS;
}

/** The stand's source, validated as config validates it, reading `baseUrl` with these credentials. */
function standSource(
  ctx: StandContext,
  connector: Connector,
  baseUrl: string,
  credentials: Record<string, string>,
  options: Record<string, unknown>,
): Source {
  const raw = {
    id: ctx.sourceId,
    vendor: connector.vendor,
    baseUrl,
    credentials,
    startFrom: new Date(standStart(ctx)).toISOString(),
    options,
  };
  return parseSources({ sources: [raw] }, { [connector.vendor]: connector.optionsSchema }).sources[0] as Source;
}

/** A credential the hygiene scan can find anywhere it leaks: unique per vendor and seed. */
export function chaosToken(vendor: string, seed: number): string {
  return `chaos-${vendor}-secret-${(seed >>> 0).toString(36)}-7f3a9c`;
}

/** The emulator a stand reads: where it listens, its fault knobs, stop(). */
export interface StandEmulator {
  readonly baseUrl: string;
  readonly faults: object;
  stop(): Promise<void>;
}

/** What a stand is built from besides its emulator: its connector, its faults, and the source that reads it. */
export interface StandParts {
  readonly connector: Connector;
  readonly knobs: FaultKnobs;
  /** The source's credentials: every value is a secret the hygiene scan looks for. */
  readonly credentials: Record<string, string>;
  readonly options: Record<string, unknown>;
  /** The stand's name where a vendor has one per read mode; the vendor's otherwise. */
  readonly name?: string;
  /** The connector's settle lag unless the read mode holds nothing back. */
  readonly settleLagMs?: number;
}

/** The parts of a stand every vendor fills alike; the vendor adds arrivals, what is due and progress. */
export function standOf(
  ctx: StandContext,
  emulator: StandEmulator,
  parts: StandParts,
): Omit<Stand, 'arrive' | 'expected' | 'progress' | 'partial' | 'spool'> {
  const { connector, credentials } = parts;
  return {
    name: parts.name ?? connector.vendor,
    vendor: connector.vendor,
    connector,
    secrets: Object.values(credentials),
    settleLagMs: parts.settleLagMs ?? connector.settleLagMs ?? 0,
    source: standSource(ctx, connector, emulator.baseUrl, credentials, parts.options),
    ...armer(parts.knobs, emulator.faults),
    stop: () => emulator.stop(),
  };
}
