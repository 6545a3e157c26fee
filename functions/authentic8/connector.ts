/**
 * Authentic8 Silo Log Extraction API connector (vendor-notes §2, vendor-docs/authentic8-log-extraction-api.md).
 *
 * Every call is one `POST /api/` of a JSON array of commands, `setauth` first, answered by one reply
 * per command in order; errors come back per command inside the HTTP 200 (`{"error": ...}`), so
 * every reply is inspected (vendor-notes §2.5). Logs are read per type with
 * `extractlog {org, type, start_seq, limit}`, following `next_seq` while `is_more` (§2.2, §2.7).
 *
 * The cursor keeps one `start_seq` per type (§2.6: Authentic8's own add-on checkpoints per org and
 * type). `seq_id` is taken as global to the org (UNCONFIRMED, §2.7), so a type's ids have gaps and
 * `next_seq` is used as given, never computed. A page serves one type; empty drained types are
 * skipped within the same page. A run is a round over the types and is caught up once each was
 * drained; the types left in the round are kept in the cursor, so a stopped run resumes there.
 */
import { defineConnector, type Page, type RawRecord } from '../../shared/connector.ts';
import { AuthError, CursorStuckError, MalformedPageError, VendorError } from '../../shared/errors.ts';
import { AUTHENTIC8_PRODUCT, normalizeAuthentic8 } from './normalize.ts';
import { rawLogs } from './raw-logs.ts';
import {
  authentic8Credentials,
  authentic8Cursor,
  authentic8Options,
  authentic8Record,
  commandReply,
  extractResult,
  logTypesResult,
  type Authentic8Cursor,
  type Authentic8Options,
  type Authentic8Record,
  type Authentic8Context,
  type Authentic8Credentials,
} from './schemas.ts';

/**
 * A type with no stored sequence is opened by time (`start_time`, as silo-log-pull does) rather
 * than `start_seq: 0`, which would read the whole 90-day retention (§2.7). Its time zone is
 * UNCONFIRMED (§2.2, probably UTC), so it is opened a day before `startFrom`: a day of extra
 * events at most, and none missed.
 */
const OPEN_MARGIN_MS = 86_400_000;

/** `https://extapi.authentic8.com` or `.../api/` both name the endpoint `/api/` (§2.1). */
function endpoint(ctx: Authentic8Context): URL {
  const base = new URL(ctx.source.baseUrl);
  const path = base.pathname.replace(/\/+$/, '');
  return ctx.http.resolveLink(path.endsWith('/api') ? `${path}/` : `${path}/api/`);
}

/** `YYYY-MM-DD HH:MM:SS` (UTC), the time format of `start_time` (§2.2). */
function apiTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * An in-band error as a typed error: a refused token (KeyError, §2.5) is an AuthError so the runner refreshes the
 * secret once.
 */
function inBandError(ctx: Authentic8Context, command: string, error: unknown): Error {
  // The server may quote what it could not find, the token included: redact before use.
  const said = ctx.http.redact(typeof error === 'string' ? error : JSON.stringify(error)).slice(0, 300);
  const { org } = ctx.options;
  if (/^No org matching/i.test(said)) {
    return new VendorError(
      `authentic8 has no org "${org}" for this token (${command} answered "${said}"); set options.org to an org name the token's account ` +
        'can see, or an org path Parent/Child (a slash inside a name written \\/) when the name is ambiguous',
    );
  }
  if (/KeyError|token/i.test(said)) {
    return new AuthError(
      `authentic8 refused the auth token: ${command} answered "${said}" inside an HTTP 200; check the source's secret`,
      200,
      said,
    );
  }
  return new VendorError(`authentic8 ${command} failed: "${said}" (in-band error inside an HTTP 200)`);
}

