/**
 * Bounded reads of a past range `[from, to)` with a live connector, for backfills and
 * reconciliation. The wrapper starts the connector at `from` (its own `initialCursor` with
 * `startFrom = from`), drops the records whose event time is outside the range (those at or after
 * `to` belong to the live cursor; those before `from` come from vendors that open early, as
 * Authentic8 a day before `startFrom`, or filter on another time, as Veza on `persisted_at`), and
 * stops at the range's horizon `to + margin`:
 *
 * - The connector's clock (`ctx.now`) never runs past the horizon, so time-window vendors
 *   (Retraced, Nected, Carbon Black search) open no window beyond it and report caught up by
 *   themselves. This matters for Nected, whose pages are newest first (vendor-notes §4.4): a page
 *   entirely past `to` can precede the pages that hold the range.
 * - Stream vendors (Veza's export in persistence order, vendor-notes §3.6; Authentic8's `seq_id`
 *   order, §2.7) are stopped by the first non-empty page whose valid records are all at or after
 *   the horizon. Their order is not strictly by event time: an event persisted (Veza) or sequenced
 *   (Authentic8) more than `margin` after later events is not read back. Retraced windows on
 *   `received` while its event time is `canonical_time` (§1.3): an event backdated by more than the
 *   margin is not read back either.
 *
 * The margin is never less than the source's settle lag (default: the longest vendor default,
 * 300 s), so a time-window vendor's last window always reaches `to`. Records that fail validation
 * or mapping are kept: the runner dead-letters them. A vendor that needs more than this says so in
 * its connector's `range` (shared/connector.ts).
 */
import * as z from 'zod';
import { toEvent } from './delivery.ts';
import { ConfigError, CursorInvalidError } from './errors.ts';
import type { Connector, Credentials, FetchContext, Options, Page, RawRecord } from './connector.ts';
import type { Source } from './config.ts';
import type { CursorKey } from './cursor-store.ts';
import { LONGEST_SETTLE_LAG_MS } from './windows.ts';

/** Default margin past `to` before a stream vendor's read is considered past the range. */
export const DEFAULT_MARGIN_MS = 3_600_000;

/** A request's `marginSeconds` (backfill and reconcile): past `to`, how far a stream vendor is read; a week at most. */
export const marginSecondsSchema = z
  .number()
  .int()
  .min(0)
  .max(7 * 86_400)
  .optional();

/** A half-open time range in epoch ms. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/** The cursor of a bounded read: the range it serves, the live connector's cursor, and whether it finished. */
export interface BoundedCursor<C> {
  readonly range: { readonly from: string; readonly to: string };
  readonly inner: C;
  readonly done?: boolean;
}

const BACKFILL_SUFFIX = '#backfill';

/**
 * The cursor item of a source's backfill: its own key, so the live cursor never moves. `#` is a
 * character no source id may contain (shared/config.ts), so no source's item can be another's backfill.
 */
export function backfillItemId(sourceId: string): string {
  return `${sourceId}${BACKFILL_SUFFIX}`;
}

/** The backfill items' key space in the cursor table (the key of a backfill's CursorStore). */
export const BACKFILL_KEY: CursorKey = {
  of: backfillItemId,
  sourceOf: (itemKey) => (itemKey.endsWith(BACKFILL_SUFFIX) ? itemKey.slice(0, -BACKFILL_SUFFIX.length) : undefined),
};

const iso = (ms: number): string => new Date(ms).toISOString();

/** Parses `YYYY-MM-DD` (midnight UTC) or an ISO date-time with offset; throws naming `what`. */
export function parseTime(text: string, what: string): number {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const ms =
    day || z.iso.datetime({ offset: true }).safeParse(text).success
      ? Date.parse(day ? `${text}T00:00:00Z` : text)
      : Number.NaN;
  if (Number.isNaN(ms))
    throw new ConfigError(
      `${what} must be a date (2026-11-20) or an ISO time with offset (2026-11-20T06:00:00Z), got "${text}"`,
    );
  return ms;
}

/**
 * Checks a range for `source`: from before to, and to settled, at least the source's settle lag
 * before now (a time-window vendor reads nothing newer, so a later end would be cut short).
 */
export function checkRange(range: TimeRange, source: Source, now: number): TimeRange {
  if (!(range.from < range.to))
    throw new ConfigError(`the range must end after it starts (${iso(range.from)} .. ${iso(range.to)})`);
  const lag = settleLagMs(source);
  if (range.to > now - lag) {
    throw new ConfigError(
      `the range must be in the past, ending at least the settle lag (${lag / 1000} s) before now: it ends at ${iso(range.to)}; the live cursor reads the present`,
    );
  }
  return range;
}

