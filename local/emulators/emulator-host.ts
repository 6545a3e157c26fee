/**
 * What every vendor emulator needs around its service, written once: the loopback server, the live
 * arrivals ticker, the backlog's spread over time, the handle's common part and the settings
 * `audit-pump emulate` and `npm start` give each one. A vendor's emulator is then its service
 * (routes, paging, its answers to the faults of emulator-faults.ts) and the handle it returns.
 */
import type { PageFaults } from './emulator-faults.ts';
import type { EmulatorSettings } from './emulators.ts';
import { listen, type EmulatorHandler } from './http-server.ts';

/** The options every vendor's emulator takes; each vendor adds its own and sets its defaults. */
export interface VendorEmulatorOptions<F> {
  port?: number;
  /** @default 1 */
  seed?: number;
  /** Events there at start, spread evenly over the vendor's backlog window. */
  backlog?: number;
  /** Start of the backlog window. */
  backlogStart?: Date;
  arrivalsPerSecond?: number;
  /** How long every answer is held. */
  latencyMs?: number;
  /** The emulated vendor's clock. */
  now?: () => number;
  faults?: Partial<F & PageFaults>;
  /**
   * Share (0..1) of records drawn from every shape the vendor's docs allow (its emulator/arbitrary.ts:
   * fields absent, null or "", objects empty...) instead of the tidy generator. @default 0
   */
  variety?: number;
}

/** A vendor service as the host serves it. */
export interface HostedService {
  readonly handle: EmulatorHandler;
  /** Ends the service's own timers and pending answers. */
  stop(): void;
}

export interface HostOptions {
  readonly port?: number | undefined;
  /** The emulated vendor's clock (its `Date` header). */
  readonly now?: (() => number) | undefined;
  /** Live arrivals per second; fractions work (0: none). */
  readonly arrivalsPerSecond?: number | undefined;
}

/** A running emulator server. */
export interface Host {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Serves `service` on 127.0.0.1 and calls `arrive(n)` with the whole events due, ten times a second. */
export async function hostService(
  service: HostedService,
  options: HostOptions,
  arrive: (n: number) => void,
): Promise<Host> {
  const server = await listen((req, res) => service.handle(req, res), options.port ?? 0, options.now);
  const rate = options.arrivalsPerSecond ?? 0;
  let owed = 0;
  // Ten ticks a second so fractional rates work; unref'd so a forgotten stop() never holds the process.
  const timer =
    rate > 0
      ? setInterval(() => {
          owed += rate / 10;
          const n = Math.floor(owed);
          owed -= n;
          if (n > 0) arrive(n);
        }, 100)
      : undefined;
  timer?.unref();
  return {
    url: server.url,
    port: server.port,
    stop: async () => {
      clearInterval(timer);
      service.stop();
      await server.close();
    },
  };
}

/** The host's part of a running emulator's handle: where it listens, the service's knobs and counters, stop(). */
export interface HostedEmulator<F, S> {
  readonly baseUrl: string;
  readonly port: number;
  readonly faults: F;
  readonly stats: S;
  stop(): Promise<void>;
}

/** {@link hostService}, with the handle's common part. */
export async function hostEmulator<F, S>(
  service: HostedService & { readonly faults: F; readonly stats: S },
  options: HostOptions,
  arrive: (n: number) => void,
): Promise<HostedEmulator<F, S>> {
  const host = await hostService(service, options, arrive);
  return { baseUrl: host.url, port: host.port, faults: service.faults, stats: service.stats, stop: () => host.stop() };
}

/** A vendor's doc-shaped generator with its share of the records, loaded only when a share is asked for. */
export async function loadVariety<D>(
  share: number | undefined,
  load: () => Promise<D>,
): Promise<{ share: number; draw: D } | undefined> {
  return share ? { share, draw: await load() } : undefined;
}

/** The backlog's [first, end): `backlogEnd` or `endLagMs` before now, `backlogStart` or `spanMs` before the end. */
export function backlogWindow(
  options: { readonly backlogStart?: Date | undefined; readonly backlogEnd?: Date | undefined },
  now: number,
  spanMs: number,
  endLagMs = 0,
): { first: number; end: number } {
  const end = options.backlogEnd?.getTime() ?? now - endLagMs;
  return { first: options.backlogStart?.getTime() ?? end - spanMs, end };
}

/** The times of `count` backlog events spread evenly over [first, end). */
export function spreadBacklog(count: number, first: number, end: number): number[] {
  return Array.from({ length: count }, (_, i) => first + ((end - first) * i) / count);
}

/**
 * Share of a CLI emulator's records drawn from every documented shape, so `npm start` and the
 * end-to-end tests meet untidy records too.
 */
export const CLI_VARIETY = 0.25;

/** The options `audit-pump emulate` and `npm start` give every vendor's emulator. */
export function cliEmulatorOptions(settings: EmulatorSettings): CliEmulatorOptions {
  return {
    seed: settings.seed ?? 1,
    backlog: settings.backlog ?? 1000,
    arrivalsPerSecond: settings.arrivalsPerSecond ?? 0,
    variety: CLI_VARIETY,
    ...(settings.port !== undefined ? { port: settings.port } : {}),
    ...(settings.latencyMs !== undefined ? { latencyMs: settings.latencyMs } : {}),
  };
}

/** A fixed, obviously fake credential for local runs. */
export const LOCAL_TOKEN = 'local-veza-token-9f2c1e7a';

export interface CliEmulatorOptions {
  seed: number;
  backlog: number;
  arrivalsPerSecond: number;
  variety: number;
  port?: number;
  latencyMs?: number;
}
