/**
 * Backfills through the real runner (shared/backfill-run.ts), on the local stack with the Veza and
 * Carbon Black emulators: resuming after a deadline and after a crash, refusing another range
 * unless restarted, stopping near the range's end, and never touching the live cursor or queue.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { vezaConnector } from '../../functions/veza/connector.ts';
import { runBackfill, BackfillRangeError } from '../../shared/backfill-run.ts';
import { BACKFILL_KEY, backfillItemId } from '../../shared/backfill.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import { SecretsCredentials } from '../../shared/secrets.ts';
import { FirehoseSink, type Sink } from '../../shared/sink.ts';
import type { RunnerDeps } from '../../shared/runner.ts';
import { httpFactory } from '../helpers/harness.ts';
import { iso, middleRange, startRangeWorld, type RangeWorld } from '../helpers/range.ts';

let world: RangeWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

const HOUR = 3_600_000;
const inRange = (events: ReadonlyArray<{ time: number; uid: string }>, r: { from: number; to: number }) =>
  events.filter((e) => e.time >= r.from && e.time < r.to);
const liveStore = (w: RangeWorld) =>
  new CursorStore({ client: w.stack.dynamo.client, tableName: w.stack.config.cursorTable });

describe('backfill: resuming', () => {
  it('a backfill stopped by its deadline reports how far it got and the next invocation resumes there; nothing is read twice', async () => {
    // Prepare: once armed, the clock jumps past the deadline after the third committed page.
    const clock = { offset: 0, armed: false, pages: 0 };
    const onProgress = (): void => {
      if (clock.armed && ++clock.pages === 3) clock.offset += 2 * HOUR;
    };
    world = await startRangeWorld('veza', {
      backlog: 150,
      options: { pageSize: 10 },
      pump: { now: () => Date.now() + clock.offset, onProgress },
    });
    await world.drainLive();
    clock.armed = true;
    const range = middleRange(await world.archived(), 0.1, 0.7);
    const removed = await world.cutArchive(range.from, range.to);
    const request = { backfill: { sourceId: world.source.id, from: iso(range.from), to: iso(range.to) } };

    // Act
    const first = (await world.invoke(request, 60_000)).backfill;
    const second = (await world.invoke(request, 60_000)).backfill;

    // Assess
    expect(first).toMatchObject({ status: 'deadline', more: true, done: false, pages: 3 });
    expect(first?.reached).toBeGreaterThan(range.from);
    expect(first?.reached).toBeLessThan(range.to);
    expect(second).toMatchObject({ status: 'caught-up', more: false, done: true });
    expect((first?.events ?? 0) + (second?.events ?? 0)).toBe(removed.size);
    expect(new Set(inRange(await world.archived(), range).map((e) => e.uid))).toEqual(removed);
  });

  it('a crash while delivering loses nothing: the rerun resumes at the last commit and repeats keep their uid', async () => {
    // Prepare: a sink that dies after two pages, then half of the third.
    world = await startRangeWorld('veza', { backlog: 150, options: { pageSize: 10 } });
    const w = world;
    await w.drainLive();
    const range = middleRange(await w.archived(), 0.1, 0.7);
    const removed = await w.cutArchive(range.from, range.to);
    const firehose = new FirehoseSink({ client: w.stack.clients.firehose, streamName: w.stack.config.archiveStream });
    let puts = 0;
    const crashing: Sink = {
      name: 'crashing',
      put: async (records, deadline) => {
        if (++puts === 3) {
          await firehose.put(records.slice(0, 5), deadline);
          throw new Error('process died mid-delivery');
        }
        await firehose.put(records, deadline);
      },
    };
    const deps = (sink: Sink): RunnerDeps => ({
      store: new CursorStore({
        client: w.stack.dynamo.client,
        tableName: w.stack.config.cursorTable,
        key: BACKFILL_KEY,
      }),
      sink,
      deadLetter: new FirehoseSink({ client: w.stack.clients.firehose, streamName: w.stack.config.deadLetterStream }),
      credentials: new SecretsCredentials({ client: w.stack.clients.secrets }),
      http: httpFactory(5000),
      owner: `run-${Math.random()}`,
      leaseMs: 60_000,
      deadline: Date.now() + 60_000,
    });
    const request = { sourceId: w.source.id, from: iso(range.from), to: iso(range.to) };
    const connector = vezaConnector;

    // Act
    const crashed = await runBackfill(connector, w.source, request, deps(crashing));
    const resumed = await runBackfill(connector, w.source, request, deps(firehose));

    // Assess: the rerun starts at the third page (its five early records come again, same uids).
    expect(crashed).toMatchObject({ status: 'failed', pages: 2, done: false });
    expect(resumed).toMatchObject({ status: 'caught-up', done: true });
    expect(crashed.events + resumed.events).toBe(removed.size);
    const archived = inRange(await w.archived(), range);
    expect(archived.length).toBe(removed.size + 5);
    expect(new Set(archived.map((e) => e.uid))).toEqual(removed);
  });
});

describe('backfill: its own cursor', () => {
  it('refuses another range while one is stored; --restart drops it and reads the new range from its start', async () => {
    world = await startRangeWorld('veza', { backlog: 100 });
    await world.drainLive();
    const events = await world.archived();
    const a = middleRange(events, 0.1, 0.3);
    const b = middleRange(events, 0.5, 0.8);
    const items = liveStore(world);

    const first = (await world.backfill(iso(a.from), iso(a.to))).backfill;
    const again = (await world.backfill(iso(a.from), iso(a.to))).backfill;
    const refused = world.backfill(iso(b.from), iso(b.to));
    await expect(refused).rejects.toThrow(BackfillRangeError);
    await expect(refused).rejects.toThrow(
      /has a backfill of .*; resume it with the same range, or start .* with --restart/,
    );
    const restarted = (await world.backfill(iso(b.from), iso(b.to), { restart: true })).backfill;

    expect(first).toMatchObject({ done: true, events: inRange(events, a).length });
    expect(again).toMatchObject({ done: true, events: 0 }); // a finished backfill stays finished
    expect(restarted).toMatchObject({ done: true, events: inRange(events, b).length });
    const item = await items.get(backfillItemId(world.source.id));
    expect(item?.cursor).toMatchObject({ range: { from: iso(b.from), to: iso(b.to) }, done: true });
    expect(item?.leaseOwner).toBeUndefined();
  });

  it('a range in the distant past is read to just past its end, not to the head of the stream', async () => {
    world = await startRangeWorld('veza', { backlog: 150, options: { pageSize: 10 } });
    await world.drainLive();
    const range = middleRange(await world.archived(), 0.05, 0.25);

    const result = (await world.backfill(iso(range.from), iso(range.to))).backfill;

    // 150 events in 15 pages; the range holds 30 of them (3 pages), the hour past its end ~1 more.
    expect(result).toMatchObject({ done: true, events: 30 });
    expect(result?.pages).toBeLessThanOrEqual(6);
  });

  it('Carbon Black in queue mode: the backfill reads the search and leaves the queue cursor and the spool alone', async () => {
    world = await startRangeWorld('carbonblack', { backlog: 150, options: { mode: 'queue' } });
    await world.drainLive();
    const live = await liveStore(world).get(world.source.id);
    const spooled = await world.stack.spool.list('');
    const range = middleRange(await world.archived(), 0.3, 0.6);
    const removed = await world.cutArchive(range.from, range.to);

    const result = (await world.backfill(iso(range.from), iso(range.to))).backfill;

    expect(live?.cursor).toMatchObject({ mode: 'queue' });
    expect(removed.size).toBeGreaterThan(5);
    expect(result).toMatchObject({ done: true, events: removed.size });
    expect(new Set(inRange(await world.archived(), range).map((e) => e.uid))).toEqual(removed);
    expect(await liveStore(world).get(world.source.id)).toEqual(live);
    expect(await world.stack.spool.list('')).toEqual(spooled);
  });
});