/** Posts `[setauth, command]` and returns the command's result, after checking both replies. */
async function call(
  ctx: Authentic8Context,
  command: Record<string, unknown>,
): Promise<{ text: string; replies: unknown[]; result: unknown }> {
  const name = String(command.command);
  const { response, body } = await ctx.http.json<unknown>({
    url: endpoint(ctx),
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-ssc-application-name': 'audit-pump' },
    body: JSON.stringify([{ command: 'setauth', data: ctx.credentials.token }, command]),
  });
  const whole = commandReply.safeParse(body);
  if (whole.success && whole.data.error !== undefined) throw inBandError(ctx, name, whole.data.error);
  if (!Array.isArray(body) || body.length !== 2)
    throw new MalformedPageError(`authentic8 ${name}: expected an array of 2 command replies`);
  const replies = body.map((r, i) => {
    const parsed = commandReply.safeParse(r);
    if (!parsed.success) throw new MalformedPageError(`authentic8 ${name}: reply ${i} is not an object`);
    return parsed.data;
  });
  const [auth, reply] = replies as [(typeof replies)[0], (typeof replies)[0]];
  if (auth.error !== undefined) throw inBandError(ctx, 'setauth', auth.error);
  if (reply.error !== undefined) throw inBandError(ctx, name, reply.error);
  if (reply.command_id !== undefined && reply.command_id !== command.command_id) {
    throw new MalformedPageError(
      `authentic8 ${name}: the reply carries command_id ${JSON.stringify(reply.command_id)}, not ${JSON.stringify(command.command_id)}`,
    );
  }
  return { text: response.text, replies: body, result: reply.result };
}

/** Every type the API offers (§2.2 `get_log_types`), for `types: "all"`. */
async function allTypes(ctx: Authentic8Context): Promise<string[]> {
  const { result } = await call(ctx, { command: 'get_log_types', command_id: 'get_log_types' });
  const parsed = logTypesResult.safeParse(result);
  if (!parsed.success) throw new MalformedPageError('authentic8 get_log_types: the result has no log_types list');
  return [...new Set(parsed.data.log_types)];
}

interface TypePage {
  readonly records: RawRecord[];
  readonly nextSeq: number;
  readonly isMore: boolean;
}

/** One extractlog page of `type` from `startSeq`, or opened by time when the type has no sequence yet. */
async function extract(
  ctx: Authentic8Context,
  options: Authentic8Options,
  type: string,
  startSeq: number | undefined,
): Promise<TypePage> {
  const from =
    startSeq === undefined
      ? { start_time: apiTime(Date.parse(ctx.source.startFrom) - OPEN_MARGIN_MS) }
      : { start_seq: startSeq };
  const command = {
    command: 'extractlog',
    command_id: `extractlog ${type}`,
    org: options.org,
    type,
    ...from,
    limit: options.limit,
  };
  const { text, replies, result } = await call(ctx, command);
  const parsed = extractResult.safeParse(result);
  if (!parsed.success)
    throw new MalformedPageError(
      `authentic8 extractlog ${type}: unexpected result (${parsed.error.issues[0]?.message ?? 'invalid'})`,
    );
  const { next_seq: nextSeq, is_more: isMore } = parsed.data;
  if (startSeq !== undefined && nextSeq < startSeq) {
    throw new MalformedPageError(
      `authentic8 extractlog ${type}: next_seq ${nextSeq} is behind start_seq ${startSeq}; stopping instead of re-reading`,
    );
  }
  const records = rawLogs(text, replies, 1);
  // A type opened by time has no position yet for the runner to compare: check the move here.
  // Only seq_ids a record may have count: one out of range is dead-lettered, and must not fail the page.
  const last = Math.max(
    ...records.map((r) => Number((r.value as { seq_id?: unknown } | null)?.seq_id)).filter(Number.isSafeInteger),
  );
  if (startSeq === undefined && records.length > 0 && !(nextSeq > last)) {
    throw new CursorStuckError(
      `authentic8 extractlog ${type}: next_seq ${nextSeq} does not pass the last seq_id served (${last}); stopping instead of re-reading`,
    );
  }
  return { records, nextSeq, isMore };
}

