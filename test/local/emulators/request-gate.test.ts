/**
 * The request handling every vendor emulator opens with (local/emulators/emulator-faults.ts RequestGate):
 * its knobs at start, the count of requests and error answers, the hang knob held until stop(), the 5xx
 * knob and its seeded rate, and the malformed / truncated 200s; and the host's share of a running
 * emulator: its handle, its backlog window and its variety (local/emulators/emulator-host.ts), and its
 * place behind the CLI (local/emulators/cli-emulator.ts).
 */
import { describe, expect, it } from '@jest/globals';
import { MALFORMED_BODY, RequestGate, type RequestFaults } from '../../../local/emulators/emulator-faults.ts';
import { startForCli } from '../../../local/emulators/cli-emulator.ts';
import {
  backlogWindow,
  hostEmulator,
  loadVariety,
  type CliEmulatorOptions,
} from '../../../local/emulators/emulator-host.ts';
import type { EmulatorResponse } from '../../../local/emulators/http-server.ts';
import { seededRandom } from '../../../local/emulators/random.ts';

interface OwnFaults extends RequestFaults {
  ownNext: number;
}

const gate = (faults: Partial<OwnFaults> = {}, latencyMs?: number) =>
  new RequestGate<OwnFaults>({ seed: 7, faults, ...(latencyMs === undefined ? {} : { latencyMs }) }, { ownNext: 0 });
const ok = (body: unknown = '{"values": [1, 2, 3, 4]}'): EmulatorResponse => ({ status: 200, body });
const stats = () => ({ requests: 0, errors: 0 });

describe('RequestGate knobs', () => {
  it("starts with every knob off, Retry-After 1 s, the vendor's own knobs and the caller's settings over them", () => {
    // Act
    const { faults } = gate({ rateLimitNext: 2, ownNext: 1 });

    // Assess
    expect(faults).toEqual({
      serverErrorNext: 0,
      truncateNext: 0,
      hangNext: 0,
      errorRate: 0,
      rateLimitNext: 2,
      retryAfterSeconds: 1,
      malformedNext: 0,
      reorderNext: 0,
      duplicateNext: 0,
      ownNext: 1,
    });
  });

  it("seeds its random from the emulator's seed, the same on every run", () => {
    // Act
    const drawn = [gate().random(), gate().random()];

    // Assess
    expect(drawn[0]).toBe(seededRandom(7 ^ 0x5eed)());
    expect(drawn[1]).toBe(drawn[0]);
  });
});

describe('RequestGate.serve', () => {
  it('counts every request and the answers of 400 and above', async () => {
    // Prepare
    const requests = gate();
    const counted = stats();

    // Act
    const answers = [
      await requests.serve(counted, () => ok()),
      await requests.serve(counted, () => ({ status: 429 })),
      await requests.serve(counted, async () => ({ status: 404 })),
    ];

    // Assess
    expect(answers.map((a) => a?.status)).toEqual([200, 429, 404]);
    expect(counted).toEqual({ requests: 3, errors: 2 });
  });

  it('holds a request the hang knob catches, without asking the vendor, until stop(), then answers nothing', async () => {
    // Prepare
    const requests = gate({ hangNext: 1 });
    const counted = stats();
    let asked = 0;
    let settled = false;

    // Act
    const hung = requests.serve(counted, () => (asked++, ok())).then((out) => ((settled = true), out));
    const next = await requests.serve(counted, () => (asked++, ok()));
    await new Promise((resolve) => setImmediate(resolve));
    const wasSettled = settled;
    requests.stop();

    // Assess
    expect(wasSettled).toBe(false);
    expect(await hung).toBeUndefined();
    expect(next?.status).toBe(200);
    expect(asked).toBe(1);
    expect(requests.faults.hangNext).toBe(0);
    expect(counted).toEqual({ requests: 2, errors: 0 });
  });

  it('ends a latency wait at stop() and answers nothing after it', async () => {
    // Prepare
    const requests = gate({}, 3_600_000);

    // Act
    const held = requests.serve(stats(), () => ok());
    requests.stop();

    // Assess
    expect(await held).toBeUndefined();
  });
});

describe('RequestGate.serverError', () => {
  it('fires for the next N requests, then not', () => {
    // Prepare
    const requests = gate({ serverErrorNext: 2 });

    // Act
    const fired = [requests.serverError(), requests.serverError(), requests.serverError()];

    // Assess
    expect(fired).toEqual([true, true, false]);
    expect(requests.faults.serverErrorNext).toBe(0);
  });

  it('fires for a seeded share of requests under errorRate, the same on every run of a seed', () => {
    // Prepare
    const [a, b] = [gate({ errorRate: 0.5 }), gate({ errorRate: 0.5 })];

    // Act
    const fired = Array.from({ length: 200 }, () => a.serverError());
    const again = Array.from({ length: 200 }, () => b.serverError());

    // Assess
    const share = fired.filter(Boolean).length / fired.length;
    expect(share).toBeGreaterThan(0.35);
    expect(share).toBeLessThan(0.65);
    expect(again).toEqual(fired);
  });
});

