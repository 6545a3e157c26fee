/**
 * The HTTP client every connector uses (DESIGN.md 4.2): one per source, bound to the source's
 * origin, its deadline and its secrets. It retries what is worth retrying, never waits past the
 * deadline, caps response sizes and redacts every error before the message is built.
 */
import { answerDelay, fullJitterDelay } from './backoff.ts';
import { isCredentialParam, makeRedactor, redactUrl } from './redact.ts';
import type { HttpFactory } from './runner.ts';
import {
  AuditPumpError,
  AuthError,
  ConfigError,
  DeadlineError,
  ForeignOriginError,
  HttpNetworkError,
  HttpStatusError,
  HttpTimeoutError,
  MalformedPageError,
  RateLimitedError,
  ResponseTooLargeError,
} from './errors.ts';

/** One request; a string `url` is resolved against the client's origin. */
export interface HttpRequest {
  method?: 'GET' | 'POST';
  url: string | URL;
  headers?: Record<string, string>;
  body?: string;
}
/** A 2xx response, body read in full. */
export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  url: string;
}
/**
 * Vendor-specific rule, consulted for every non-2xx response before the generic rules: {retry:true,
 * waitMs} to retry, waiting what the answer asks (`Retry-After`, google.rpc.RetryInfo) or, when it
 * names no delay, the vendor's documented `waitMs` (Veza ResourceExhausted: 60 s); {retry:false}
 * to fail at once; undefined for the generic behaviour.
 */
export type RetryRule = (res: {
  status: number;
  headers: Headers;
  text: string;
}) => { retry: boolean; waitMs?: number } | undefined;
/** Reported before each retry wait, for the retry and throttling metrics. */
export interface RetryEvent {
  attempt: number;
  waitMs: number;
  reason: string;
  status?: number;
  throttled: boolean;
}
/** The client's clock, as a {@link RequestGate} waits on it: waits must be over by `latestEnd`. */
export interface GateClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  readonly deadline: number;
  readonly latestEnd: number;
}
/**
 * What every attempt passes first (shared/throttle-gate.ts): the back-off and the request budget
 * the source shares with every run of its limit scope.
 */
export interface RequestGate {
  /** Resolves when a request may be sent; throws RateLimitedError when that is after `clock.latestEnd`. */
  admit(clock: GateClock): Promise<void>;
  /** The vendor asked for a pause until `until` (epoch ms): every run of the scope holds its requests till then. */
  backOff(until: number, reason: string, clock: GateClock): Promise<void>;
}
/** Options of an {@link HttpClient}; only `origin` and `deadline` are required. */
export interface HttpClientOptions {
  origin: string;
  deadline: number | (() => number);
  secrets?: readonly string[];
  fetch?: typeof fetch;
  requestTimeoutMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  maxResponseBytes?: number;
  retryRule?: RetryRule;
  userAgent?: string;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onRetry?: (event: RetryEvent) => void;
  /** Passed before every attempt; told of every pause the vendor asks for. */
  gate?: RequestGate;
}

/** Waits must end this long before the deadline, so the run can still deliver, commit and report. */
const DEADLINE_RESERVE_MS = 1000;
const EXCERPT_CHARS = 300;
/** Error bodies are read only this far: enough for an excerpt and for a vendor retry rule. */
const ERROR_BODY_BYTES = 64 * 1024;
/** Header names whose values are credentials even when the connector did not list them as secrets. */
const SENSITIVE_HEADER = /auth|token|key|secret|cookie|signature|passw/i;

type Redact = (text: string) => string;
/** An attempt that produced no usable response, and what to do about it. */
interface Failure {
  error: Error;
  retry: boolean;
  throttled: boolean;
  reason: string;
  waitMs?: number;
  status?: number;
}
/** Abort reason of the per-attempt timer, told apart from any other abort. */
class AttemptTimeout extends Error {}

/**
 * Connections are opened by Node's own fetch (undici inside Node: keep-alive pool shared across
 * clients, so connections survive between runs). It gives up connecting after undici's default
 * of 10 s; each attempt as a whole is bounded by `requestTimeoutMs` and the deadline. Bundling
 * undici for a configurable connect timeout would add ~540 kB to every function (docs/performance.md).
 */
const CONNECT_TIMEOUT_MS = 10_000;

