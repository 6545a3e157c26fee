/**
 * Carbon Black for the local tools (local/vendor-local.ts): its emulator, generated records, chaos
 * stands, fuzz pages and how the benchmark drains it. Loaded through the registry (../vendor.ts).
 */
import type { VendorLocal } from '../../../local/vendor-local.ts';
import { carbonBlackWire } from './arbitrary.ts';
import { startCarbonBlackForCli } from './emulator.ts';
import { carbonblackFuzz } from './fuzz.ts';
import { carbonBlackStands } from './stand.ts';

export const local: VendorLocal = {
  startEmulator: startCarbonBlackForCli,
  generated: { wire: carbonBlackWire, options: { orgKey: 'ABCD1234' } },
  stands: carbonBlackStands,
  fuzz: carbonblackFuzz,
  bench: {
    maxPage: 10_000,
    concurrency: 1,
    options: { rows: 10_000 },
    note: '_search rows ≤ 10,000 (§5.3); a window holds ≤ 10,000 rows, so one page a window, one request at a time (§5.5 rate limits)',
    backlog: { full: 100_000, smoke: 300 },
    requestsNeeded: (streams, maxPage) => streams.reduce((sum, n) => sum + Math.ceil(n / maxPage), 0),
  },
};
