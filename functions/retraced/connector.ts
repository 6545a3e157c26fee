/**
 * Retraced (BoxyHQ) Enterprise API connector: the pump of vendor-notes §1.10.
 *
 * `search(query: "received:<from>,<to>", first: N, after: <cursor>)` over closed windows on
 * `received` (server-set, half-open [from, to), ms precision; §1.4, §1.11). The window ends
 * settleLagSeconds behind now, so every event received in it has been ingested before it is read
 * (ingest is asynchronous; §1.8) and cursor paging inside it is stable. Results are ordered by
 * (canonical_time, id), not by received, and canonical_time is the publisher's `created`, which
 * can be backdated (§1.3): a cursor on canonical_time alone would skip such events, a window on
 * received does not. A window is read to an empty or short page and only then does `from` move.
 * totalCount and pageInfo are computed without the cursor and stay "more" on the last page, so
 * they are never used (§1.3, §1.11).
 */
import { defineConnector, type Page, type RawRecord } from '../../shared/connector.ts';
import { CursorInvalidError, HttpStatusError, MalformedPageError, VendorError } from '../../shared/errors.ts';
import { rawRecordsAt } from '../../shared/raw-json.ts';
import { MIN_WINDOW_MS, openAtVendor, settledEnd } from '../../shared/windows.ts';
import type { RetryRule } from '../../shared/http.ts';
import { RETRACED_PRODUCT, isEnterpriseRead, normalizeRetraced } from './normalize.ts';
import {
  retracedCredentials,
  retracedCursor,
  retracedEvent,
  retracedOptions,
  retracedPage,
  type RetracedCursor,
  type RetracedEvent,
  type RetracedOptions,
  type RetracedContext,
  type RetracedCredentials,
} from './schemas.ts';

/** Every field of `Event` and its objects (§1.2), so raw_data is the whole event (§1.10). */
export const RETRACED_SEARCH_QUERY = `query Search($query: String!, $first: Int!, $after: String) {
  search(query: $query, first: $first, after: $after) {
    edges { cursor node {
      id action description crud received created canonical_time is_failure is_anonymous
      source_ip country loc_subdiv1 loc_subdiv2 component version external_id raw
      display { markdown } group { id name }
      actor { id name href fields { key value } }
      target { id name href type fields { key value } }
      fields { key value } metadata { key value }
    } }
  }
}`;

/** A 500 for a query the server cannot parse or validate repeats on every retry (§1.7, §1.11). */
export const retracedRetryRule: RetryRule = (res) =>
  res.status === 500 && /"error":\s*"(Syntax Error|Cannot read properties)/.test(res.text)
    ? { retry: false }
    : undefined;

