import { describe, it, expect, beforeEach } from '@jest/globals';
import { listen } from '../../local/emulators/http-server.ts';
import type { HttpClient, HttpClientOptions, RetryEvent } from '../../shared/http.ts';
import {
  AuthError,
  DeadlineError,
  ForeignOriginError,
  HttpNetworkError,
  HttpStatusError,
  HttpTimeoutError,
  MalformedPageError,
  RateLimitedError,
  ResponseTooLargeError,
} from '../../shared/errors.ts';
import { failure } from '../helpers/failure.ts';
import { httpBenchForFile } from '../helpers/core-http-bench.ts';

const server = httpBenchForFile();
let retries: RetryEvent[];

beforeEach(() => {
  retries = [];
});

/** A client on the test server, a minute before its deadline, whose waits and retries are recorded. */
const client = (options: Partial<HttpClientOptions> = {}): HttpClient =>
  server.client({ deadline: Date.now() + 60_000, onRetry: (event) => void retries.push(event), ...options });

describe("HttpClient: the vendor's clock", () => {
  it('knows nothing of it before an answer, then reads it from the Date header and moves it on with its own clock', async () => {
    // Prepare: the vendor's clock is an hour behind ours; ours is a movable one.
    let now = Date.parse('2026-11-20T12:00:00.000Z');
    server.handler = () => ({ status: 503, headers: { date: new Date(now - 3_600_000).toUTCString() }, body: {} });
    const http = client({ now: () => now, maxAttempts: 1 });

    // Act / Assess
    expect(http.vendorNow()).toBeUndefined();
    await failure(http.request({ url: '/x' }));
    expect(http.vendorNow()).toBe(now - 3_600_000);
    now += 5000;
    expect(http.vendorNow()).toBe(now - 3_600_000);
  });

  it('ignores an answer without a parseable Date header', async () => {
    server.handler = () => ({ status: 200, headers: { date: 'not a date' }, body: {} });
    const http = client();

    await http.request({ url: '/x' });

    expect(http.vendorNow()).toBeUndefined();
  });
});

