/**
 * Veza System Audit Logs connector: the export stream (vendor-notes §3.6).
 *
 * `GET /api/preview/system/audit/export` is opened once with `persisted_at GE "<startFrom>"`, then
 * always continued with the last `next_page_token` (persisted_at is ignored once a token is sent).
 * An empty `values` means caught up for now: the same token is polled next run. The list endpoint
 * is not used: it needs a fresh `ended_at` filter and orders by completion time, so late-persisted
 * events would slip behind a time watermark.
 *
 * Token lifetime is UNCONFIRMED. If Veza refuses a stored token (400), the stream is re-opened at
 * `persisted_at GE watermark - overlap`, where the watermark is the newest event time delivered.
 * That loses nothing: every unread event was persisted after every read one, and persisted_at is
 * never earlier than an event's own time, so each unread event has persisted_at >= watermark.
 * The premise fails for an event stamped by a clock running ahead (its time is after it was
 * persisted), so an event whose time is later than the moment its page was read (by the earlier of
 * the pump's clock and Veza's Date header) does not move the watermark: it never exceeds the read
 * time, and a reseed cannot skip what was persisted after such an event.
 */
import { defineConnector, type Page, type RawRecord } from '../../shared/connector.ts';
import { HttpStatusError, MalformedPageError } from '../../shared/errors.ts';
import { rawRecords } from '../../shared/raw-json.ts';
import { vendorReadTime } from '../../shared/windows.ts';
import type { RetryRule } from '../../shared/http.ts';
import { VEZA_PRODUCT, normalizeVeza } from './normalize.ts';
import {
  vezaCredentials,
  vezaCursor,
  vezaOptions,
  vezaPage,
  vezaRecord,
  vezaStatus,
  type VezaCursor,
  type VezaRecord,
  type VezaContext,
  type VezaCredentials,
  type VezaOptions,
} from './schemas.ts';

const EXPORT_PATH = '/api/preview/system/audit/export';

/**
 * ResourceExhausted (gRPC code 8), sent as 429 or, by older gateways, 403, is retried after the wait
 * the answer names (`Retry-After`, or a google.rpc.RetryInfo in `details`: the HTTP client reads
 * both); Veza's documented minute only when it names none (vendor-notes §3.4, §3.6).
 */
export const vezaRetryRule: RetryRule = (res) => {
  if (res.status !== 429 && res.status !== 403) return undefined;
  const status = vezaStatus.safeParse(safeJson(res.text));
  if (res.status === 429 || (status.success && status.data.code === 8)) return { retry: true, waitMs: 60_000 };
  return undefined;
};

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** `persisted_at GE "<iso>"`, the export's bootstrap filter. */
export function persistedFilter(iso: string): string {
  return `persisted_at GE "${iso}"`;
}

function exportUrl(ctx: VezaContext, cursor: VezaCursor, pageSize: number, reseedFrom?: string): URL {
  const url = ctx.http.resolveLink(EXPORT_PATH);
  url.searchParams.set('page_size', String(pageSize));
  if (cursor.token && reseedFrom === undefined) url.searchParams.set('next_page_token', cursor.token);
  else url.searchParams.set('filter', persistedFilter(reseedFrom ?? cursor.bootstrap));
  return url;
}

/**
 * The newest event time of the page (or `previous`), as ISO-8601, never later than `readAt`. Read
 * from each record's own `timestamp` (`ended_at` for older records) without validating the record
 * again: a record that fails validation is still delivered (to the dead letter), so its time counts
 * as delivered too. A time after `readAt` is a clock running ahead, not a watermark (see above).
 */
function newest(records: readonly RawRecord[], previous: string | undefined, readAt: number): string | undefined {
  const before = previous === undefined ? Number.NaN : Date.parse(previous);
  let best = Number.isNaN(before) ? Number.NEGATIVE_INFINITY : before;
  for (const { value } of records) {
    if (typeof value !== 'object' || value === null) continue;
    const r = value as { timestamp?: unknown; ended_at?: unknown };
    const t = typeof r.timestamp === 'string' ? r.timestamp : r.ended_at;
    if (typeof t !== 'string') continue;
    const ms = Date.parse(t);
    if (ms > best && ms <= readAt) best = ms;
  }
  return best === before || best === Number.NEGATIVE_INFINITY ? previous : new Date(best).toISOString();
}

async function readPage(ctx: VezaContext, cursor: VezaCursor, reseedFrom?: string): Promise<Page<VezaCursor>> {
  const { pageSize } = ctx.options;
  const { response, body } = await ctx.http.json({
    url: exportUrl(ctx, cursor, pageSize, reseedFrom),
    headers: { authorization: `Bearer ${ctx.credentials.token}`, accept: 'application/json' },
  });
  const envelope = vezaPage.safeParse(body);
  if (!envelope.success)
    throw new MalformedPageError(
      `veza export: unexpected response envelope (${envelope.error.issues[0]?.message ?? 'invalid'})`,
    );
  const records = rawRecords(response.text, body, 'values');
  const token = envelope.data.next_page_token || undefined;
  if (records.length > 0 && !token)
    throw new MalformedPageError('veza export: a page with events but no next_page_token; the stream cannot continue');
  const watermark = newest(records, cursor.watermark, vendorReadTime(ctx));
  const next: VezaCursor = {
    bootstrap: cursor.bootstrap,
    ...((token ?? cursor.token) ? { token: (token ?? cursor.token) as string } : {}),
    ...(watermark ? { watermark } : {}),
  };
  return {
    records,
    next,
    caughtUp: records.length === 0,
    ...(watermark ? { lastEventTime: Date.parse(watermark) } : {}),
  };
}

export const vezaConnector = defineConnector<VezaCursor, VezaRecord, VezaOptions, VezaCredentials>({
  vendor: 'veza',
  product: VEZA_PRODUCT,
  ocsfClasses: ['ApiActivity'],
  cursorSchema: vezaCursor,
  recordSchema: vezaRecord,
  credentialsSchema: vezaCredentials,
  optionsSchema: vezaOptions,
  retryRule: vezaRetryRule,
  // The watermark is bookkeeping; the stream position is the token.
  position: (cursor) => cursor.token ?? cursor.bootstrap,
  describe: (c) =>
    `export stream opened at ${c.bootstrap}${c.watermark ? `, delivered up to ${c.watermark}` : ''}${c.token ? '' : ' (no page token yet)'}`,
  initialCursor: (source) => ({ bootstrap: new Date(source.startFrom).toISOString() }),
  async fetchPage(ctx, cursor) {
    try {
      return await readPage(ctx, cursor);
    } catch (error) {
      // A refused token (expired or unknown) is replaced by a bootstrap at the watermark; see above.
      if (!(error instanceof HttpStatusError) || error.status !== 400 || !cursor.token) throw error;
      const { reseedOverlapSeconds } = ctx.options;
      const from = new Date(
        Date.parse(cursor.watermark ?? cursor.bootstrap) - reseedOverlapSeconds * 1000,
      ).toISOString();
      ctx.log.warn('veza refused the stored page token; re-opening the export at the watermark', {
        sourceId: ctx.source.id,
        from,
      });
      return readPage(ctx, cursor, from);
    }
  },
  nativeId: (record) =>
    'id' in record && typeof record.id === 'string' ? record.id : String((record as { request_id: string }).request_id),
  normalize: normalizeVeza,
});
