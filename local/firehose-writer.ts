/**
 * The delivery side of the Firehose emulator: dynamic-partitioning keys, prefix evaluation, and
 * buffered, atomic object writes under the archive directory with the S3 key layout of DESIGN.md 4.5.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { appendDelimiter, deaggregate, type Deaggregation } from './firehose-processors.ts';

const gzipAsync = promisify(gzip);

/** Where one emulated delivery stream writes, in the deployed stream's own prefix syntax. */
export interface StreamConfig {
  /** e.g. `events/vendor=!{partitionKeyFromQuery:vendor}/dt=!{partitionKeyFromQuery:dt}/` */
  prefix: string;
  /** e.g. `errors/!{firehose:error-output-type}/`; no partition keys, as Firehose requires. */
  errorOutputPrefix: string;
  /** @default 'GZIP' */
  compression?: 'GZIP' | 'UNCOMPRESSED';
  /** The RecordDeAggregation processor: split each record before partitioning. @default none */
  deaggregation?: Deaggregation;
  /** The AppendDelimiterToRecord processor: a newline after each (sub-)record. @default false */
  appendDelimiter?: boolean;
}

// Epoch ms of 10000-01-01: beyond it a yyyy-MM-dd partition no longer has four year digits.
const MAX_TIME_MS = 253402300800000;
const EXPRESSION = /!\{([A-Za-z]+):([^}]*)\}/g;
const NAMESPACES = new Set(['partitionKeyFromQuery', 'timestamp', 'firehose']);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Keys become directories in the local archive: `..` or a slash would escape or reshape it.
function isSegment(value: unknown): value is string {
  return typeof value === 'string' && value !== '' && value !== '.' && value !== '..' && !/[/\\\0]/.test(value);
}

/**
 * The partition keys the deployed stream's jq query extracts: `vendor` (`.metadata.log_provider`),
 * `dt` (`.time` epoch ms as UTC yyyy-MM-dd) and, when present, `source` (`.metadata.log_name`);
 * undefined when the record is not an object or lacks `vendor` or `dt`.
 */
export function partitionKeysOf(record: unknown): Record<string, string> | undefined {
  if (!isObject(record) || !isObject(record.metadata)) return undefined;
  const { log_provider: vendor, log_name: source } = record.metadata;
  const time = record.time;
  if (!isSegment(vendor) || typeof time !== 'number' || !(time >= 0 && time < MAX_TIME_MS)) return undefined;
  const keys: Record<string, string> = { vendor, dt: new Date(time).toISOString().slice(0, 10) };
  if (isSegment(source)) keys.source = source;
  return keys;
}

/** Formats epoch ms in UTC with the Java-style tokens Firehose prefixes use (yyyy MM dd HH mm ss). */
export function formatUtc(pattern: string, ms: number): string {
  const iso = new Date(ms).toISOString();
  const parts: Record<string, string> = {
    yyyy: iso.slice(0, 4), MM: iso.slice(5, 7), dd: iso.slice(8, 10),
    HH: iso.slice(11, 13), mm: iso.slice(14, 16), ss: iso.slice(17, 19),
  };
  return pattern.replace(/yyyy|MM|dd|HH|mm|ss/g, (token) => parts[token] ?? token);
}

/** Evaluates a prefix's `!{namespace:arg}` expressions; undefined when a partition key is missing. */
export function evaluatePrefix(template: string, keys: Record<string, string>, arrivalMs: number, errorOutputType?: string): string | undefined {
  let missing = false;
  const out = template.replace(EXPRESSION, (_match, namespace: string, arg: string) => {
    let value: string | undefined;
    if (namespace === 'partitionKeyFromQuery') value = keys[arg];
    else if (namespace === 'timestamp') value = formatUtc(arg, arrivalMs);
    else if (arg === 'error-output-type') value = errorOutputType;
    // Firehose's random-string is 11 characters; it spreads keys, nothing reads it back.
    else if (arg === 'random-string') value = randomBytes(8).toString('base64url').slice(0, 11);
    if (value === undefined) missing = true;
    return value ?? '';
  });
  return missing ? undefined : out;
}

