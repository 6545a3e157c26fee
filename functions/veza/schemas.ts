/**
 * zod schemas for Veza's System Audit Logs payloads (vendor-notes §3.3). Two record shapes are
 * documented for the same objects and which one a live tenant returns is UNCONFIRMED, so both are
 * accepted. Objects are loose: unknown fields are kept (they stay in raw_data regardless).
 */
import * as z from 'zod';
import type { FetchContext } from '../../shared/connector.ts';

const rfc3339 = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 time');

/** Who called, named alike in both shapes (under `intent` in one, `identity` in the other). */
const callerIds = {
  user_id: z.string().optional(),
  session_id: z.string().optional(),
  api_key_id: z.string().optional(),
};

/** The call, named alike in both shapes (under `intent` in one, at the top in the other). */
const call = { endpoint: z.string().optional(), method: z.string().optional(), url: z.string().optional() };

/** The shape of the embedded OpenAPI example: `id`, `timestamp`, `intent`, `result`. */
export const vezaNewRecord = z.looseObject({
  id: z.string().min(1),
  timestamp: rfc3339,
  intent: z
    .looseObject({
      trace_id: z.string().optional(),
      ...callerIds,
      ...call,
      client: z.looseObject({ ip_address: z.string().optional(), user_agent: z.string().optional() }).optional(),
      delegate: z.string().optional(),
    })
    .optional(),
  result: z
    .looseObject({ code: z.number().int().optional(), error_reason: z.union([z.number(), z.string()]).optional() })
    .optional(),
});

/** The shape of the doc's "Audit events" sample: `request_id`, `identity`, `status`, `ended_at`. */
export const vezaOldRecord = z.looseObject({
  request_id: z.string().min(1),
  ended_at: rfc3339,
  started_at: rfc3339.optional(),
  identity: z.looseObject({ ...callerIds, email: z.string().optional() }).optional(),
  status: z
    .looseObject({
      grpc_code: z.string().optional(),
      http_status: z.number().int().optional(),
      error_reason: z.string().optional(),
    })
    .optional(),
  client: z.looseObject({ ip: z.string().optional(), user_agent: z.string().optional() }).optional(),
  ...call,
});

export const vezaRecord = z.union([vezaNewRecord, vezaOldRecord]);
export type VezaNewRecord = z.infer<typeof vezaNewRecord>;
export type VezaOldRecord = z.infer<typeof vezaOldRecord>;
export type VezaRecord = z.infer<typeof vezaRecord>;

/** The export/list envelope; `values` is sliced from the text separately to keep exact bytes. */
export const vezaPage = z.looseObject({
  values: z.array(z.unknown()),
  next_page_token: z.string().optional(),
});

/** google.rpc.Status, Veza's error body (vendor-notes §3.4). */
export const vezaStatus = z.looseObject({ code: z.number().int(), message: z.string().optional() });

/**
 * The stored cursor. `token` is the export's opaque next_page_token; `bootstrap` the persisted_at
 * the stream was first opened at; `watermark` the newest event time delivered, kept so an expired
 * token can be replaced by a fresh `persisted_at GE` bootstrap without a gap (see connector.ts).
 */
export const vezaCursor = z.strictObject({
  token: z.string().min(1).optional(),
  bootstrap: z.iso.datetime({ offset: true }),
  watermark: z.iso.datetime({ offset: true }).optional(),
});
export type VezaCursor = z.infer<typeof vezaCursor>;

export const vezaCredentials = z.object({ token: z.string().min(1) });

export const vezaOptions = z.strictObject({
  /** Records per export page; Veza allows 1..10,000. */
  pageSize: z.number().int().min(1).max(10_000).default(1000),
  /** Overlap subtracted from the watermark when a token must be replaced. */
  reseedOverlapSeconds: z.number().int().min(0).max(86_400).default(300),
});
export type VezaOptions = z.infer<typeof vezaOptions>;
export type VezaCredentials = z.infer<typeof vezaCredentials>;
/** What veza's fetch gets: its parsed options and credentials. */
export type VezaContext = FetchContext<VezaOptions, VezaCredentials>;
