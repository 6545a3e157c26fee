/**
 * Kinesis Data Firehose on loopback, speaking AWS JSON 1.1 so an unchanged `FirehoseClient` with a
 * local `endpoint` uses it: PutRecord, PutRecordBatch and DescribeDeliveryStream with the real limits,
 * dynamic partitioning into the archive directory, and run-time faults from a seeded schedule.
 */
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  EMULATED_ACCOUNT,
  awsJsonError,
  awsJsonOk,
  emulatedArn,
  epochSeconds,
  isResponse,
  parseAwsJsonCall,
} from './aws-json.ts';
import { listen, type EmulatorRequest, type EmulatorResponse } from '../emulators/http-server.ts';
import { seededRandom, type Random } from '../emulators/random.ts';
import { ArchiveWriter, validateStreamConfig, type StreamConfig } from './firehose-writer.ts';
import { describeProcessors } from './firehose-processors.ts';

export { partitionKeysOf, type StreamConfig } from './firehose-writer.ts';

const MiB = 1024 * 1024;
// Firehose quotas: https://docs.aws.amazon.com/firehose/latest/dev/limits.html
const MAX_BATCH_RECORDS = 500;
const MAX_BATCH_BYTES = 4 * MiB;
const MAX_RECORD_BYTES = 1000 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Faults injected at run time into PutRecord and PutRecordBatch calls; every field is mutable. */
export interface FirehoseFaults {
  /** Share (0..1) of entries failed with ServiceUnavailableException, drawn from the seeded schedule. */
  recordFailureRate: number;
  /** Fail the next N entries, whatever the rate. */
  failNextRecords: number;
  /** Answer the next N calls with HTTP 503 ServiceUnavailableException, as Firehose throttles. */
  throttleNextCalls: number;
  /** Delay before each call is answered. */
  latencyMs: number;
  /** Destroy the socket of the next N calls without answering. */
  dropConnectionNextCalls: number;
}

/** Counters of what the emulator did. */
export interface FirehoseStats {
  calls: number;
  recordsAccepted: number;
  recordsFailed: number;
  throttled: number;
  objectsWritten: number;
  /** Bytes of the accepted records, as sent. */
  bytesAccepted: number;
  /** What Firehose bills for ingesting them: each record rounded up to the next 5 KB. */
  bytesBilled: number;
  /** (Sub-)records delivered to a partition, after any deaggregation. */
  recordsDelivered: number;
}

/** Firehose bills ingestion per record rounded up to the next 5 KB (https://aws.amazon.com/firehose/pricing/). */
export const BILLING_INCREMENT_BYTES = 5 * 1024;

/** The ingestion bytes Firehose bills for one record of `bytes`. */
export function billedBytes(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / BILLING_INCREMENT_BYTES)) * BILLING_INCREMENT_BYTES;
}

/** Options of {@link startFirehoseEmulator}. */
export interface FirehoseEmulatorOptions {
  archiveDir: string;
  streams: Record<string, StreamConfig>;
  port?: number;
  /** @default 60000, like Firehose */
  bufferIntervalMs?: number;
  /** @default 5 MiB */
  bufferBytes?: number;
  /** Seed of the fault schedule. @default 1 */
  seed?: number;
  faults?: Partial<FirehoseFaults>;
}

/** A running Firehose emulator. */
export interface FirehoseEmulator {
  readonly endpoint: string;
  readonly port: number;
  /** Writes every buffered record now. */
  flush(): Promise<void>;
  /** Stops accepting calls, then flushes and closes. */
  stop(): Promise<void>;
  readonly faults: FirehoseFaults;
  readonly stats: FirehoseStats;
}

interface Context {
  readonly streams: Record<string, StreamConfig>;
  readonly faults: FirehoseFaults;
  readonly stats: FirehoseStats;
  readonly writer: ArchiveWriter;
  readonly random: Random;
  readonly buffering: { intervalMs: number; bytes: number };
  readonly createdMs: number;
  nextRecord: number;
}

