/**
 * zod schemas for Retraced's enterprise GraphQL payloads (vendor-notes §1.2, §1.8), the stored
 * cursor, the credentials and the source options. Objects are loose: fields a newer server adds
 * are kept (they stay in raw_data regardless). Every scalar of the `Event` type is nullable in the
 * schema, so only what the pump cannot do without is required: `id` and the times.
 */
import * as z from 'zod';
import type { FetchContext } from '../../shared/connector.ts';

/** `moment.utc(ms).format()` output, e.g. `2017-11-16T22:53:27Z` (second precision; §1.2). */
const time = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an RFC 3339 time');
const text = z.string().nullish();
/** Maps are flattened into `[{key, value}]` lists (§1.2). */
const fieldList = z.array(z.looseObject({ key: text, value: text }).nullable()).nullish();

/** One `Event` node of `data.search.edges[].node`. */
export const retracedEvent = z.looseObject({
  id: z.string().min(1),
  action: text,
  description: text,
  crud: z.enum(['c', 'r', 'u', 'd']).nullish(),
  received: time,
  created: time.nullish(),
  /** `created` when the publisher gave one, else `received` (§1.2). */
  canonical_time: time,
  is_failure: z.boolean().nullish(),
  is_anonymous: z.boolean().nullish(),
  source_ip: text,
  country: text,
  loc_subdiv1: text,
  loc_subdiv2: text,
  component: text,
  version: text,
  external_id: text,
  raw: text,
  group: z.looseObject({ id: text, name: text }).nullish(),
  actor: z.looseObject({ id: text, name: text, href: text, fields: fieldList }).nullish(),
  target: z.looseObject({ id: text, name: text, href: text, type: text, fields: fieldList }).nullish(),
  display: z.looseObject({ markdown: text }).nullish(),
  fields: fieldList,
  metadata: fieldList,
});
export type RetracedEvent = z.infer<typeof retracedEvent>;

/** The response envelope; the nodes themselves are cut out of the text separately (raw_data). */
export const retracedPage = z.looseObject({
  data: z.looseObject({
    search: z.looseObject({
      edges: z.array(z.looseObject({ cursor: z.string().min(1), node: z.unknown() })),
      totalCount: z.number().int().nullish(),
    }),
  }),
});

const iso = z.iso.datetime({ offset: true });

/**
 * The stored cursor: the closed window `[from, to)` on `received` being paged, and `after`, the
 * server's cursor of the last delivered edge (opaque: base64 of `<canonical_time ms>,<id>`, §1.3).
 * Between windows only `from` is kept; the next `to` is chosen when the next window opens.
 */
export const retracedCursor = z
  .strictObject({ from: iso, to: iso.optional(), after: z.string().min(1).optional() })
  .refine((c) => c.to === undefined || Date.parse(c.to) > Date.parse(c.from), {
    message: 'to must be after from',
    path: ['to'],
  })
  .refine((c) => c.after === undefined || c.to !== undefined, {
    message: 'after needs the window end to',
    path: ['after'],
  });
export type RetracedCursor = z.infer<typeof retracedCursor>;

export const retracedCredentials = z.object({ token: z.string().min(1) });

/** How the events written by the pump's own reads are handled (see connector.ts). */
export const OWN_READS = ['archive', 'drop'] as const;

export const retracedOptions = z.strictObject({
  /** Extra search terms (§1.4), ANDed with the window; the window's `received:` is the pump's. */
  query: z
    .string()
    .max(2000)
    .refine(
      (q) => !/(^|\s)-?received:/.test(q),
      'must not contain a received: term; the pump sets the received window itself',
    )
    .default(''),
  /** `first`: events per request. No server maximum; the notes suggest 500-1000 (§1.3, §1.10). */
  pageSize: z.number().int().min(1).max(10_000).default(500),
  /** Longest `received` window read at once (a long backlog is read window after window). */
  maxWindowSeconds: z
    .number()
    .int()
    .min(60)
    .max(31 * 86_400)
    .default(86_400),
  /** `archive` (marked) or `drop` the audit.log.view events this pump's reads write (§1.1). */
  ownReads: z.enum(OWN_READS).default('archive'),
  /** The server's API_BASE_URL_PATH (§1.1); empty when mounted at the root. */
  basePath: z
    .string()
    .regex(/^(\/[\w.~-]+)*$/, 'must be empty or a path such as /auditlog')
    .default('/auditlog'),
});
export type RetracedOptions = z.infer<typeof retracedOptions>;
export type RetracedCredentials = z.infer<typeof retracedCredentials>;
/** What retraced's fetch gets: its parsed options and credentials. */
export type RetracedContext = FetchContext<RetracedOptions, RetracedCredentials>;
