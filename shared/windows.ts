/**
 * Closed time windows (DESIGN.md 4.2): a time-window vendor (Retraced, Nected, Carbon Black search)
 * reads `[from, to)` only once `to` lies a settle lag in the past, so nothing can still arrive in it.
 * "The past" is judged by two clocks, the pump's and the vendor's (the `Date` header of its latest
 * answer), and the earlier wins: a pump clock running fast must not close a window that is still
 * open at the vendor, or the events that arrive in it later are never read.
 */
import type { FetchContext } from './connector.ts';
import type { Source } from './config.ts';

/** No window is opened for less settled time than this, and less left unread counts as caught up. */
export const MIN_WINDOW_MS = 1000;

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

/**
 * The longest settle lag a connector declares (Retraced and Nected 300 s, Carbon Black 120 s): a
 * range read's floor whatever its vendor (shared/backfill.ts); test/functions/registry.test.ts
 * holds it to the registry.
 */
export const LONGEST_SETTLE_LAG_MS = 300_000;

/**
 * The settle lag of a source's windows: its own `settleLagSeconds`, else its connector's declared
 * `settleLagMs`, else 0 (a vendor that reads no windows). The runner puts it in the fetch context.
 */
export function settleLagMs(connector: { readonly settleLagMs?: number }, source: Source): number {
  return source.settleLagSeconds !== undefined ? source.settleLagSeconds * 1000 : (connector.settleLagMs ?? 0);
}

/** The latest end a window may have now: the settle lag behind the earlier of the two clocks. */
export function settledEnd(ctx: FetchContext): number {
  const vendor = ctx.http.vendorNow();
  return Math.floor(Math.min(ctx.now(), vendor ?? Number.POSITIVE_INFINITY) - ctx.settleLagMs);
}

/**
 * True when the vendor's latest answer shows that a window ending at `end` is not closed yet by its
 * clock: a window opened before the run had heard the vendor's clock (its first request) is read
 * again, ended by {@link settledEnd}, instead of being delivered.
 */
export function openAtVendor(ctx: FetchContext, end: number): boolean {
  const vendor = ctx.http.vendorNow();
  return vendor !== undefined && end > vendor + DATE_RESOLUTION_MS - ctx.settleLagMs;
}
