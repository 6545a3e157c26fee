/**
 * The Firehose processors the emulator runs before partitioning, as the deployed streams configure
 * them (infra/constructs/delivery-stream.ts): RecordDeAggregation (multi-record deaggregation, JSON
 * or DELIMITED, at most 500 sub-records a record) and AppendDelimiterToRecord (a newline after each
 * record, because deaggregation drops the newlines between records).
 * https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning-multirecord-deaggergation.html
 */

/** Firehose's cap on sub-records per deaggregated record. */
export const MAX_SUB_RECORDS = 500;

/** RecordDeAggregation: `JSON` (consecutive JSON objects, JSONL included) or `DELIMITED` by a custom delimiter. */
export type Deaggregation = { readonly type: 'JSON' } | { readonly type: 'DELIMITED'; readonly delimiter: string };

const OPEN = 0x7b;
const CLOSE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isSpace = (b: number | undefined): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/**
 * Index just past the JSON object whose `{` is at `start`, or -1 when it is not closed. Works on
 * UTF-8 bytes: quotes, braces and backslashes are ASCII and never occur inside a multi-byte character.
 */
function objectEnd(data: Uint8Array, start: number): number {
  let depth = 0;
  for (let i = start; i < data.length; i++) {
    const b = data[i];
    if (b === QUOTE) {
      for (i++; i < data.length && data[i] !== QUOTE; i++) if (data[i] === BACKSLASH) i++;
    } else if (b === OPEN || b === 0x5b) {
      depth++;
    } else if (b === CLOSE || b === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Consecutive JSON objects, separated by nothing or by whitespace (JSONL); an error text otherwise. */
function jsonObjects(data: Buffer): Buffer[] | string {
  const out: Buffer[] = [];
  let i = 0;
  for (;;) {
    while (isSpace(data[i])) i++;
    if (i >= data.length) return out;
    if (data[i] !== OPEN) return `expected a JSON object at byte ${i}`;
    const end = objectEnd(data, i);
    if (end < 0) return `unterminated JSON object at byte ${i}`;
    out.push(data.subarray(i, end));
    i = end;
  }
}

function delimited(data: Buffer, delimiter: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let at = data.indexOf(delimiter, start); at >= 0; at = data.indexOf(delimiter, start)) {
    if (at > start) out.push(data.subarray(start, at));
    start = at + delimiter.length;
  }
  if (start < data.length) out.push(data.subarray(start));
  return out;
}

/**
 * The sub-records of one record, or the reason it cannot be deaggregated. Whether DELIMITED keeps
 * an empty piece after a trailing delimiter is UNCONFIRMED; empty pieces are dropped here.
 */
export function deaggregate(data: Buffer, how: Deaggregation): Buffer[] | { error: string } {
  const parts = how.type === 'JSON' ? jsonObjects(data) : delimited(data, Buffer.from(how.delimiter, 'utf8'));
  if (typeof parts === 'string') return { error: `RecordDeAggregation (JSON) failed: ${parts}` };
  if (parts.length > MAX_SUB_RECORDS)
    return {
      error: `RecordDeAggregation: ${parts.length} sub-records, more than the ${MAX_SUB_RECORDS} Firehose deaggregates from one record`,
    };
  return parts;
}

/** AppendDelimiterToRecord: the record followed by a newline. */
export function appendDelimiter(data: Buffer): Buffer {
  return Buffer.concat([data, NEWLINE], data.length + 1);
}

const NEWLINE = Buffer.from('\n');

/** The processors as DescribeDeliveryStream lists them (the jq MetadataExtraction is not modelled). */
export function describeProcessors(config: {
  deaggregation?: Deaggregation;
  appendDelimiter?: boolean;
}): Array<{ Type: string; Parameters: Array<{ ParameterName: string; ParameterValue: string }> }> {
  const out = [];
  const how = config.deaggregation;
  if (how) {
    const delimiter =
      how.type === 'DELIMITED'
        ? [{ ParameterName: 'Delimiter', ParameterValue: Buffer.from(how.delimiter).toString('base64') }]
        : [];
    out.push({
      Type: 'RecordDeAggregation',
      Parameters: [{ ParameterName: 'SubRecordType', ParameterValue: how.type }, ...delimiter],
    });
  }
  if (config.appendDelimiter) out.push({ Type: 'AppendDelimiterToRecord', Parameters: [] });
  return out;
}