/** Rejects a stream configuration the real CreateDeliveryStream would reject, naming the stream. */
export function validateStreamConfig(name: string, config: StreamConfig): void {
  if (!/^[a-zA-Z0-9_.-]{1,64}$/.test(name)) throw new Error(`Firehose stream name ${JSON.stringify(name)} is invalid`);
  for (const [field, template] of [['prefix', config.prefix], ['errorOutputPrefix', config.errorOutputPrefix]] as const) {
    for (const [, namespace, arg] of template.matchAll(EXPRESSION)) {
      if (!NAMESPACES.has(namespace ?? '')) throw new Error(`stream ${name}: ${field} uses unknown namespace ${namespace}`);
      if (namespace === 'firehose' && arg !== 'random-string' && (field === 'prefix' || arg !== 'error-output-type')) {
        throw new Error(`stream ${name}: ${field} cannot use !{firehose:${arg}}`);
      }
      if (field === 'errorOutputPrefix' && namespace === 'partitionKeyFromQuery') {
        throw new Error(`stream ${name}: errorOutputPrefix cannot use partition keys`);
      }
    }
  }
  if ((config.deaggregation || config.appendDelimiter) && !config.prefix.includes('!{partitionKeyFromQuery:')) {
    throw new Error(`stream ${name}: record deaggregation and the appended delimiter need dynamic partitioning`);
  }
  if (config.deaggregation?.type === 'DELIMITED' && config.deaggregation.delimiter === '') throw new Error(`stream ${name}: a DELIMITED deaggregation needs a delimiter`);
}

function parseSingleJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
}

// The line real Firehose writes under the error prefix for a record it could not partition.
function errorLine(data: Buffer, arrivalMs: number, errorCode: string, errorMessage: string): Buffer {
  const line = {
    attemptsMade: 1,
    arrivalTimestamp: arrivalMs,
    errorCode,
    errorMessage,
    attemptEndingTimestamp: Date.now(),
    rawData: data.toString('base64'),
  };
  return Buffer.from(`${JSON.stringify(line)}\n`);
}

interface Buffered {
  readonly stream: string;
  readonly prefix: string;
  readonly gzip: boolean;
  readonly firstArrivalMs: number;
  readonly chunks: Buffer[];
  bytes: number;
  timer: ReturnType<typeof setTimeout>;
}

/** Settings of an {@link ArchiveWriter}. */
export interface ArchiveWriterOptions {
  readonly archiveDir: string;
  readonly bufferIntervalMs: number;
  readonly bufferBytes: number;
  readonly onObjectWritten?: () => void;
}

/** Buffers records per stream and evaluated prefix, as Firehose does, and writes them as objects. */
export class ArchiveWriter {
  private readonly buffers = new Map<string, Buffered>();
  private readonly pending = new Set<Promise<void>>();
  private readonly failures: unknown[] = [];
  private readonly root: string;
  private closed = false;

  constructor(private readonly options: ArchiveWriterOptions) {
    this.root = resolve(options.archiveDir);
  }

  /**
   * Buffers one accepted record: deaggregated first when the stream says so, then each (sub-)record
   * to its partition, or to the error prefix when it cannot be processed or partitioned. Returns
   * how many records were delivered to a partition.
   */
  append(stream: string, config: StreamConfig, data: Buffer, arrivalMs: number): number {
    if (this.closed) throw new Error('the archive writer is closed');
    // Without dynamic partitioning Firehose never parses the record: any bytes are delivered.
    if (!config.prefix.includes('!{partitionKeyFromQuery:')) {
      this.buffer(stream, config, evaluatePrefix(config.prefix, {}, arrivalMs) ?? '', data, arrivalMs);
      return 1;
    }
    const parts = config.deaggregation ? deaggregate(data, config.deaggregation) : [data];
    if (!Array.isArray(parts)) {
      // The error output type of a failed deaggregation is UNCONFIRMED; the whole record lands there.
      this.toErrors(stream, config, data, arrivalMs, 'processing-failed', 'RecordDeAggregation.Failed', parts.error);
      return 0;
    }
    let delivered = 0;
    for (const part of parts) delivered += this.partition(stream, config, part, arrivalMs);
    return delivered;
  }

