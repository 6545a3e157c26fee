/**
 * A vendor's emulator behind the CLI's interface (local/emulators/emulators.ts: `audit-pump emulate`,
 * `npm start`, the end-to-end tests): started with the CLI's options, shown with the credentials and
 * source options it accepts and the ids of the events it holds.
 */
import type { Vendor } from '../../shared/config.ts';
import { cliEmulatorOptions, type CliEmulatorOptions } from './emulator-host.ts';
import type { EmulatorSettings, RunningEmulator } from './emulators.ts';

/**
 * What a vendor's emulator shows the CLI besides where it listens: the credentials and source options
 * it accepts (none beyond the defaults unless said) and the ids of the events it holds.
 */
export type CliWiring = Pick<RunningEmulator, 'credentials' | 'eventIds'> &
  Partial<Pick<RunningEmulator, 'options' | 'streams'>>;

/** Starts a vendor's emulator with the CLI's options, behind the CLI's interface (local/emulators/emulators.ts). */
export async function startForCli<E extends { readonly baseUrl: string; stop(): Promise<void> }>(
  vendor: Vendor,
  settings: EmulatorSettings,
  start: (options: CliEmulatorOptions) => Promise<E>,
  wiring: (emulator: E) => CliWiring,
): Promise<RunningEmulator> {
  const emulator = await start(cliEmulatorOptions(settings));
  return { vendor, baseUrl: emulator.baseUrl, options: {}, ...wiring(emulator), stop: () => emulator.stop() };
}
