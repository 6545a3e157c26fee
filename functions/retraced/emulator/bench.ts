/** How the benchmark (bench/drain-section.ts) drains Retraced: its largest page, the options for it, and why. */
import type { VendorBench } from '../../../local/vendor-local.ts';

const DAY_S = 86_400;

export const retracedBench: VendorBench = {
  maxPage: 10_000,
  options: { pageSize: 10_000, maxWindowSeconds: 31 * DAY_S },
  note: "GraphQL search: first ≤ 10,000 (the connector's cap, ES max_result_window §1.3), cursor chain",
  backlog: { full: 50_000, smoke: 300 },
  // A short page ends each stream.
  requestsNeeded: (streams, maxPage) => streams.reduce((sum, n) => sum + Math.floor(n / maxPage) + 1, 0),
};
