/**
 * The bounded read (shared/backfill.ts) over a scripted stream connector: what it keeps and drops,
 * when it is done, the clock it gives time-window vendors, its cursor, and the vendor adapters.
 */
import { describe, expect, it } from '@jest/globals';
import { authentic8Connector } from '../../functions/authentic8/connector.ts';
import { carbonBlackConnector } from '../../functions/carbonblack/connector.ts';
import {
  DEFAULT_MARGIN_MS,
  backfillItemId,
  boundedConnector,
  checkRange,
  parseTime,
  rangeSource,
  type BoundedCursor,
} from '../../shared/backfill.ts';
import { parseSources, type Source } from '../../shared/config.ts';
import type { Connector, FetchContext } from '../../shared/connector.ts';
import { ConfigError, CursorInvalidError } from '../../shared/errors.ts';
import { silentLogger } from '../../shared/logger.ts';
import { parseWindow } from '../../shared/reconcile.ts';
import { scriptedConnector, testSource, type Counter, type TestRecord } from '../helpers/scripted.ts';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-20T00:00:00Z');

/** A stream of records (time order given by the test), served `size` at a time from index `n`. */
function stream(
  records: unknown[],
  size: number,
  seen: { now?: number; startFrom?: string } = {},
): Connector<Counter, TestRecord> {
  return scriptedConnector(
    {
      initialCursor: (source) => ((seen.startFrom = source.startFrom), { n: 0 }),
      async fetchPage(ctx, c) {
        seen.now = ctx.now();
        const slice = records.slice(c.n, c.n + size).map((value) => ({ raw: JSON.stringify(value), value }));
        return { records: slice, next: { n: c.n + slice.length }, caughtUp: slice.length === 0 };
      },
    },
    'Stream',
  );
}

const SOURCE = testSource({ id: 'veza-a', baseUrl: 'https://x.example.com', credentials: { token: 't' } });
const ctx = (now: number, source: Source = SOURCE): FetchContext => ({
  source,
  options: {},
  credentials: {},
  settleLagMs: (source.settleLagSeconds ?? 0) * 1000,
  http: undefined as never,
  deadline: Infinity,
  now: () => now,
  log: silentLogger,
});
const at = (hours: number, id = `e${hours}`) => ({ id, t: T0 + hours * HOUR });
const ids = (page: { records: ReadonlyArray<{ value: unknown }> }) =>
  page.records.map((r) => (r.value as { id: string }).id);

describe('boundedConnector', () => {
  const range = { from: T0 + 2 * HOUR, to: T0 + 4 * HOUR };

  it('starts the live connector at `from` and keeps only records in [from, to); invalid ones are kept for the dead-letter', async () => {
    // Prepare
    const seen: { startFrom?: string } = {};
    const records = [at(1), at(2), { id: 'bad' }, at(3.5), at(4), at(4.5)];
    const bounded = boundedConnector(stream(records, 10, seen), range);

    // Act
    const page = await bounded.fetchPage(ctx(T0 + 48 * HOUR), bounded.initialCursor(SOURCE, T0, {}));

    // Assess
    expect(seen.startFrom).toBe('2026-11-20T02:00:00.000Z');
    expect(ids(page)).toEqual(['e2', 'bad', 'e3.5']);
    expect(page.caughtUp).toBe(false);
    expect(page.next).toEqual({
      range: { from: '2026-11-20T02:00:00.000Z', to: '2026-11-20T04:00:00.000Z' },
      inner: { n: 6 },
    });
  });

  it('is done at the first page whose valid records are all at or after to + margin, and stays done', async () => {
    const records = [at(3), at(4.2), at(4.9), at(5), at(5.5), { id: 'bad' }, at(6)];
    const bounded = boundedConnector(stream(records, 2), range);
    const c0 = bounded.initialCursor(SOURCE, T0, {});

    const p1 = await bounded.fetchPage(ctx(T0 + 48 * HOUR), c0);
    const p2 = await bounded.fetchPage(ctx(T0 + 48 * HOUR), p1.next);
    const p3 = await bounded.fetchPage(ctx(T0 + 48 * HOUR), p2.next);
    const after = await bounded.fetchPage(ctx(T0 + 48 * HOUR), p3.next);

    expect([p1.caughtUp, p2.caughtUp, p3.caughtUp]).toEqual([false, false, true]);
    expect(ids(p2)).toEqual([]); // 4.9 h is past `to` but inside the margin: read on, keep nothing
    expect(p3.next.done).toBe(true);
    expect(after).toEqual({ records: [], next: p3.next, caughtUp: true });
  });

  it('gives the connector a clock that stops at the horizon, and the margin is at least the settle lag', async () => {
    const seen: { now?: number } = {};
    const bounded = boundedConnector(stream([], 1, seen), range, 60_000);
    const lagged = { ...SOURCE, settleLagSeconds: 900 };

    await bounded.fetchPage(ctx(T0 + 48 * HOUR), bounded.initialCursor(SOURCE, T0, {}));
    const floor = seen.now;
    await bounded.fetchPage(ctx(T0 + 48 * HOUR, lagged), bounded.initialCursor(lagged, T0, {}));
    const withLag = seen.now;
    await bounded.fetchPage(ctx(T0 + 4 * HOUR + 1000), bounded.initialCursor(SOURCE, T0, {}));

    expect(floor).toBe(range.to + 300_000);
    expect(withLag).toBe(range.to + 900_000);
    expect(seen.now).toBe(T0 + 4 * HOUR + 1000);
  });

  it('refuses a stored cursor of another range', async () => {
    const bounded = boundedConnector(stream([], 1), range);
    const other: BoundedCursor<{ n: number }> = {
      range: { from: '2026-11-19T00:00:00.000Z', to: '2026-11-20T00:00:00.000Z' },
      inner: { n: 0 },
    };
    await expect(bounded.fetchPage(ctx(T0 + 48 * HOUR), other)).rejects.toThrow(CursorInvalidError);
  });

  it('its cursor schema holds the range and validates the inner cursor', () => {
    const bounded = boundedConnector(stream([], 1), range);
    expect(bounded.cursorSchema.safeParse({ range: { from: 'a', to: 'b' }, inner: { n: 3 }, done: true }).success).toBe(
      true,
    );
    expect(bounded.cursorSchema.safeParse({ range: { from: 'a', to: 'b' }, inner: { n: 'x' } }).success).toBe(false);
    expect(bounded.position?.({ range: { from: 'a', to: 'b' }, inner: { n: 3 } })).toEqual({ n: 3 });
  });
});

