import { afterEach, describe, expect, it } from '@jest/globals';
import { vezaConnector, vezaRetryRule } from '../../../functions/veza/connector.ts';
import {
  startVezaEmulator,
  type VezaEmulator,
  type VezaEmulatorOptions,
  type VezaStoredEvent,
} from '../../../functions/veza/emulator/emulator.ts';
import { eventUid } from '../../../shared/ocsf.ts';
import {
  LONG_RUN_MS,
  runArmedAfterFirstPage,
  startConnectorStand,
  stopConnectorStands,
} from '../../helpers/connector-stand.ts';
import type { ConnectorStand } from '../../helpers/connector-stand.ts';
import { rawMismatches, sorted, uidsOf } from '../../helpers/connector-archive.ts';

const SOURCE_ID = 'veza-test';
const API_KEY = 'veza-connector-test-key-3b7e';
const PAGE_SIZE = 100;
const BACKLOG = 250;
const HOUR_MS = 3_600_000;

type Harness = ConnectorStand<VezaEmulator>;

afterEach(stopConnectorStands);

function setUp(options: { emulator?: Partial<VezaEmulatorOptions>; token?: string } = {}): Promise<Harness> {
  return startConnectorStand({
    connector: vezaConnector,
    sourceId: SOURCE_ID,
    emulator: () => startVezaEmulator({ port: 0, token: API_KEY, seed: 11, backlog: BACKLOG, ...options.emulator }),
    source: () => ({
      credentials: { token: options.token ?? API_KEY },
      startFrom: new Date(Date.now() - 7 * 24 * HOUR_MS).toISOString(),
      options: { pageSize: PAGE_SIZE },
    }),
    // A 60 s ResourceExhausted wait must use up the run's time, as a real wait would.
    waitsMoveHttpClock: true,
  });
}

const uidOf = (event: VezaStoredEvent): string => eventUid('veza', SOURCE_ID, event.id);

/** The id of the first event the export serves for a stored page token: where a rerun resumes. */
async function firstIdAt(h: Harness, token: string): Promise<string | undefined> {
  const url = new URL('/api/preview/system/audit/export', h.emulator.baseUrl);
  url.search = new URLSearchParams({ page_size: '1', next_page_token: token }).toString();
  const response = await fetch(url, { headers: { authorization: `Bearer ${API_KEY}` } });
  return ((await response.json()) as { values: Array<{ id: string }> }).values[0]?.id;
}

/** Pages a run needs for `events` events: full and partial pages, then the empty caught-up page. */
const pagesFor = (events: number): number => Math.ceil(events / PAGE_SIZE) + 1;

describe('Veza connector through the Lambda pump and the local stack', () => {
  it('drains the backlog and archives every event exactly once, raw_data byte-identical to the vendor text', async () => {
    // Prepare
    const h = await setUp();

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({
      status: 'caught-up',
      more: false,
      events: BACKLOG,
      pages: pagesFor(BACKLOG),
      rejected: 0,
    });
    const records = await h.archived();
    expect(sorted(uidsOf(records))).toEqual(sorted(h.emulator.events().map(uidOf)));
    expect(rawMismatches(h.emulator.events(), records, uidOf)).toEqual([]);
    expect(
      records.every((r) => r.class_uid === 6003 && (r.metadata as { log_name: string }).log_name === SOURCE_ID),
    ).toBe(true);
  });

  it('reads an export serving both record shapes, each event keyed by id or request_id', async () => {
    // Prepare
    const h = await setUp({ emulator: { shape: 'mixed' } });

    // Act
    const result = await h.run();

    // Assess
    const events = h.emulator.events();
    expect(new Set(events.map((e) => e.shape))).toEqual(new Set(['new', 'old']));
    expect(result).toMatchObject({ status: 'caught-up', events: BACKLOG, rejected: 0 });
    const records = await h.archived();
    expect(sorted(uidsOf(records))).toEqual(sorted(events.map(uidOf)));
    expect(rawMismatches(events, records, uidOf)).toEqual([]);
    const old = events.find((e) => e.shape === 'old');
    expect(old?.record).toHaveProperty('request_id', old?.id);
  });

  it('reads only the new events on the next run, continuing from the stored page token', async () => {
    // Prepare
    const h = await setUp();
    await h.run();
    h.emulator.addEvents(30);

    // Act
    const second = await h.run();

    // Assess
    expect(second).toMatchObject({ status: 'caught-up', events: 30, pages: pagesFor(30) });
    const records = await h.archived();
    expect(sorted(uidsOf(records))).toEqual(sorted(h.emulator.events().map(uidOf)));
    expect(rawMismatches(h.emulator.events(), records, uidOf)).toEqual([]);
  });

  it('does not skip events persisted an hour after they happened, older than events already read', async () => {
    // Prepare
    const h = await setUp();
    await h.run();
    const { watermark } = (await h.cursor())?.cursor as { watermark: string };
    h.emulator.addEvents(20, { latePersistedMs: HOUR_MS });
    const late = h.emulator.events().slice(-20);

    // Act
    const second = await h.run();

    // Assess
    expect(late.every((e) => Date.parse(e.endedAt) < Date.parse(watermark))).toBe(true);
    expect(second).toMatchObject({ status: 'caught-up', events: 20 });
    expect(uidsOf(await h.archived())).toEqual(expect.arrayContaining(late.map(uidOf)));
  });
});

