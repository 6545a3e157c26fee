/**
 * Reconciliation: re-reads a closed past window from the vendor with the bounded read of
 * backfill.ts, collecting uids instead of delivering (no lease, no cursor, no writes), and compares
 * them with the source's archived events (`metadata.log_name`) whose time is in the window. What
 * the vendor has and the archive lacks is missing: a backfill of the window fills it.
 */
import * as z from 'zod';
import { archivedUids, type ArchiveReader } from './archive.ts';
import {
  DEFAULT_MARGIN_MS,
  marginSecondsSchema,
  boundedConnector,
  checkRange,
  parseTime,
  type BoundedCursor,
  type TimeRange,
} from './backfill.ts';
import { AuthError, ConfigError, CursorStuckError, DeadlineError } from './errors.ts';
import { redactingLogger, silentLogger, type Logger } from './logger.ts';
import { makeRedactor } from './redact.ts';
import { eventUid } from './ocsf.ts';
import { parseCredentials, parseOptions } from './connector.ts';
import type { Connector, Credentials, FetchContext, Options, Page } from './connector.ts';
import type { CredentialsProvider, HttpFactory } from './runner.ts';
import type { Source } from './config.ts';
import { settleLagMs } from './windows.ts';

/** `{"reconcile": {...}}`: `window` is "yesterday" (UTC, the default) or "<t1>..<t2>". */
export const reconcileRequestSchema = z.strictObject({
  sourceId: z.string().min(1),
  window: z.string().min(1).optional(),
  marginSeconds: marginSecondsSchema,
});
export type ReconcileRequest = z.infer<typeof reconcileRequestSchema>;

/** How many missing events a report names. */
export const MISSING_SAMPLE = 20;

/** What a reconciliation found. */
export interface ReconcileReport {
  readonly sourceId: string;
  readonly window: { readonly from: string; readonly to: string };
  /** Distinct events the vendor returns for the window. */
  readonly vendorEvents: number;
  /** Distinct events of the source archived with a time in the window. */
  readonly archivedEvents: number;
  /** Vendor events not in the archive. */
  readonly missing: number;
  /** The first missing events: the vendor's id and the uid the archive would hold. */
  readonly missingSample: ReadonlyArray<{ readonly nativeId: string; readonly uid: string }>;
  /** Archived events the vendor did not return (deleted at the vendor, or read beyond the margin). */
  readonly unexpected: number;
  /** Vendor records that fail validation or mapping: the pump dead-letters them; not compared. */
  readonly invalid: number;
  readonly pages: number;
  readonly durationMs: number;
}

export interface ReconcileDeps {
  readonly credentials: CredentialsProvider;
  readonly http: HttpFactory;
  readonly archive: ArchiveReader;
  /** Epoch ms by which the vendor read must be done. */
  readonly deadline: number;
  readonly now?: () => number;
  readonly log?: Logger;
  readonly marginMs?: number;
}

const DAY_MS = 86_400_000;

/** "yesterday" (the UTC day before `now`) or "<t1>..<t2>" (dates or ISO times). */
export function parseWindow(text: string | undefined, now: number): TimeRange {
  if (text === undefined || text === 'yesterday') {
    const today = Date.parse(new Date(now).toISOString().slice(0, 10));
    return { from: today - DAY_MS, to: today };
  }
  const parts = text.split('..');
  if (parts.length !== 2) throw new ConfigError(`the window must be "yesterday" or "<t1>..<t2>", got "${text}"`);
  return {
    from: parseTime(parts[0] as string, 'the window start'),
    to: parseTime(parts[1] as string, 'the window end'),
  };
}

