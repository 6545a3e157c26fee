/** How the benchmark (bench/drain-section.ts) drains Carbon Black: its largest page, the options for it, and why. */
import type { VendorBench } from '../../../local/vendor-local.ts';

export const carbonBlackBench: VendorBench = {
  maxPage: 10_000,
  options: { rows: 10_000 },
  note: '_search rows ≤ 10,000 (§5.3); a window holds ≤ 10,000 rows, so one page a window, one request at a time (§5.5 rate limits)',
  backlog: { full: 100_000, smoke: 300 },
  requestsNeeded: (streams, maxPage) => streams.reduce((sum, n) => sum + Math.ceil(n / maxPage), 0),
};
