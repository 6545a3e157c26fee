/** How the benchmark (bench/drain-section.ts) drains Authentic8: its largest page, the options for it, and why. */
import type { VendorBench } from '../../../local/vendor-local.ts';

export const authentic8Bench: VendorBench = {
  maxPage: 1000,
  options: { limit: 1000 },
  note: 'extractlog limit ≤ 1,000 per type (§2.2), one request at a time, 25 log types',
  backlog: { full: 30_000, smoke: 100 },
  // The log-type list, then at least one request per type (an empty one included).
  requestsNeeded: (streams, maxPage) => 1 + streams.reduce((sum, n) => sum + Math.max(1, Math.ceil(n / maxPage)), 0),
};
