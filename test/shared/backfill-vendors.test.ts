/**
 * Backfill and reconciliation with every vendor (the CLI's emulators, small backlogs): a gap cut
 * into the archive on purpose is reported missing with its exact count, a backfill of the window
 * fills it with in-range events only and leaves the live cursor where it was, and a second
 * reconciliation reports nothing missing.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { EMULATORS } from '../../local/emulators/emulators.ts';
import { backfillItemId } from '../../shared/backfill.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import type { Vendor } from '../../shared/config.ts';
import { iso, middleRange, startRangeWorld, type RangeWorld } from '../helpers/range.ts';

let world: RangeWorld | undefined;
afterEach(async () => {
  await world?.stop();
  world = undefined;
});

/** Small pages where a vendor has them, so a range spans several pages. */
const PAGE_OPTIONS: Partial<Record<Vendor, Record<string, unknown>>> = {
  veza: { pageSize: 25 },
  authentic8: { limit: 25 },
  carbonblack: { rows: 25 },
  retraced: { pageSize: 25 },
};

/**
 * The Retraced emulator publishes some events with a `created` up to days before `received` (as
 * backdated publishes do, vendor-notes §1.3); windows are on `received`, so the range is read with a
 * margin that covers them. The default margin's limit is asserted in backfill.test.ts.
 */
const MARGIN_SECONDS: Partial<Record<Vendor, number>> = { retraced: 7 * 86_400 };

describe.each(Object.keys(EMULATORS) as Vendor[])('backfill and reconcile: %s', (vendor) => {
  it('reconcile reports the cut-out events missing, the backfill fills exactly them, reconcile then reports none', async () => {
    // Prepare: the live pump archives the backlog; a slice of it is deleted from the archive.
    world = await startRangeWorld(vendor, { backlog: 150, options: PAGE_OPTIONS[vendor] ?? {} });
    await world.drainLive();
    const live = await world.archived();
    const { from, to } = middleRange(live);
    const removed = await world.cutArchive(from, to);
    const window = `${iso(from)}..${iso(to)}`;
    const margin = MARGIN_SECONDS[vendor] === undefined ? {} : { marginSeconds: MARGIN_SECONDS[vendor] };
    const cursors = new CursorStore({ client: world.stack.dynamo.client, tableName: world.stack.config.cursorTable });
    const liveBefore = await cursors.get(world.source.id);
    expect(removed.size).toBeGreaterThan(5);

    // Act
    const before = (await world.invoke({ reconcile: { sourceId: world.source.id, window, ...margin } })).reconcile;
    const outside = (events: ReadonlyArray<{ time: number }>) =>
      events.filter((e) => e.time < from || e.time >= to).length;
    const countBefore = (await world.archived()).length;
    const outsideBefore = outside(await world.archived());
    const backfill = (await world.backfill(iso(from), iso(to), margin)).backfill;
    const after = await world.archived();
    const reconciled = (await world.invoke({ reconcile: { sourceId: world.source.id, window, ...margin } })).reconcile;

    // Assess: exact count missing, filled by in-range events only, live cursor untouched.
    expect(before).toMatchObject({ missing: removed.size, invalid: 0 });
    expect(before?.missingSample.every((m) => removed.has(m.uid))).toBe(true);
    expect(backfill).toMatchObject({
      sourceId: backfillItemId(world.source.id),
      status: 'caught-up',
      done: true,
      more: false,
    });
    expect(after.length).toBe(countBefore + (backfill?.events ?? 0));
    expect(outside(after)).toBe(outsideBefore);
    expect(new Set(after.filter((e) => e.time >= from && e.time < to).map((e) => e.uid))).toEqual(removed);
    expect(reconciled).toMatchObject({
      missing: 0,
      archivedEvents: removed.size,
      vendorEvents: removed.size,
      unexpected: 0,
    });
    expect(await cursors.get(world.source.id)).toEqual(liveBefore);
  });
});
