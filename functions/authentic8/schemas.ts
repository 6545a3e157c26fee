/**
 * zod schemas for Authentic8's Log Extraction API (vendor-notes §2.2-2.5). Records are validated per
 * log type: the URL and ENC fields are documented (vendor doc example, vendor-notes §2.4); the other
 * types' fields are UNCONFIRMED, so they are typed when present but only the shared `seq_id` and
 * `create_ts` are required. Objects are loose: unknown fields are kept (raw_data keeps them anyway).
 */
import * as z from 'zod';
import type { FetchContext } from '../../shared/connector.ts';

/** Largest `limit` the API serves per extractlog (vendor-docs/authentic8-log-extraction-api.md). */
export const AUTHENTIC8_MAX_LIMIT = 1000;

const seqId = z.number().int().nonnegative();
const text = z.string().nullish();
const int = z.number().int().nullish();

/**
 * `create_ts`, float epoch seconds (vendor-notes §2.4). A value outside 1973..5138 in seconds is no
 * such time (milliseconds, or a counter): refused here with its reason rather than archived as an
 * event dated in 1970.
 */
const createTs = z
  .number()
  .finite()
  .min(1e8, 'must be epoch seconds (at least 1e8)')
  .max(1e11, 'must be epoch seconds (at most 1e11; milliseconds?)');

/** Fields every plaintext type shares (vendor-notes §2.4). */
const common = {
  seq_id: seqId,
  create_ts: createTs,
  type: z.string().optional(),
  org_id: text,
  client_ip: text,
  user_id: text,
  username: text,
  session_id: text,
};

/**
 * URL (vendor doc example and Silo Logs Reference Guide, vendor-notes §2.4); BLOCKED URL is assumed alike
 * (UNCONFIRMED).
 */
export const urlRecord = z.looseObject({
  ...common,
  domain: z.string(),
  path: text,
  scheme: text,
  method: text,
  query: text,
  url: text,
  // "null for 80 and 443"; the reference guide's example sends it as a string ("81").
  port: z.union([z.number().int(), z.string()]).nullish(),
  response_code: int,
  response_size: int,
  headers: text,
  response_headers: text,
  micro_category: text,
  macro_category: text,
});
export const blockedUrlRecord = urlRecord.extend({ domain: z.string().nullish() });

/**
 * AUTH: Silo log-ins (PIN, SAML SSO); field names UNCONFIRMED beyond `username` and `action` (TA-authentic8 CIM map).
 */
export const authRecord = z.looseObject({ ...common, auth_type: text, action: text, reason: text });

/**
 * ADMIN_AUDIT: who, when, what with before and after values (vendor-notes §2.3); names UNCONFIRMED but `audit_type`.
 */
export const adminAuditRecord = z.looseObject({
  ...common,
  audit_type: text,
  target: text,
  target_type: text,
  before: z.unknown().optional(),
  after: z.unknown().optional(),
});

/** ENC: the customer-encrypted envelope (vendor doc example; `encryption_type` from TA-authentic8). */
export const encRecord = z.looseObject({
  seq_id: seqId,
  create_ts: createTs,
  type: z.string().optional(),
  org_id: text,
  enc: z.string().min(1),
  key_name: z.string(),
  encryption_type: text,
});

/** Any other type (SESSION, DOWNLOAD, ...): the shared fields only. */
export const otherRecord = z.looseObject({ ...common, url: text, filename: text });

export type UrlRecord = z.infer<typeof urlRecord>;
export type AuthRecord = z.infer<typeof authRecord>;
export type AdminAuditRecord = z.infer<typeof adminAuditRecord>;
export type EncRecord = z.infer<typeof encRecord>;
export type OtherRecord = z.infer<typeof otherRecord>;
export type Authentic8Record = UrlRecord | AuthRecord | AdminAuditRecord | EncRecord | OtherRecord;

/** How a record is validated and mapped. An ENC record is told by its `enc` (the doc's `type` is not guaranteed). */
export type LogKind = 'URL' | 'BLOCKED URL' | 'AUTH' | 'ADMIN_AUDIT' | 'ENC' | 'OTHER';

export function logKind(value: unknown): LogKind {
  const record = (value ?? {}) as { type?: unknown; enc?: unknown };
  if (record.type === 'ENC' || record.enc !== undefined) return 'ENC';
  const type = record.type;
  return type === 'URL' || type === 'BLOCKED URL' || type === 'AUTH' || type === 'ADMIN_AUDIT' ? type : 'OTHER';
}

const BY_KIND: Record<LogKind, z.ZodType<Authentic8Record>> = {
  URL: urlRecord,
  'BLOCKED URL': blockedUrlRecord,
  AUTH: authRecord,
  ADMIN_AUDIT: adminAuditRecord,
  ENC: encRecord,
  OTHER: otherRecord,
};

/** A log record, validated with its type's schema; the issues keep their paths for the dead-letter reason. */
export const authentic8Record = z.unknown().transform((value, ctx): Authentic8Record => {
  const parsed = BY_KIND[logKind(value)].safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

/** One command's reply: `result`, or `error` in-band inside the HTTP 200 (vendor-notes §2.5). */
export const commandReply = z.looseObject({
  result: z.unknown().optional(),
  error: z.unknown().optional(),
  command_id: z.unknown().optional(),
});

/** extractlog's result (vendor-notes §2.2); `logs` is cut from the response text separately to keep exact bytes. */
export const extractResult = z.looseObject({ is_more: z.boolean(), next_seq: seqId, logs: z.array(z.unknown()) });

/** get_log_types' result (vendor-notes §2.2). */
export const logTypesResult = z.looseObject({
  log_types: z.array(z.string().min(1)).min(1),
  version: z.string().optional(),
});

/**
 * The stored cursor: `types` maps each log type to the `start_seq` of its next request (the last
 * `next_seq`); a type not there yet starts from `startFrom`. `pending` lists the types still to
 * drain in the current round, so a run stopped between two types resumes where it stopped.
 */
export const authentic8Cursor = z.strictObject({
  types: z.record(z.string().min(1), seqId),
  pending: z.array(z.string().min(1)).optional(),
});
export type Authentic8Cursor = z.infer<typeof authentic8Cursor>;

export const authentic8Credentials = z.object({ token: z.string().min(1) });

export const authentic8Options = z.strictObject({
  /** An org name, or an org path (`Parent/Child`, `\/` for a slash inside a name) when the name is ambiguous. */
  org: z.string().min(1),
  /** The log types to pump, one cursor each; `"all"` asks the API (`get_log_types`) at each round. */
  types: z
    .union([z.literal('all'), z.array(z.string().min(1)).min(1)])
    .default('all')
    .refine((t) => t === 'all' || new Set(t).size === t.length, 'must not repeat a type'),
  /** Records per extractlog; the API serves at most 1000. */
  limit: z.number().int().min(1).max(AUTHENTIC8_MAX_LIMIT).default(AUTHENTIC8_MAX_LIMIT),
});
export type Authentic8Options = z.infer<typeof authentic8Options>;
export type Authentic8Credentials = z.infer<typeof authentic8Credentials>;
/** What authentic8's fetch gets: its parsed options and credentials. */
export type Authentic8Context = FetchContext<Authentic8Options, Authentic8Credentials>;