/** Starts a Firehose emulator on 127.0.0.1 delivering `streams` under `archiveDir`. */
export async function startFirehoseEmulator(options: FirehoseEmulatorOptions): Promise<FirehoseEmulator> {
  for (const [name, config] of Object.entries(options.streams)) validateStreamConfig(name, config);
  const stats: FirehoseStats = {
    calls: 0,
    recordsAccepted: 0,
    recordsFailed: 0,
    throttled: 0,
    objectsWritten: 0,
    bytesAccepted: 0,
    bytesBilled: 0,
    recordsDelivered: 0,
  };
  const buffering = { intervalMs: options.bufferIntervalMs ?? 60_000, bytes: options.bufferBytes ?? 5 * MiB };
  const onObjectWritten = (): void => void (stats.objectsWritten += 1);
  const ctx: Context = {
    streams: options.streams,
    faults: {
      recordFailureRate: 0,
      failNextRecords: 0,
      throttleNextCalls: 0,
      latencyMs: 0,
      dropConnectionNextCalls: 0,
      ...options.faults,
    },
    stats,
    writer: new ArchiveWriter({
      archiveDir: options.archiveDir,
      bufferIntervalMs: buffering.intervalMs,
      bufferBytes: buffering.bytes,
      onObjectWritten,
    }),
    random: seededRandom(options.seed ?? 1),
    buffering,
    createdMs: Date.now(),
    nextRecord: 0,
  };
  // Buffers a killed emulator had acknowledged are written before anything else is served.
  await ctx.writer.recover();
  const server = await listen((req, res) => handle(ctx, req, res), options.port);
  let stopping: Promise<void> | undefined;
  return {
    endpoint: server.url,
    port: server.port,
    faults: ctx.faults,
    stats,
    flush: () => ctx.writer.flush(),
    // Close first so nothing is accepted after the final flush; stop() twice is harmless.
    stop: () => (stopping ??= server.close().then(() => ctx.writer.close())),
  };
}

async function handle(ctx: Context, req: EmulatorRequest, res: ServerResponse): Promise<EmulatorResponse | void> {
  ctx.stats.calls += 1;
  const call = parseAwsJsonCall(req, 'Firehose_20150804', ['PutRecord', 'PutRecordBatch', 'DescribeDeliveryStream']);
  if (isResponse(call)) return call;
  if (call.operation === 'DescribeDeliveryStream') return describe(ctx, call.input);
  if (ctx.faults.latencyMs > 0) await sleep(ctx.faults.latencyMs);
  if (ctx.faults.dropConnectionNextCalls > 0) {
    ctx.faults.dropConnectionNextCalls -= 1;
    res.socket?.destroy();
    return;
  }
  if (ctx.faults.throttleNextCalls > 0) {
    ctx.faults.throttleNextCalls -= 1;
    ctx.stats.throttled += 1;
    return awsJsonError('ServiceUnavailableException', 'Slow down.', 503);
  }
  const answer = call.operation === 'PutRecord' ? putRecord(ctx, call.input) : putRecordBatch(ctx, call.input);
  if (answer.status !== 200) return answer;
  // As Firehose does, acknowledge only what is stored durably.
  try {
    await ctx.writer.persist();
  } catch (error) {
    return awsJsonError(
      'ServiceUnavailableException',
      `The emulator could not store the records: ${(error as Error).message}`,
      503,
    );
  }
  return answer;
}

function findStream(ctx: Context, input: Record<string, unknown>): [string, StreamConfig] | EmulatorResponse {
  const name = input.DeliveryStreamName;
  if (typeof name !== 'string') return awsJsonError('InvalidArgumentException', 'DeliveryStreamName is required.');
  const config = Object.hasOwn(ctx.streams, name) ? ctx.streams[name] : undefined;
  if (!config)
    return awsJsonError('ResourceNotFoundException', `Firehose ${name} under account ${EMULATED_ACCOUNT} not found.`);
  return [name, config];
}

// Limits apply to the decoded bytes, and a violation rejects the whole call, as in Firehose.
function decodeRecords(entries: unknown): Buffer[] | EmulatorResponse {
  if (!Array.isArray(entries) || entries.length === 0)
    return awsJsonError('InvalidArgumentException', 'Records must contain at least 1 record.');
  if (entries.length > MAX_BATCH_RECORDS) {
    return awsJsonError(
      'InvalidArgumentException',
      `1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length less than or equal to ${MAX_BATCH_RECORDS}`,
    );
  }
  const records: Buffer[] = [];
  let total = 0;
  for (const [index, entry] of entries.entries()) {
    const data: unknown = (entry as { Data?: unknown } | null)?.Data;
    if (typeof data !== 'string' || data.length % 4 !== 0 || !BASE64.test(data)) {
      return awsJsonError('InvalidArgumentException', `Record ${index}: Data must be base64-encoded bytes.`);
    }
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length > MAX_RECORD_BYTES) {
      return awsJsonError(
        'InvalidArgumentException',
        `Record ${index} is ${bytes.length} bytes; the maximum record size is ${MAX_RECORD_BYTES} bytes (1,000 KiB).`,
      );
    }
    total += bytes.length;
    records.push(bytes);
  }
  if (total > MAX_BATCH_BYTES)
    return awsJsonError(
      'InvalidArgumentException',
      `The batch is ${total} bytes; the maximum is ${MAX_BATCH_BYTES} bytes (4 MiB).`,
    );
  return records;
}

