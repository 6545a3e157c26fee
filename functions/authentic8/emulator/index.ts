/**
 * Authentic8 for the local tools (local/vendor-local.ts): its emulator, generated records, chaos
 * stands, fuzz pages and how the benchmark drains it. Loaded through the registry (../vendor.ts).
 */
import type { VendorLocal } from '../../../local/vendor-local.ts';
import { authentic8Wire } from './arbitrary.ts';
import { startAuthentic8ForCli } from './emulator.ts';
import { authentic8Fuzz } from './fuzz.ts';
import { authentic8Stand } from './stand.ts';

export const local: VendorLocal = {
  startEmulator: startAuthentic8ForCli,
  generated: { wire: authentic8Wire, options: { org: 'Acme Corp' } },
  stands: { authentic8: authentic8Stand },
  fuzz: authentic8Fuzz,
  bench: {
    maxPage: 1000,
    concurrency: 1,
    options: { limit: 1000 },
    note: 'extractlog limit ≤ 1,000 per type (§2.2), one request at a time, 25 log types',
    backlog: { full: 30_000, smoke: 100 },
    // The log-type list, then at least one request per type (an empty one included).
    requestsNeeded: (streams, maxPage) => 1 + streams.reduce((sum, n) => sum + Math.max(1, Math.ceil(n / maxPage)), 0),
  },
};
