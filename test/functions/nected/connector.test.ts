import { afterEach, describe, expect, it } from '@jest/globals';
import { nectedConnector } from '../../../functions/nected/connector.ts';
import { nectedOptions, type NectedCursor } from '../../../functions/nected/schemas.ts';
import { listen } from '../../../local/emulators/http-server.ts';
import {
  startNectedEmulator,
  type NectedEmulator,
  type NectedEmulatorOptions,
  type NectedStoredEvent,
} from '../../../functions/nected/emulator/emulator.ts';
import { parseSources } from '../../../shared/config.ts';
import { eventUid } from '../../../shared/ocsf.ts';
import type { RunResult } from '../../../shared/runner.ts';
import { startConnectorStand, stopConnectorStands, stopWithStands } from '../../helpers/connector-stand.ts';
import type { ConnectorStand } from '../../helpers/connector-stand.ts';
import { rawMismatches, sorted, uidsOf } from '../../helpers/connector-archive.ts';

const SOURCE_ID = 'nected-test';
const API_KEY = 'nected-connector-test-key-7d2a';
const HOUR_MS = 3_600_000;
/** The settle lag these tests use; the emulator's arrivals are dated at most 2 s before they are searchable. */
const LAG_SECONDS = 10;

type Harness = ConnectorStand<NectedEmulator>;

interface SetUp {
  emulator?: Partial<NectedEmulatorOptions>;
  options?: Record<string, unknown>;
  apiKey?: string;
  settleLagSeconds?: number;
  baseUrl?: string;
}

afterEach(stopConnectorStands);

function setUp(options: SetUp = {}): Promise<Harness> {
  return startConnectorStand({
    connector: nectedConnector,
    sourceId: SOURCE_ID,
    emulator: (now) => startNectedEmulator({ apiKey: API_KEY, seed: 17, backlog: 300, now, ...options.emulator }),
    source: (emulator) => ({
      baseUrl: options.baseUrl ?? emulator.baseUrl,
      credentials: { apiKey: options.apiKey ?? API_KEY },
      startFrom: new Date(Date.now() - 3 * 24 * HOUR_MS).toISOString(),
      settleLagSeconds: options.settleLagSeconds ?? LAG_SECONDS,
      options: options.options ?? { branch: 'main' },
    }),
  });
}

const uidOf = (event: NectedStoredEvent): string => eventUid('nected', SOURCE_ID, event.id);
const cursorOf = async (h: Harness): Promise<NectedCursor> => (await h.cursor())?.cursor as NectedCursor;
/** Events the emulator holds dated before `iso` (epoch ns comparison, as the emulator filters). */
const datedBefore = (h: Harness, iso: string): NectedStoredEvent[] =>
  h.emulator.events().filter((e) => e.dateNs < BigInt(Date.parse(iso)) * 1_000_000n);