/** Reconciles one source over `range`. */
export async function reconcileSource<C, R, O extends Options, K extends Credentials>(
  connector: Connector<C, R, O, K>,
  source: Source,
  range: TimeRange,
  deps: ReconcileDeps,
): Promise<ReconcileReport> {
  const now = deps.now ?? Date.now;
  const started = now();
  checkRange(range, source, started);
  const vendor = await readVendor(boundedConnector(connector, range, deps.marginMs ?? DEFAULT_MARGIN_MS), source, deps);
  const archived = await archivedUids(deps.archive, source, range);
  const missing = [...vendor.uids].filter(([uid]) => !archived.has(uid));
  const unexpected = [...archived].filter((uid) => !vendor.uids.has(uid)).length;
  return {
    sourceId: source.id,
    window: { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() },
    vendorEvents: vendor.uids.size,
    archivedEvents: archived.size,
    missing: missing.length,
    missingSample: missing.slice(0, MISSING_SAMPLE).map(([uid, nativeId]) => ({ nativeId, uid })),
    unexpected,
    invalid: vendor.invalid,
    pages: vendor.pages,
    durationMs: now() - started,
  };
}

interface VendorRead {
  /** uid → native id, in vendor order. */
  readonly uids: Map<string, string>;
  invalid: number;
  pages: number;
}

/** The runner's walk without delivery: credentials (refetched once on a refused one), loop detection, deadline. */
async function readVendor<C, R, O extends Options, K extends Credentials>(
  bounded: Connector<BoundedCursor<C>, R, O, K>,
  source: Source,
  deps: ReconcileDeps,
): Promise<VendorRead> {
  const now = deps.now ?? Date.now;
  const read: VendorRead = { uids: new Map(), invalid: 0, pages: 0 };
  const seen = new Set<string>();
  const position = (c: BoundedCursor<C>): string => JSON.stringify(bounded.position ? bounded.position(c) : c);
  let ctx = await context(bounded, source, deps, false);
  let cursor = bounded.initialCursor(source, now(), ctx.options);
  for (;;) {
    if (now() >= deps.deadline)
      throw new DeadlineError(
        `reconcile of ${source.id}: the deadline came before the vendor's window was read; reconcile a narrower window`,
      );
    let page: Page<BoundedCursor<C>>;
    try {
      page = await bounded.fetchPage(ctx, cursor);
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      ctx = await context(bounded, source, deps, true);
      page = await bounded.fetchPage(ctx, cursor);
    }
    const [from, to] = [position(cursor), position(page.next)];
    seen.add(from);
    if ((from === to && (page.records.length > 0 || !page.caughtUp)) || (from !== to && seen.has(to))) {
      throw new CursorStuckError(
        `reconcile of ${source.id}: the vendor cursor did not advance; stopping instead of looping`,
      );
    }
    for (const record of page.records) {
      const parsed = bounded.recordSchema.safeParse(record.value);
      if (!parsed.success) {
        read.invalid++;
        continue;
      }
      const nativeId = bounded.nativeId(parsed.data, record);
      read.uids.set(eventUid(source.vendor, source.id, nativeId), nativeId);
    }
    read.pages++;
    cursor = page.next;
    if (page.caughtUp) return read;
  }
}

/** A fetch context with the source's credentials, validated like the runner does. */
async function context<C, R, O extends Options, K extends Credentials>(
  connector: Connector<C, R, O, K>,
  source: Source,
  deps: ReconcileDeps,
  refresh: boolean,
): Promise<FetchContext<O, K>> {
  const options = parseOptions(connector, source);
  const credentials = parseCredentials(connector, source, await deps.credentials.get(source, { refresh }));
  const http = deps.http({
    source,
    credentials,
    deadline: deps.deadline,
    onRetry: () => undefined,
    ...(connector.retryRule ? { retryRule: connector.retryRule } : {}),
  });
  const log = redactingLogger(deps.log ?? silentLogger, makeRedactor(Object.values(credentials)));
  return {
    source,
    options,
    credentials,
    settleLagMs: settleLagMs(connector, source),
    http,
    deadline: deps.deadline,
    now: deps.now ?? Date.now,
    log,
  };
}