  private partition(stream: string, config: StreamConfig, data: Buffer, arrivalMs: number): number {
    const parsed = parseSingleJson(data);
    const keys = partitionKeysOf(parsed);
    const prefix = keys && evaluatePrefix(config.prefix, keys, arrivalMs);
    if (prefix !== undefined) {
      this.buffer(stream, config, prefix, config.appendDelimiter ? appendDelimiter(data) : data, arrivalMs);
      return 1;
    }
    const reason = parsed === undefined ? 'Non JSON record provided' : 'partitionKeys values must not be null or empty';
    this.toErrors(stream, config, data, arrivalMs, 'partitioning-failed', 'DynamicPartitioning.MetadataExtractionFailed', reason);
    return 0;
  }

  private toErrors(stream: string, config: StreamConfig, data: Buffer, arrivalMs: number, type: string, code: string, reason: string): void {
    // validateStreamConfig guarantees the error prefix has no partition keys, so it always evaluates.
    const errorPrefix = evaluatePrefix(config.errorOutputPrefix, {}, arrivalMs, type) ?? '';
    this.buffer(stream, config, errorPrefix, errorLine(data, arrivalMs, code, reason), arrivalMs);
  }

  /** Writes every buffer now and waits for all writes, rethrowing the first write failure. */
  async flush(): Promise<void> {
    for (const key of [...this.buffers.keys()]) this.release(key);
    while (this.pending.size > 0) await Promise.all([...this.pending]);
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
  }

  /** Flushes, then refuses further records. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private buffer(stream: string, config: StreamConfig, prefix: string, data: Buffer, arrivalMs: number): void {
    const key = `${stream}\0${prefix}`;
    let buf = this.buffers.get(key);
    if (!buf) {
      const timer = setTimeout(() => this.release(key), this.options.bufferIntervalMs);
      // A pending buffer must not keep a CLI alive; stop() flushes what is left.
      timer.unref();
      buf = { stream, prefix, gzip: config.compression !== 'UNCOMPRESSED', firstArrivalMs: arrivalMs, chunks: [], bytes: 0, timer };
      this.buffers.set(key, buf);
    }
    buf.chunks.push(data);
    buf.bytes += data.length;
    if (buf.bytes >= this.options.bufferBytes) this.release(key);
  }

  private release(key: string): void {
    const buf = this.buffers.get(key);
    if (!buf) return;
    this.buffers.delete(key);
    clearTimeout(buf.timer);
    const write: Promise<void> = this.write(buf)
      .catch((error: unknown) => void this.failures.push(error))
      .finally(() => this.pending.delete(write));
    this.pending.add(write);
  }

  private async write(buf: Buffered): Promise<void> {
    const name = `${buf.stream}-1-${formatUtc('yyyy-MM-dd-HH-mm-ss', buf.firstArrivalMs)}-${randomUUID()}${buf.gzip ? '.gz' : ''}`;
    // S3 concatenates prefix and name; a prefix without a trailing slash prefixes the file name.
    const target = resolve(this.root, buf.prefix + name);
    if (!target.startsWith(this.root + sep)) throw new Error(`object key escapes the archive: ${buf.prefix}${name}`);
    const body = Buffer.concat(buf.chunks);
    const bytes = buf.gzip ? await gzipAsync(body) : body;
    await mkdir(dirname(target), { recursive: true });
    // Temp name without the .gz suffix, renamed in place: a reader globbing *.gz never sees half an object.
    const temp = join(dirname(target), `.${basename(target)}.tmp`);
    await writeFile(temp, bytes);
    await rename(temp, target);
    this.options.onObjectWritten?.();
  }
}
