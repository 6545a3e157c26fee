/**
 * Pure retry arithmetic for the HTTP client: full-jitter backoff and `Retry-After` parsing.
 * Kept free of clocks and timers so every edge case is testable with plain numbers.
 */

/** AWS "full jitter": a random delay in [0, min(maxMs, baseMs * 2^attempt)], `attempt` from 0. */
export function fullJitterDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  // 2 ** a large attempt is Infinity, which `min` turns back into maxMs.
  const ceiling = Math.max(0, Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt)));
  // Clamp a misbehaving injected random so the result stays in range.
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(r * ceiling);
}

/** Delta-seconds, possibly fractional or negative (vendors send both); RFC 9110 allows digits only. */
const DELTA_SECONDS = /^-?\d+(\.\d+)?$/;
/** An HTTP-date in any of its three forms starts with a day name ("Sun, 06 Nov", "Sunday, 06-Nov", "Sun Nov  6"). */
const HTTP_DATE = /^[A-Za-z]{3,9},? /;

/** A `Retry-After` value as a wait in ms from `nowMs`: negative or past → 0, unparsable → undefined. */
export function parseRetryAfter(headerValue: string | null | undefined, nowMs: number): number | undefined {
  const value = headerValue?.trim();
  if (!value) return undefined;
  if (DELTA_SECONDS.test(value)) return Math.max(0, Math.ceil(Number(value) * 1000));
  // Date.parse accepts odd inputs ("1", "2024"), so only strings shaped like an HTTP-date get there.
  if (!HTTP_DATE.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