/** The source's settle lag, or the longest one a connector declares, whatever the source's vendor. */
function settleLagMs(source: Source): number {
  return source.settleLagSeconds !== undefined ? source.settleLagSeconds * 1000 : LONGEST_SETTLE_LAG_MS;
}

/** The source as a range read sees it: starting at `from`, with its connector's range options. */
export function rangeSource<O extends Options>(
  connector: Pick<Connector<unknown, unknown, O>, 'range'>,
  source: Source,
  range: TimeRange,
): Source {
  const options = connector.range?.options ?? {};
  return { ...source, startFrom: iso(range.from), options: { ...source.options, ...options } };
}

/** The parsed options as a range read sees them: the connector's range options over the source's. */
function rangeOptions<C, O extends Options>(connector: Pick<Connector<C, unknown, O>, 'range'>, options: O): O {
  return { ...options, ...connector.range?.options };
}

/** The event time of a record as the pump would archive it; undefined when it fails validation or mapping. */
export function eventTime<C, R>(
  connector: Connector<C, R>,
  source: Source,
  record: RawRecord,
  receivedAt: number,
): number | undefined {
  const out = toEvent(connector, source, record, receivedAt);
  return 'event' in out && Number.isFinite(out.event.time) ? out.event.time : undefined;
}

/** Turns a live connector into one that reads only `range` (see the file comment). */
export function boundedConnector<C, R, O extends Options, K extends Credentials>(
  connector: Connector<C, R, O, K>,
  range: TimeRange,
  marginMs = DEFAULT_MARGIN_MS,
): Connector<BoundedCursor<C>, R, O, K> {
  const stored = { from: iso(range.from), to: iso(range.to) };
  const cursorSchema = z.object({
    range: z.object({ from: z.string(), to: z.string() }),
    inner: connector.cursorSchema,
    done: z.boolean().optional(),
  }) as unknown as z.ZodType<BoundedCursor<C>>;
  const position = (cursor: C): unknown => (connector.position ? connector.position(cursor) : cursor);

  async function fetchPage(ctx: FetchContext<O, K>, cursor: BoundedCursor<C>): Promise<Page<BoundedCursor<C>>> {
    if (cursor.range.from !== stored.from || cursor.range.to !== stored.to) {
      throw new CursorInvalidError(
        `source ${ctx.source.id}: the stored range read is ${cursor.range.from}..${cursor.range.to}, not ${stored.from}..${stored.to}`,
      );
    }
    if (cursor.done) return { records: [], next: cursor, caughtUp: true };
    const source = rangeSource(connector, ctx.source, range);
    const horizon = range.to + Math.max(marginMs, settleLagMs(source));
    const options = rangeOptions(connector, ctx.options);
    const page = await connector.fetchPage(
      { ...ctx, source, options, now: () => Math.min(ctx.now(), horizon) },
      cursor.inner,
    );
    const receivedAt = ctx.now();
    const times = page.records.map((r) => eventTime(connector, source, r, receivedAt));
    const records = page.records.filter((_, i) => {
      const t = times[i];
      return t === undefined || (t >= range.from && t < range.to);
    });
    const valid = times.filter((t): t is number => t !== undefined);
    let next = page.next;
    let caughtUp = page.caughtUp;
    if (!caughtUp && valid.length > 0 && valid.every((t) => t >= horizon)) {
      const adapter = connector.range?.pastHorizon;
      ({ next, caughtUp } = adapter ? adapter(cursor.inner, page.next) : { next: page.next, caughtUp: true });
    }
    return { records, next: { range: stored, inner: next, ...(caughtUp ? { done: true } : {}) }, caughtUp };
  }

  // The bounded connector reads one range: it has no range options of its own.
  const { range: _range, describe, ...live } = connector;
  return {
    ...live,
    describe: (cursor) =>
      cursor.done
        ? `range ${cursor.range.from} .. ${cursor.range.to} done`
        : `range ${cursor.range.from} .. ${cursor.range.to}: ${describe ? describe(cursor.inner) : JSON.stringify(cursor.inner)}`,
    cursorSchema,
    position: (cursor) => position(cursor.inner),
    initialCursor: (source, now, options) => ({
      range: stored,
      inner: connector.initialCursor(rangeSource(connector, source, range), now, rangeOptions(connector, options)),
    }),
    fetchPage,
  };
}
