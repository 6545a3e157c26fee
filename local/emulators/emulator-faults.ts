/**
 * Fault knobs the emulators share (the reliability campaign, local/chaos/): a request that hangs, a
 * 5xx, a 429 with or without Retry-After, a 200 whose body is not JSON or is cut short, and pages
 * whose records come in another order or repeat records of the page served before. Each emulator
 * opens each request with a {@link RequestGate} and calls these where it builds its answers, in its
 * vendor's order and with its vendor's bodies; counters count down as they fire.
 */
import type { EmulatorResponse } from './http-server.ts';
import { seededRandom, type Random } from './random.ts';
import { Waits } from './waits.ts';

/** Knobs of a request, which every emulator has; what each answers is the vendor's (its `XFaults`). */
export interface RequestFaults {
  /** Next N requests: the vendor's 5xx. */
  serverErrorNext: number;
  /** Next N requests that would succeed: a 200 whose body is cut in half. */
  truncateNext: number;
  /** Next N requests never answer until stop(). */
  hangNext: number;
  /** Share (0..1) of requests that get the vendor's 5xx, drawn from the emulator's seeded random. */
  errorRate: number;
  /** Next N requests: 429, with `Retry-After: retryAfterSeconds` (none when 0). */
  rateLimitNext: number;
  /** @default 1 */
  retryAfterSeconds: number;
  /** Next N requests that would succeed: a 200 whose body is an HTML page, not JSON. */
  malformedNext: number;
}

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

/** What an emulator's options give its {@link RequestGate}. */
export interface GateOptions<F> {
  readonly seed?: number | undefined;
  readonly latencyMs?: number | undefined;
  readonly faults?: Partial<F & PageFaults> | undefined;
}

/**
 * The request handling every vendor's service opens with: its knobs (the request and page knobs, then the
 * vendor's own), its seeded fault random and the waits stop() ends. The vendor decides where each fault
 * answers and with what body; the gate decides whether it fires.
 */
export class RequestGate<F extends RequestFaults = RequestFaults> {
  readonly faults: F & PageFaults;
  /** Seeded from the emulator's seed: `errorRate` draws, and the vendor's own (page shuffles...) in one sequence. */
  readonly random: Random;
  readonly #waits = new Waits();
  readonly #latencyMs: number;

  /** `own`: the vendor's own knobs at start (off); `options.faults` is set over all of them. */
  constructor(options: GateOptions<F>, own: Omit<F, keyof RequestFaults>) {
    this.faults = {
      serverErrorNext: 0,
      truncateNext: 0,
      hangNext: 0,
      errorRate: 0,
      rateLimitNext: 0,
      retryAfterSeconds: 1,
      malformedNext: 0,
      reorderNext: 0,
      duplicateNext: 0,
      ...own,
      ...options.faults,
      // TypeScript cannot narrow spreads of generic types; every key of F is set above or by `own`.
    } as F & PageFaults;
    this.random = seededRandom((options.seed ?? 1) ^ 0x5eed);
    this.#latencyMs = options.latencyMs ?? 0;
  }

  /**
   * Counts the request and holds it `latencyMs`; when `hangNext` fires, leaves it unanswered until stop();
   * else answers with `respond` and counts an answer of 400 or above. After stop() nothing is answered.
   */
  async serve(
    stats: { requests: number; errors: number },
    respond: () => Promise<EmulatorResponse | undefined> | EmulatorResponse | undefined,
  ): Promise<EmulatorResponse | undefined> {
    stats.requests++;
    if (this.#latencyMs > 0) await this.#waits.wait(this.#latencyMs);
    if (fire(this.faults, 'hangNext')) return this.#waits.wait().then(() => undefined);
    const out = await respond();
    if (!out || this.#waits.stopped) return undefined;
    if (out.status >= 400) stats.errors++;
    return out;
  }

  /** `serverErrorNext`, else a seeded draw under `errorRate`: whether this request gets the vendor's 5xx. */
  serverError(): boolean {
    const due = this.faults.serverErrorNext > 0 || (this.faults.errorRate > 0 && this.random() < this.faults.errorRate);
    if (due) this.faults.serverErrorNext = Math.max(0, this.faults.serverErrorNext - 1);
    return due;
  }

  /** `malformedNext`, then `truncateNext` (a text body only), on an answer that succeeded; any other passes as is. */
  spoil(out: EmulatorResponse): EmulatorResponse {
    if (out.status !== 200) return out;
    if (fire(this.faults, 'malformedNext'))
      return { status: 200, headers: { 'content-type': 'text/html' }, body: MALFORMED_BODY };
    if (typeof out.body !== 'string' || !fire(this.faults, 'truncateNext')) return out;
    return { ...out, body: out.body.slice(0, Math.floor(out.body.length / 2)) };
  }

  /** Ends the latency and hang waits, now and later. */
  stop(): void {
    this.#waits.stop();
  }
}
