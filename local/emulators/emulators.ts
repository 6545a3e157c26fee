/**
 * The vendor emulators behind one small interface, for `audit-pump emulate`, `npm start` and the
 * end-to-end tests: every registered vendor's (functions/<vendor>/emulator/index.ts).
 */
import type { Vendor } from '../../shared/config.ts';
import { vendorNames } from '../../functions/registry.ts';
import { loadVendorLocal } from '../vendors.ts';

export { LOCAL_TOKEN } from './emulator-host.ts';

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
  /**
   * The sizes of the independent streams a reader drains one after another (Authentic8's log types), where the
   * vendor has several; one stream of every event otherwise (the benchmark's request count).
   */
  streams?(): number[];
  stop(): Promise<void>;
}

type Starter = (settings: EmulatorSettings) => Promise<RunningEmulator>;

/** Starts the emulator of `vendor` (any registered vendor, a later one included), or says which vendors have one. */
export async function startEmulator(vendor: string, settings: EmulatorSettings = {}): Promise<RunningEmulator> {
  if (!vendorNames().includes(vendor))
    throw new Error(`no emulator for "${vendor}"; available: ${vendorNames().join(', ')}`);
  return (await loadVendorLocal(vendor)).startEmulator(settings);
}

/** Each registered vendor's emulator starter, by vendor (each loads only its own vendor's tooling). */
export const EMULATORS: Readonly<Record<Vendor, Starter>> = Object.fromEntries(
  vendorNames().map((vendor) => [vendor, (s: EmulatorSettings) => startEmulator(vendor, s)]),
);
