/**
 * The HTTP client waits what a throttling answer asks (`Retry-After` in seconds or as an HTTP-date,
 * google.rpc.RetryInfo), the vendor's default only when it asks nothing, and tells its gate (the
 * scope's shared back-off and budget, shared/throttle-gate.ts) before every attempt and after
 * every answer that asked for a pause.
 */
import { describe, it, expect, beforeEach } from '@jest/globals';
import type { GateClock, HttpClient, HttpClientOptions, RequestGate, RetryRule } from '../../shared/http.ts';
import { HttpStatusError, RateLimitedError } from '../../shared/errors.ts';
import { failure } from '../helpers/failure.ts';
import { httpBenchForFile } from '../helpers/core-http-bench.ts';

const NOW = Date.parse('2026-11-20T12:00:00.000Z');
const RETRY_INFO = (delay: string): { code: number; message: string; details: unknown[] } => ({
  code: 8,
  message: 'ResourceExhausted',
  details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: delay }],
});
/** Veza's rule in miniature: retry a 429, a minute when the answer names no delay. */
const minuteRule: RetryRule = (res) => (res.status === 429 ? { retry: true, waitMs: 60_000 } : undefined);

let events: string[];
const server = httpBenchForFile(() => events.push('request'));

beforeEach(() => {
  events = [];
});

/** A client whose clock stands at NOW, ten minutes before its deadline, and whose waits are recorded. */
const client = (options: Partial<HttpClientOptions> = {}): HttpClient =>
  server.client({ deadline: NOW + 600_000, now: () => NOW, ...options });

/** A gate that records what it is told; `refuse` makes admit throw as a back-off past the deadline would. */
function recordingGate(
  refuse = false,
): RequestGate & { backOffs: Array<{ until: number; reason: string; latestEnd: number }> } {
  const backOffs: Array<{ until: number; reason: string; latestEnd: number }> = [];
  return {
    backOffs,
    admit: async (clock: GateClock) => {
      events.push('admit');
      if (refuse) throw new RateLimitedError('scope backs off past the deadline', clock.latestEnd);
    },
    backOff: async (until, reason, clock) => {
      events.push('backOff');
      backOffs.push({ until, reason, latestEnd: clock.latestEnd });
    },
  };
}

describe('HttpClient: the wait a throttling answer asks for', () => {
  it('waits the RetryInfo delay of a Status body when the answer has no Retry-After', async () => {
    server.handler = server.sequence({ status: 429, body: RETRY_INFO('3s') }, { status: 200, body: 'ok' });
    await client().request({ url: '/x' });
    expect(server.sleeps).toEqual([3000]);
  });

  it("waits what the answer asks instead of the rule's default, by Retry-After or by RetryInfo", async () => {
    server.handler = server.sequence(
      { status: 429, headers: { 'retry-after': '1' }, body: RETRY_INFO('1s') },
      { status: 200, body: 'ok' },
    );
    await client({ retryRule: minuteRule }).request({ url: '/x' });
    server.hits = 0;
    server.handler = server.sequence({ status: 429, body: RETRY_INFO('2s') }, { status: 200, body: 'ok' });
    await client({ retryRule: minuteRule }).request({ url: '/x' });
    expect(server.sleeps).toEqual([1000, 2000]);
  });

  it("falls back to the rule's default only when the answer names no delay", async () => {
    server.handler = server.sequence(
      { status: 429, body: { code: 8, message: 'ResourceExhausted', details: [] } },
      { status: 200, body: 'ok' },
    );
    await client({ retryRule: minuteRule }).request({ url: '/x' });
    expect(server.sleeps).toEqual([60_000]);
  });

  it("reads an HTTP-date Retry-After against the vendor's Date header, not the pump's clock", async () => {
    // Prepare: the vendor's clock is 10 minutes behind ours and asks for 30 s by its own clock.
    const vendorNow = NOW - 600_000;
    server.handler = server.sequence(
      {
        status: 429,
        headers: { date: new Date(vendorNow).toUTCString(), 'retry-after': new Date(vendorNow + 30_000).toUTCString() },
      },
      { status: 200, body: 'ok' },
    );

    // Act
    await client().request({ url: '/x' });

    // Assess
    expect(server.sleeps).toEqual([30_000]);
  });
});

describe('HttpClient: its gate', () => {
  it('passes the gate before every attempt, retries included', async () => {
    server.handler = server.sequence({ status: 503 }, { status: 503 }, { status: 200, body: 'ok' });
    await client({ gate: recordingGate() }).request({ url: '/x' });
    expect(events).toEqual(['admit', 'request', 'admit', 'request', 'admit', 'request']);
  });

  it('sends nothing when the gate refuses, and lets its RateLimitedError through', async () => {
    const error = await failure(client({ gate: recordingGate(true) }).request({ url: '/x' }));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(server.hits).toBe(0);
  });

  it('tells the gate of the pause a 429 asks for before it waits, with the deadline less its reserve', async () => {
    // Prepare
    const gate = recordingGate();
    server.handler = server.sequence({ status: 429, headers: { 'retry-after': '7' } }, { status: 200, body: 'ok' });

    // Act
    await client({ gate, deadline: NOW + 60_000 }).request({ url: '/x' });

    // Assess
    expect(gate.backOffs).toEqual([{ until: NOW + 7000, reason: 'HTTP 429', latestEnd: NOW + 59_000 }]);
    expect(events).toEqual(['admit', 'request', 'backOff', 'admit', 'request']);
  });

  it('tells the gate of a pause that ends past the deadline, so the runs after this one keep it', async () => {
    const gate = recordingGate();
    server.handler = () => ({ status: 429, headers: { 'retry-after': '120' } });
    const error = await failure(client({ gate, deadline: NOW + 30_000 }).request({ url: '/x' }));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(gate.backOffs.map((b) => b.until)).toEqual([NOW + 120_000]);
  });

  it('tells the gate of the pause the last attempt was answered with', async () => {
    const gate = recordingGate();
    server.handler = () => ({ status: 429, headers: { 'retry-after': '2' } });
    await failure(client({ gate, maxAttempts: 2 }).request({ url: '/x' }));
    expect(gate.backOffs.map((b) => b.until)).toEqual([NOW + 2000, NOW + 2000]);
  });

  it('does not tell the gate of failures that asked for no pause', async () => {
    const gate = recordingGate();
    server.handler = server.sequence({ status: 503 }, { status: 400 });
    const error = await failure(client({ gate }).request({ url: '/x' }));
    expect(error).toBeInstanceOf(HttpStatusError);
    expect(gate.backOffs).toEqual([]);
  });
});