/** The types of this round: what is left of a stored round, or a fresh one. */
async function roundOf(
  ctx: Authentic8Context,
  options: Authentic8Options,
  cursor: Authentic8Cursor,
): Promise<string[]> {
  const configured = options.types === 'all' ? undefined : options.types;
  const left = cursor.pending?.filter((t) => !configured || configured.includes(t));
  if (left?.length) return left;
  return configured ?? allTypes(ctx);
}

async function fetchPage(ctx: Authentic8Context, cursor: Authentic8Cursor): Promise<Page<Authentic8Cursor>> {
  const options = ctx.options;
  const round = await roundOf(ctx, options, cursor);
  const types = { ...cursor.types };
  for (const [i, type] of round.entries()) {
    const page = await extract(ctx, options, type, types[type]);
    // An empty first page keeps the type unopened: its next_seq on an empty answer is UNCONFIRMED (§2.7).
    if (page.records.length > 0 || page.isMore || types[type] !== undefined) types[type] = page.nextSeq;
    const pending = round.slice(page.isMore ? i : i + 1);
    if (page.records.length === 0 && !page.isMore) continue;
    return {
      records: page.records,
      next: { types, ...(pending.length ? { pending } : {}) },
      caughtUp: pending.length === 0,
    };
  }
  return { records: [], next: { types }, caughtUp: true };
}

/**
 * A range read (backfill) past its horizon: one sequence per log type, one type a page (§2.6), so
 * only the type just read leaves the round; the types still pending are read.
 */
function pastHorizon(cursor: Authentic8Cursor, next: Authentic8Cursor): { next: Authentic8Cursor; caughtUp: boolean } {
  const pending = (next.pending ?? []).filter((type) => next.types[type] === cursor.types[type]);
  const { pending: _dropped, ...rest } = next;
  return { next: pending.length ? { ...rest, pending } : rest, caughtUp: pending.length === 0 };
}

export const authentic8Connector = defineConnector<
  Authentic8Cursor,
  Authentic8Record,
  Authentic8Options,
  Authentic8Credentials
>({
  vendor: 'authentic8',
  product: AUTHENTIC8_PRODUCT,
  ocsfClasses: [
    'ApiActivity',
    'Authentication',
    'AccountChange',
    'HttpActivity',
    'WebResourcesActivity',
    'FileHostingActivity',
    'DetectionFinding',
    'BaseEvent',
  ],
  cursorSchema: authentic8Cursor,
  recordSchema: authentic8Record,
  credentialsSchema: authentic8Credentials,
  optionsSchema: authentic8Options,
  // The sequences are the position; `pending` is bookkeeping. A next_seq that does not move while
  // records come back, or while is_more is true, leaves this unchanged and stops the run.
  position: (cursor) => cursor.types,
  range: { pastHorizon },
  describe: (c) => {
    const entries = Object.entries(c.types);
    const seqs = entries.map(([, seq]) => Number(seq));
    // Beyond a few types a list is too long for a table cell: the count and the range of sequences say enough.
    const types =
      entries.length <= 3
        ? entries.map(([type, seq]) => `${type} at seq ${seq}`).join(', ')
        : `${entries.length} log types at seq ${Math.min(...seqs) === Math.max(...seqs) ? Math.min(...seqs) : `${Math.min(...seqs)}..${Math.max(...seqs)}`}`;
    return `${entries.length ? types : 'no log type read yet'}${c.pending?.length ? `; round in progress (${c.pending.length} type(s) left)` : ''}`;
  },
  initialCursor: () => ({ types: {} }),
  fetchPage,
  // seq_id is unique within the org (§2.7); org_id names the org. ENC records carry no org_id (doc example).
  nativeId: (record) => (record.org_id ? `${record.org_id}:${record.seq_id}` : String(record.seq_id)),
  normalize: normalizeAuthentic8,
});
