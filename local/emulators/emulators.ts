/**
 * The vendor emulators by vendor, behind one small interface, for `audit-pump emulate`, `npm start`
 * and the end-to-end tests. Vendors join here as their emulators land.
 */
import type { Vendor } from '../../shared/config.ts';
import { cliEmulatorOptions } from './emulator-host.ts';
import { startAuthentic8ForCli } from '../../functions/authentic8/emulator/emulator.ts';
import { startCarbonBlackForCli } from '../../functions/carbonblack/emulator/emulator.ts';
import { startNectedForCli } from '../../functions/nected/emulator/emulator.ts';
import { startRetracedForCli } from '../../functions/retraced/emulator/emulator.ts';
import { startVezaEmulator } from '../../functions/veza/emulator/emulator.ts';

export interface EmulatorSettings {
  readonly port?: number;
  readonly seed?: number;
  /** Events already there when the emulator starts. */
  readonly backlog?: number;
  /** Live arrivals per second. */
  readonly arrivalsPerSecond?: number;
  readonly latencyMs?: number;
}

export interface RunningEmulator {
  readonly vendor: Vendor;
  readonly baseUrl: string;
  /** Credentials the emulator accepts, in the vendor's secret shape (docs/architecture.md). */
  readonly credentials: Record<string, string>;
  /** Source options the emulator needs (org keys, ...). */
  readonly options: Record<string, unknown>;
  /** Native ids of every event the emulator holds, for "every event archived" checks. */
  eventIds(): string[];
  stop(): Promise<void>;
}

type Starter = (settings: EmulatorSettings) => Promise<RunningEmulator>;

/** A fixed, obviously fake credential for local runs. */
export const LOCAL_TOKEN = 'local-veza-token-9f2c1e7a';

export const EMULATORS: Partial<Record<Vendor, Starter>> = {
  authentic8: startAuthentic8ForCli,
  carbonblack: startCarbonBlackForCli,
  nected: startNectedForCli,
  retraced: startRetracedForCli,
  veza: async (s) => {
    const emulator = await startVezaEmulator({
      token: LOCAL_TOKEN,
      ...cliEmulatorOptions(s),
    });
    return {
      vendor: 'veza',
      baseUrl: emulator.baseUrl,
      credentials: { token: LOCAL_TOKEN },
      options: {},
      eventIds: () => emulator.events().map((e) => e.id),
      stop: () => emulator.stop(),
    };
  },
};

/** Starts the emulator of `vendor`, or says which vendors have one. */
export async function startEmulator(vendor: string, settings: EmulatorSettings = {}): Promise<RunningEmulator> {
  const start = EMULATORS[vendor as Vendor];
  if (!start) throw new Error(`no emulator for "${vendor}"; available: ${Object.keys(EMULATORS).join(', ')}`);
  return start(settings);
}
