/**
 * The contract a vendor implements (DESIGN.md 4.2). A connector is declarative data plus a few
 * functions; the runner owns leases, the loop, delivery, commits and the deadline.
 *
 * The cursor is whatever JSON the vendor's pump needs: an opaque page token (Veza), one sequence
 * per log type (Authentic8), a closed time window with a position inside it (Retraced, Nected,
 * Carbon Black). `fetchPage` may fetch several vendor pages at once (concurrent page fetches) as
 * long as `next` only covers the contiguous prefix it returns. In-band vendor errors are thrown.
 */
import type * as z from 'zod';
import { ConfigError, InvalidCredentialsError } from './errors.ts';
import type { HttpClient, RetryRule } from './http.ts';
import type { Logger } from './logger.ts';
import type { OcsfEvent } from './ocsf.ts';
import type { OcsfClassName } from './ocsf-classes.ts';
import type { Source, Vendor } from './config.ts';
import type { Spool } from './spool.ts';

/** A vendor record as received: the exact JSON text and its parsed value. */
export interface RawRecord {
  /** The record's JSON text exactly as the vendor sent it; archived as `raw_data`. */
  readonly raw: string;
  /** `JSON.parse(raw)`, to be validated by the connector's record schema. */
  readonly value: unknown;
}

/** One step of the cursor walk. */
export interface Page<C> {
  /** Records in vendor order. May be empty. */
  readonly records: readonly RawRecord[];
  /** The cursor to commit once every record above has been delivered. */
  readonly next: C;
  /** True when the vendor has nothing more right now; the run ends after this page. */
  readonly caughtUp: boolean;
  /** Newest event time (epoch ms) in the page, for the cursor-lag metric; optional. */
  readonly lastEventTime?: number;
}

/** A secret's fields: every value is a string the redactor hides. */
export type Credentials = Readonly<Record<string, string>>;
/** A source's vendor options (parsed by the connector's options schema). */
export type Options = Readonly<Record<string, unknown>>;

/** What `fetchPage` gets from the runner: `O` is the connector's parsed options, `K` its credentials. */
export interface FetchContext<O extends Options = Options, K extends Credentials = Credentials> {
  readonly source: Source;
  /** The source's options, parsed once by the runner with the connector's options schema (defaults filled in). */
  readonly options: O;
  /** The source's credentials, parsed with the connector's credentials schema. */
  readonly credentials: K;
  /** HTTP client bound to this source (redaction, deadline-aware retries, origin checks). */
  readonly http: HttpClient;
  /**
   * How far behind now a closed time window ends for this source (shared/windows.ts): the source's
   * `settleLagSeconds`, else the connector's `settleLagMs`, else 0.
   */
  readonly settleLagMs: number;
  /** Epoch ms by which the page must be back; waits longer than this fail fast. */
  readonly deadline: number;
  /** Clock (epoch ms); injected so window arithmetic is testable. */
  readonly now: () => number;
  readonly log: Logger;
  /** Durable storage for reads that cannot be repeated (a destructive queue); absent unless configured. */
  readonly spool?: Spool;
}

/**
 * A vendor connector. `C` is its cursor, `R` its validated record, `O` its parsed options, `K` its
 * credentials. Vendor-generic code (the registry, the runner's callers) holds `Connector` with the
 * defaults: the members that take `C`, `R` or `O` are methods, so a typed connector is one of those.
 */