function entryFails(ctx: Context): boolean {
  if (ctx.faults.failNextRecords > 0) {
    ctx.faults.failNextRecords -= 1;
    return true;
  }
  // Draw only when a rate is set, so switching the rate on later starts the same schedule.
  return ctx.faults.recordFailureRate > 0 && ctx.random() < ctx.faults.recordFailureRate;
}

function accept(ctx: Context, stream: string, config: StreamConfig, data: Buffer): string {
  ctx.stats.recordsDelivered += ctx.writer.append(stream, config, data, Date.now());
  ctx.stats.recordsAccepted += 1;
  ctx.stats.bytesAccepted += data.length;
  ctx.stats.bytesBilled += billedBytes(data.length);
  ctx.nextRecord += 1;
  // Real record ids are 56 decimal digits; these are unique per emulator run and sortable.
  return `4954${String(ctx.createdMs).padStart(16, '0')}${String(ctx.nextRecord).padStart(36, '0')}`;
}

function putRecordBatch(ctx: Context, input: Record<string, unknown>): EmulatorResponse {
  const records = decodeRecords(input.Records);
  if (isResponse(records)) return records;
  const stream = findStream(ctx, input);
  if (isResponse(stream)) return stream;
  let failed = 0;
  const responses = records.map((data) => {
    if (!entryFails(ctx)) return { RecordId: accept(ctx, stream[0], stream[1], data) };
    failed += 1;
    return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' };
  });
  ctx.stats.recordsFailed += failed;
  return awsJsonOk({ FailedPutCount: failed, Encrypted: false, RequestResponses: responses });
}

function putRecord(ctx: Context, input: Record<string, unknown>): EmulatorResponse {
  const records = decodeRecords([(input.Record as unknown) ?? null]);
  if (isResponse(records)) return records;
  const stream = findStream(ctx, input);
  if (isResponse(stream)) return stream;
  const [data] = records as [Buffer];
  if (entryFails(ctx)) {
    // A single record has no partial answer: its failure is the call's failure.
    ctx.stats.recordsFailed += 1;
    return awsJsonError('ServiceUnavailableException', 'Slow down.', 503);
  }
  return awsJsonOk({ RecordId: accept(ctx, stream[0], stream[1], data), Encrypted: false });
}

function describe(ctx: Context, input: Record<string, unknown>): EmulatorResponse {
  const found = findStream(ctx, input);
  if (isResponse(found)) return found;
  const [name, config] = found;
  const created = epochSeconds(ctx.createdMs);
  const s3 = {
    RoleARN: `arn:aws:iam::${EMULATED_ACCOUNT}:role/firehose-emulator`,
    BucketARN: 'arn:aws:s3:::firehose-emulator-archive',
    Prefix: config.prefix,
    ErrorOutputPrefix: config.errorOutputPrefix,
    BufferingHints: {
      SizeInMBs: Math.max(1, Math.round(ctx.buffering.bytes / MiB)),
      IntervalInSeconds: Math.round(ctx.buffering.intervalMs / 1000),
    },
    CompressionFormat: config.compression ?? 'GZIP',
    EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
    DynamicPartitioningConfiguration: { Enabled: /partitionKeyFromQuery/.test(config.prefix) },
    ...(config.deaggregation || config.appendDelimiter
      ? { ProcessingConfiguration: { Enabled: true, Processors: describeProcessors(config) } }
      : {}),
  };
  return awsJsonOk({
    DeliveryStreamDescription: {
      DeliveryStreamName: name,
      DeliveryStreamARN: emulatedArn('firehose', `deliverystream/${name}`),
      DeliveryStreamStatus: 'ACTIVE',
      DeliveryStreamType: 'DirectPut',
      VersionId: '1',
      CreateTimestamp: created,
      LastUpdateTimestamp: created,
      Destinations: [{ DestinationId: 'destinationId-000000000001', ExtendedS3DestinationDescription: s3 }],
      HasMoreDestinations: false,
    },
  });
}
