/**
 * A sample vendor, defined under test/ only: the smallest vendor that goes through every registry
 * interface (config, runner, emulator, campaign) the way a real one does. Its API: `GET /events?after=
 * <seq>&limit=<n>` with a bearer token, answering `{"events": [...], "next": <seq> | null}` in sequence
 * order. docs/adding-a-vendor.md walks through a vendor built like this one.
 */
import * as z from 'zod';
import { defineConnector, type FetchContext } from '../../shared/connector.ts';
import { MalformedPageError } from '../../shared/errors.ts';
import { ApiActivityId, eventHead, requiredEndpoint, StatusId, UNKNOWN } from '../../shared/ocsf.ts';
import { rawRecords } from '../../shared/raw-json.ts';

export const sampleRecord = z.object({
  seq: z.number().int().min(1),
  id: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  actor: z.string().nullish(),
  action: z.string().min(1),
});
export type SampleRecord = z.infer<typeof sampleRecord>;

const sampleCursor = z.object({ after: z.number().int().min(0) });
type SampleCursor = z.infer<typeof sampleCursor>;
const sampleOptions = z.object({ limit: z.number().int().min(1).max(500).default(50) }).strict();
const sampleCredentials = z.object({ token: z.string().min(1) });
const samplePage = z.object({ events: z.array(z.unknown()), next: z.number().int().nullable() });

async function fetchPage(
  ctx: FetchContext<z.infer<typeof sampleOptions>, z.infer<typeof sampleCredentials>>,
  cursor: SampleCursor,
) {
  const url = ctx.http.resolveLink('/events');
  url.searchParams.set('after', String(cursor.after));
  url.searchParams.set('limit', String(ctx.options.limit));
  const { response, body } = await ctx.http.json({
    url,
    headers: { authorization: `Bearer ${ctx.credentials.token}`, accept: 'application/json' },
  });
  const page = samplePage.safeParse(body);
  if (!page.success) throw new MalformedPageError('sample: unexpected response envelope');
  const records = rawRecords(response.text, body, 'events');
  const last = records.at(-1)?.value as { seq?: unknown } | undefined;
  const after = typeof last?.seq === 'number' ? Math.max(cursor.after, last.seq) : cursor.after;
  return { records, next: { after }, caughtUp: page.data.next === null };
}

export const sampleConnector = defineConnector({
  vendor: 'sample',
  product: { vendorName: 'Sample', name: 'Sample Audit API' },
  ocsfClasses: ['ApiActivity'],
  cursorSchema: sampleCursor,
  recordSchema: sampleRecord,
  credentialsSchema: sampleCredentials,
  optionsSchema: sampleOptions,
  initialCursor: () => ({ after: 0 }),
  fetchPage,
  position: (cursor) => cursor.after,
  describe: (cursor) => `after event ${cursor.after}`,
  nativeId: (record) => record.id,
  normalize(record, base) {
    const event = eventHead(
      {
        cls: 'ApiActivity',
        activityId: ApiActivityId.Other,
        activityName: record.action,
        time: Date.parse(record.time),
        originalTime: record.time,
        message: `${record.action} by ${record.actor ?? UNKNOWN}`,
        statusId: StatusId.Unknown,
        vendorUid: record.id,
      },
      base,
      sampleConnector.product,
    );
    event.actor = { user: { name: record.actor || UNKNOWN } };
    event.api = { operation: record.action };
    event.src_endpoint = requiredEndpoint(undefined);
    return event;
  },
});
