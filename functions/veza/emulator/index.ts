/**
 * Veza for the local tools (local/vendor-local.ts): its emulator, generated records, chaos
 * stands, fuzz pages and how the benchmark drains it. Loaded through the registry (../vendor.ts).
 */
import type { VendorLocal } from '../../../local/vendor-local.ts';
import { vezaWire } from './arbitrary.ts';
import { startForCli } from '../../../local/emulators/cli-emulator.ts';
import { LOCAL_TOKEN } from '../../../local/emulators/emulator-host.ts';
import { startVezaEmulator } from './emulator.ts';
import { vezaFuzz } from './fuzz.ts';
import { vezaStand } from './stand.ts';

export const local: VendorLocal = {
  startEmulator: (settings) =>
    startForCli(
      'veza',
      settings,
      (options) => startVezaEmulator({ token: LOCAL_TOKEN, ...options }),
      (emulator) => ({
        credentials: { token: LOCAL_TOKEN },
        options: {},
        eventIds: () => emulator.events().map((e) => e.id),
      }),
    ),
  generated: { wire: vezaWire, options: {} },
  stands: { veza: vezaStand },
  fuzz: vezaFuzz,
  bench: {
    maxPage: 10_000,
    concurrency: 1,
    options: { pageSize: 10_000 },
    note: 'export stream: page_size ≤ 10,000 (§3.2), each page needs the token of the one before',
    backlog: { full: 100_000, smoke: 300 },
    // An empty page ends each stream.
    requestsNeeded: (streams, maxPage) => streams.reduce((sum, n) => sum + Math.ceil(n / maxPage) + 1, 0),
  },
};
