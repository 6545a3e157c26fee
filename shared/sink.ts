/**
 * Delivery to Kinesis Data Firehose (DESIGN.md 4.3 invariant 5). PutRecordBatch in batches of at
 * most 500 records and 4 MiB, records at most 1,000 KiB, each newline-terminated because Firehose
 * appends no delimiter. A partial failure is retried for the failed entries only, with full-jitter
 * backoff, inside the deadline; whatever still fails raises DeliveryError, so the cursor stays.
 */
import { type FirehoseClient, PutRecordBatchCommand, type PutRecordBatchResponseEntry } from '@aws-sdk/client-firehose';
import { fullJitterDelay } from './backoff.ts';
import { DeliveryError } from './errors.ts';

/** Firehose's limits (PutRecordBatch). */
export const FIREHOSE_LIMITS = {
  maxBatchRecords: 500,
  maxBatchBytes: 4 * 1024 * 1024,
  maxRecordBytes: 1000 * 1024,
} as const;

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
    if (current.length === FIREHOSE_LIMITS.maxBatchRecords || bytes + record.byteLength > FIREHOSE_LIMITS.maxBatchBytes) {
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

const RETRYABLE_CALL_ERRORS = new Set(['ServiceUnavailableException', 'ThrottlingException', 'InternalFailure', 'TimeoutError']);

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
      ...options,
    };
  }

  async put(records: readonly Uint8Array[], deadline: number): Promise<void> {
    const batches = toBatches(records);
    let sent = 0;
    for (const batch of batches) {
      try {
        await this.putBatch(batch, deadline);
      } catch (error) {
        if (!(error instanceof DeliveryError)) throw error;
        // The batches after the failed one were never sent: they count as not delivered too.
        const unsent = records.length - sent - batch.length;
        if (unsent === 0) throw error;
        throw new DeliveryError(`${error.message}; ${unsent} later records not sent`, error.failed + unsent, { cause: error });
      }
      sent += batch.length;
    }
  }

  private async putBatch(batch: readonly Uint8Array[], deadline: number): Promise<void> {
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
      const result = await this.send(pending);
      if (result.kind === 'fatal') throw result.error;
      lastReason = result.reason;
      throttled = result.kind === 'throttled';
      if (result.kind === 'throttled') continue;
      if (result.failed.length === 0) return;
      pending = result.failed;
    }
    throw new DeliveryError(
      `${this.name}: ${pending.length} of ${batch.length} records not accepted (${lastReason}); the cursor stays`,
      pending.length,
    );
  }

  private async send(
    records: readonly Uint8Array[],
  ): Promise<{ kind: 'ok'; failed: Uint8Array[]; reason: string } | { kind: 'throttled'; reason: string } | { kind: 'fatal'; error: Error }> {
    let entries: PutRecordBatchResponseEntry[];
    try {
      const out = await this.o.client.send(
        new PutRecordBatchCommand({ DeliveryStreamName: this.name, Records: records.map((Data) => ({ Data })) }),
      );
      entries = out.RequestResponses ?? [];
    } catch (error) {
      const name = (error as Error).name;
      if (RETRYABLE_CALL_ERRORS.has(name) || isNetworkError(error)) return { kind: 'throttled', reason: `${name}: ${(error as Error).message}` };
      return { kind: 'fatal', error: new DeliveryError(`${this.name}: PutRecordBatch failed: ${name}: ${(error as Error).message}`, records.length, { cause: error }) };
    }
    if (entries.length !== records.length) {
      // A response that does not account for every record cannot prove any was accepted.
      return { kind: 'ok', failed: [...records], reason: `response has ${entries.length} entries for ${records.length} records` };
    }
    const failed: Uint8Array[] = [];
    let reason = '';
    entries.forEach((entry, i) => {
      if (entry.ErrorCode || !entry.RecordId) {
        failed.push(records[i] as Uint8Array);
        reason = `${entry.ErrorCode ?? 'NoRecordId'}: ${entry.ErrorMessage ?? ''}`;
      }
    });
    return { kind: 'ok', failed, reason };
  }
}

function isNetworkError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'EPIPE' || code === 'ETIMEDOUT' || (error as Error).name === 'TimeoutError';
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
