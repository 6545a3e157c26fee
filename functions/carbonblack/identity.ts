/**
 * Identity of Carbon Black audit logs, which have no id field (vendor-notes §5.2, §5.7): the native
 * id is a hash of the record's content plus its occurrence index among identical records.
 *
 * Identical records (same content, so the same `create_time` millisecond) are indistinguishable,
 * so the index only has to count them: the n-th copy read gets index n. Every copy shares one
 * millisecond, so all of them fall in the same time window and arrive together in an ascending
 * read; the count therefore restarts at each new millisecond, and only the counts of the newest
 * millisecond (the "tail") are carried across a page boundary in the cursor. A re-read of the same
 * window, with any page size or window split, reproduces the same ids.
 */
import { createHash } from 'node:crypto';
import type { RawRecord } from '../../shared/connector.ts';
import type { CbTail } from './schemas.ts';

/** A record tagged with its identity by the connector; the runner hands it back to `nativeId`. */
export interface CbRawRecord extends RawRecord {
  readonly hash: string;
  readonly occurrence: number;
}

/** JSON with object keys sorted at every level, so key order and spacing do not change the hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** 32 hex characters of the SHA-256 of the record's canonical JSON. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 32);
}

/** The native id: content hash and occurrence index. */
export function cbNativeId(hash: string, occurrence: number): string {
  return `${hash}.${occurrence}`;
}

/** Epoch ms of a record's `create_time`, NaN when it has none. */
export function createTimeOf(value: unknown): number {
  const t = (value as { create_time?: unknown } | null)?.create_time;
  return typeof t === 'string' ? Date.parse(t) : Number.NaN;
}

/**
 * Tags records (in ascending `create_time` order) with hash and occurrence index, continuing the
 * counts of `tail` when the first records share its millisecond; returns the new tail.
 */
export function tagOccurrences(records: readonly RawRecord[], tail?: CbTail): { records: CbRawRecord[]; tail?: CbTail } {
  let at = tail?.at;
  let counts = new Map(Object.entries(tail?.counts ?? {}));
  const tagged = records.map((record): CbRawRecord => {
    const hash = contentHash(record.value);
    const time = createTimeOf(record.value);
    // A record without a valid time is dead-lettered by the runner; it must not disturb the counts.
    if (Number.isNaN(time)) return { ...record, hash, occurrence: 0 };
    if (time !== at) [at, counts] = [time, new Map()];
    const occurrence = counts.get(hash) ?? 0;
    counts.set(hash, occurrence + 1);
    return { ...record, hash, occurrence };
  });
  return { records: tagged, ...(at !== undefined ? { tail: { at, counts: Object.fromEntries(counts) } } : {}) };
}

/** Native ids of a whole set of records (the emulator's "every event" list): order does not matter. */
export function cbNativeIds(values: readonly unknown[]): string[] {
  const counts = new Map<string, number>();
  return values.map((value) => {
    const hash = contentHash(value);
    const occurrence = counts.get(hash) ?? 0;
    counts.set(hash, occurrence + 1);
    return cbNativeId(hash, occurrence);
  });
}

/** Sorts a batch by `create_time`, keeping the vendor's order among equal times (queue order is UNCONFIRMED, §5.4). */
export function byCreateTime(records: readonly RawRecord[]): RawRecord[] {
  const time = (r: RawRecord): number => {
    const t = createTimeOf(r.value);
    return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
  };
  return records.map((r, i) => ({ r, i, t: time(r) })).sort((a, b) => a.t - b.t || a.i - b.i).map((x) => x.r);
}