describe('Nected connector through the Lambda pump and the local stack', () => {
  it('drains the backlog over closed windows, every event archived once, raw_data byte-identical to the vendor text', async () => {
    // Prepare
    const h = await setUp();

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', more: false, events: 300, rejected: 0 });
    const records = await h.archived();
    expect(uidsOf(records).sort()).toEqual(sorted(h.emulator.events().map(uidOf)));
    expect(rawMismatches(h.emulator.events(), records, uidOf)).toEqual([]);
    expect(
      records.every((r) => r.class_uid === 6003 && (r.metadata as { log_name: string }).log_name === SOURCE_ID),
    ).toBe(true);
    const { from } = await cursorOf(h);
    expect(Date.parse(from)).toBeGreaterThan(Date.now() - (LAG_SECONDS + 60) * 1000);
    // The lag metric counts from the drained window's end, not from its oldest page.
    expect((await h.cursor())?.lastEventTime).toBe(Date.parse(from) - 1);
  });

  it('reads events dated within the settle lag only once they have settled, on a later run', async () => {
    // Prepare
    const h = await setUp();
    await h.run();
    const fresh = h.emulator.addEvents(25, { ageMs: 1000 });

    // Act
    const early = await h.run();
    h.clock.offset += (LAG_SECONDS + 5) * 1000;
    const settled = await h.run();

    // Assess
    expect(early).toMatchObject({ status: 'caught-up', events: 0 });
    expect(settled).toMatchObject({ status: 'caught-up', events: 25 });
    expect(sorted(uidsOf(await h.archived()))).toEqual(sorted(h.emulator.events().map(uidOf)));
    expect(fresh).toHaveLength(25);
  });

  it('drains the legacy generation: /dev/audit/{module}/search with the nected-api-key header and no branch', async () => {
    // Prepare
    const h = await setUp({ options: { api: 'legacy' } });

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', events: 300 });
    expect([h.emulator.stats.legacy > 0, h.emulator.stats.v1]).toEqual([true, 0]);
    expect(sorted(uidsOf(await h.archived()))).toEqual(sorted(h.emulator.events().map(uidOf)));
  });

  it('drains the v1 generation: /dev/v1/audit/{module}/search with Nected-API-Key and Nected-Branch', async () => {
    // Prepare
    const h = await setUp({ options: { api: 'v1', branch: 'main' } });

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', events: 300 });
    expect([h.emulator.stats.v1 > 0, h.emulator.stats.legacy]).toEqual([true, 0]);
  });

  it('refuses a v1 source without a branch when the config is loaded, naming the option', () => {
    // Act
    const parse = () =>
      parseSources(
        {
          sources: [
            {
              id: SOURCE_ID,
              vendor: 'nected',
              baseUrl: 'https://api.nected.ai',
              secretName: 's',
              startFrom: '2026-01-01T00:00:00Z',
              options: {},
            },
          ],
        },
        { nected: nectedOptions },
      );

    // Assess
    expect(parse).toThrow(/sources\[0\] \(nected-test\)\.options\.branch: is required when api is "v1"/);
  });
});

describe('Nected connector: a live, newest-first list', () => {
  it('is not disturbed by events arriving at the head while it pages: no restart, no duplicate', async () => {
    // Prepare
    const h = await setUp();
    h.emulator.faults.headInsertsPerSearch = 3;

    // Act
    const result = await h.run();

    // Assess
    const records = await h.archived();
    const backlog = h.emulator.events().slice(0, 300);
    expect(h.emulator.events().length).toBeGreaterThan(300 + 90);
    expect(result).toMatchObject({ status: 'caught-up', events: 300 });
    expect(uidsOf(records).sort()).toEqual(sorted(backlog.map(uidOf)));
    expect(h.logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('reads a window again from page 1 when its totalCount changes mid-pass, losing none of the late events', async () => {
    // Prepare
    const h = await setUp();
    let late: NectedStoredEvent[] = [];
    h.emulator.onSearch = (search) => {
      if (search.pageNo !== 3 || late.length > 0 || search.endNs === undefined) return;
      // Dated just inside the window's end: newest first, they land on page 1, which this pass has read.
      late = h.emulator.addEvents(4, {
        ageMs: Date.now() + h.clock.offset - (Number(search.endNs / 1_000_000n) - 1000),
      });
    };

    // Act
    const result = await h.run();

    // Assess
    expect(result.status).toBe('caught-up');
    expect(late).toHaveLength(4);
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/window changed while paging; reading it again/),
      }),
    );
    const uids = uidsOf(await h.archived());
    expect(sorted(new Set(uids))).toEqual(sorted(h.emulator.events().map(uidOf)));
    expect(uids).toEqual(expect.arrayContaining(late.map(uidOf)));
  });

  it('halves a window that changes on every pass until a narrower one holds still', async () => {
    // Prepare
    const h = await setUp();
    let unsettled: bigint | undefined;
    h.emulator.onSearch = (search) => {
      const { startNs, endNs } = search;
      if (search.pageNo !== 2 || startNs === undefined || endNs === undefined) return;
      // The first window paged beyond page 1 keeps changing for as long as it is wider than two hours.
      unsettled ??= startNs;
      if (startNs !== unsettled || endNs - startNs < 2n * BigInt(HOUR_MS) * 1_000_000n) return;
      h.emulator.addEvents(1, { ageMs: Date.now() + h.clock.offset - Number((startNs + endNs) / 2n / 1_000_000n) });
    };

    // Act
    const result = await h.run();

    // Assess
    expect(result.status).toBe('caught-up');
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        message: expect.stringMatching(/narrowing the window: it changed on 3 passes in a row/),
      }),
    );
    expect(sorted(new Set(uidsOf(await h.archived())))).toEqual(sorted(h.emulator.events().map(uidOf)));
  });

  it('archives every settled event, and nothing foreign, while events keep arriving between and during runs', async () => {
    // Prepare
    const h = await setUp({ emulator: { arrivalsPerSecond: 200, faults: { headInsertsPerSearch: 1 } } });
    const results: RunResult[] = [];

    // Act
    for (let i = 0; i < 4; i++) {
      results.push(await h.run());
      await new Promise((resolve) => setTimeout(resolve, 150));
      h.clock.offset += 4000;
    }
    results.push(await h.run());

    // Assess
    const { from } = await cursorOf(h);
    const settled = datedBefore(h, from);
    const archived = new Set(uidsOf(await h.archived()));
    const all = new Set(h.emulator.events().map(uidOf));
    expect(results.every((r) => r.status === 'caught-up')).toBe(true);
    expect(settled.length).toBeGreaterThan(300 + 50);
    expect(h.emulator.events().length).toBeGreaterThan(settled.length);
    expect(sorted(archived)).toEqual(sorted(settled.map(uidOf)));
    expect([...archived].filter((u) => !all.has(u))).toEqual([]);
  });
});

