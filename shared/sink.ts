/**
 * Delivery to Kinesis Data Firehose (DESIGN.md 4.3 invariant 5). PutRecordBatch in batches of at
 * most 500 records and 4 MiB, records at most 1,000 KiB, each newline-terminated because Firehose
 * appends no delimiter. A partial failure is retried for the failed entries only, with full-jitter
 * backoff, inside the deadline; whatever still fails raises DeliveryError, so the cursor stays.
 *
 * Packing (option `pack`): Firehose bills every record rounded up to 5 KB, and an event is ~1-2 KB,
 * so up to 500 consecutive events are sent as one newline-delimited record of at most 1,000 KiB.
 * The stream must deaggregate them (RecordDeAggregation JSON before partitioning, see
 * infra/constructs/delivery-stream.ts; 500 sub-records is Firehose's cap). A pack is accepted or
 * failed as a whole, so retrying the failed entries retries whole packs, and nothing is split.
 */
import type { FirehoseClient, PutRecordBatchResponseEntry } from '@aws-sdk/client-firehose';
import { fullJitterDelay } from './backoff.ts';
import { withinDeadline } from './deadline.ts';
import { DeadlineError, DeliveryError } from './errors.ts';
import { putRecordBatch } from './firehose-request.ts';

/** Firehose's limits (PutRecordBatch). */
export const FIREHOSE_LIMITS = {
  maxBatchRecords: 500,
  maxBatchBytes: 4 * 1024 * 1024,
  maxRecordBytes: 1000 * 1024,
} as const;

/** How many events, and how many bytes, one packed record may hold (Firehose deaggregates at most 500). */
export const PACK_LIMITS = { maxEvents: 500, maxBytes: FIREHOSE_LIMITS.maxRecordBytes } as const;

/** A destination for serialized records. A put resolves only when every record was accepted. */
export interface Sink {
  readonly name: string;
  put(records: readonly Uint8Array[], deadline: number): Promise<void>;
}

export interface FirehoseSinkOptions {
  readonly client: FirehoseClient;
  readonly streamName: string;
  /** Attempts per batch (first try included). @default 8 */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Called for each retry: failed entry count and whether the whole call was throttled. */
  readonly onRetry?: (failed: number, throttled: boolean) => void;
  /** Send consecutive events packed into shared records; the stream must deaggregate them. @default false */
  readonly pack?: boolean;
}

/** One Firehose record: one event, or a pack of newline-terminated events. */
interface Entry {
  readonly data: Uint8Array;
  readonly events: number;
}

/** Turns one JSON value into a Firehose record: compact JSON plus the newline Firehose won't add. */
export function toRecord(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value) + '\n', 'utf8');
}