/** HTTP client bound to one source: origin checks, redaction, deadline-aware retries, size caps. */
export class HttpClient {
  readonly #base: URL;
  readonly #deadline: () => number;
  readonly #secrets: readonly string[];
  readonly #fetch: typeof fetch;
  readonly #o: Required<
    Pick<
      HttpClientOptions,
      | 'requestTimeoutMs'
      | 'maxAttempts'
      | 'baseDelayMs'
      | 'maxDelayMs'
      | 'maxResponseBytes'
      | 'userAgent'
      | 'random'
      | 'sleep'
      | 'now'
    >
  >;
  readonly #retryRule: RetryRule | undefined;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;
  readonly #gate: RequestGate | undefined;
  readonly #redact: Redact;
  /** The vendor's clock as its latest `Date` header gave it, and our clock when that answer came. */
  #vendorClock: { vendorMs: number; localMs: number } | undefined;

  constructor(options: HttpClientOptions) {
    this.#base = parseOrigin(options.origin);
    const { deadline } = options;
    this.#deadline = typeof deadline === 'function' ? deadline : () => deadline;
    this.#secrets = options.secrets ?? [];
    this.#redact = makeRedactor(this.#secrets);
    this.#o = {
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      maxAttempts: Math.max(1, options.maxAttempts ?? 5),
      baseDelayMs: options.baseDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 20_000,
      maxResponseBytes: options.maxResponseBytes ?? 32 * 1024 * 1024,
      userAgent: options.userAgent ?? 'audit-pump/0.1',
      random: options.random ?? Math.random,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      now: options.now ?? Date.now,
    };
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#retryRule = options.retryRule;
    this.#onRetry = options.onRetry;
    this.#gate = options.gate;
  }

  /** Resolves a vendor-supplied link against the origin; throws ForeignOriginError if it leaves it. */
  resolveLink(link: string): URL {
    return this.#resolve(link, this.#redact);
  }

  /**
   * `text` with this source's secrets removed, in every encoding they travel in. Connectors pass
   * every vendor-supplied text (an in-band error, a message field) through it before it goes into
   * an error or a log: a vendor may echo the credential it was sent.
   */
  redact(text: string): string {
    return this.#redact(text);
  }

  /**
   * The vendor's "now" (epoch ms) by the `Date` header of its latest answer, moved on by our clock
   * since; undefined before any answer carried one. Whole seconds, so it runs up to a second behind
   * the vendor: an estimate on the early side, which is the safe side for closing time windows.
   */
  vendorNow(): number | undefined {
    const clock = this.#vendorClock;
    return clock && clock.vendorMs + (this.#o.now() - clock.localMs);
  }

  /** Sends the request, retrying 429, 5xx, timeouts and network errors within attempts and deadline. */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const url = this.#resolve(req.url, this.#redact);
    const redact = this.#redactorFor(url, req.headers);
    const method = req.method ?? 'GET';
    for (let attempt = 1; ; attempt++) {
      const label = `${method} ${redact(redactUrl(url))} (attempt ${attempt}/${this.#o.maxAttempts})`;
      await this.#gate?.admit(this.#gateClock());
      const result = await this.#attempt(method, url, req, label, redact);
      if (!('error' in result)) return result;
      const waitMs = this.#waitFor(result, attempt);
      // A pause the vendor asked for holds every run of the scope, this one's last attempt included.
      if (result.throttled) await this.#gate?.backOff(this.#o.now() + waitMs, result.reason, this.#gateClock());
      if (!result.retry || attempt >= this.#o.maxAttempts) throw result.error;
      await this.#wait(result, waitMs, attempt, label);
    }
  }

  #gateClock(): GateClock {
    const deadline = this.#deadline();
    return { now: this.#o.now, sleep: this.#o.sleep, deadline, latestEnd: deadline - DEADLINE_RESERVE_MS };
  }

  /** request + JSON.parse; MalformedPageError naming the (redacted) URL when the body is not JSON. */
  async json<T = unknown>(req: HttpRequest): Promise<{ response: HttpResponse; body: T }> {
    const response = await this.request(req);
    try {
      return { response, body: JSON.parse(response.text) as T };
    } catch (error) {
      const redact = this.#redactorFor(new URL(response.url), req.headers);
      // Newer V8 quotes the body in JSON.parse messages, so the cause is rebuilt from the redacted text.
      const detail = excerpt(error instanceof Error ? error.message : String(error), redact);
      const message = `${req.method ?? 'GET'} ${redact(redactUrl(response.url))}: response is not JSON (${detail})`;
      throw new MalformedPageError(message, { cause: new SyntaxError(detail) });
    }
  }

  #resolve(link: string | URL, redact: Redact): URL {
    let url: URL;
    try {
      url = new URL(link, this.#base);
    } catch (cause) {
      throw new ForeignOriginError(`${redact(redactUrl(link))} is not a valid URL`, { cause });
    }
    if (url.origin !== this.#base.origin) {
      throw new ForeignOriginError(`${redact(redactUrl(url))} is not on the source's origin ${this.#base.origin}`);
    }
    return url;
  }

  /** The client's secrets plus this request's credential headers and query values. */
  #redactorFor(url: URL, headers: Record<string, string> | undefined): Redact {
    const extra: string[] = [];
    for (const [name, value] of Object.entries(headers ?? {})) {
      // "Bearer abc" → both the whole value and the token, which a vendor may echo on its own.
      if (SENSITIVE_HEADER.test(name)) extra.push(value, value.slice(value.lastIndexOf(' ') + 1));
    }
    for (const [name, value] of url.searchParams) if (isCredentialParam(name)) extra.push(value);
    return makeRedactor([...this.#secrets, ...extra]);
  }

  async #attempt(
    method: string,
    url: URL,
    req: HttpRequest,
    label: string,
    redact: Redact,
  ): Promise<HttpResponse | Failure> {
    const left = this.#deadline() - this.#o.now();
    if (left <= 0) throw new DeadlineError(`${label}: the deadline has passed`);
    const timeoutMs = Math.min(this.#o.requestTimeoutMs, left);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AttemptTimeout()), timeoutMs);
    try {
      const res = await this.#fetch(url.href, {
        method,
        headers: this.#headers(req),
        signal: controller.signal,
        // Redirects are not followed: one could leave the origin with the credentials attached.
        redirect: 'manual',
        ...(req.body === undefined ? {} : { body: req.body }),
      });
      this.#noteDate(res.headers.get('date'));
      const ok = res.status >= 200 && res.status < 300;
      const cap = ok ? this.#o.maxResponseBytes : Math.min(this.#o.maxResponseBytes, ERROR_BODY_BYTES);
      const text = await readBody(res, cap, !ok, label);
      const headers = res.headers;
      if (ok) return { status: res.status, headers, text, url: url.href };
      return this.#statusFailure(res.status, headers, text, label, redact);
    } catch (error) {
      return this.#thrownFailure(error, controller.signal, timeoutMs, label, redact);
    } finally {
      clearTimeout(timer);
    }
  }

  #noteDate(date: string | null): void {
    const vendorMs = date === null ? Number.NaN : Date.parse(date);
    if (Number.isFinite(vendorMs)) this.#vendorClock = { vendorMs, localMs: this.#o.now() };
  }

  #headers(req: HttpRequest): Record<string, string> {
    const headers = new Headers(req.headers);
    if (!headers.has('user-agent')) headers.set('user-agent', this.#o.userAgent);
    if (req.body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
    return Object.fromEntries(headers);
  }

  #statusFailure(status: number, headers: Headers, text: string, label: string, redact: Redact): Failure {
    const body = excerpt(text, redact);
    const message = `${label} → HTTP ${status}${body ? `: ${body}` : ''}`;
    const error =
      status === 401 || status === 403
        ? new AuthError(message, status, body)
        : new HttpStatusError(message, status, body);
    const reason = `HTTP ${status}`;
    const rule = this.#retryRule?.({ status, headers, text });
    const retry = rule ? rule.retry : status === 429 || status >= 500;
    // What the answer asks for wins; the rule's wait is the vendor's default when it asks for nothing.
    const asked = retry ? answerDelay(headers.get('retry-after'), text, this.vendorNow() ?? this.#o.now()) : undefined;
    const waitMs = asked ?? (retry ? rule?.waitMs : undefined);
    const wait = waitMs === undefined ? {} : { waitMs };
    return { error, retry, throttled: status === 429 || waitMs !== undefined, reason, status, ...wait };
  }

  #thrownFailure(error: unknown, signal: AbortSignal, timeoutMs: number, label: string, redact: Redact): Failure {
    // Our own errors (size cap) are final; a bigger body will not get smaller on a retry.
    if (error instanceof AuditPumpError) return { error, retry: false, throttled: false, reason: error.code };
    if (signal.aborted && signal.reason instanceof AttemptTimeout) {
      const timeout = new HttpTimeoutError(`${label}: no complete response within ${timeoutMs} ms`, { cause: error });
      return { error: timeout, retry: true, throttled: false, reason: 'timeout' };
    }
    const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
    if (cause?.code === 'UND_ERR_CONNECT_TIMEOUT') {
      const timeout = new HttpTimeoutError(`${label}: connect timeout after ${CONNECT_TIMEOUT_MS} ms`, {
        cause: error,
      });
      return { error: timeout, retry: true, throttled: false, reason: 'connect timeout' };
    }
    const detail = [
      error instanceof Error ? error.message : String(error),
      typeof cause?.message === 'string' ? cause.message : '',
    ]
      .filter(Boolean)
      .join(': ');
    const network = new HttpNetworkError(`${label}: network error: ${excerpt(detail, redact)}`, { cause: error });
    // fetch reports connection failures as TypeError with a cause; a bare TypeError is a bad request.
    return { error: network, retry: cause !== undefined, throttled: false, reason: 'network' };
  }

  /** The wait before the next attempt: the backoff's jitter, or longer when the vendor asked for longer. */
  #waitFor(failure: Failure, attempt: number): number {
    const jitter = fullJitterDelay(attempt - 1, this.#o.baseDelayMs, this.#o.maxDelayMs, this.#o.random);
    return Math.max(jitter, failure.waitMs ?? 0);
  }

  async #wait(failure: Failure, waitMs: number, attempt: number, label: string): Promise<void> {
    if (this.#o.now() + waitMs > this.#deadline() - DEADLINE_RESERVE_MS) {
      if (!failure.throttled) throw failure.error;
      const limited = new RateLimitedError(`${label}: asked to wait ${waitMs} ms, past the deadline`, waitMs);
      throw Object.defineProperty(limited, 'cause', { value: failure.error, writable: true, configurable: true });
    }
    const status = failure.status === undefined ? {} : { status: failure.status };
    this.#onRetry?.({ attempt, waitMs, reason: failure.reason, throttled: failure.throttled, ...status });
    await this.#o.sleep(waitMs);
  }
}

