/**
 * Carbon Black Cloud audit logs connector (vendor-notes §5.7). Default mode `search`: the
 * non-destructive `_search` over closed `create_time` windows ending `settleLagSeconds` behind now,
 * oldest first, paged with the 0-based `start` offset. Mode `queue` reads the destructive per-key
 * `_queue` through a spool (queue.ts).
 *
 * A window whose `num_found` is above what a search can page (`num_available`, probably capped at
 * 10,000: UNCONFIRMED, §5.3) is halved before any of it is delivered; `from` moves to `to` only
 * once the window is drained. Whether `create_time.end` is inclusive is UNCONFIRMED, so records at
 * or after `to` are dropped here: they belong to the next window, which reads them again.
 *
 * Records have no id: see identity.ts for the content hash + occurrence index.
 */
import { defineConnector, type Page } from '../../shared/connector.ts';
import { MalformedPageError, VendorError } from '../../shared/errors.ts';
import { rawRecords } from '../../shared/raw-json.ts';
import { MIN_WINDOW_MS, openAtVendor, settledEnd } from '../../shared/windows.ts';
import type { RawRecord } from '../../shared/connector.ts';
import { byCreateTime, cbNativeId, contentHash, createTimeOf, tagOccurrences, type CbRawRecord } from './identity.ts';
import { CB_PRODUCT, normalizeCarbonBlack } from './normalize.ts';
import { queuePage } from './queue.ts';
import {
  cbCredentials,
  cbCursor,
  cbOptions,
  cbRecord,
  cbResultsPage,
  type CbCursor,
  type CbOptions,
  type CbRecord,
  type CbResultsPage,
  type CbSearchCursor,
  type CbTail,
  type CbContext,
  type CbCredentials,
} from './schemas.ts';

/** Assumed `num_available` cap when a response omits it (UNCONFIRMED, vendor-notes §5.3). */
export const CB_SEARCH_CAP = 10_000;

/** `X-Auth-Token: <API Secret Key>/<API ID>` (vendor-notes §5.1). */
export function cbHeaders(ctx: CbContext): Record<string, string> {
  return {
    'x-auth-token': `${ctx.credentials.apiSecret}/${ctx.credentials.apiId}`,
    accept: 'application/json',
  };
}

interface Window {
  readonly from: number;
  readonly to: number;
}
interface SearchResult {
  readonly page: CbResultsPage;
  readonly records: RawRecord[];
}

const iso = (ms: number): string => new Date(ms).toISOString();
/** Rows a search can page through: `num_found`, capped by `num_available`. */
const pageable = (page: CbResultsPage): number => Math.min(page.num_found, page.num_available ?? CB_SEARCH_CAP);

/** POST `_search` (vendor-notes §5.3): the window's page at `start`, oldest first. */
async function search(ctx: CbContext, options: CbOptions, window: Window, start: number): Promise<SearchResult> {
  const { response, body } = await ctx.http.json({
    method: 'POST',
    url: ctx.http.resolveLink(`/audit_log/v1/orgs/${encodeURIComponent(options.orgKey)}/logs/_search`),
    headers: cbHeaders(ctx),
    body: JSON.stringify({
      criteria: { create_time: { start: iso(window.from), end: iso(window.to) } },
      rows: options.rows,
      start,
      sort: [{ field: 'create_time', order: 'ASC' }],
    }),
  });
  const page = cbResultsPage.safeParse(body);
  if (!page.success)
    throw new MalformedPageError(
      `carbonblack _search: unexpected response envelope (${page.error.issues[0]?.message ?? 'invalid'})`,
    );
  return { page: page.data, records: rawRecords(response.text, body, 'results') };
}

/** Reads the page at `start`; a window not read yet is halved until all of it can be paged. */
async function readWindow(
  ctx: CbContext,
  options: CbOptions,
  cursor: CbSearchCursor,
  planned: Window,
): Promise<{ window: Window; result: SearchResult }> {
  let window = planned;
  let result = await search(ctx, options, window, cursor.start);
  while (cursor.start === 0 && result.page.num_found > pageable(result.page)) {
    if (window.to - window.from <= 1) {
      throw new VendorError(
        `carbonblack _search: ${result.page.num_found} events at ${iso(window.from)}, more than the ${pageable(result.page)} one search can page`,
      );
    }
    window = { from: window.from, to: window.from + Math.floor((window.to - window.from) / 2) };
    ctx.log.debug('carbonblack window too large to page; halving it', {
      sourceId: ctx.source.id,
      numFound: result.page.num_found,
      to: iso(window.to),
    });
    result = await search(ctx, options, window, 0);
  }
  return { window, result };
}

/**
 * Where the next page starts when the window is not drained. Normally the next offset; if the
 * window grew past what can be paged while it was read (events arriving later than the settle
 * lag), the window is re-based at the newest delivered millisecond instead, skipping the copies of
 * it already delivered (ascending order puts them first).
 */
function resume(
  cursor: CbSearchCursor,
  window: Window,
  read: number,
  page: CbResultsPage,
  tail: CbTail | undefined,
): CbSearchCursor {
  const base = {
    mode: 'search' as const,
    to: iso(window.to),
    ...(cursor.widthMs ? { widthMs: cursor.widthMs } : {}),
    ...(tail ? { tail } : {}),
  };
  if (read < pageable(page)) return { ...base, from: iso(window.from), start: read };
  if (!tail)
    throw new VendorError(
      `carbonblack _search: window ${iso(window.from)}..${iso(window.to)} cannot be paged past ${read} records`,
    );
  return { ...base, from: iso(tail.at), start: Object.values(tail.counts).reduce((a, b) => a + b, 0) };
}

