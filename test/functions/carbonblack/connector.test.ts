/**
 * The Carbon Black connector in search mode, through the Lambda's `createPump` on the local stack
 * against the emulator: closed windows, paging, window splitting at the `num_available` cap,
 * identity of records without ids, rate limits and refused keys.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  CB_KEY,
  CB_SOURCE_ID,
  sorted,
  startStand,
  stopStands,
  uidsOf,
  type CbStand,
} from '../../helpers/carbonblack.ts';
import { runArmedAfterFirstPage } from '../../helpers/connector-stand.ts';
import type { CbStoredEvent } from '../../../functions/carbonblack/emulator/emulator.ts';

const HOUR_MS = 3_600_000;

afterEach(stopStands);

/** Uids that occur more than once in the archive. */
function repeated(uids: readonly string[]): string[] {
  const seen = new Set<string>();
  return uids.filter((u) => (seen.has(u) ? true : (seen.add(u), false)));
}

/** Events whose archived raw_data is not byte-identical to the emulator's wire text. */
function rawMismatches(h: CbStand, records: ReadonlyArray<Record<string, unknown>>): CbStoredEvent[] {
  const raw = new Map(records.map((r) => [(r.metadata as { uid: string }).uid, r.raw_data]));
  const events = h.emulator.events();
  const uids = h.uids(events);
  return events.filter((e, i) => raw.get(uids[i] ?? '') !== e.text);
}

/** The search bodies the connector sent, parsed. */
const searches = (
  h: CbStand,
): Array<{ start: number; rows: number; criteria: { create_time: { start: string; end: string } } }> =>
  h.emulator.requests.filter((r) => r.path.endsWith('/_search')).map((r) => JSON.parse(r.body));

describe('Carbon Black search mode: draining', () => {
  it('archives every event exactly once per occurrence, raw_data byte-identical, and ends caught up', async () => {
    // Prepare
    const h = await startStand({ source: { options: { rows: 100 } } });

    // Act
    const result = await h.run();

    // Assess
    const records = await h.archived();
    expect(result).toMatchObject({ status: 'caught-up', more: false, rejected: 0, events: h.emulator.events().length });
    expect(repeated(uidsOf(records))).toEqual([]);
    expect(sorted(uidsOf(records))).toEqual(sorted(h.uids()));
    expect(rawMismatches(h, records)).toEqual([]);
    expect((await h.cursor())?.cursor).toMatchObject({ mode: 'search', start: 0 });
  });

  it('asks for closed, ascending windows ending the settle lag behind now, paged with a 0-based start', async () => {
    // Prepare
    const h = await startStand({ source: { options: { rows: 150 }, settleLagSeconds: 300 } });
    const before = Date.now();

    // Act
    await h.run();

    // Assess
    const bodies = searches(h);
    expect(bodies.map((b) => b.start)).toEqual([0, 150, 300]);
    expect(
      bodies.every(
        (b) =>
          b.rows === 150 &&
          JSON.stringify((b as { sort?: unknown }).sort) === '[{"field":"create_time","order":"ASC"}]',
      ),
    ).toBe(true);
    const end = Date.parse(bodies[0]?.criteria.create_time.end ?? '');
    expect(end).toBeLessThanOrEqual(Date.now() - 300_000);
    expect(end).toBeGreaterThanOrEqual(before - 300_000 - 1);
  });

  it('leaves events younger than the settle lag for a later run, then reads only those', async () => {
    // Prepare
    const h = await startStand({ source: { settleLagSeconds: 120 } });
    await h.run();
    const fresh = h.emulator.addEvents(12, { atMs: Date.now() - 30_000 });

    // Act
    const early = await h.run();
    const settled = await h.runAs({ settleLagSeconds: 10 });

    // Assess
    expect(early).toMatchObject({ status: 'caught-up', events: 0 });
    expect(settled).toMatchObject({ status: 'caught-up', events: fresh.length });
    const records = await h.archived();
    expect(repeated(uidsOf(records))).toEqual([]);
    expect(sorted(uidsOf(records))).toEqual(sorted(h.uids()));
  });
});

describe('Carbon Black search mode: windows larger than num_available', () => {
  it('halves a window whose num_found exceeds the cap before reading it, and still archives everything once', async () => {
    // Prepare
    const h = await startStand({ emulator: { backlog: 600, searchCap: 100 }, source: { options: { rows: 40 } } });

    // Act
    const result = await h.run();

    // Assess
    expect(result.status).toBe('caught-up');
    const records = await h.archived();
    expect(repeated(uidsOf(records))).toEqual([]);
    expect(sorted(uidsOf(records))).toEqual(sorted(h.uids()));
    expect(h.logs.filter((l) => /halving/.test(l.message)).length).toBeGreaterThan(0);
    expect(searches(h).every((b) => b.start < 100)).toBe(true);
  });

  it('re-bases a window that grew past the cap while it was read, losing nothing after the newest delivered event', async () => {
    // Prepare
    const h = await startStand({ emulator: { backlog: 25, searchCap: 30 }, source: { options: { rows: 10 } } });
    const last = Math.max(...h.emulator.events().map((e) => e.time));

    // Act
    const result = await runArmedAfterFirstPage(h, () => h.emulator.addEvents(20, { atMs: last - 1 }));

    // Assess
    expect(result.status).toBe('caught-up');
    const records = await h.archived();
    expect(repeated(uidsOf(records))).toEqual([]);
    expect(sorted(uidsOf(records))).toEqual(sorted(h.uids()));
    expect(searches(h).some((b) => b.start > 0 && b.start < 10)).toBe(true);
  });
});

