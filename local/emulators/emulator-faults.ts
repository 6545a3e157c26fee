/**
 * Fault knobs the emulators share (the reliability campaign, local/chaos/): a 429 with or without
 * Retry-After, a 200 whose body is not JSON, and pages whose records come in another order or
 * repeat records of the page served before. Each emulator keeps its own counters and calls these
 * where it builds its answers; counters count down as they fire.
 */
import type { EmulatorResponse } from './http-server.ts';
import type { Random } from './random.ts';

/** Knobs of a page: counters of the next non-empty pages to disturb. */
export interface PageFaults {
  /** Next N non-empty pages: the records in a shuffled (seeded) order. */
  reorderNext: number;
  /** Next N non-empty pages: the last `duplicateCount` records of the page served before come first again. */
  duplicateNext: number;
  /** @default 3 */
  duplicateCount?: number;
}

/** What a proxy in front of an API answers when the upstream failed: HTML, with a 200 now and then. */
export const MALFORMED_BODY = '<html><head><title>Service Unavailable</title></head><body>upstream error</body></html>';

/** A 429; with `Retry-After: <seconds>` when `retryAfterSeconds` is above 0, without any when it is 0. */
export function tooManyRequests(
  retryAfterSeconds: number,
  body: unknown = { message: 'Too Many Requests' },
): EmulatorResponse {
  return { status: 429, headers: retryAfterSeconds > 0 ? { 'retry-after': String(retryAfterSeconds) } : {}, body };
}

/** Decrements `faults[key]` and returns true when it was above 0. */
export function fire<K extends string>(faults: Record<K, number>, key: K): boolean {
  if (faults[key] <= 0) return false;
  faults[key]--;
  return true;
}

/** A seeded Fisher-Yates shuffle (a copy). */
export function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/**
 * Applies the page knobs to a non-empty page; `previous` is the last non-empty page served (kept by
 * the caller). Duplicates are prepended, so the page's own records and its continuation are unchanged.
 */
export function disturbPage<T>(faults: PageFaults, random: Random, page: readonly T[], previous: readonly T[]): T[] {
  if (page.length === 0) return [...page];
  let out = [...page];
  if (previous.length > 0 && fire(faults as unknown as Record<'duplicateNext', number>, 'duplicateNext')) {
    out = [...previous.slice(-(faults.duplicateCount ?? 3)), ...out];
  }
  if (fire(faults as unknown as Record<'reorderNext', number>, 'reorderNext')) out = shuffled(random, out);
  return out;
}