/** One search page: the window's records from `start`, and the cursor after them. */
async function searchPage(ctx: CbContext, cursor: CbSearchCursor): Promise<Page<CbCursor>> {
  const options = ctx.options;
  const from = Date.parse(cursor.from);
  const plan = (end: number): Window | undefined => {
    if (cursor.to !== undefined) return { from, to: Date.parse(cursor.to) };
    return end - from < MIN_WINDOW_MS ? undefined : { from, to: Math.min(end, from + (cursor.widthMs ?? end - from)) };
  };
  let end = settledEnd(ctx);
  let planned = plan(end);
  if (!planned) return { records: [], next: cursor, caughtUp: true };
  let first = await readWindow(ctx, options, cursor, planned);
  if (cursor.to === undefined && openAtVendor(ctx, first.window.to)) {
    // Opened before the run had heard the vendor's clock, and still open by it (the pump's runs ahead): plan again.
    ctx.log.warn(
      "carbonblack: the window ends after the vendor's settled time (the pump clock runs ahead); planning it again",
      { sourceId: ctx.source.id, to: iso(first.window.to) },
    );
    end = settledEnd(ctx);
    planned = plan(end);
    if (!planned) return { records: [], next: cursor, caughtUp: true };
    first = await readWindow(ctx, options, cursor, planned);
  }
  const { window, result } = first;
  const read = cursor.start + result.records.length;
  if (result.records.length === 0 && read < result.page.num_found) {
    throw new MalformedPageError(
      `carbonblack _search: an empty page at start=${read} of ${result.page.num_found} in window ${iso(window.from)}..${iso(window.to)}`,
    );
  }
  const inWindow = result.records.filter((r) => {
    const t = createTimeOf(r.value);
    return Number.isNaN(t) || (t >= window.from && t < window.to); // an invalid record is dead-lettered, not dropped
  });
  // Occurrence numbers count identical records in ascending order: sort the page rather than trust
  // the vendor's order within it (a reordered page would number copies twice and lose one).
  const { records, tail } = tagOccurrences(byCreateTime(inWindow), cursor.tail);
  const times = records.map((r) => createTimeOf(r.value)).filter((t) => !Number.isNaN(t));
  const newest = times.length ? { lastEventTime: Math.max(...times) } : {};
  if (read < result.page.num_found)
    return { records, next: resume(cursor, window, read, result.page, tail), caughtUp: false, ...newest };
  // Drained: the next window starts at `to`, twice as wide when this one was at most half full.
  const width = window.to - window.from;
  const widthMs = result.page.num_found * 2 <= CB_SEARCH_CAP ? width * 2 : width;
  return {
    records,
    next: { mode: 'search', from: iso(window.to), start: 0, widthMs: Math.max(1, widthMs) },
    caughtUp: end - window.to < MIN_WINDOW_MS,
    ...newest,
  };
}

function initialCursor(mode: CbOptions['mode'], startFrom: string): CbCursor {
  return mode === 'search' ? { mode, from: iso(Date.parse(startFrom)), start: 0 } : { mode };
}

export const carbonBlackConnector = defineConnector<CbCursor, CbRecord, CbOptions, CbCredentials>({
  vendor: 'carbonblack',
  product: CB_PRODUCT,
  ocsfClasses: ['ApiActivity', 'Authentication'],
  // Search windows end this far behind now unless the source sets settleLagSeconds (cbc-syslog keeps 30 s, §5.6).
  settleLagMs: 120_000,
  cursorSchema: cbCursor,
  recordSchema: cbRecord,
  credentialsSchema: cbCredentials,
  optionsSchema: cbOptions,
  // The tail is bookkeeping; the window start and offset (or the acked batch) are the position.
  position: (cursor) => (cursor.mode === 'search' ? [cursor.from, cursor.start] : (cursor.acked ?? null)),
  // A queue fetch deletes the acked batch from the spool and dequeues the next one: never ahead of the commit.
  prefetch: (options) => options.mode === 'search',
  // The queue is destructive: each batch is spooled before it is delivered (queue.ts).
  needsSpool: (options) => options.mode === 'queue',
  // The queue is destructive and has no time range (vendor-notes §5.4): range reads (backfill) use
  // the search, whose records get the same content-hash ids (identity.ts).
  range: { options: { mode: 'search' } },
  describe: (c) =>
    c.mode === 'queue'
      ? `queue mode${c.acked ? `, last batch ${c.acked}` : ', nothing dequeued yet'}`
      : `${c.to ? `window ${c.from} .. ${c.to}` : `next window from ${c.from}`}${c.start ? `, offset ${c.start}` : ''}`,
  initialCursor: (source, _now, options) => initialCursor(options.mode, source.startFrom),
  async fetchPage(ctx, stored) {
    const { mode } = ctx.options;
    let cursor = stored;
    if (cursor.mode !== mode) {
      // A mode switch starts the new mode afresh; spooled queue batches stay for a switch back.
      ctx.log.warn(`carbonblack: the stored cursor is for ${cursor.mode} mode; starting ${mode} mode afresh`, {
        sourceId: ctx.source.id,
      });
      cursor = initialCursor(mode, ctx.source.startFrom);
    }
    return cursor.mode === 'search' ? searchPage(ctx, cursor) : queuePage(ctx, cursor, cbHeaders(ctx));
  },
  nativeId: (_record, raw) => {
    const tagged = raw as Partial<CbRawRecord>;
    return cbNativeId(tagged.hash ?? contentHash(raw.value), tagged.occurrence ?? 0);
  },
  normalize: normalizeCarbonBlack,
});
