/**
 * What the drain benchmark reads each vendor with: its largest page and the concurrency its API
 * allows (vendor-notes §0 and each connector's option limits), and the request count a reader at
 * that page size cannot go below. The lower bound of a drain is that count × latency ÷ concurrency.
 * Each vendor declares its own (functions/<vendor>/emulator/index.ts, `bench`).
 */
import type { Vendor } from '../shared/config.ts';
import { loadVendorLocals, vendorLocal } from '../local/vendors.ts';
import type { VendorBench } from '../local/vendor-local.ts';

export type { VendorBench } from '../local/vendor-local.ts';

// Every vendor's settings at hand for the synchronous lookups below.
await loadVendorLocals();

/** The bench settings of `vendor`. */
export function vendorBench(vendor: Vendor): VendorBench {
  return vendorLocal(vendor).bench;
}

/** Requests a reader needs at the vendor's largest page over its independent streams of these sizes. */
export function requestsNeeded(vendor: Vendor, streams: readonly number[]): number {
  const bench = vendorBench(vendor);
  return bench.requestsNeeded(streams, bench.maxPage);
}

/** The drain's lower bound in ms: requests needed × latency ÷ concurrency. */
export function lowerBoundMs(vendor: Vendor, streams: readonly number[], latencyMs: number): number {
  return (requestsNeeded(vendor, streams) * latencyMs) / (vendorBench(vendor).concurrency ?? 1);
}
