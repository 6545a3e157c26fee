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

/**
 * JSON with object keys sorted at every level, so key order and spacing do not change the hash.
 * Iterative: a record nested thousands of levels deep would overflow a recursive walk, fail its
 * page on every run and so block the source (found by the chaos fuzzer).
 */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  const work: Array<{ text: string } | { value: unknown }> = [{ value }];
  for (let item = work.pop(); item !== undefined; item = work.pop()) {
    if ('text' in item) {
      out.push(item.text);
      continue;
    }
    const v = item.value;
    const parts: Array<{ text: string } | { value: unknown }> = [];
    if (Array.isArray(v)) {
      v.forEach((element, i) => parts.push(...(i ? [{ text: ',' }] : []), { value: element }));
      parts.unshift({ text: '[' });
      parts.push({ text: ']' });
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      entries.forEach(([k, element], i) =>
        parts.push({ text: `${i ? ',' : ''}${JSON.stringify(k)}:` }, { value: element }),
      );
      parts.unshift({ text: '{' });
      parts.push({ text: '}' });
    } else {
      out.push(JSON.stringify(v) ?? 'null');
    }
    for (let i = parts.length - 1; i >= 0; i--) work.push(parts[i] as { text: string } | { value: unknown });
  }
  return out.join('');
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
  // ISO-8601 only: Date.parse also reads "0" or "42" as dates, and such a record would then be
  // dropped as outside the window instead of dead-lettered (found by the chaos fuzzer).
  return typeof t === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(t) ? Date.parse(t) : Number.NaN;
}

/**
 * Tags records (in ascending `create_time` order) with hash and occurrence index, continuing the
 * counts of `tail` when the first records share its millisecond; returns the new tail.
 */
export function tagOccurrences(
  records: readonly RawRecord[],
  tail?: CbTail,
): { records: CbRawRecord[]; tail?: CbTail } {
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
  return records
    .map((r, i) => ({ r, i, t: time(r) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map((x) => x.r);
}
