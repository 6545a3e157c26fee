/** How the benchmark (bench/drain-section.ts) drains Veza: its largest page, the options for it, and why. */
import type { VendorBench } from '../../../local/vendor-local.ts';

export const vezaBench: VendorBench = {
  maxPage: 10_000,
  options: { pageSize: 10_000 },
  note: 'export stream: page_size ≤ 10,000 (§3.2), each page needs the token of the one before',
  backlog: { full: 100_000, smoke: 300 },
  // An empty page ends each stream.
  requestsNeeded: (streams, maxPage) => streams.reduce((sum, n) => sum + Math.ceil(n / maxPage) + 1, 0),
};