describe('Veza connector: ResourceExhausted (429, gRPC code 8)', () => {
  it('waits the minute Veza asks for when the deadline allows, then reads on', async () => {
    // Prepare
    const h = await setUp();
    h.emulator.faults.resourceExhaustedNext = 1;

    // Act
    const result = await h.run(LONG_RUN_MS);

    // Assess
    expect(h.sleeps).toEqual([60_000]);
    expect(result).toMatchObject({ status: 'caught-up', events: BACKLOG, retries: 1, throttledWaitMs: 60_000 });
    expect(sorted(uidsOf(await h.archived()))).toEqual(sorted(h.emulator.events().map(uidOf)));
  });

  it.each([
    ['Retry-After: 1 and a RetryInfo of 1 s', 1, 1, 1000],
    ['a RetryInfo of 3 s and no Retry-After', 0, 3, 3000],
    ['Retry-After: 2 and no RetryInfo', 2, 0, 2000],
  ])(
    'waits what the answer asks, not the minute, when it names a delay (%s)',
    async (_case, retryAfterSeconds, retryInfoSeconds, waitMs) => {
      // Prepare
      const h = await setUp();
      Object.assign(h.emulator.faults, { rateLimitNext: 1, retryAfterSeconds, retryInfoSeconds });

      // Act
      const result = await h.run(LONG_RUN_MS);

      // Assess
      expect(h.sleeps).toEqual([waitMs]);
      expect(result).toMatchObject({ status: 'caught-up', events: BACKLOG, retries: 1, throttledWaitMs: waitMs });
    },
  );

  it('stops as throttled, without waiting and with the cursor unchanged, when the deadline is nearer than a minute', async () => {
    // Prepare
    const h = await setUp();
    await h.run();
    h.emulator.addEvents(10);
    const before = await h.cursor();
    h.emulator.faults.resourceExhaustedNext = 1;

    // Act
    const result = await h.run(30_000);

    // Assess
    expect(result).toMatchObject({ status: 'throttled', more: true, events: 0, pages: 0 });
    expect(h.sleeps).toEqual([]);
    const after = await h.cursor();
    expect([after?.cursor, after?.version, after?.leaseOwner]).toEqual([before?.cursor, before?.version, undefined]);
    expect(await h.run()).toMatchObject({ status: 'caught-up', events: 10 });
  });
});

