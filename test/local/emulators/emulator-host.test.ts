/**
 * The emulator host every vendor emulator runs in: its service served on loopback with the vendor's
 * clock, live arrivals at fractional rates, a stop that ends both, and the backlog's spread.
 */
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { cliEmulatorOptions, hostService, spreadBacklog, type Host } from '../../../local/emulators/emulator-host.ts';

let host: Host | undefined;
afterEach(async () => {
  jest.useRealTimers();
  await host?.stop();
  host = undefined;
});

const service = (stopped: { count: number }) => ({
  handle: () => ({ status: 200, body: { ok: true } }),
  stop: () => void stopped.count++,
});

describe('hostService', () => {
  it("answers on 127.0.0.1 with the service's response, dated by the vendor's clock", async () => {
    // Prepare
    host = await hostService(service({ count: 0 }), { now: () => Date.UTC(2026, 0, 2, 3, 4, 5) }, () => {});

    // Act
    const response = await fetch(`${host.url}/anything`);

    // Assess
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await response.json()).toEqual({ ok: true });
    expect(response.headers.get('date')).toBe('Fri, 02 Jan 2026 03:04:05 GMT');
  });

  it('delivers fractional arrival rates as whole events, and none after stop', async () => {
    // Prepare
    const arrived: number[] = [];
    const stopped = { count: 0 };
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    host = await hostService(service(stopped), { arrivalsPerSecond: 2.5 }, (n) => arrived.push(n));

    // Act
    jest.advanceTimersByTime(2000);
    const inTwoSeconds = arrived.reduce((a, b) => a + b, 0);
    await host.stop();
    host = undefined;
    jest.advanceTimersByTime(2000);

    // Assess
    expect(inTwoSeconds).toBe(5);
    expect(arrived.every((n) => n >= 1)).toBe(true);
    expect(arrived.reduce((a, b) => a + b, 0)).toBe(5);
    expect(stopped.count).toBe(1);
  });

  it('starts no ticker without a rate', async () => {
    // Prepare
    const arrived: number[] = [];
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    host = await hostService(service({ count: 0 }), {}, (n) => arrived.push(n));

    // Act
    jest.advanceTimersByTime(5000);

    // Assess
    expect(arrived).toEqual([]);
  });
});

describe('spreadBacklog', () => {
  it('spreads the events evenly from the first time, ending before the end', () => {
    expect(spreadBacklog(4, 1000, 2000)).toEqual([1000, 1250, 1500, 1750]);
    expect(spreadBacklog(0, 1000, 2000)).toEqual([]);
  });
});

describe('cliEmulatorOptions', () => {
  it('fills the defaults of audit-pump emulate and passes only the settings given', () => {
    expect(cliEmulatorOptions({})).toEqual({ seed: 1, backlog: 1000, arrivalsPerSecond: 0, variety: 0.25 });
    expect(cliEmulatorOptions({ port: 8080, latencyMs: 5, backlog: 3 })).toEqual({
      seed: 1,
      backlog: 3,
      arrivalsPerSecond: 0,
      variety: 0.25,
      port: 8080,
      latencyMs: 5,
    });
  });
});
