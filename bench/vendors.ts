/**
 * What the drain benchmark reads each vendor with: its largest page and the concurrency its API
 * allows (vendor-notes §0 and each connector's option limits), and the request count a reader at
 * that page size cannot go below. The lower bound of a drain is that count × latency ÷ concurrency.
 */
import type { Vendor } from '../shared/config.ts';

export interface VendorBench {
  /** The vendor's largest page (records a request). */
  readonly maxPage: number;
  /** Requests the API lets one reader have in flight. */
  readonly concurrency: number;
  /** Source options that read at `maxPage` and `concurrency`. */
  readonly options: Record<string, unknown>;
  /** Why these numbers (for the report). */
  readonly note: string;
}

const DAY_S = 86_400;

export const VENDOR_BENCH: Record<Vendor, VendorBench> = {
  veza: {
    maxPage: 10_000,
    concurrency: 1,
    options: { pageSize: 10_000 },
    note: 'export stream: page_size ≤ 10,000 (§3.2), each page needs the token of the one before',
  },
  retraced: {
    maxPage: 10_000,
    concurrency: 1,
    options: { pageSize: 10_000, maxWindowSeconds: 31 * DAY_S },
    note: "GraphQL search: first ≤ 10,000 (the connector's cap, ES max_result_window §1.3), cursor chain",
  },
  authentic8: {
    maxPage: 1000,
    concurrency: 1,
    options: { limit: 1000 },
    note: 'extractlog limit ≤ 1,000 per type (§2.2), one request at a time, 25 log types',
  },
  nected: {
    maxPage: 10,
    concurrency: 16,
    options: { concurrency: 16, maxWindowEvents: 9000, maxWindowSeconds: 30 * DAY_S },
    note: "offset pages of ≤ 10 (§4.1) fetched 16 at a time (the connector's maximum; Nected documents no limit)",
  },
  carbonblack: {
    maxPage: 10_000,
    concurrency: 1,
    options: { rows: 10_000 },
    note: '_search rows ≤ 10,000 (§5.3); a window holds ≤ 10,000 rows, so one page a window, one request at a time (§5.5 rate limits)',
  },
};

/**
 * Requests a reader needs at the vendor's largest page: ceil(events ÷ page) over each of the
 * vendor's independent streams, plus what its protocol needs to know it is done: an empty export
 * page (Veza), a short page (Retraced), the log-type list and one request per empty type (Authentic8).
 */
export function requestsNeeded(vendor: Vendor, streams: readonly number[]): number {
  const { maxPage } = VENDOR_BENCH[vendor];
  const pages = (n: number): number => Math.ceil(n / maxPage);
  switch (vendor) {
    case 'veza':
      return streams.reduce((sum, n) => sum + pages(n) + 1, 0);
    case 'retraced':
      return streams.reduce((sum, n) => sum + Math.floor(n / maxPage) + 1, 0);
    case 'authentic8':
      return 1 + streams.reduce((sum, n) => sum + Math.max(1, pages(n)), 0);
    default:
      return streams.reduce((sum, n) => sum + pages(n), 0);
  }
}

/** The drain's lower bound in ms: requests needed × latency ÷ concurrency. */
export function lowerBoundMs(vendor: Vendor, streams: readonly number[], latencyMs: number): number {
  return (requestsNeeded(vendor, streams) * latencyMs) / VENDOR_BENCH[vendor].concurrency;
}