describe('Veza connector: a refused page token', () => {
  /** Replaces the stored token by one the emulator never issued, keeping bootstrap and watermark. */
  async function spoilToken(h: Harness): Promise<{ bootstrap: string; watermark: string }> {
    const lease = await h.store.acquireLease(SOURCE_ID, 'test-writer', 60_000);
    const { bootstrap, watermark } = lease.cursor as { bootstrap: string; watermark: string };
    await h.store.commit(SOURCE_ID, {
      owner: 'test-writer',
      expectedVersion: lease.version,
      cursor: { bootstrap, watermark, token: 'expired-token-0000' },
      leaseMs: 60_000,
    });
    await h.store.releaseLease(SOURCE_ID, 'test-writer');
    return { bootstrap, watermark };
  }

  it('re-opens the export at persisted_at >= watermark - overlap and loses nothing', async () => {
    // Prepare
    const h = await setUp();
    await h.run();
    h.emulator.addEvents(40);
    const { watermark } = await spoilToken(h);
    const from = new Date(Date.parse(watermark) - 300_000).toISOString();
    const reread = h.emulator.events().filter((e) => e.persistedAtNs >= BigInt(Date.parse(from)) * 1_000_000n);

    // Act
    const result = await h.run();

    // Assess
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: expect.stringMatching(/refused the stored page token/),
        attributes: expect.objectContaining({ from }),
      }),
    );
    expect(result).toMatchObject({ status: 'caught-up', events: reread.length });
    expect(reread.length).toBeGreaterThanOrEqual(40);
    const records = await h.archived();
    expect(new Set(uidsOf(records))).toEqual(new Set(h.emulator.events().map(uidOf)));
    expect((await h.cursor())?.cursor).toMatchObject({ token: expect.not.stringMatching(/^expired-token-0000$/) });
  });

  it('is not skipped past by an event stamped in the future: the watermark stays at the read time', async () => {
    // Prepare: A, then B stamped in 2027 (its producer's clock runs ahead), both read; then C, and the token is
    // refused.
    const h = await setUp({ emulator: { backlog: 0 } });
    h.emulator.addEvents(1);
    h.emulator.addEvents(1, { latePersistedMs: -200 * 24 * HOUR_MS });
    const [a, b] = h.emulator.events();
    expect(await h.run()).toMatchObject({ status: 'caught-up', events: 2 });
    h.emulator.addEvents(1);
    const c = h.emulator.events().at(-1) as VezaStoredEvent;
    const { watermark } = await spoilToken(h);

    // Act
    const result = await h.run();

    // Assess
    expect(Date.parse(b?.endedAt ?? '')).toBeGreaterThan(Date.now() + 100 * 24 * HOUR_MS);
    expect(watermark).toBe(new Date(Date.parse(a?.endedAt ?? '')).toISOString());
    expect(result.status).toBe('caught-up');
    expect(uidsOf(await h.archived())).toEqual(
      expect.arrayContaining([a, b, c].map((e) => uidOf(e as VezaStoredEvent))),
    );
    const after = (await h.cursor())?.cursor as { watermark: string };
    expect(Date.parse(after.watermark)).toBeLessThanOrEqual(Date.now());
  });

  it('still finds events persisted late, whose own time is before the watermark', async () => {
    // Prepare
    const h = await setUp();
    await h.run();
    h.emulator.addEvents(15, { latePersistedMs: HOUR_MS });
    const late = h.emulator.events().slice(-15);
    const { watermark } = await spoilToken(h);

    // Act
    const result = await h.run();

    // Assess
    expect(late.every((e) => Date.parse(e.endedAt) < Date.parse(watermark))).toBe(true);
    expect(result.status).toBe('caught-up');
    expect(uidsOf(await h.archived())).toEqual(expect.arrayContaining(late.map(uidOf)));
  });
});

