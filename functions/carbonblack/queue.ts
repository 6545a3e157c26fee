/**
 * Carbon Black `_queue` mode (vendor-notes §5.4, §5.7). The queue is per API key and destructive:
 * a batch handed out is gone from the vendor. So each batch's response body is written to the
 * spool (shared/spool.ts) before it is parsed or delivered, and delivered from there:
 *
 *  1. the batch the committed cursor names (`acked`) was delivered: delete it from the spool;
 *  2. if another batch is still spooled (a run died after spooling it), deliver the oldest again;
 *  3. otherwise read the queue, spool the body under a time-ordered key, deliver it;
 *  4. the runner commits `{acked: key}` only after every record of it was accepted.
 *
 * A crash before the commit replays the batch (same uids, see identity.ts). Only the batch `acked`
 * names is ever deleted, so a batch spooled by another run (an expired lease) is never dropped.
 *
 * Remaining loss window: a batch CBC has handed out but that is not yet in the spool is lost if
 * the run dies then, i.e. while the response is in flight and during one spool write (an S3 PUT of
 * at most a few MB, typically tens of milliseconds). The HTTP client also retries a read that
 * timed out or lost its connection; if CBC had already dequeued that batch, it is lost the same way.
 * A periodic `search` over the same org can fill such a gap (vendor-notes §5.7).
 *
 * One reader per API key: the source's lease keeps two runs of one source apart, but nothing can
 * see another source, deployment or tool (cbc-syslog, Elastic) reading the same key; each would
 * get part of the stream. Give every queue-mode source its own API key.
 */
import { randomBytes } from 'node:crypto';
import type { Page, RawRecord } from '../../shared/connector.ts';
import { ConfigError, MalformedPageError } from '../../shared/errors.ts';
import { rawRecords } from '../../shared/raw-json.ts';
import { byCreateTime, createTimeOf, tagOccurrences } from './identity.ts';
import { cbResultsPage, type CbContext, type CbCursor, type CbQueueCursor } from './schemas.ts';
import type { Spool } from '../../shared/spool.ts';
import { spoolPrefixes } from '../../shared/archive-layout.ts';

/** Where the queue's batches live in the spool bucket (infra grants the function these prefixes only). */
const SPOOL = spoolPrefixes('carbonblack');

/** Spool keys of a source's batches: `carbonblack/<sourceId>/<ISO time>-<random>.json`, sorted by time. */
export function queueSpoolPrefix(sourceId: string): string {
  return `${SPOOL.batches}${sourceId}/`;
}

/**
 * The time a new batch's key carries: now, but never at or before the batch acknowledged last, so
 * keys keep the dequeue order (the spool replays oldest first) when the clock is set back.
 */
function spoolTime(now: number, acked: string | undefined): number {
  const last = acked ? Date.parse(/\/(\d{4}-[^/]*?Z)-[0-9a-f]+\.json$/.exec(acked)?.[1] ?? '') : Number.NaN;
  return Number.isFinite(last) ? Math.max(now, last + 1) : now;
}

/** Where a batch that is not valid JSON is moved, out of the replay path but kept for inspection. */
export function quarantineKey(key: string): string {
  return `${SPOOL.quarantine}${key.slice(SPOOL.batches.length)}`;
}

/** GET `_queue` (vendor-notes §5.1): the next batch of the key's queue, as raw text. */
async function readQueue(ctx: CbContext, headers: Record<string, string>): Promise<string> {
  const { orgKey } = ctx.options;
  const response = await ctx.http.request({
    url: ctx.http.resolveLink(`/audit_log/v1/orgs/${encodeURIComponent(orgKey)}/logs/_queue`),
    headers,
  });
  return response.text;
}

/**
 * True for the small `{"num_found":0,...,"results":[]}` of a drained queue, which needs no
 * spooling. Only short bodies are parsed before the spool write, to keep that write immediate.
 */
function isEmptyBatch(text: string): boolean {
  if (text.length > 1024) return false;
  try {
    const body = JSON.parse(text) as { results?: unknown };
    return Array.isArray(body.results) && body.results.length === 0;
  } catch {
    return false;
  }
}

/** The records of a spooled body; a body that is not a results page is quarantined and reported. */
async function parseBatch(spool: Spool, key: string, text: string): Promise<RawRecord[]> {
  let body: unknown;
  try {
    body = JSON.parse(text);
    if (!cbResultsPage.safeParse(body).success) throw new Error('not a {num_found, results} page');
    return rawRecords(text, body, 'results');
  } catch (error) {
    await spool.put(quarantineKey(key), Buffer.from(text, 'utf8'));
    await spool.delete(key);
    throw new MalformedPageError(
      `carbonblack _queue: spooled batch ${key} is not a results page (${(error as Error).message}); moved to ${quarantineKey(key)}`,
    );
  }
}

/** One queue batch: a spooled one not yet delivered, else a fresh one spooled first. */
export async function queuePage(
  ctx: CbContext,
  cursor: CbQueueCursor,
  headers: Record<string, string>,
): Promise<Page<CbCursor>> {
  const spool = ctx.spool;
  if (!spool)
    throw new ConfigError(
      `source ${ctx.source.id}: carbonblack queue mode needs a spool (set SPOOL_BUCKET); the queue read is destructive`,
    );
  const prefix = queueSpoolPrefix(ctx.source.id);
  if (cursor.acked) await spool.delete(cursor.acked);
  const [pending] = (await spool.list(prefix)).filter((k) => k !== cursor.acked);
  let key: string;
  let text: string;
  if (pending) {
    ctx.log.info('carbonblack: delivering a spooled queue batch again', { sourceId: ctx.source.id, key: pending });
    [key, text] = [pending, Buffer.from(await spool.get(pending)).toString('utf8')];
  } else {
    text = await readQueue(ctx, headers);
    // Caught up: `next` stays the cursor (its batch is already deleted) so the position does not move.
    if (isEmptyBatch(text)) return { records: [], next: cursor, caughtUp: true };
    key = `${prefix}${new Date(spoolTime(ctx.now(), cursor.acked)).toISOString()}-${randomBytes(4).toString('hex')}.json`;
    await spool.put(key, Buffer.from(text, 'utf8'));
  }
  const { records, tail } = tagOccurrences(byCreateTime(await parseBatch(spool, key, text)), cursor.tail);
  const times = records.map((r) => createTimeOf(r.value)).filter((t) => !Number.isNaN(t));
  return {
    records,
    next: { mode: 'queue', acked: key, ...(tail ? { tail } : {}) },
    caughtUp: false,
    ...(times.length ? { lastEventTime: Math.max(...times) } : {}),
  };
}
