/**
 * zod schemas for Carbon Black Cloud's audit log payloads (vendor-notes §5.2, §5.3) and for the
 * connector's cursor and options. Records are loose: unknown fields are kept (and stay in raw_data).
 */
import * as z from 'zod';
import type { FetchContext } from '../../shared/connector.ts';
import { createTimeOf } from './identity.ts';

const isoTime = z.string().refine((s) => !Number.isNaN(createTimeOf({ create_time: s })), 'must be an ISO-8601 time');

/**
 * One v1 audit log (vendor-notes §5.2). There is no id field. The Data Forwarder omits false and
 * empty fields, and `request_url` / `actor_ip` are null in the doc's own samples, so only the time
 * and the description are required.
 */
export const cbRecord = z.looseObject({
  create_time: isoTime,
  description: z.string(),
  actor: z.string().nullish(),
  actor_ip: z.string().nullish(),
  org_key: z.string().nullish(),
  request_url: z.string().nullish(),
  flagged: z.boolean().nullish(),
  verbose: z.boolean().nullish(),
});
export type CbRecord = z.infer<typeof cbRecord>;

/** `_search` and `_queue` envelope; `results` is sliced from the text separately to keep exact bytes. */
export const cbResultsPage = z.looseObject({
  num_found: z.number().int().min(0),
  num_available: z.number().int().min(0).optional(),
  results: z.array(z.unknown()),
});
export type CbResultsPage = z.infer<typeof cbResultsPage>;

/**
 * How many records at the newest millisecond read so far carry each content hash: identical events
 * in one millisecond are told apart by their occurrence index, which must keep counting across a
 * page boundary (see identity.ts).
 */
export const cbTail = z.strictObject({
  at: z.number().int(),
  counts: z.record(z.string().regex(/^[0-9a-f]{32}$/), z.number().int().min(1)),
});
export type CbTail = z.infer<typeof cbTail>;

/**
 * Search mode: the closed window `[from, to)` being read and the 0-based `start` offset inside it.
 * `to` is fixed once part of the window was delivered; before that it is chosen at fetch time as
 * `min(now - settleLag, from + widthMs)`. `widthMs` is the last window width that could be paged.
 */
export const cbSearchCursor = z.strictObject({
  mode: z.literal('search'),
  from: z.iso.datetime(),
  to: z.iso.datetime().optional(),
  start: z.number().int().min(0),
  widthMs: z.number().int().min(1).optional(),
  tail: cbTail.optional(),
});
export type CbSearchCursor = z.infer<typeof cbSearchCursor>;

/** Queue mode: the spool key of the last delivered batch (deleted on the next fetch). */
export const cbQueueCursor = z.strictObject({
  mode: z.literal('queue'),
  acked: z.string().min(1).optional(),
  tail: cbTail.optional(),
});
export type CbQueueCursor = z.infer<typeof cbQueueCursor>;

export const cbCursor = z.discriminatedUnion('mode', [cbSearchCursor, cbQueueCursor]);
export type CbCursor = z.infer<typeof cbCursor>;

/** The secret (DESIGN.md 4.1): sent as `X-Auth-Token: <apiSecret>/<apiId>` (vendor-notes §5.1). */
export const cbCredentials = z.object({ apiId: z.string().min(1), apiSecret: z.string().min(1) });

export const cbOptions = z.strictObject({
  /** The org key in every route (`/audit_log/v1/orgs/{org_key}/...`). */
  orgKey: z.string().regex(/^[A-Za-z0-9]+$/, 'must be the org key (letters and digits), e.g. ABCD1234'),
  /** `search` (non-destructive, preferred) or `queue` (destructive, per API key; needs a spool). */
  mode: z.enum(['search', 'queue']).default('search'),
  /** Rows per search request; 10,000 is the maximum a community script reports (UNCONFIRMED, §5.3). */
  rows: z.number().int().min(1).max(10_000).default(1000),
});
export type CbOptions = z.infer<typeof cbOptions>;
export type CbCredentials = z.infer<typeof cbCredentials>;
/** What carbonblack's fetch gets: its parsed options and credentials. */
export type CbContext = FetchContext<CbOptions, CbCredentials>;