/** The window being read; `after` is the cursor of the last delivered edge. */
interface Window {
  readonly from: string;
  readonly to: string;
  readonly after?: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The stored window, or a new one from `from` to the settled end (capped); undefined when none is closed yet. */
function windowOf(ctx: RetracedContext, cursor: RetracedCursor, options: RetracedOptions): Window | undefined {
  if (cursor.to !== undefined)
    return { from: cursor.from, to: cursor.to, ...(cursor.after ? { after: cursor.after } : {}) };
  const from = Date.parse(cursor.from);
  const to = Math.min(from + options.maxWindowSeconds * 1000, settledEnd(ctx));
  return to > from ? { from: cursor.from, to: iso(to) } : undefined;
}

/**
 * Reads the window's page; a window this read opened that the vendor's clock shows still open is planned again first.
 */
async function readWindow(
  ctx: RetracedContext,
  cursor: RetracedCursor,
  options: RetracedOptions,
): Promise<{ window: Window; nodes: RawRecord[]; last?: string } | undefined> {
  const window = windowOf(ctx, cursor, options);
  if (!window) return undefined;
  const read = await search(ctx, window, options);
  if (cursor.to !== undefined || !openAtVendor(ctx, Date.parse(window.to))) return { window, ...read };
  ctx.log.warn(
    "retraced: the window ends after the vendor's settled time (the pump clock runs ahead); planning it again",
    { sourceId: ctx.source.id, to: window.to },
  );
  const again = windowOf(ctx, cursor, options);
  return again && { window: again, ...(await search(ctx, again, options)) };
}

/** The server's own cursor check (§1.3): base64 of `<integer>,<non-empty id>`. */
function decodesAsCursor(cursor: string): boolean {
  const [time = '', id] = Buffer.from(cursor, 'base64').toString('utf8').split(',');
  return !Number.isNaN(parseInt(time, 10)) && Boolean(id);
}

/**
 * Retraced answers every resolver error with the same 400, "Unexpected error value: { status: 400,
 * err: {} }": graphql-js drops the reason (§1.7). The pump's own arguments are always well formed,
 * so what can be wrong is the stored cursor or the `query` option; say which, with the fix.
 */
function explain(error: unknown, ctx: RetracedContext, window: Window, options: RetracedOptions): unknown {
  if (!(error instanceof HttpStatusError)) return error;
  const id = ctx.source.id;
  if (error.status === 400 && window.after !== undefined && !decodesAsCursor(window.after)) {
    return new CursorInvalidError(
      `source ${id}: Retraced refused the stored search cursor (after "${window.after.slice(0, 60)}" is not base64 of "<ms>,<event id>"; ` +
        `the server only says HTTP 400 "${error.bodyExcerpt.slice(0, 120)}"). Reset the cursor (audit-pump cursor reset ${id}): ` +
        `the source then reads again from startFrom, and events read twice keep their metadata.uid`,
      { cause: error },
    );
  }
  if (error.status === 400 && error.bodyExcerpt.includes('Unexpected error value')) {
    return new VendorError(
      `source ${id}: Retraced refused the search with HTTP 400 and hides the reason ("${error.bodyExcerpt.slice(0, 120)}"). ` +
        `The window and page size are the pump's own; check the "query" option (${JSON.stringify(options.query)}): ` +
        `a created: range needs both ends as ISO times, and the terms must be valid Retraced search syntax`,
      { cause: error },
    );
  }
  // v1.13.1 crashes (500) on a field it does not know; older servers answer 400 "Cannot query field".
  if (/Syntax Error|Cannot read properties|Cannot query field/.test(error.bodyExcerpt)) {
    return new VendorError(
      `source ${id}: Retraced could not validate the search query; its GraphQL schema differs from vendor-notes §1.2 (${error.bodyExcerpt.slice(0, 160)})`,
      { cause: error },
    );
  }
  return error;
}

/** One `search` request; the body is validated and each node cut out of the text exactly. */
async function search(
  ctx: RetracedContext,
  window: Window,
  options: RetracedOptions,
): Promise<{ nodes: RawRecord[]; last?: string }> {
  const query = [`received:${window.from},${window.to}`, options.query.trim()].filter(Boolean).join(' ');
  const { response, body } = await ctx.http
    .json({
      method: 'POST',
      url: ctx.http.resolveLink(`${options.basePath}/enterprise/v1/graphql`),
      // The token is everything after `token=` (§1.1).
      headers: { authorization: `token=${ctx.credentials.token}`, accept: 'application/json' },
      body: JSON.stringify({
        query: RETRACED_SEARCH_QUERY,
        variables: { query, first: options.pageSize, after: window.after ?? null },
      }),
    })
    .catch((error: unknown) => Promise.reject(explain(error, ctx, window, options)));
  // The server answers errors with 400 (§1.7); a 200 carrying errors would be a new behaviour.
  // Redacted before it is cut: the server may echo what it was sent, the token included.
  if ((body as { errors?: unknown } | null)?.errors)
    throw new VendorError(`retraced search: errors in a 200 response: ${ctx.http.redact(response.text).slice(0, 200)}`);
  const page = retracedPage.safeParse(body);
  if (!page.success)
    throw new MalformedPageError(
      `retraced search: unexpected response envelope (${page.error.issues[0]?.message ?? 'invalid'} at ${page.error.issues[0]?.path.join('.') ?? ''})`,
    );
  const nodes = rawRecordsAt(response.text, body, ['data', 'search', 'edges'], 'node');
  const last = page.data.data.search.edges.at(-1)?.cursor;
  return last === undefined ? { nodes } : { nodes, last };
}

/** The token's actor id on the events its reads write: `enterprise:<token[0:7]>` (§1.1, §1.11). */
const ownActor = (token: string): string => `enterprise:${token.substring(0, 7)}`;

/** True when `value` is the audit.log.view event one of this pump's reads wrote. */
function isOwnRead(value: unknown, token: string): boolean {
  const event = retracedEvent.safeParse(value);
  return event.success && isEnterpriseRead(event.data) && event.data.actor?.id === ownActor(token);
}

function newestReceived(records: readonly RawRecord[]): number | undefined {
  const times = records
    .map((r) => Date.parse(String((r.value as { received?: unknown } | null)?.received)))
    .filter(Number.isFinite);
  return times.length ? Math.max(...times) : undefined;
}

async function fetchPage(ctx: RetracedContext, cursor: RetracedCursor): Promise<Page<RetracedCursor>> {
  const options = ctx.options;
  const read = await readWindow(ctx, cursor, options);
  if (!read) return { records: [], next: cursor, caughtUp: true };
  const { window, nodes, last } = read;
  // An empty or short page drains the window (never pageInfo; §1.3, §1.11).
  const drained = nodes.length < options.pageSize || last === undefined;
  const next: RetracedCursor = drained ? { from: window.to } : { from: window.from, to: window.to, after: last };
  // A drained window is followed at once by the next unless less than MIN_WINDOW_MS of settled time
  // is left: a window cut short by maxWindowSeconds, or opened by an earlier run, is not the end.
  const caughtUp = drained && settledEnd(ctx) - Date.parse(window.to) < MIN_WINDOW_MS;
  // Each read writes an audit.log.view event that a later window returns (§1.1). Archived by
  // default (marked; an audit trail of who read the log, and a stolen token's reads look the same);
  // with ownReads "drop" they are filtered out here: a chosen filter, not a bad record, so they are
  // not dead-lettered; `next` still moves past them.
  const records = options.ownReads === 'drop' ? nodes.filter((r) => !isOwnRead(r.value, ctx.credentials.token)) : nodes;
  if (records.length < nodes.length)
    ctx.log.debug("dropped the events of the pump's own reads", {
      sourceId: ctx.source.id,
      dropped: nodes.length - records.length,
    });
  const newest = newestReceived(nodes);
  return { records, next, caughtUp, ...(newest === undefined ? {} : { lastEventTime: newest }) };
}

export const retracedConnector = defineConnector<RetracedCursor, RetracedEvent, RetracedOptions, RetracedCredentials>({
  vendor: 'retraced',
  product: RETRACED_PRODUCT,
  ocsfClasses: ['ApiActivity', 'Authentication'],
  // Windows end this far behind now unless the source sets settleLagSeconds: ingest took about 1 s on an idle
  // server (§1.11); the notes suggest 2-5 minutes (UNCONFIRMED).
  settleLagMs: 300_000,
  cursorSchema: retracedCursor,
  recordSchema: retracedEvent,
  credentialsSchema: retracedCredentials,
  optionsSchema: retracedOptions,
  retryRule: retracedRetryRule,
  describe: (c) => (c.to ? `window ${c.from} .. ${c.to}${c.after ? ', part read' : ''}` : `next window from ${c.from}`),
  initialCursor: (source) => ({ from: new Date(source.startFrom).toISOString() }),
  fetchPage,
  nativeId: (record) => record.id,
  normalize: normalizeRetraced,
});
