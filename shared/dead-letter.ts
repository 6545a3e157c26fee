/**
 * Dead-letter entries: records that failed validation or normalization, or that are too large for
 * Firehose, go to the dead-letter stream with the reason and the raw record (DESIGN.md 4.3
 * invariant 6). They carry the same `metadata.log_provider`/`log_name` and `time` as events, so the
 * dead-letter stream partitions them the same way (`dead-letter/vendor=<v>/dt=<day>/`).
 *
 * An entry always fits one Firehose record: its size is measured as serialized, because JSON
 * escaping can make a raw record up to six times larger (`"` → `\"`, a control character or a lone
 * surrogate → `\u00XX`). One that does not fit keeps the raw record's sha256 and as long an excerpt
 * of it as fits; a single record can never make a page undeliverable (and so wedge its source).
 */
import { createHash } from 'node:crypto';
import { eventUid } from './ocsf.ts';
import { FIREHOSE_LIMITS, toRecord } from './sink.ts';
import type { Source } from './config.ts';

export type DeadLetterStage = 'validate' | 'normalize' | 'oversize';

/** One dead-lettered record, as written to the dead-letter stream. */
export interface DeadLetterEntry {
  time: number;
  stage: DeadLetterStage;
  reason: string;
  metadata: { version: '1.1.0'; uid: string; log_provider: string; log_name: string };
  /** Present when the raw record had to be cut to fit Firehose's record limit. */
  raw_sha256?: string;
  raw_truncated?: boolean;
  /** The whole raw record's size in UTF-8 bytes, when it was cut. */
  raw_bytes?: number;
  raw_data: string;
}

/** Reasons are cut to this many characters (a zod report of a huge record can be long). */
const REASON_CHARS = 2000;

/** Builds a dead-letter record (already serialized for the sink); never above Firehose's record limit. */
export function deadLetterRecord(
  source: Source,
  raw: string,
  stage: DeadLetterStage,
  reason: string,
  now: number,
): Uint8Array {
  const digest = createHash('sha256').update(raw).digest('hex');
  const entry: DeadLetterEntry = {
    time: now,
    stage,
    reason: cutString(reason, REASON_CHARS),
    metadata: {
      version: '1.1.0',
      uid: eventUid(source.vendor, source.id, `raw:${digest}`),
      log_provider: source.vendor,
      log_name: source.id,
    },
    raw_data: raw,
  };
  const whole = toRecord(entry);
  if (whole.byteLength <= FIREHOSE_LIMITS.maxRecordBytes) return whole;
  // The full record cannot pass Firehose: keep its digest, its size and the longest excerpt that fits.
  Object.assign(entry, { raw_data: '', raw_truncated: true, raw_sha256: digest, raw_bytes: Buffer.byteLength(raw) });
  const room = FIREHOSE_LIMITS.maxRecordBytes - toRecord(entry).byteLength;
  let length = escapedPrefixLength(raw, room);
  for (;;) {
    entry.raw_data = cutString(raw, length);
    const record = toRecord(entry);
    if (record.byteLength <= FIREHOSE_LIMITS.maxRecordBytes) return record;
    // Only reached if the escaping estimate were wrong; halving still ends with an empty excerpt.
    length = Math.floor(length / 2);
  }
}

/** `text` cut to at most `length` UTF-16 code units, never between the two halves of a surrogate pair. */
function cutString(text: string, length: number): string {
  if (text.length <= length) return text;
  const high = text.charCodeAt(length - 1);
  return text.slice(0, high >= 0xd800 && high <= 0xdbff && isLow(text.charCodeAt(length)) ? length - 1 : length);
}

/**
 * How many leading code units of `text` fit in `budget` bytes once JSON.stringify has escaped them
 * and UTF-8 encoded the result: `"` and `\` and \b \f \n \r \t take 2 bytes, other control
 * characters and lone surrogates 6 (`\uXXXX`), a surrogate pair 4, the rest their UTF-8 length.
 */
export function escapedPrefixLength(text: string, budget: number): number {
  let used = 0;
  let i = 0;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    let units = 1;
    let bytes: number;
    if (c === 0x22 || c === 0x5c || c === 0x08 || c === 0x0c || c === 0x0a || c === 0x0d || c === 0x09) bytes = 2;
    else if (c < 0x20) bytes = 6;
    else if (c < 0x80) bytes = 1;
    else if (c < 0x800) bytes = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && isLow(text.charCodeAt(i + 1))) {
      units = 2;
      bytes = 4;
    } else if (c >= 0xd800 && c <= 0xdfff) bytes = 6;
    else bytes = 3;
    if (used + bytes > budget) break;
    used += bytes;
    i += units;
  }
  return i;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}