describe('Nected connector: windows and pages', () => {
  it('narrows a window holding more than maxWindowEvents, so no page beyond maxWindowEvents / 10 is ever asked for', async () => {
    // Prepare
    const h = await setUp({
      emulator: { backlog: 400, maxResultWindow: 60 },
      options: { branch: 'main', maxWindowEvents: 50 },
    });

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', events: 400 });
    expect(h.emulator.stats.maxPageNo).toBeLessThanOrEqual(5);
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        message: expect.stringMatching(/narrowing the window: \d+ events is more than maxWindowEvents 50/),
      }),
    );
    const uids = uidsOf(await h.archived());
    expect(uids.sort()).toEqual(sorted(h.emulator.events().map(uidOf)));
  });

  it("fetches a window's pages concurrently, never more at once than the concurrency option", async () => {
    // Prepare
    const h = await setUp({ emulator: { latencyMs: 20, backlog: 120 }, options: { branch: 'main', concurrency: 3 } });

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', events: 120 });
    expect(h.emulator.stats.maxInFlight).toBe(3);
  });

  it('fetches one page at a time with concurrency 1', async () => {
    // Prepare
    const h = await setUp({ emulator: { latencyMs: 5, backlog: 60 }, options: { branch: 'main', concurrency: 1 } });

    // Act
    await h.run();

    // Assess
    expect(h.emulator.stats.maxInFlight).toBe(1);
  });
});

