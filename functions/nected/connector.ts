/**
 * Nected Audit Log API connector: offset pages over closed time windows (vendor-notes §4.4).
 *
 * The search pages a newest-first list by `pageNo`, so every new event shifts every offset. The
 * pump therefore reads only windows `[from, to)` with `to = now - settleLag`, which no longer
 * receive events, and checks each page's `totalCount` against the window's first page: a change
 * (a late insert or a deletion) means the offsets moved, so the window is read again from page 1
 * (re-read events keep their uid); after MAX_RESTARTS changes it is halved instead. A window with
 * more than `maxWindowEvents` is narrowed before paging (deep pages are slow and Elasticsearch
 * refuses them past 10,000, §4.2). `from` moves to `to` only once the whole window is delivered.
 *
 * With 10 records a page, pages are fetched `concurrency` at a time. A batch yields only its
 * contiguous prefix of successful pages: if page k fails, pages before k are delivered and the
 * cursor points at k; if the first page fails, the batch throws and nothing moves. No gap either way.
 */
import { defineConnector, type Page, type RawRecord } from '../../shared/connector.ts';
import { AuditPumpError, MalformedPageError, VendorError, describeError } from '../../shared/errors.ts';
import { rawRecords } from '../../shared/raw-json.ts';
import { MIN_WINDOW_MS, openAtVendor, settledEnd } from '../../shared/windows.ts';
import { NECTED_PRODUCT, normalizeNected } from './normalize.ts';
import {
  isoTimeMs,
  nectedCredentials,
  nectedCursor,
  nectedOptions,
  nectedPage,
  nectedRecord,
  type NectedCursor,
  type NectedOptions,
  type NectedRecord,
  type NectedContext,
  type NectedCredentials,
} from './schemas.ts';

/** Records per page: Nected's maximum (vendor-notes §4.1). */
export const NECTED_PAGE_SIZE = 10;
/** Passes over a window whose totalCount keeps changing before the window is halved. */
const MAX_RESTARTS = 3;
/**
 * Whether `startDate` is inclusive is UNCONFIRMED (vendor-notes §4.3): ask from 1 ms early; a re-read keeps its uid.
 */
const START_OVERLAP_MS = 1;

/** A window that changed on every pass down to a single millisecond: its events never settle. */
export class NectedWindowError extends AuditPumpError {
  override readonly code = 'NECTED_WINDOW';
}

