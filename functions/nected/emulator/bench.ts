/** How the benchmark (bench/drain-section.ts) drains Nected: its largest page, the options for it, and why. */
import type { VendorBench } from '../../../local/vendor-local.ts';

const DAY_S = 86_400;

export const nectedBench: VendorBench = {
  maxPage: 10,
  concurrency: 16,
  options: { concurrency: 16, maxWindowEvents: 9000, maxWindowSeconds: 30 * DAY_S },
  note: "offset pages of ≤ 10 (§4.1) fetched 16 at a time (the connector's maximum; Nected documents no limit)",
  backlog: { full: 20_000, smoke: 200 },
  requestsNeeded: (streams, maxPage) => streams.reduce((sum, n) => sum + Math.ceil(n / maxPage), 0),
};
