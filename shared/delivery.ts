/**
 * One page's way to the sinks (DESIGN.md 4.3, invariants 1 and 6), for the runner: each record is
 * validated, normalized and serialized; bad ones are dead-lettered with the reason. The page goes
 * out in chunks of about one PutRecordBatch, the next chunk prepared while the one before is in
 * flight, so a page of 10,000 events never has more than two chunks serialized at once. The
 * returned promise resolves only when every record of the page was accepted: the runner commits
 * after it, and a failure leaves the cursor where it was (chunks already sent are sent again by
 * the rerun, with the same uids, exactly as when one batch of a put fails after another).
 */
import { deadLetterRecord } from './dead-letter.ts';
import { describeError } from './errors.ts';
import { eventUid } from './ocsf.ts';
import { FIREHOSE_LIMITS, toRecord, type Sink } from './sink.ts';
import type { Connector, Page, RawRecord } from './connector.ts';
import type { OcsfEvent } from './ocsf.ts';
import type { Source } from './config.ts';

/** Serialized bytes handed to the sinks at once: one PutRecordBatch's worth. */
export const DELIVERY_CHUNK_BYTES = FIREHOSE_LIMITS.maxBatchBytes;

export interface DeliveryDeps<C, R> {
  readonly connector: Connector<C, R>;
  readonly source: Source;
  readonly sink: Sink;
  readonly deadLetter: Sink;
  readonly deadline: number;
  readonly now: () => number;
  /**
   * Called before each chunk is sent, once the chunk before it was accepted: the runner keeps its
   * lease there (renewing it when half is used, stopping if another run took the source), so a
   * long page neither outlives the lease nor goes on after a takeover. Throwing stops the page.
   */
  readonly beforeChunk?: () => Promise<void>;
}

/** What a delivered page contained. */
export interface Delivered {
  readonly events: number;
  readonly rejected: number;
  /** Newest event time of the page (epoch ms), for the cursor-lag metric. */
  readonly lastEventTime?: number;
}

type Rejected = { reject: string; stage: 'validate' | 'normalize' | 'oversize' };
type Outcome = { event: Uint8Array; time: number } | Rejected;

/** Validates and normalizes one record to its OCSF event; never throws (a failure is a reject with its stage). */
export function toEvent<C, R>(
  connector: Connector<C, R>,
  source: Source,
  record: RawRecord,
  receivedAt: number,
): { event: OcsfEvent } | Rejected {
  const parsed = connector.recordSchema.safeParse(record.value);
  if (!parsed.success) {
    return {
      stage: 'validate',
      reject: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
    };
  }
  try {
    const uid = eventUid(source.vendor, source.id, connector.nativeId(parsed.data, record));
    return { event: connector.normalize(parsed.data, { source, uid, rawData: record.raw, receivedAt }) };
  } catch (error) {
    return { stage: 'normalize', reject: describeError(error) };
  }
}

/** Validates, normalizes and serializes one record; never throws. */
export function normalizeRecord<C, R>(deps: DeliveryDeps<C, R>, record: RawRecord, receivedAt: number): Outcome {
  const out = toEvent(deps.connector, deps.source, record, receivedAt);
  if (!('event' in out)) return out;
  const bytes = toRecord(out.event);
  if (bytes.byteLength > FIREHOSE_LIMITS.maxRecordBytes) {
    return {
      stage: 'oversize',
      reject: `normalized event is ${bytes.byteLength} bytes, above Firehose's 1,000 KiB record limit`,
    };
  }
  return { event: bytes, time: out.event.time };
}

/** Delivers every record of `page`; resolves when all were accepted (by the sink or the dead-letter). */
export async function deliverPage<C, R>(deps: DeliveryDeps<C, R>, page: Page<C>): Promise<Delivered> {
  const receivedAt = deps.now();
  let newest = page.lastEventTime;
  let counts = { events: 0, rejected: 0 };
  let chunk = { events: [] as Uint8Array[], rejected: [] as Uint8Array[], bytes: 0 };
  let inFlight: Promise<void> | undefined;
  const send = async (): Promise<void> => {
    const { events, rejected } = chunk;
    chunk = { events: [], rejected: [], bytes: 0 };
    // One chunk in flight at a time: a failure stops the page before anything after it is sent.
    await inFlight;
    if (events.length || rejected.length) await deps.beforeChunk?.();
    inFlight = Promise.all([
      events.length ? deps.sink.put(events, deps.deadline) : undefined,
      rejected.length ? deps.deadLetter.put(rejected, deps.deadline) : undefined,
    ]).then(
      () => void (counts = { events: counts.events + events.length, rejected: counts.rejected + rejected.length }),
    );
    // Observed now so that a failure while the next chunk is prepared is not an unhandled rejection.
    inFlight.catch(() => undefined);
  };
  for (const record of page.records) {
    const outcome = normalizeRecord(deps, record, receivedAt);
    if ('reject' in outcome) {
      const line = deadLetterRecord(deps.source, record.raw, outcome.stage, outcome.reject, receivedAt);
      chunk.rejected.push(line);
      chunk.bytes += line.byteLength;
    } else {
      chunk.events.push(outcome.event);
      chunk.bytes += outcome.event.byteLength;
      if (Number.isFinite(outcome.time) && (newest === undefined || outcome.time > newest)) newest = outcome.time;
    }
    if (chunk.bytes >= DELIVERY_CHUNK_BYTES) await send();
  }
  await send();
  await inFlight;
  return { ...counts, ...(newest !== undefined ? { lastEventTime: newest } : {}) };
}