describe('Nected connector: a page that fails inside a concurrent batch', () => {
  /** One window of 60 events (6 pages), page 3 failing: batch 1 is page 1, batch 2 pages 2-5. */
  const failing = {
    emulator: { backlog: 60, backlogStart: new Date(Date.now() - 20 * HOUR_MS), faults: { failPageNo: 3 } },
  };

  it('delivers the pages before the failed one, keeps the cursor at it, and fails the run when it fails again', async () => {
    // Prepare
    const h = await setUp(failing);

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'failed', more: true, events: 20 });
    expect(result.error).toMatch(/HTTP 500/);
    const newestFirst = [...h.emulator.events()].reverse();
    expect(sorted(uidsOf(await h.archived()))).toEqual(sorted(newestFirst.slice(0, 20).map(uidOf)));
    expect((await cursorOf(h)).window).toEqual({ to: expect.any(String), page: 3, total: 60, restarts: 0 });
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/a page failed; delivering the pages before it/),
        attributes: expect.objectContaining({ pageNo: 3 }),
      }),
    );
  });

  it('completes from the failed page on the rerun: every event archived, none twice, no gap', async () => {
    // Prepare
    const h = await setUp(failing);
    await h.run();
    h.emulator.faults.failPageNo = 0;

    // Act
    const rerun = await h.run();

    // Assess
    expect(rerun).toMatchObject({ status: 'caught-up', events: 40 });
    const uids = uidsOf(await h.archived());
    expect(uids.sort()).toEqual(sorted(h.emulator.events().map(uidOf)));
  });
});

describe('Nected connector: vendor errors', () => {
  it('fails on a refused API key with the 401 in the error, never the key, and stores no cursor', async () => {
    // Prepare
    const h = await setUp({ apiKey: 'wrong-key-0c4f9e21' });

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'failed', events: 0, pages: 0 });
    expect(result.error).toMatch(/HTTP 401.*Unauthorized access/);
    expect(result.error).not.toContain('wrong-key-0c4f9e21');
    expect(h.emulator.stats.requests).toBe(2);
    expect(await h.cursor()).toEqual({ sourceId: SOURCE_ID, version: 0, updatedAt: expect.any(Number) });
  });

  it('fails on a branch the workspace does not have, with the 404 in the error', async () => {
    // Prepare
    const h = await setUp({ options: { branch: 'no-such-branch' } });

    // Act
    const result = await h.run();

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/HTTP 404.*Branch not found/);
  });

  it('waits out a 429 and a 500 and then reads on', async () => {
    // Prepare
    const h = await setUp({ emulator: { faults: { rateLimitNext: 1, serverErrorNext: 1 } } });

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', events: 300, retries: 2 });
    expect(h.sleeps).toContain(1000);
  });

  it('gives up with NectedWindowError, naming settleLagSeconds, when a window changes on every pass down to one millisecond', async () => {
    // Prepare
    let answers = 0;
    const server = await listen((req) => {
      const date = req.url.searchParams.get('endDate') ?? '';
      const data = Array.from({ length: 10 }, (_, i) => ({
        logId: `log-${req.url.searchParams.get('pageNo') ?? ''}-${i}`,
        date,
      }));
      return { status: 200, body: { totalCount: 20 + answers++, pageSize: 10, data, code: 'success' } };
    });
    stopWithStands(() => server.close());
    const h = await setUp({ baseUrl: server.url, options: { branch: 'main', maxWindowSeconds: 1 } });

    // Act
    const result = await h.run();

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(
      /NectedWindowError: source nected-test: the window at .* changed on 3 passes in a row .*raise settleLagSeconds/,
    );
    expect(h.logs.filter((l) => /narrowing the window: it changed/.test(l.message)).length).toBe(9);
  });

  it('fails with a clear message when the vendor ignores the date filter, delivering nothing', async () => {
    // Prepare
    const record = {
      logId: 'aaaaaaaaaaaaaaaaaaaa',
      date: '2001-01-01T00:00:00.000000000Z',
      event: 'Update',
      status: 'Success',
    };
    const server = await listen(() => ({
      status: 200,
      body: {
        totalCount: 1,
        totalPages: 1,
        pageNo: 1,
        pageSize: 10,
        data: [record],
        code: 'success',
        message: 'success.',
      },
    }));
    stopWithStands(() => server.close());
    const h = await setUp({ baseUrl: server.url });

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'failed', events: 0 });
    expect(result.error).toMatch(
      /MalformedPageError: nected search: a record dated 2001-01-01T00:00:00.000Z is outside the requested window/,
    );
  });
});