export interface Connector<C = unknown, R = unknown, O extends Options = Options, K extends Credentials = Credentials> {
  readonly vendor: Vendor;
  /** Display names for OCSF `metadata.product`. */
  readonly product: { readonly vendorName: string; readonly name: string };
  /**
   * Every OCSF class `normalize` can emit (test/functions/ocsf-classes-declared.test.ts holds it to
   * the generated records): Security Lake takes one custom source per class (docs/security-lake.md).
   */
  readonly ocsfClasses: readonly OcsfClassName[];
  /** Stored cursors are validated with this on read; a mismatch stops the run, cursor kept. */
  readonly cursorSchema: z.ZodType<C>;
  /** Each record is validated with this; failures are dead-lettered with the zod message. */
  readonly recordSchema: z.ZodType<R>;
  /** Shape of the secret's JSON for this vendor (DESIGN.md 4.1). */
  readonly credentialsSchema: z.ZodType<K>;
  /** The source options the vendor accepts, validated at config load and parsed once per run. */
  readonly optionsSchema: z.ZodType<O>;
  /**
   * A vendor read in closed time windows (shared/windows.ts) declares how far behind now a window
   * ends unless the source sets `settleLagSeconds`: events still arriving that far back are read.
   */
  readonly settleLagMs?: number;
  /** Vendor-specific waits for non-2xx answers (e.g. Veza ResourceExhausted: 60 s). */
  readonly retryRule?: RetryRule;
  /**
   * The part of the cursor that must move when a page has records (the runner's loop detection).
   * Defaults to the whole cursor; a cursor that also carries bookkeeping (a watermark) names its
   * position here so a vendor that repeats a token is still caught.
   */
  position?(cursor: C): unknown;
  /** Where the cursor stands, in words, for people (`cursor show`, `status`): e.g. `window 10:00..11:00, page 3`. */
  describe?(cursor: C): string;
  /**
   * Whether the runner may fetch the next page of `source` while the page before it is still being
   * delivered (default: yes). Prefetch is safe because `fetchPage` has no side effects: a
   * prefetched page is delivered only after the one before it was committed, and dropped if the
   * run stops first. A connector whose fetch is destructive or writes state (a queue read that
   * dequeues or spools) returns false for such sources.
   */
  prefetch?(options: O): boolean;
  /**
   * True when a source with these options reads destructively and must spool each batch before it
   * is delivered (`ctx.spool`, shared/spool.ts): the infrastructure then creates the spool bucket
   * and hands it to the vendor's function (infra/audit-pump.ts). Default: no spool.
   */
  needsSpool?(options: O): boolean;
  /**
   * What a bounded range read (backfill, shared/backfill.ts) needs beyond the generic one: source
   * options for range reads (Carbon Black: the search, never the destructive queue), and how a page
   * past the range's horizon ends a cursor that holds several streams (Authentic8's log types).
   */
  readonly range?: RangeAdapter<C, O>;
  /** Where a source with no stored cursor starts (from `source.startFrom`). */
  initialCursor(source: Source, now: number, options: O): C;
  /** Reads the page at `cursor`; without side effects unless `prefetch` says otherwise (see there). */
  fetchPage(ctx: FetchContext<O, K>, cursor: C): Promise<Page<C>>;
  /** The vendor's event id, or a stable content hash where it has none. */
  nativeId(record: R, raw: RawRecord): string;
  /** Pure mapping to OCSF; `base` carries the fields the runner fills (uid, raw_data, source). */
  normalize(record: R, base: NormalizeBase): OcsfEvent;
}

/** See {@link Connector.range}. */
export interface RangeAdapter<C, O extends Options = Options> {
  /** Source options for range reads, over the source's own. */
  readonly options?: Partial<O>;
  /**
   * Replaces "caught up" when page `cursor` → `next` read past the range's horizon: for a cursor of
   * several streams, only the stream just read is done; the others are still read.
   */
  pastHorizon?(cursor: C, next: C): { next: C; caughtUp: boolean };
}

/** The fields every normalized event gets from the framework, passed to `normalize`. */
export interface NormalizeBase {
  readonly source: Source;
  readonly uid: string;
  readonly rawData: string;
  /** When the pump received the record (epoch ms); `metadata.processed_time`. */
  readonly receivedAt: number;
}

/** Lets `defineConnector` infer C, R, O and K while checking the object against the contract. */
export function defineConnector<C, R, O extends Options = Options, K extends Credentials = Credentials>(
  connector: Connector<C, R, O, K>,
): Connector<C, R, O, K> {
  return connector;
}

/** The source's options parsed with the connector's schema; a bad one is a ConfigError naming the field. */
export function parseOptions<O extends Options>(
  connector: Pick<Connector<unknown, unknown, O>, 'optionsSchema'>,
  source: Source,
): O {
  const parsed = connector.optionsSchema.safeParse(source.options);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `options${i.path.length ? '.' + i.path.join('.') : ''}: ${i.message}`);
  throw new ConfigError(`source ${source.id}: ${issues.join('; ')}`);
}

/** The secret's JSON parsed with the connector's schema; a bad one is a SecretError naming the fields only. */
export function parseCredentials<K extends Credentials>(
  connector: Pick<Connector<unknown, unknown, Options, K>, 'credentialsSchema' | 'vendor'>,
  source: Source,
  raw: unknown,
): K {
  const parsed = connector.credentialsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  // Name the fields only: a zod message could echo a value, and values are secrets.
  const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.') || '(root)'))].join(', ');
  throw new InvalidCredentialsError(
    source.id,
    `credentials for ${connector.vendor} are missing or invalid (${fields})`,
  );
}