describe('range adapters', () => {
  it('Carbon Black range reads use the search, never the destructive queue', () => {
    const [cb] = parseSources({
      sources: [
        {
          id: 'cb',
          vendor: 'carbonblack',
          baseUrl: 'https://x.example.com',
          credentials: { apiId: 'a', apiSecret: 'b' },
          startFrom: '2026-01-01T00:00:00Z',
          options: { orgKey: 'ORG1', mode: 'queue' },
        },
      ],
    }).sources as [Source];
    expect(rangeSource(carbonBlackConnector, cb, { from: T0, to: T0 + HOUR })).toMatchObject({
      startFrom: '2026-11-20T00:00:00.000Z',
      options: { orgKey: 'ORG1', mode: 'search' },
    });
  });

  it('Authentic8: a log type past the horizon leaves the round; the other types are still read', () => {
    const pastHorizon = authentic8Connector.range?.pastHorizon;
    // The type just read (url, still is_more) moved; audit is next; admin is not opened yet.
    expect(
      pastHorizon?.(
        { types: { url: 10, audit: 5 } },
        { types: { url: 20, audit: 5 }, pending: ['url', 'audit', 'admin'] },
      ),
    ).toEqual({
      next: { types: { url: 20, audit: 5 }, pending: ['audit', 'admin'] },
      caughtUp: false,
    });
    expect(pastHorizon?.({ types: { url: 10 } }, { types: { url: 20 }, pending: ['url'] })).toEqual({
      next: { types: { url: 20 } },
      caughtUp: true,
    });
  });

  it('the backfill keeps its own cursor item', () => {
    expect(backfillItemId('veza-main')).toBe('veza-main#backfill');
  });
});

describe('times and windows', () => {
  it('parses dates as UTC midnight and ISO times with an offset; refuses the rest, naming the field', () => {
    expect(parseTime('2026-11-20', 'from')).toBe(T0);
    expect(parseTime('2026-11-20T01:00:00+01:00', 'from')).toBe(T0);
    expect(() => parseTime('2026-11-20 01:00', 'to')).toThrow(/to must be a date/);
    expect(() => parseTime('yesterday', 'from')).toThrow(ConfigError);
  });

  it('a range must be non-empty and settled: ending at least the settle lag (default 300 s) before now', () => {
    const to = T0 + HOUR;
    expect(() => checkRange({ from: T0, to: T0 }, SOURCE, to + HOUR)).toThrow(/must end after it starts/);
    expect(() => checkRange({ from: T0, to }, SOURCE, to + 299_000)).toThrow(
      /must be in the past, ending at least the settle lag \(300 s\) before now/,
    );
    expect(checkRange({ from: T0, to }, SOURCE, to + 300_000)).toEqual({ from: T0, to });
    expect(() => checkRange({ from: T0, to }, { ...SOURCE, settleLagSeconds: 900 }, to + 600_000)).toThrow(/\(900 s\)/);
  });

  it('a reconcile window is "yesterday" (UTC, the default) or "<t1>..<t2>"', () => {
    expect(parseWindow(undefined, T0 + 5 * HOUR)).toEqual({ from: T0 - 24 * HOUR, to: T0 });
    expect(parseWindow('yesterday', T0)).toEqual({ from: T0 - 24 * HOUR, to: T0 });
    expect(parseWindow('2026-11-19..2026-11-20T06:00:00Z', T0)).toEqual({ from: T0 - 24 * HOUR, to: T0 + 6 * HOUR });
    expect(() => parseWindow('2026-11-19', T0)).toThrow(/"yesterday" or "<t1>..<t2>"/);
  });

  it('the default margin is an hour', () => {
    expect(DEFAULT_MARGIN_MS).toBe(HOUR);
  });
});
