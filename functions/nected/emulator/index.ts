/**
 * Nected for the local tools (local/vendor-local.ts): its emulator, generated records, chaos
 * stands, fuzz pages and how the benchmark drains it. Loaded through the registry (../vendor.ts).
 */
import type { VendorLocal } from '../../../local/vendor-local.ts';
import { nectedWire } from './arbitrary.ts';
import { startNectedForCli } from './emulator.ts';
import { nectedFuzz } from './fuzz.ts';
import { nectedStand } from './stand.ts';

const DAY_S = 86_400;

export const local: VendorLocal = {
  startEmulator: startNectedForCli,
  generated: { wire: nectedWire, options: { branch: 'main' } },
  stands: { nected: nectedStand },
  fuzz: nectedFuzz,
  bench: {
    maxPage: 10,
    concurrency: 16,
    options: { concurrency: 16, maxWindowEvents: 9000, maxWindowSeconds: 30 * DAY_S },
    note: "offset pages of ≤ 10 (§4.1) fetched 16 at a time (the connector's maximum; Nected documents no limit)",
    backlog: { full: 20_000, smoke: 200 },
    requestsNeeded: (streams, maxPage) => streams.reduce((sum, n) => sum + Math.ceil(n / maxPage), 0),
  },
};
