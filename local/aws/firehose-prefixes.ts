/**
 * The key side of the Firehose emulator: the stream configuration in the deployed stream's own
 * prefix syntax, dynamic-partitioning keys as the deployed jq query extracts them, prefix
 * evaluation, and the error lines real Firehose writes under the error prefix.
 */
import { randomBytes } from 'node:crypto';
import type { Deaggregation } from './firehose-processors.ts';

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
    yyyy: iso.slice(0, 4),
    MM: iso.slice(5, 7),
    dd: iso.slice(8, 10),
    HH: iso.slice(11, 13),
    mm: iso.slice(14, 16),
    ss: iso.slice(17, 19),
  };
  return pattern.replace(/yyyy|MM|dd|HH|mm|ss/g, (token) => parts[token] ?? token);
}

/** Evaluates a prefix's `!{namespace:arg}` expressions; undefined when a partition key is missing. */
export function evaluatePrefix(
  template: string,
  keys: Record<string, string>,
  arrivalMs: number,
  errorOutputType?: string,
): string | undefined {
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
  for (const [field, template] of [
    ['prefix', config.prefix],
    ['errorOutputPrefix', config.errorOutputPrefix],
  ] as const) {
    for (const [, namespace, arg] of template.matchAll(EXPRESSION)) {
      if (!NAMESPACES.has(namespace ?? ''))
        throw new Error(`stream ${name}: ${field} uses unknown namespace ${namespace}`);
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
  if (config.deaggregation?.type === 'DELIMITED' && config.deaggregation.delimiter === '')
    throw new Error(`stream ${name}: a DELIMITED deaggregation needs a delimiter`);
}

export function parseSingleJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
}

// The line real Firehose writes under the error prefix for a record it could not partition.
export function errorLine(data: Buffer, arrivalMs: number, errorCode: string, errorMessage: string): Buffer {
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
