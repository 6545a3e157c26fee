/**
 * Closed time windows (DESIGN.md 4.2): a time-window vendor (Retraced, Nected, Carbon Black search)
 * reads `[from, to)` only once `to` lies a settle lag in the past, so nothing can still arrive in it.
 * "The past" is judged by two clocks, the pump's and the vendor's (the `Date` header of its latest
 * answer), and the earlier wins: a pump clock running fast must not close a window that is still
 * open at the vendor, or the events that arrive in it later are never read.
 */
import type { FetchContext } from './connector.ts';

/** The `Date` header has whole seconds; an end within this of the vendor's settled time counts as settled. */
const DATE_RESOLUTION_MS = 1000;

/**
 * The latest time the vendor can have seen yet: the earlier of the pump's clock and the vendor's
 * (its Date header, plus the second that header cannot show).
 */
export function vendorReadTime(ctx: FetchContext): number {
  const vendor = ctx.http.vendorNow();
  return Math.min(ctx.now(), vendor === undefined ? Number.POSITIVE_INFINITY : vendor + DATE_RESOLUTION_MS);
}

/** The latest end a window may have now: the settle lag behind the earlier of the two clocks. */
export function settledEnd(ctx: FetchContext, lagMs: number): number {
  const vendor = ctx.http.vendorNow();
  return Math.floor(Math.min(ctx.now(), vendor ?? Number.POSITIVE_INFINITY) - lagMs);
}

/**
 * True when the vendor's latest answer shows that a window ending at `end` is not closed yet by its
 * clock: a window opened before the run had heard the vendor's clock (its first request) is read
 * again, ended by {@link settledEnd}, instead of being delivered.
 */
export function openAtVendor(ctx: FetchContext, end: number, lagMs: number): boolean {
  const vendor = ctx.http.vendorNow();
  return vendor !== undefined && end > vendor + DATE_RESOLUTION_MS - lagMs;
}