describe('HttpClient', () => {
  it('returns status, headers, text and url of a 2xx response and sends the user agent', async () => {
    let agent: unknown;
    server.handler = (req) => (
      (agent = req.headers['user-agent']),
      { status: 200, headers: { 'x-a': '1' }, body: { n: 1 } }
    );
    const { response, body } = await client().json<{ n: number }>({ url: '/v1/logs?limit=2' });
    expect(body).toEqual({ n: 1 });
    expect(response).toMatchObject({ status: 200, text: '{"n":1}', url: `${server.url}/v1/logs?limit=2` });
    expect(response.headers.get('x-a')).toBe('1');
    expect(agent).toBe('audit-pump/0.1');
  });

  it('sends POST bodies as JSON', async () => {
    let seen: unknown;
    server.handler = (req) => ((seen = [req.method, req.headers['content-type'], req.body]), { status: 200, body: '' });
    await client().request({ method: 'POST', url: '/q', body: '{"a":1}' });
    expect(seen).toEqual(['POST', 'application/json', '{"a":1}']);
  });

  it('retries a 503 and reports the retry', async () => {
    server.handler = server.sequence({ status: 503, body: 'busy' }, { status: 200, body: 'done' });
    const response = await client().request({ url: '/x' });
    expect(response.text).toBe('done');
    expect(server.hits).toBe(2);
    expect(retries).toEqual([{ attempt: 1, waitMs: 250, reason: 'HTTP 503', status: 503, throttled: false }]);
    expect(server.sleeps).toEqual([250]);
  });

  it('gives up after maxAttempts with the last HttpStatusError', async () => {
    server.handler = () => ({ status: 502, body: 'bad gateway' });
    const error = await failure(client({ maxAttempts: 3 }).request({ url: '/x' }));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect((error as HttpStatusError).status).toBe(502);
    expect(error.message).toContain('attempt 3/3');
    expect(server.hits).toBe(3);
    expect(server.sleeps).toHaveLength(2);
  });

  it('honours Retry-After seconds on a 429 when longer than the jitter', async () => {
    server.handler = server.sequence({ status: 429, headers: { 'retry-after': '7' } }, { status: 200, body: 'ok' });
    await client().request({ url: '/x' });
    expect(server.sleeps).toEqual([7000]);
    expect(retries[0]).toMatchObject({ throttled: true, status: 429, waitMs: 7000 });
  });

  it('throws RateLimitedError without sleeping when Retry-After ends past the deadline', async () => {
    server.handler = () => ({ status: 429, headers: { 'retry-after': '120' } });
    const error = await failure(client({ deadline: Date.now() + 30_000 }).request({ url: '/x' }));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).waitMs).toBe(120_000);
    expect(server.sleeps).toEqual([]);
    expect(server.hits).toBe(1);
  });

  it('applies a vendor retry rule before the generic rules', async () => {
    const retryRule = (res: { text: string }) =>
      res.text.includes('ResourceExhausted') ? { retry: true, waitMs: 60_000 } : undefined;
    server.handler = server.sequence({ status: 400, body: { code: 'ResourceExhausted' } }, { status: 200, body: 'ok' });
    await client({ retryRule, deadline: Date.now() + 600_000 }).request({ url: '/x' });
    expect(server.sleeps).toEqual([60_000]);
    expect(retries[0]).toMatchObject({ throttled: true, waitMs: 60_000 });

    server.hits = 0;
    const error = await failure(client({ retryRule, deadline: Date.now() + 30_000 }).request({ url: '/x' }));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).waitMs).toBe(60_000);
    expect(server.hits).toBe(1);

    server.hits = 0;
    server.handler = () => ({ status: 503 });
    const stop = await failure(client({ retryRule: () => ({ retry: false }) }).request({ url: '/x' }));
    expect(stop).toBeInstanceOf(HttpStatusError);
    expect(server.hits).toBe(1);
  });

  it.each([401, 403])('fails a %i at once with AuthError', async (status) => {
    server.handler = () => ({ status, body: { error: 'denied' } });
    const error = await failure(client().request({ url: '/x' }));
    expect(error).toBeInstanceOf(AuthError);
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).toContain('denied');
    expect(server.hits).toBe(1);
  });

  it('fails a 400 at once with HttpStatusError carrying a short excerpt', async () => {
    server.handler = () => ({ status: 400, body: `bad request ${'x'.repeat(1000)}` });
    const error = await failure(client().request({ url: '/x' }));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(error).not.toBeInstanceOf(AuthError);
    expect((error as HttpStatusError).bodyExcerpt.length).toBeLessThanOrEqual(300);
    expect(server.hits).toBe(1);
    expect(server.sleeps).toEqual([]);
  });

  it('does not follow redirects', async () => {
    server.handler = () => ({ status: 302, headers: { location: 'http://localhost:1/steal' } });
    const error = await failure(client().request({ url: '/x' }));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(server.hits).toBe(1);
  });

  it('retries network errors, then throws HttpNetworkError with the cause', async () => {
    const closed = await listen(() => ({ status: 200 }));
    await closed.close();
    const error = await failure(client({ origin: closed.url, maxAttempts: 3 }).request({ url: '/x' }));
    expect(error).toBeInstanceOf(HttpNetworkError);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.cause).toBeDefined();
    expect(server.sleeps).toHaveLength(2);
    expect(retries.map((r) => r.reason)).toEqual(['network', 'network']);
  });

  it('classifies a connect timeout as HttpTimeoutError', async () => {
    const fetch = async () => {
      throw new TypeError('fetch failed', {
        cause: Object.assign(new Error('Connect Timeout Error'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
      });
    };
    const error = await failure(client({ fetch, maxAttempts: 2 }).request({ url: '/x' }));
    expect(error).toBeInstanceOf(HttpTimeoutError);
    expect(error.message).toContain('connect timeout');
    expect(server.sleeps).toHaveLength(1);
  });

  it('times out a server that never answers, by requestTimeoutMs or by the deadline', async () => {
    server.handler = () => new Promise(() => undefined);
    const started = Date.now();
    const byTimeout = await failure(client({ requestTimeoutMs: 150, maxAttempts: 2 }).request({ url: '/x' }));
    expect(byTimeout).toBeInstanceOf(HttpTimeoutError);
    expect(server.hits).toBe(2);
    const byDeadline = await failure(client({ deadline: Date.now() + 200 }).request({ url: '/x' }));
    expect(byDeadline).toBeInstanceOf(HttpTimeoutError);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('throws DeadlineError when the deadline has already passed', async () => {
    const error = await failure(client({ deadline: () => Date.now() - 1 }).request({ url: '/x' }));
    expect(error).toBeInstanceOf(DeadlineError);
    expect(server.hits).toBe(0);
  });

  it('caps the response size, from content-length and while streaming', async () => {
    // Declares a large body but sends only part of it: only the content-length check can end this fast.
    server.handler = (_req, res) => void (res.writeHead(200, { 'content-length': '5000' }), res.write('x'.repeat(10)));
    const declared = await failure(
      client({ maxResponseBytes: 1000, requestTimeoutMs: 1000, maxAttempts: 1 }).request({ url: '/x' }),
    );
    expect(declared).toBeInstanceOf(ResponseTooLargeError);
    expect(declared.message).toContain('content-length');

    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      for (let i = 0; i < 10; i++) res.write('y'.repeat(500));
      res.end();
    };
    const streamed = await failure(client({ maxResponseBytes: 1000 }).request({ url: '/x' }));
    expect(streamed).toBeInstanceOf(ResponseTooLargeError);
    expect(streamed.message).not.toContain('content-length');
    expect(server.sleeps).toEqual([]);
  });

  it('refuses other origins, for requests and for vendor links', async () => {
    const http = client();
    const port = server.port;
    for (const url of [`http://localhost:${port}/x`, `http://127.0.0.1:${port + 1}/x`, `https://127.0.0.1:${port}/x`]) {
      expect(await failure(http.request({ url }))).toBeInstanceOf(ForeignOriginError);
    }
    expect(server.hits).toBe(0);
    expect(() => http.resolveLink('https://evil.example/next?page_token=1')).toThrow(ForeignOriginError);
    expect(() => http.resolveLink(`//localhost:${port}/next`)).toThrow(ForeignOriginError);
    expect(http.resolveLink('/v1/next?page_token=abc').href).toBe(`${server.url}/v1/next?page_token=abc`);
  });

  it('throws MalformedPageError naming the URL when the body is not JSON', async () => {
    server.handler = () => ({ status: 200, body: 'not json' });
    const error = await failure(client().json({ url: '/page?api_key=k3y-value' }));
    expect(error).toBeInstanceOf(MalformedPageError);
    expect(error.message).toContain('/page?api_key=[REDACTED]');
  });

  it('never puts a secret from the URL, a header or the body into an error', async () => {
    const secret = 'sup3r-s3cret-value';
    const headerOnly = 'header-only-t0ken';
    server.handler = (req) => ({
      status: 500,
      body: `echo ${req.url.href} ${String(req.headers.authorization)} ${req.headers['x-api-key']}`,
    });
    const http = client({ secrets: [secret], maxAttempts: 2 });
    const errors = [
      await failure(
        http.request({
          url: `/x?key=${secret}&q=${encodeURIComponent(secret)}`,
          headers: { Authorization: `Bearer ${secret}`, 'X-Api-Key': headerOnly },
        }),
      ),
      await failure(http.request({ url: `http://localhost:1/?token=${secret}` })),
      await failure(
        http.json({ url: `/y?access_token=${headerOnly}`, headers: { authorization: `Bearer ${headerOnly}` } }),
      ),
    ];
    expect(errors[0]?.message).toContain('[REDACTED]');
    for (const error of errors) {
      const cause = error.cause instanceof Error ? error.cause.message : String(error.cause);
      for (const text of [String(error), error.message, JSON.stringify(error), cause, error.stack ?? '']) {
        expect(text).not.toContain(secret);
        expect(text).not.toContain(headerOnly);
      }
    }
  });
});
