/**
 * The Veza set-up of the end-to-end tests that drive the CLI's own behaviour (cursors, ranges,
 * interrupts, operator output) rather than a vendor's: Veza stands in for any vendor there.
 */
import {
  startVezaEmulator,
  type VezaEmulator,
  type VezaEmulatorOptions,
} from '../../functions/veza/emulator/emulator.ts';
import { useVendorE2e, type VendorE2e } from './e2e-vendor.ts';

export interface VezaE2eSettings {
  /** The API key: the emulator's valid one and the source's inline credentials. */
  readonly token: string;
  /** The source's `options.pageSize`. */
  readonly pageSize: number;
  /** How the emulator starts, but its key. */
  readonly emulator: Omit<VezaEmulatorOptions, 'token'>;
}

/** `useVendorE2e` with one Veza source, its key inline, startFrom a week ago, on a Veza emulator. */
export function useVezaE2e(sourceId: string, settings: VezaE2eSettings): VendorE2e<VezaEmulator> {
  return useVendorE2e({
    sourceId,
    vendor: 'veza',
    start: () => startVezaEmulator({ ...settings.emulator, token: settings.token }),
    source: () => ({ credentials: { token: settings.token }, options: { pageSize: settings.pageSize } }),
  });
}
