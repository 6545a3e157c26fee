/**
 * zod schemas for Nected's Audit Log API payloads (vendor-notes §4.1, vendor-docs/nected-audit-log-api.md).
 * The `AuditLogEntry` schema itself is not public (vendor-notes §4.3), so records are loose: only
 * the id and the date the pump relies on are required, the rest is typed for normalize and kept
 * whatever it holds (it stays in raw_data regardless).
 */
import * as z from 'zod';
import type { FetchContext } from '../../shared/connector.ts';

/**
 * Epoch ms of an ISO 8601 date-time (`YYYY-MM-DDThh:mm...`, as the doc example's `date`), NaN for
 * anything else: Date.parse alone also reads "0" or "42" as dates, and a record so dated would pass
 * as valid and then look like a sign that the date filter was ignored (found by the chaos fuzzer).
 */
export function isoTimeMs(value: unknown): number {
  return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
}

const isoTime = z.string().refine((s) => !Number.isNaN(isoTimeMs(s)), 'must be an ISO 8601 time');
const text = z.string().nullish();

/** One audit record, as in the doc example. */
export const nectedRecord = z.looseObject({
  logId: z.string().min(1),
  date: isoTime,
  type: text,
  name: text,
  event: text,
  status: text,
  environment: text,
  user: text,
  workspaceId: text,
  ip: text,
  entityId: text,
  executionId: text,
  traceId: text,
  message: text,
  version: text,
  statusTimeMs: z.number().nullish(),
  rootNode: z.looseObject({ id: text, name: text, logId: text }).nullish(),
});
export type NectedRecord = z.infer<typeof nectedRecord>;

/**
 * The search envelope `{totalCount, totalPages, pageNo, pageSize, data, code, message}`; `data`
 * is sliced from the text separately to keep exact bytes. An empty page may carry `data: null`
 * (a Go nil slice; UNCONFIRMED), so null and absent are both "no records".
 */
export const nectedPage = z.looseObject({
  totalCount: z.number().int().min(0),
  totalPages: z.number().int().min(0).optional(),
  pageNo: z.number().int().optional(),
  pageSize: z.number().int().optional(),
  data: z.array(z.unknown()).nullish(),
  code: z.string().optional(),
  message: z.string().optional(),
});

/**
 * The stored cursor. Everything dated before `from` is delivered. `window` is the closed window
 * `[from, to)` being paged: the next `page` to read, the `total` its first page reported (each
 * later page must report the same), and how often it was re-read after a change. `spanMs` is the
 * width the next window may have; it shrinks when a window is too dense and grows back after sparse ones.
 */
export const nectedCursor = z.strictObject({
  from: z.iso.datetime(),
  spanMs: z.number().int().min(1),
  window: z
    .strictObject({
      to: z.iso.datetime(),
      page: z.number().int().min(1),
      total: z.number().int().min(0).optional(),
      restarts: z.number().int().min(0),
    })
    .optional(),
});
export type NectedCursor = z.infer<typeof nectedCursor>;

export const nectedCredentials = z.object({ apiKey: z.string().min(1) });

/** Search filters passed through as query parameters (vendor-notes §4.1); none by default: everything is pumped. */
const filters = z
  .strictObject({
    type: z.string().min(1),
    event: z.string().min(1),
    status: z.string().min(1),
    environment: z.string().min(1),
    user: z.string().min(1),
    search: z.string().min(1),
  })
  .partial();

export const nectedOptions = z
  .strictObject({
    /** `v1`: `/dev/v1/audit/{module}/search` with `Nected-Branch`; `legacy`: `/dev/audit/{module}/search`. */
    api: z.enum(['v1', 'legacy']).default('v1'),
    /** The workspace branch, sent as `Nected-Branch` (DESIGN.md 4.1); required by v1. */
    branch: z.string().min(1).optional(),
    /** The audit module in the path; the doc's example is `audit`. */
    module: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'must be a module name such as "audit"')
      .default('audit'),
    /** Pages fetched at once inside a window (10 records each). */
    concurrency: z.number().int().min(1).max(16).default(4),
    /**
     * Windows holding more events than this are split before paging (vendor-notes §4.4: about 5000).
     * At most 9000: Elasticsearch refuses pages past 10,000 results and may cap totalCount there (§4.2).
     */
    maxWindowEvents: z.number().int().min(10).max(9000).default(5000),
    /** The widest window, and the first one tried from startFrom. */
    maxWindowSeconds: z
      .number()
      .int()
      .min(1)
      .max(30 * 86_400)
      .default(86_400),
    filters: filters.default({}),
  })
  .refine((o) => o.api !== 'v1' || o.branch !== undefined, {
    message: 'is required when api is "v1" (sent as the Nected-Branch header)',
    path: ['branch'],
  });
export type NectedOptions = z.infer<typeof nectedOptions>;
export type NectedCredentials = z.infer<typeof nectedCredentials>;
/** What nected's fetch gets: its parsed options and credentials. */
export type NectedContext = FetchContext<NectedOptions, NectedCredentials>;