/** Splits records into PutRecordBatch-sized batches; throws on a record above the record limit. */
export function toBatches(records: readonly Uint8Array[]): Uint8Array[][] {
  const batches: Uint8Array[][] = [];
  let current: Uint8Array[] = [];
  let bytes = 0;
  for (const record of records) {
    if (record.byteLength > FIREHOSE_LIMITS.maxRecordBytes) {
      throw new DeliveryError(`record of ${record.byteLength} bytes exceeds Firehose's 1,000 KiB limit`, 1);
    }
    if (
      current.length === FIREHOSE_LIMITS.maxBatchRecords ||
      bytes + record.byteLength > FIREHOSE_LIMITS.maxBatchBytes
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(record);
    bytes += record.byteLength;
  }
  if (current.length) batches.push(current);
  return batches;
}

/** Concatenates consecutive records into packs within PACK_LIMITS, keeping their order. */
export function toPacks(
  records: readonly Uint8Array[],
  limits: { maxEvents: number; maxBytes: number } = PACK_LIMITS,
): Uint8Array[] {
  return packEntries(records, limits).map((e) => e.data);
}

function packEntries(records: readonly Uint8Array[], limits: { maxEvents: number; maxBytes: number }): Entry[] {
  const packs: Entry[] = [];
  let start = 0;
  let bytes = 0;
  const close = (end: number): void => {
    if (end > start)
      packs.push({
        data: end - start === 1 ? (records[start] as Uint8Array) : Buffer.concat(records.slice(start, end), bytes),
        events: end - start,
      });
    start = end;
    bytes = 0;
  };
  for (const [i, record] of records.entries()) {
    if (i - start === limits.maxEvents || (i > start && bytes + record.byteLength > limits.maxBytes)) close(i);
    bytes += record.byteLength;
  }
  close(records.length);
  return packs;
}

const RETRYABLE_CALL_ERRORS = new Set([
  'ServiceUnavailableException',
  'ThrottlingException',
  'InternalFailure',
  'TimeoutError',
]);

/** Firehose delivery stream as a sink. */
export class FirehoseSink implements Sink {
  readonly name: string;
  private readonly o: Required<Omit<FirehoseSinkOptions, 'onRetry'>> & Pick<FirehoseSinkOptions, 'onRetry'>;

  constructor(options: FirehoseSinkOptions) {
    this.name = options.streamName;
    this.o = {
      maxAttempts: 8,
      baseDelayMs: 100,
      maxDelayMs: 5000,
      now: Date.now,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: Math.random,
      pack: false,
      ...options,
    };
  }

  async put(records: readonly Uint8Array[], deadline: number): Promise<void> {
    const entries = this.o.pack ? packEntries(records, PACK_LIMITS) : records.map((data) => ({ data, events: 1 }));
    const batches = toBatches(entries.map((e) => e.data));
    let sent = 0;
    for (const batch of batches) {
      const batchEntries = entries.slice(sent, sent + batch.length);
      try {
        await this.putBatch(batchEntries, deadline);
      } catch (error) {
        if (!(error instanceof DeliveryError)) throw error;
        // The batches after the failed one were never sent: their events count as not delivered too.
        const unsent = countEvents(entries.slice(sent + batch.length));
        if (unsent === 0) throw error;
        throw new DeliveryError(`${error.message}; ${unsent} later records not sent`, error.failed + unsent, {
          cause: error,
        });
      }
      sent += batch.length;
    }
  }

  private async putBatch(batch: readonly Entry[], deadline: number): Promise<void> {
    let pending = batch;
    let lastReason = '';
    let throttled = false;
    for (let attempt = 0; attempt < this.o.maxAttempts; attempt++) {
      if (attempt > 0) {
        const wait = fullJitterDelay(attempt, this.o.baseDelayMs, this.o.maxDelayMs, this.o.random);
        if (this.o.now() + wait >= deadline) break;
        this.o.onRetry?.(pending.length, throttled);
        await this.o.sleep(wait);
      }
      const result = await this.send(pending, deadline);
      if (result.kind === 'fatal') throw result.error;
      lastReason = result.reason;
      throttled = result.kind === 'throttled';
      if (result.kind === 'throttled') continue;
      if (result.failed.length === 0) return;
      pending = result.failed;
    }
    const packed = this.o.pack ? ` holding ${countEvents(pending)} events` : '';
    throw new DeliveryError(
      `${this.name}: ${pending.length} of ${batch.length} records${packed} not accepted (${lastReason}); the cursor stays`,
      countEvents(pending),
    );
  }

  private async send(
    entries: readonly Entry[],
    deadline: number,
  ): Promise<
    | { kind: 'ok'; failed: Entry[]; reason: string }
    | { kind: 'throttled'; reason: string }
    | { kind: 'fatal'; error: Error }
  > {
    let answers: PutRecordBatchResponseEntry[];
    try {
      // A stalled call is aborted at the deadline: the run must end before its Lambda does.
      const command = putRecordBatch(
        this.name,
        entries.map((e) => e.data),
      );
      const out = await withinDeadline(`${this.name}: PutRecordBatch`, deadline - this.o.now(), (abortSignal) =>
        this.o.client.send(command, { abortSignal }),
      );
      answers = out.RequestResponses ?? [];
    } catch (error) {
      if (error instanceof DeadlineError) return { kind: 'fatal', error };
      const name = (error as Error).name;
      if (RETRYABLE_CALL_ERRORS.has(name) || isNetworkError(error))
        return { kind: 'throttled', reason: `${name}: ${(error as Error).message}` };
      return {
        kind: 'fatal',
        error: new DeliveryError(
          `${this.name}: PutRecordBatch failed: ${name}: ${(error as Error).message}`,
          countEvents(entries),
          { cause: error },
        ),
      };
    }
    if (answers.length !== entries.length) {
      // A response that does not account for every record cannot prove any was accepted.
      return {
        kind: 'ok',
        failed: [...entries],
        reason: `response has ${answers.length} entries for ${entries.length} records`,
      };
    }
    const failed: Entry[] = [];
    let reason = '';
    answers.forEach((answer, i) => {
      if (answer.ErrorCode || !answer.RecordId) {
        failed.push(entries[i] as Entry);
        reason = `${answer.ErrorCode ?? 'NoRecordId'}: ${answer.ErrorMessage ?? ''}`;
      }
    });
    return { kind: 'ok', failed, reason };
  }
}

function countEvents(entries: readonly Entry[]): number {
  return entries.reduce((n, e) => n + e.events, 0);
}

function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (
    code === 'ECONNRESET' ||
    code === 'ECONNREFUSED' ||
    code === 'EPIPE' ||
    code === 'ETIMEDOUT' ||
    (error as Error).name === 'TimeoutError'
  );
}

/** Several destinations (archive, SIEM): the records count as delivered when all accepted them. */
export class FanOutSink implements Sink {
  readonly name: string;
  constructor(private readonly sinks: readonly Sink[]) {
    this.name = sinks.map((s) => s.name).join('+');
  }

  async put(records: readonly Uint8Array[], deadline: number): Promise<void> {
    const results = await Promise.allSettled(this.sinks.map((s) => s.put(records, deadline)));
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) {
      throw new DeliveryError(failures.map((f) => f.message).join('; '), records.length, { cause: failures });
    }
  }
}