function parseOrigin(origin: string): URL {
  let url: URL;
  try {
    url = new URL(origin);
  } catch (cause) {
    throw new ConfigError(`HTTP client: origin ${redactUrl(origin)} is not a URL`, { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(`HTTP client: origin ${url.origin} is not http(s)`);
  return url;
}

/** Single-line, redacted, at most EXCERPT_CHARS; redacted before cutting so no secret is half-kept. */
function excerpt(text: string, redact: Redact): string {
  const line = redact(text).replace(/\s+/g, ' ').trim();
  return line.length > EXCERPT_CHARS ? `${line.slice(0, EXCERPT_CHARS - 1)}…` : line;
}

/** Reads the body up to `cap` bytes: beyond it, throws ResponseTooLargeError or (truncate) stops. */
async function readBody(res: Response, cap: number, truncate: boolean, label: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (!truncate && declared > cap) {
    await res.body?.cancel().catch(() => undefined);
    throw new ResponseTooLargeError(`${label}: content-length ${declared} exceeds the cap of ${cap} bytes`);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  for (let size = 0; ;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size > cap) {
      await reader.cancel().catch(() => undefined);
      if (truncate) break;
      throw new ResponseTooLargeError(`${label}: body exceeds the cap of ${cap} bytes`);
    }
  }
  return Buffer.concat(chunks).subarray(0, cap).toString('utf8');
}

/**
 * A runner's HTTP client factory (shared/runner.ts `HttpFactory`): one client per source at its origin,
 * with the run's deadline, retry notice, retry rule and limit gate, redacting the source's secrets;
 * `options` set the rest (clock, fetch, limits).
 */
export function clientPerSource(
  options: Partial<Omit<HttpClientOptions, 'origin' | 'deadline' | 'secrets'>> = {},
): HttpFactory {
  return ({ source, credentials, deadline, onRetry, retryRule, gate }) =>
    new HttpClient({
      ...options,
      origin: source.baseUrl,
      deadline,
      secrets: Object.values(credentials),
      onRetry,
      ...(retryRule ? { retryRule } : {}),
      ...(gate ? { gate } : {}),
    });
}