describe('RequestGate.spoil', () => {
  it('answers the next N successes with an HTML page, before any truncation', () => {
    // Prepare
    const requests = gate({ malformedNext: 1, truncateNext: 1 });

    // Act
    const first = requests.spoil(ok());

    // Assess
    expect(first).toEqual({ status: 200, headers: { 'content-type': 'text/html' }, body: MALFORMED_BODY });
    expect(requests.faults).toMatchObject({ malformedNext: 0, truncateNext: 1 });
  });

  it('cuts the next N text bodies of successes in half, keeping their headers', () => {
    // Prepare
    const requests = gate({ truncateNext: 1 });

    // Act
    const cut = requests.spoil({ status: 200, headers: { 'x-id': '1' }, body: '0123456789' });
    const whole = requests.spoil(ok('0123456789'));

    // Assess
    expect(cut).toEqual({ status: 200, headers: { 'x-id': '1' }, body: '01234' });
    expect(whole.body).toBe('0123456789');
  });

  it('leaves failures alone, and a success whose body is not text uncut with the knob still set', () => {
    // Prepare
    const requests = gate({ malformedNext: 1, truncateNext: 1 });
    const failure: EmulatorResponse = { status: 503, body: 'unavailable' };

    // Act
    const failed = requests.spoil(failure);
    const malformed = requests.spoil(ok({ values: [] }));
    const object = requests.spoil(ok({ values: [] }));

    // Assess
    expect(failed).toBe(failure);
    expect(malformed.body).toBe(MALFORMED_BODY);
    expect(object).toEqual(ok({ values: [] }));
    expect(requests.faults.truncateNext).toBe(1);
  });
});

describe('hostEmulator', () => {
  it('serves the service on loopback and hands out its knobs, its counters and a stop that ends both', async () => {
    // Prepare
    let stopped = 0;
    const service = {
      faults: { hangNext: 0 },
      stats: { requests: 0 },
      handle: () => ({ status: 200, body: { ok: true } }),
      stop: () => void stopped++,
    };

    // Act
    const hosted = await hostEmulator(service, {}, () => {});
    const answer = await fetch(`${hosted.baseUrl}/x`).then((r) => r.json());
    await hosted.stop();

    // Assess
    expect(hosted.baseUrl).toBe(`http://127.0.0.1:${hosted.port}`);
    expect(answer).toEqual({ ok: true });
    expect(hosted.faults).toBe(service.faults);
    expect(hosted.stats).toBe(service.stats);
    expect(stopped).toBe(1);
  });
});

describe('backlogWindow', () => {
  it('ends endLagMs before now and spans spanMs back from the end, unless the options name either end', () => {
    // Prepare
    const now = 1_000_000;
    const [start, end] = [new Date(100_000), new Date(900_000)];

    // Act
    const defaults = backlogWindow({}, now, 50_000, 10_000);
    const named = backlogWindow({ backlogStart: start, backlogEnd: end }, now, 50_000, 10_000);
    const endOnly = backlogWindow({ backlogEnd: end }, now, 50_000);

    // Assess
    expect(defaults).toEqual({ first: 940_000, end: 990_000 });
    expect(named).toEqual({ first: 100_000, end: 900_000 });
    expect(endOnly).toEqual({ first: 850_000, end: 900_000 });
  });
});

describe('loadVariety', () => {
  it('loads the generator only when a share is asked for', async () => {
    // Prepare
    let loads = 0;
    const load = async () => (loads++, 'draw');

    // Act
    const none = [await loadVariety(undefined, load), await loadVariety(0, load)];
    const some = await loadVariety(0.25, load);

    // Assess
    expect(none).toEqual([undefined, undefined]);
    expect(some).toEqual({ share: 0.25, draw: 'draw' });
    expect(loads).toBe(1);
  });
});

describe('startForCli', () => {
  it("starts the emulator with the CLI's options and puts it behind the CLI's interface", async () => {
    // Prepare
    const given: CliEmulatorOptions[] = [];
    let stopped = 0;
    const emulator = { baseUrl: 'http://127.0.0.1:2', ids: ['a', 'b'], stop: async () => void stopped++ };

    // Act
    const running = await startForCli(
      'veza',
      { backlog: 5, port: 0 },
      async (options) => (given.push(options), emulator),
      (e) => ({ credentials: { token: 't' }, options: { org: 'o' }, eventIds: () => e.ids }),
    );
    await running.stop();

    // Assess
    expect(given).toEqual([{ seed: 1, backlog: 5, arrivalsPerSecond: 0, variety: 0.25, port: 0 }]);
    expect(running).toMatchObject({
      vendor: 'veza',
      baseUrl: emulator.baseUrl,
      credentials: { token: 't' },
      options: { org: 'o' },
    });
    expect(running.eventIds()).toEqual(['a', 'b']);
    expect(stopped).toBe(1);
  });
});
