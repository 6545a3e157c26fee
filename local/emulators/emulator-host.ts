/**
 * What every vendor emulator needs around its service, written once: the loopback server, the live
 * arrivals ticker, the backlog's spread over time and the settings `audit-pump emulate` and
 * `npm start` give each one. A vendor's emulator is then its service (routes, paging, faults) and
 * the handle it returns.
 */
import type { EmulatorSettings } from './emulators.ts';
import { listen, type EmulatorHandler } from './http-server.ts';

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
export function cliEmulatorOptions(settings: EmulatorSettings) {
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
