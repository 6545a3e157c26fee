/**
 * Pure retry arithmetic for the HTTP client: full-jitter backoff, and the delay an error answer
 * asks for (`Retry-After`, google.rpc.RetryInfo).
 * Kept free of clocks and timers so every edge case is testable with plain numbers.
 */

/** AWS "full jitter": a random delay in [0, min(maxMs, baseMs * 2^attempt)], `attempt` from 0. */
export function fullJitterDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
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

/** A protobuf Duration in its JSON form ("1.5s"), as google.rpc.RetryInfo carries `retry_delay`. */
const DURATION = /^(\d+)(\.\d{1,9})?s$/;
/** The type URL of google.rpc.RetryInfo, however the gateway prefixes it. */
const RETRY_INFO = /(^|\/)google\.rpc\.RetryInfo$/;

/**
 * The `retry_delay` of a google.rpc.RetryInfo entry in a google.rpc.Status body's `details`, in ms
 * (vendor-notes §3.4): `retryDelay` (proto3 JSON names) or `retry_delay` (proto names), as a
 * duration string ("1s", "0.250s") or as `{seconds, nanos}`. Undefined when the body is not such a
 * Status or names no delay; the longest when several entries do.
 */
export function parseRetryInfo(body: string): number | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const details = (parsed as { details?: unknown } | null)?.details;
  if (!Array.isArray(details)) return undefined;
  const delays = details.flatMap((detail: unknown) => {
    if (typeof detail !== 'object' || detail === null) return [];
    const entry = detail as Record<string, unknown>;
    if (typeof entry['@type'] !== 'string' || !RETRY_INFO.test(entry['@type'])) return [];
    const ms = durationMs(entry.retryDelay ?? entry.retry_delay);
    return ms === undefined ? [] : [ms];
  });
  return delays.length ? Math.max(...delays) : undefined;
}

function durationMs(value: unknown): number | undefined {
  if (typeof value === 'string') {
    const m = DURATION.exec(value.trim());
    return m ? Math.ceil(Number(`${m[1]}${m[2] ?? ''}`) * 1000) : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { seconds, nanos } = value as { seconds?: unknown; nanos?: unknown };
  // proto3 JSON writes int64 seconds as a string.
  const s = typeof seconds === 'string' && /^\d+$/.test(seconds) ? Number(seconds) : seconds;
  const n = nanos ?? 0;
  if (typeof s !== 'number' || !Number.isFinite(s) || s < 0 || typeof n !== 'number' || !Number.isFinite(n) || n < 0)
    return undefined;
  return Math.ceil(s * 1000 + n / 1e6);
}

/**
 * The wait an error answer asks for, in ms: the longer of its `Retry-After` (an HTTP-date read
 * against `vendorNowMs`, the vendor's own clock by its `Date` header, so a skewed pump clock does
 * not shorten or stretch it) and a google.rpc.RetryInfo in its body; undefined when it names none.
 */
export function answerDelay(
  retryAfter: string | null | undefined,
  body: string,
  vendorNowMs: number,
): number | undefined {
  const delays = [parseRetryAfter(retryAfter, vendorNowMs), parseRetryInfo(body)].filter(
    (d): d is number => d !== undefined,
  );
  return delays.length ? Math.max(...delays) : undefined;
}
