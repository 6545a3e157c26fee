/**
 * Retraced for the local tools (local/vendor-local.ts): its emulator, generated records, chaos
 * stands, fuzz pages and how the benchmark drains it. Loaded through the registry (../vendor.ts).
 */
import type { VendorLocal } from '../../../local/vendor-local.ts';
import { retracedWire } from './arbitrary.ts';
import { startRetracedForCli } from './emulator.ts';
import { retracedFuzz } from './fuzz.ts';
import { retracedStand } from './stand.ts';

const DAY_S = 86_400;

export const local: VendorLocal = {
  startEmulator: startRetracedForCli,
  generated: { wire: retracedWire, options: {} },
  stands: { retraced: retracedStand },
  fuzz: retracedFuzz,
  bench: {
    maxPage: 10_000,
    concurrency: 1,
    options: { pageSize: 10_000, maxWindowSeconds: 31 * DAY_S },
    note: "GraphQL search: first ≤ 10,000 (the connector's cap, ES max_result_window §1.3), cursor chain",
    backlog: { full: 50_000, smoke: 300 },
    // A short page ends each stream.
    requestsNeeded: (streams, maxPage) => streams.reduce((sum, n) => sum + Math.floor(n / maxPage) + 1, 0),
  },
};