describe('Carbon Black search mode: records without ids', () => {
  it('keeps identical records of one millisecond as separate events, even when they straddle pages', async () => {
    // Prepare
    const h = await startStand({ emulator: { backlog: 30 }, source: { options: { rows: 3 } } });
    const copies = h.emulator.addEvents(1, { atMs: Date.now() - 2 * HOUR_MS, identical: 7 });

    // Act
    await h.run();

    // Assess
    const records = await h.archived();
    const copyUids = h.uids(copies);
    expect(new Set(copyUids).size).toBe(7);
    expect(uidsOf(records).filter((u) => copyUids.includes(u))).toHaveLength(7);
    expect(
      new Set(records.filter((r) => copyUids.includes((r.metadata as { uid: string }).uid)).map((r) => r.raw_data))
        .size,
    ).toBe(1);
    expect(repeated(uidsOf(records))).toEqual([]);
  });

  it('gives the same uids when the same windows are read again with another page size', async () => {
    // Prepare
    const h = await startStand({ emulator: { backlog: 300 }, source: { options: { rows: 50 } } });
    h.emulator.addEvents(2, { atMs: Date.now() - HOUR_MS, identical: 4 });
    await h.run();
    const first = uidsOf(await h.archived());
    await h.reset();

    // Act
    const again = await h.runAs({ options: { rows: 7 } });

    // Assess
    expect(again.status).toBe('caught-up');
    const all = uidsOf(await h.archived());
    expect(all).toHaveLength(2 * first.length);
    expect(sorted(all)).toEqual(sorted([...first, ...first]));
    expect(h.emulator.events().length - new Set(h.emulator.events().map((e) => e.text)).size).toBeGreaterThanOrEqual(6);
  });
});

describe('Carbon Black search mode: vendor answers', () => {
  it('waits the Retry-After of a 429 when the deadline allows, then reads on', async () => {
    // Prepare
    const h = await startStand();
    Object.assign(h.emulator.faults, { rateLimitNext: 1, retryAfterSeconds: 7 });

    // Act
    const result = await h.run();

    // Assess
    expect(h.sleeps).toEqual([7000]);
    expect(result).toMatchObject({
      status: 'caught-up',
      retries: 1,
      throttledWaitMs: 7000,
      events: h.emulator.events().length,
    });
  });

  it('stops as throttled, cursor untouched and without waiting, when Retry-After is beyond the deadline', async () => {
    // Prepare
    const h = await startStand();
    await h.run();
    const before = await h.cursor();
    Object.assign(h.emulator.faults, { rateLimitNext: 1, retryAfterSeconds: 600 });

    // Act
    const result = await h.runAs({ settleLagSeconds: 1 }, 60_000);

    // Assess
    expect(result).toMatchObject({ status: 'throttled', more: true, pages: 0 });
    expect(h.sleeps).toEqual([]);
    expect((await h.cursor())?.cursor).toEqual(before?.cursor);
  });

  it('fails on a refused key with the 401 in the error, never the secret, and stores no cursor', async () => {
    // Prepare
    const h = await startStand({
      source: { credentials: { apiId: CB_KEY.id, apiSecret: 'WRONGSECRET0000000000000' } },
    });

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'failed', events: 0 });
    expect(result.error).toMatch(/HTTP 401/);
    expect(result.error).not.toContain('WRONGSECRET0000000000000');
    expect((await h.cursor())?.cursor).toBeUndefined();
  });

  it('fails on a key without org.audits with the 403 and the missing permission in the error', async () => {
    // Prepare
    const h = await startStand({ emulator: { apiKeys: [{ ...CB_KEY, permissions: ['jobs.status'] }] } });

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'failed', events: 0 });
    expect(result.error).toMatch(/HTTP 403.*org\.audits/);
    expect(result.error).not.toContain(CB_KEY.secret);
  });

  it('fails on a truncated page keeping the last committed position, and the rerun archives the rest once', async () => {
    // Prepare
    const h = await startStand({ source: { options: { rows: 100 } } });
    // (The runner may have prefetched page 2 before the fault was armed: the fault hits page 2 or 3.)
    const failed = await runArmedAfterFirstPage(h, () => (h.emulator.faults.truncateNext = 1));

    // Act
    const rerun = await h.run();

    // Assess
    expect([1, 2]).toContain(failed.pages);
    expect(failed).toMatchObject({ status: 'failed', events: failed.pages * 100 });
    expect(failed.error).toMatch(/MalformedPageError/);
    expect(rerun.status).toBe('caught-up');
    const records = await h.archived();
    expect(repeated(uidsOf(records))).toEqual([]);
    expect(sorted(uidsOf(records))).toEqual(sorted(h.uids()));
    expect(h.source.id).toBe(CB_SOURCE_ID);
  });
});
