/**
 * Per-vendor function settings. A run stops DEADLINE_MARGIN_MS before its timeout and the
 * continuation picks up at once, so the timeout bounds one invocation, not a backlog.
 */
import type { Vendor } from '../shared/config.ts';

export interface VendorFunctionSettings {
  /** Lambda timeout in seconds. */
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

export const VENDOR_FUNCTIONS: Record<Vendor, VendorFunctionSettings> = {
  // Veza export pages can hold 10,000 records: memory for parsing, a long timeout for backlogs.
  veza: { timeoutSeconds: 900, memoryMb: 1024 },
  // Retraced: GraphQL pages of up to 1,000 nodes within settle-lagged windows.
  retraced: { timeoutSeconds: 900, memoryMb: 512 },
  // Authentic8: 1,000 records per command, several log types per source.
  authentic8: { timeoutSeconds: 900, memoryMb: 512 },
  // Nected: 10 records a page, fetched concurrently; small pages, many requests.
  nected: { timeoutSeconds: 900, memoryMb: 512 },
  // Carbon Black: search pages and queue batches of a few thousand records.
  carbonblack: { timeoutSeconds: 900, memoryMb: 1024 },
};