describe('Veza connector: vendor faults', () => {
  it('fails with CursorStuckError when the export hands back the token it was given, keeping the last good position', async () => {
    // Prepare
    const h = await setUp();

    // Act
    // (The runner may have prefetched page 2 before the fault was armed: the fault hits page 2 or 3.)
    const result = await runArmedAfterFirstPage(h, () => (h.emulator.faults.repeatTokenNext = 1));

    // Assess
    const delivered = result.pages * PAGE_SIZE;
    expect([1, 2]).toContain(result.pages);
    expect(result).toMatchObject({ status: 'failed', more: true, events: delivered });
    expect(result.error).toMatch(/CursorStuckError: source veza-test: the vendor cursor did not advance/);
    const events = h.emulator.events();
    expect(sorted(uidsOf(await h.archived()))).toEqual(sorted(events.slice(0, delivered).map(uidOf)));
    const { token } = (await h.cursor())?.cursor as { token: string };
    expect(await firstIdAt(h, token)).toBe(events[delivered]?.id);
  });

  it('archives everything on the rerun after a stuck cursor, once the fault is gone', async () => {
    // Prepare
    const h = await setUp();
    await runArmedAfterFirstPage(h, () => (h.emulator.faults.repeatTokenNext = 1));
    h.emulator.faults.repeatTokenNext = 0;

    // Act
    const rerun = await h.run();

    // Assess
    expect(rerun.status).toBe('caught-up');
    const records = await h.archived();
    expect(new Set(uidsOf(records))).toEqual(new Set(h.emulator.events().map(uidOf)));
    expect(rawMismatches(h.emulator.events(), records, uidOf)).toEqual([]);
  });

  it('fails on a refused API key with the 401 in the error, never the key, and stores no cursor', async () => {
    // Prepare
    const h = await setUp({ token: 'wrong-key-5e9d1c0b' });

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'failed', events: 0, pages: 0 });
    expect(result.error).toMatch(/HTTP 401/);
    expect(result.error).not.toContain('wrong-key-5e9d1c0b');
    expect(h.emulator.stats.exportRequests).toBe(2);
    const stored = await h.cursor();
    expect(stored).toEqual({ sourceId: SOURCE_ID, version: 0, updatedAt: expect.any(Number) });
  });

  it('fails on a truncated page with a malformed-page message, keeping the cursor at the last delivered page', async () => {
    // Prepare
    const h = await setUp();

    // Act
    // (The runner may have prefetched page 2 before the fault was armed: the fault hits page 2 or 3.)
    const result = await runArmedAfterFirstPage(h, () => (h.emulator.faults.truncateNext = 1));

    // Assess
    expect([1, 2]).toContain(result.pages);
    expect(result).toMatchObject({ status: 'failed', events: result.pages * PAGE_SIZE });
    expect(result.error).toMatch(
      /MalformedPageError: GET .*\/api\/preview\/system\/audit\/export.*: response is not JSON/,
    );
    expect((await h.cursor())?.version).toBe(result.pages);
    expect(sorted(uidsOf(await h.archived()))).toEqual(
      sorted(
        h.emulator
          .events()
          .slice(0, result.pages * PAGE_SIZE)
          .map(uidOf),
      ),
    );
  });

  it('completes on the rerun after a truncated page, every event archived exactly once', async () => {
    // Prepare
    const h = await setUp();
    const failed = await runArmedAfterFirstPage(h, () => (h.emulator.faults.truncateNext = 1));

    // Act
    const rerun = await h.run();

    // Assess
    expect(rerun).toMatchObject({ status: 'caught-up', events: BACKLOG - failed.pages * PAGE_SIZE });
    const records = await h.archived();
    expect(sorted(uidsOf(records))).toEqual(sorted(h.emulator.events().map(uidOf)));
    expect(rawMismatches(h.emulator.events(), records, uidOf)).toEqual([]);
  });
});

describe('vezaRetryRule', () => {
  const answer = (status: number, body: unknown) => ({
    status,
    headers: new Headers(),
    text: typeof body === 'string' ? body : JSON.stringify(body),
  });

  it.each([
    [
      '429 ResourceExhausted',
      { retry: true, waitMs: 60_000 },
      429,
      { code: 8, message: 'ResourceExhausted', details: [] },
    ],
    ['429 without a body', { retry: true, waitMs: 60_000 }, 429, ''],
    [
      '403 with code 8 (older grpc-gateway)',
      { retry: true, waitMs: 60_000 },
      403,
      { code: 8, message: 'ResourceExhausted' },
    ],
    ['403 PermissionDenied', undefined, 403, { code: 7, message: 'PermissionDenied' }],
    ['401 Unauthenticated', undefined, 401, { code: 16, message: 'invalid or missing API key' }],
    ['503 Unavailable', undefined, 503, { code: 14, message: 'unavailable' }],
  ])('answers %s with %j', (_name, expected, status, body) => {
    // Act
    const rule = vezaRetryRule(answer(status, body));

    // Assess
    expect(rule).toEqual(expected);
  });
});