type Window = NonNullable<NectedCursor['window']>;
interface SearchPage {
  pageNo: number;
  totalCount: number;
  records: RawRecord[];
}
/** One fetchPage's view of the window being read. */
interface Pass {
  ctx: NectedContext;
  opts: NectedOptions;
  cursor: NectedCursor;
  win: Window;
  from: number;
  to: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const pageCount = (total: number): number => Math.max(1, Math.ceil(total / NECTED_PAGE_SIZE));
const expectedOn = (pageNo: number, total: number): number =>
  Math.min(NECTED_PAGE_SIZE, Math.max(0, total - (pageNo - 1) * NECTED_PAGE_SIZE));
/** A record's date; NaN when it has no valid one (the runner dead-letters it; it says nothing about the window). */
const dateOf = (r: RawRecord): number => isoTimeMs((r.value as { date?: unknown } | null)?.date);

/** The search of either API generation (vendor-notes §4.1); v1 adds the branch header. */
function searchRequest(p: Pass, pageNo: number): { url: URL; headers: Record<string, string> } {
  const { ctx, opts } = p;
  const url = ctx.http.resolveLink(
    opts.api === 'v1' ? `/dev/v1/audit/${opts.module}/search` : `/dev/audit/${opts.module}/search`,
  );
  const params = {
    pageNo: String(pageNo),
    pageSize: String(NECTED_PAGE_SIZE),
    startDate: iso(p.from - START_OVERLAP_MS),
    endDate: iso(p.to),
    ...opts.filters,
  };
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  const branch: Record<string, string> = opts.branch ? { 'Nected-Branch': opts.branch } : {};
  const key = opts.api === 'v1' ? 'Nected-API-Key' : 'nected-api-key';
  return { url, headers: { [key]: ctx.credentials.apiKey, ...branch, accept: 'application/json' } };
}

async function searchPage(p: Pass, pageNo: number): Promise<SearchPage> {
  const { response, body } = await p.ctx.http.json(searchRequest(p, pageNo));
  const envelope = nectedPage.safeParse(body);
  if (!envelope.success)
    throw new MalformedPageError(
      `nected search page ${pageNo}: unexpected response envelope (${envelope.error.issues[0]?.message ?? 'invalid'})`,
    );
  const { totalCount, pageSize, code, message, data } = envelope.data;
  // The vendor's own words may quote the key it was sent: redacted before they go into the error.
  if (code !== undefined && code.toLowerCase() !== 'success')
    throw new VendorError(p.ctx.http.redact(`nected search page ${pageNo}: ${code}${message ? `: ${message}` : ''}`));
  if (pageSize !== undefined && pageSize !== NECTED_PAGE_SIZE)
    throw new MalformedPageError(
      `nected search: asked for ${NECTED_PAGE_SIZE} records a page, got pageSize ${pageSize}; offsets would not line up`,
    );
  const records = data ? rawRecords(response.text, body, 'data') : [];
  // A record outside the window means the date filter was not applied (its format is UNCONFIRMED, §4.3).
  const stray = records.map(dateOf).find((t) => t < p.from - START_OVERLAP_MS - 1 || t > p.to + 1);
  if (stray !== undefined)
    throw new MalformedPageError(
      `nected search: a record dated ${iso(stray)} is outside the requested window [${iso(p.from)}, ${iso(p.to)}); the date filter was not applied`,
    );
  return { pageNo, totalCount, records };
}

/** The successful pages before the first failure; throws the first page's error when it failed. */
function contiguous(
  p: Pass,
  results: ReadonlyArray<PromiseSettledResult<SearchPage>>,
  pageNos: readonly number[],
): SearchPage[] {
  const pages: SearchPage[] = [];
  for (const [i, result] of results.entries()) {
    if (result.status === 'fulfilled') {
      pages.push(result.value);
      continue;
    }
    if (i === 0) throw result.reason;
    p.ctx.log.warn('nected: a page failed; delivering the pages before it, the next call starts at it', {
      sourceId: p.ctx.source.id,
      pageNo: pageNos[i],
      error: describeError(result.reason),
    });
    break;
  }
  return pages;
}

/** A new window from `from`: at most `spanMs` wide, ending at the settled end. */
function openWindow(ctx: NectedContext, opts: NectedOptions, cursor: NectedCursor): Window | undefined {
  const from = Date.parse(cursor.from);
  const settled = settledEnd(ctx);
  if (settled - from < MIN_WINDOW_MS) return undefined;
  return {
    to: iso(Math.min(from + Math.min(cursor.spanMs, opts.maxWindowSeconds * 1000), settled)),
    page: 1,
    restarts: 0,
  };
}

/** Narrows the window to `spanMs` from `from`, to be read from its first page. */
function narrow(p: Pass, spanMs: number, why: string): Page<NectedCursor> {
  p.ctx.log.info(`nected: narrowing the window: ${why}`, {
    sourceId: p.ctx.source.id,
    from: p.cursor.from,
    to: iso(p.from + spanMs),
  });
  return {
    records: [],
    next: { from: p.cursor.from, spanMs, window: { to: iso(p.from + spanMs), page: 1, restarts: 0 } },
    caughtUp: false,
  };
}

/** The window changed under the pass: read it again from page 1, or halve it after MAX_RESTARTS. */
function restart(p: Pass, total: number, pages: readonly SearchPage[]): Page<NectedCursor> {
  const seen = pages.map((s) => `page ${s.pageNo}: ${s.totalCount} total, ${s.records.length} records`).join('; ');
  if (p.win.restarts + 1 < MAX_RESTARTS) {
    p.ctx.log.warn('nected: the window changed while paging; reading it again from page 1', {
      sourceId: p.ctx.source.id,
      expectedTotal: total,
      seen,
    });
    return {
      records: [],
      next: { ...p.cursor, window: { to: p.win.to, page: 1, restarts: p.win.restarts + 1 } },
      caughtUp: false,
    };
  }
  if (p.to - p.from < 2)
    throw new NectedWindowError(
      `source ${p.ctx.source.id}: the window at ${p.cursor.from} changed on ${MAX_RESTARTS} passes in a row (${seen}); events are still arriving that far back: raise settleLagSeconds`,
    );
  return narrow(p, Math.floor((p.to - p.from) / 2), `it changed on ${MAX_RESTARTS} passes in a row`);
}

/** Reads the next batch of pages of the window in progress (or of a new one). */
async function readWindow(p: Pass): Promise<Page<NectedCursor>> {
  const { win, opts } = p;
  // Before the first page the size of the window is unknown: read page 1 alone.
  const last =
    win.total === undefined ? 1 : Math.max(win.page, Math.min(win.page + opts.concurrency - 1, pageCount(win.total)));
  const pageNos = Array.from({ length: last - win.page + 1 }, (_, i) => win.page + i);
  const pages = contiguous(p, await Promise.allSettled(pageNos.map((n) => searchPage(p, n))), pageNos);
  const total = win.total ?? (pages[0] as SearchPage).totalCount;
  if (win.total === undefined && total > opts.maxWindowEvents && p.to - p.from > 1) {
    return narrow(
      p,
      Math.max(1, Math.floor(((p.to - p.from) * opts.maxWindowEvents * 0.8) / total)),
      `${total} events is more than maxWindowEvents ${opts.maxWindowEvents}`,
    );
  }
  if (pages.some((s) => s.totalCount !== total || s.records.length !== expectedOn(s.pageNo, total)))
    return restart(p, total, pages);
  const records = pages.flatMap((s) => s.records);
  const newest = Math.max(...records.map(dateOf).filter(Number.isFinite));
  const lastEventTime = Number.isFinite(newest) ? { lastEventTime: newest } : {};
  const read = (pages.at(-1) as SearchPage).pageNo;
  if (read < pageCount(total))
    return {
      records,
      next: { ...p.cursor, window: { ...win, page: read + 1, total } },
      caughtUp: false,
      ...lastEventTime,
    };
  // Drained: move on. A sparse window lets the next one be twice as wide. Caught up only when no new
  // window can open now: a window opened by an earlier run may end well before today's settled end.
  // Everything before `to` is now delivered: that, not the window's oldest page, is how far the cursor has got (lag
  // metric).
  const widest = Math.min(p.cursor.spanMs, opts.maxWindowSeconds * 1000);
  const spanMs = Math.min(opts.maxWindowSeconds * 1000, total < opts.maxWindowEvents / 4 ? widest * 2 : widest);
  return {
    records,
    next: { from: win.to, spanMs },
    caughtUp: settledEnd(p.ctx) - p.to < MIN_WINDOW_MS,
    lastEventTime: Math.max(newest, p.to - 1),
  };
}

export const nectedConnector = defineConnector<NectedCursor, NectedRecord, NectedOptions, NectedCredentials>({
  vendor: 'nected',
  product: NECTED_PRODUCT,
  ocsfClasses: ['ApiActivity'],
  // Windows end this far behind now unless the source sets settleLagSeconds (vendor-notes §4.4: 1–5 min).
  settleLagMs: 300_000,
  cursorSchema: nectedCursor,
  recordSchema: nectedRecord,
  credentialsSchema: nectedCredentials,
  optionsSchema: nectedOptions,
  describe: (c) =>
    c.window
      ? `window ${c.from} .. ${c.window.to}, page ${c.window.page}${c.window.total !== undefined ? ` (${c.window.total} events in it)` : ''}`
      : `next window from ${c.from}`,
  initialCursor: (source, _now, options) => ({
    from: iso(Date.parse(source.startFrom)),
    spanMs: options.maxWindowSeconds * 1000,
  }),
  async fetchPage(ctx, cursor) {
    const opts = ctx.options;
    const win = cursor.window ?? openWindow(ctx, opts, cursor);
    if (!win) return { records: [], next: cursor, caughtUp: true };
    const pass: Pass = {
      ctx,
      opts,
      cursor: { ...cursor, window: win },
      win,
      from: Date.parse(cursor.from),
      to: Date.parse(win.to),
    };
    const page = await readWindow(pass);
    // A window this read opened, still open by the vendor's clock (the pump's runs ahead), is planned again.
    if (cursor.window !== undefined || !openAtVendor(ctx, pass.to)) return page;
    const end = settledEnd(ctx);
    if (end - pass.from < MIN_WINDOW_MS) return { records: [], next: cursor, caughtUp: true };
    return narrow(pass, end - pass.from, "it ends after the vendor's settled time (the pump clock runs ahead)");
  },
  nativeId: (record) => record.logId,
  normalize: normalizeNected,
});
