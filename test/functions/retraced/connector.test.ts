/**
 * The Retraced connector through the Lambda's own code path (`createPump`, as `audit-pump run`
 * uses it) against the Retraced emulator and the local AWS stack. One movable clock drives the
 * emulator, the runner and the HTTP client, so "ten minutes later" is instant.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { retracedConnector } from '../../../functions/retraced/connector.ts';
import { ENTERPRISE_READ_LABEL } from '../../../functions/retraced/normalize.ts';
import {
  RETRACED_GRAPHQL_PATH,
  startRetracedEmulator,
  type RetracedEmulator,
  type RetracedEmulatorOptions,
  type RetracedStoredEvent,
} from '../../../functions/retraced/emulator/emulator.ts';
import { eventUid } from '../../../shared/ocsf.ts';
import type { RunResult } from '../../../shared/runner.ts';
import {
  LONG_RUN_MS,
  runArmedAfterFirstPage,
  startConnectorStand,
  stopConnectorStands,
} from '../../helpers/connector-stand.ts';
import type { ConnectorStand } from '../../helpers/connector-stand.ts';
import { uidsOf as archivedUids } from '../../helpers/connector-archive.ts';

const SOURCE_ID = 'retraced-test';
const TOKEN = 'c0ffee11d2e3f4a5b6c7d8e9f0a1b2c3';
const OTHER_TOKEN = 'b0b0b0b0aaaa4bbb8ccc9ddd0eee1fff';
const PAGE_SIZE = 50;
const BACKLOG = 300;
const MINUTE = 60_000;
const DAY = 86_400_000;
const LAG_MS = retracedConnector.settleLagMs ?? 0;

interface Cursor {
  from: string;
  to?: string;
  after?: string;
}

interface Harness extends Omit<ConnectorStand<RetracedEmulator>, 'cursor'> {
  /** The stored Retraced cursor. */
  cursor(): Promise<Cursor | undefined>;
  /** Runs again once everything received so far has settled. */
  later(): Promise<RunResult>;
}

afterEach(stopConnectorStands);

async function setUp(
  input: {
    emulator?: Partial<RetracedEmulatorOptions>;
    source?: Record<string, unknown>;
    options?: Record<string, unknown>;
    token?: string;
  } = {},
): Promise<Harness> {
  const stand = await startConnectorStand({
    connector: retracedConnector,
    sourceId: SOURCE_ID,
    emulator: (now) =>
      startRetracedEmulator({
        token: TOKEN,
        otherTokens: [OTHER_TOKEN],
        seed: 7,
        backlog: BACKLOG,
        now,
        ...input.emulator,
      }),
    source: (_emulator, now) => ({
      credentials: { token: input.token ?? TOKEN },
      startFrom: new Date(now() - 3 * DAY).toISOString(),
      options: { pageSize: PAGE_SIZE, maxWindowSeconds: 7 * 86_400, ...input.options },
      ...input.source,
    }),
  });
  const state = stand.cursor;
  // Assigned onto the stand itself: the pump calls the stand's own `onPage`, which tests replace.
  return Object.assign(stand, {
    cursor: async () => (await state())?.cursor as Cursor | undefined,
    later() {
      stand.clock.offset += LAG_MS + MINUTE;
      return stand.run();
    },
  });
}

const uidOf = (event: RetracedStoredEvent): string => eventUid('retraced', SOURCE_ID, event.id);
const uidsOf = (records: ReadonlyArray<Record<string, unknown>>): string[] => archivedUids(records).sort();
const isOwnRead = (e: RetracedStoredEvent): boolean => e.actor?.id === `enterprise:${TOKEN.slice(0, 7)}`;

/** The uids that must be archived once the stored window starts at `cursor.from`: everything received before it. */
function expectedUids(
  h: Harness,
  cursor: Cursor | undefined,
  keep: (e: RetracedStoredEvent) => boolean = () => true,
): string[] {
  const boundary = Date.parse(cursor?.from ?? '');
  return h.emulator
    .events()
    .filter((e) => e.received < boundary && keep(e))
    .map(uidOf)
    .sort();
}

/** Sorted by the server's order, (canonical_time, id). */
const serverOrder = (events: readonly RetracedStoredEvent[]): RetracedStoredEvent[] =>
  [...events].sort((a, b) => a.canonicalTime - b.canonicalTime || (a.id < b.id ? -1 : 1));

describe('Retraced connector: draining', () => {
  it('archives every event received before the settled window end exactly once, raw_data cut byte-exact from the response', async () => {
    // Prepare
    const h = await setUp({ emulator: { jsonSpaces: 2, recordBodies: true } });
    const backdated = h.emulator.events().filter((e) => e.received - e.canonicalTime > DAY);

    // Act
    const result = await h.run();

    // Assess
    expect(backdated.length).toBeGreaterThan(0);
    expect(result).toMatchObject({ status: 'caught-up', more: false, rejected: 0 });
    const cursor = await h.cursor();
    expect(Date.parse(cursor?.from ?? '')).toBeGreaterThan(h.clock.offset + Date.now() - LAG_MS - MINUTE);
    const records = await h.archived();
    expect(uidsOf(records)).toEqual(expectedUids(h, cursor));
    const sent = h.emulator.bodies().join('\n');
    const notVerbatim = records.filter(
      (r) => !sent.includes(String(r.raw_data)) || !String(r.raw_data).includes('\n    '),
    );
    expect(notVerbatim).toEqual([]);
    expect(
      records.every(
        (r) =>
          [6003, 3002].includes(Number(r.class_uid)) && (r.metadata as { log_name: string }).log_name === SOURCE_ID,
      ),
    ).toBe(true);
  });

  it('reads a backlog longer than maxWindowSeconds window after window, backdated events included, caught up only after the last', async () => {
    // Prepare
    const h = await setUp({ options: { maxWindowSeconds: 6 * 3600 } });
    const acrossWindows = h.emulator.events().filter((e) => e.received - e.canonicalTime > 6 * 3600_000);

    // Act
    const result = await h.run();

    // Assess
    expect(acrossWindows.length).toBeGreaterThan(0);
    expect(result.status).toBe('caught-up');
    expect(result.pages).toBeGreaterThanOrEqual(12);
    expect(uidsOf(await h.archived())).toEqual(expectedUids(h, await h.cursor()));
  });

  it('finds events with a backdated created on a later run, behind every canonical_time already archived', async () => {
    // Prepare
    const h = await setUp();
    await h.run();
    const first = await h.archived();
    const newestArchived = Math.max(...first.map((r) => Number(r.time)));
    const late = Array.from({ length: 12 }, (_, i) =>
      h.emulator.publish({ created: Date.now() + h.clock.offset - 2 * DAY - i * MINUTE }),
    );

    // Act
    const second = await h.later();

    // Assess
    expect(late.every((e) => e.canonicalTime < newestArchived)).toBe(true);
    expect(second.status).toBe('caught-up');
    const records = await h.archived();
    expect(uidsOf(records)).toEqual(expectedUids(h, await h.cursor()));
    expect(uidsOf(records)).toEqual(expect.arrayContaining(late.map(uidOf)));
  });

  it('splits a tie on canonical_time across a page boundary without losing or repeating an event', async () => {
    // Prepare
    const h = await setUp({
      emulator: { backlog: 0 },
      options: { pageSize: 5 },
      source: { startFrom: new Date(Date.now() - 3600_000).toISOString() },
    });
    const tie = Date.now() - MINUTE;
    const events = [
      ...Array.from({ length: 3 }, (_, i) => h.emulator.publish({ created: tie - (i + 1) * 1000 })),
      ...Array.from({ length: 7 }, () => h.emulator.publish({ created: tie })),
    ];
    const ordered = serverOrder(events);

    // Act
    const result = await h.later();

    // Assess
    expect(ordered[4]?.canonicalTime).toBe(tie);
    expect(ordered[5]?.canonicalTime).toBe(tie);
    expect(result).toMatchObject({ status: 'caught-up', events: 10, pages: 3 });
    expect(uidsOf(await h.archived())).toEqual(events.map(uidOf).sort());
  });
});

describe('Retraced connector: the settle lag and the ingest delay', () => {
  it('leaves events that are still being ingested to a later run instead of skipping them', async () => {
    // Prepare
    const h = await setUp({ emulator: { backlog: 0, ingestDelayMs: 90_000 }, options: { ownReads: 'drop' } });
    const fresh = h.emulator.addEvents(8);
    h.clock.offset += MINUTE;
    const early = await h.run();
    const from = Date.parse((await h.cursor())?.from ?? '');

    // Act
    const settled = await h.later();

    // Assess
    expect(fresh.every((e) => e.visibleAt > Date.now() + MINUTE && e.received >= from)).toBe(true);
    expect(early).toMatchObject({ status: 'caught-up', events: 0 });
    expect(settled).toMatchObject({ status: 'caught-up', events: 8 });
    expect(uidsOf(await h.archived())).toEqual(fresh.map(uidOf).sort());
  });

  it('loses events ingested later than settleLagSeconds, which is why the lag must exceed the ingest delay', async () => {
    // Prepare
    const h = await setUp({ emulator: { backlog: 0, ingestDelayMs: 30_000 }, source: { settleLagSeconds: 5 } });
    const slow = h.emulator.addEvents(4);
    h.clock.offset += 10_000;
    await h.run();
    h.clock.offset += MINUTE;

    // Act
    const second = await h.run();

    // Assess
    expect(second.status).toBe('caught-up');
    expect(Date.parse((await h.cursor())?.from ?? '')).toBeGreaterThan(Math.max(...slow.map((e) => e.received)));
    const archived = uidsOf(await h.archived());
    expect(slow.map(uidOf).filter((u) => archived.includes(u))).toEqual([]);
  });

  it('archives events arriving during a run (some backdated) on the next run, each exactly once', async () => {
    // Prepare
    const h = await setUp();
    const arrivals: RetracedStoredEvent[] = [];
    h.onPage = () => {
      arrivals.push(...h.emulator.addEvents(3), h.emulator.publish({ created: Date.now() + h.clock.offset - DAY }));
      h.clock.offset += 1000;
    };
    await h.run();
    h.onPage = () => undefined;

    // Act
    const second = await h.later();

    // Assess
    expect(arrivals.length).toBeGreaterThan(20);
    expect(second.status).toBe('caught-up');
    const records = await h.archived();
    expect(uidsOf(records)).toEqual(expectedUids(h, await h.cursor()));
    expect(uidsOf(records)).toEqual(expect.arrayContaining(arrivals.map(uidOf)));
  });
});

describe("Retraced connector: the events of the pump's own reads", () => {
  it('archives them by default, marked as enterprise reads by the token actor', async () => {
    // Prepare
    const h = await setUp({ emulator: { backlog: 40 } });
    await h.run();
    const reads = h.emulator.stats.reads;

    // Act
    await h.later();

    // Assess
    const own = (await h.archived()).filter(
      (r) => (r.actor as { user?: { uid?: string } }).user?.uid === `enterprise:${TOKEN.slice(0, 7)}`,
    );
    expect(own).toHaveLength(reads);
    expect(
      own.every(
        (r) => (r.metadata as { labels?: string[] }).labels?.includes(ENTERPRISE_READ_LABEL) && r.activity_id === 2,
      ),
    ).toBe(true);
  });

  it('drops only them with ownReads "drop": another token holder\'s reads are still archived', async () => {
    // Prepare
    const h = await setUp({ emulator: { backlog: 40 }, options: { ownReads: 'drop' } });
    await h.run();
    const other = await fetch(`${h.emulator.baseUrl}${RETRACED_GRAPHQL_PATH}`, {
      method: 'POST',
      headers: { authorization: `token=${OTHER_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ search(first: 1) { totalCount } }' }),
    });

    // Act
    const second = await h.later();

    // Assess
    expect(other.status).toBe(200);
    expect(second.status).toBe('caught-up');
    const records = await h.archived();
    expect(uidsOf(records)).toEqual(expectedUids(h, await h.cursor(), (e) => !isOwnRead(e)));
    const readers = records.filter((r) =>
      (r.metadata as { labels?: string[] }).labels?.includes(ENTERPRISE_READ_LABEL),
    );
    expect(readers.map((r) => (r.actor as { user: { uid: string } }).user.uid)).toEqual([
      `enterprise:${OTHER_TOKEN.slice(0, 7)}`,
    ]);
    expect(h.logs).toContainEqual(
      expect.objectContaining({
        level: 'debug',
        message: expect.stringMatching(/dropped the events of the pump's own reads/),
      }),
    );
  });
});

describe('Retraced connector: resuming inside a window', () => {
  it('stops at the deadline mid-window with {from, to, after} and the next run continues from after', async () => {
    // Prepare
    const h = await setUp();
    h.onPage = (pages) => {
      if (pages === 2) h.clock.offset += LONG_RUN_MS;
    };
    const first = await h.run();
    const stopped = await h.cursor();
    h.onPage = () => undefined;

    // Act
    const second = await h.run();

    // Assess
    expect(first).toMatchObject({ status: 'deadline', more: true, pages: 2, events: 2 * PAGE_SIZE });
    expect(stopped).toEqual({ from: expect.any(String), to: expect.any(String), after: expect.any(String) });
    expect(second.status).toBe('caught-up');
    expect(uidsOf(await h.archived())).toEqual(expectedUids(h, await h.cursor()));
  });
});

describe('Retraced connector: errors', () => {
  it('fails on a refused token with the 401 body in the error, never the token, and stores no cursor', async () => {
    // Prepare
    const h = await setUp({ token: 'wrong0000token-5e9d1c0b' });

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'failed', events: 0, pages: 0 });
    expect(result.error).toMatch(/HTTP 401.*Unauthorized/);
    expect(result.error).not.toContain('wrong0000token-5e9d1c0b');
    expect(h.emulator.stats.requests).toBe(2);
    expect(h.emulator.stats.reads).toBe(0);
    expect(await h.cursor()).toBeUndefined();
  });

  it("turns the server's unhelpful 400 for a bad stored cursor into an error that names the cursor and the fix", async () => {
    // Prepare
    const h = await setUp();
    await runArmedAfterFirstPage(h, () => (h.clock.offset += LONG_RUN_MS));
    const lease = await h.store.acquireLease(SOURCE_ID, 'test-writer', MINUTE);
    const spoiled = { ...(lease.cursor as Cursor), after: Buffer.from('not-a-cursor').toString('base64') };
    await h.store.commit(SOURCE_ID, {
      owner: 'test-writer',
      expectedVersion: lease.version,
      cursor: spoiled,
      leaseMs: MINUTE,
    });
    await h.store.releaseLease(SOURCE_ID, 'test-writer');
    const errorsBefore = h.emulator.stats.errors;

    // Act
    const result = await h.run();

    // Assess
    expect(h.emulator.stats.errors).toBe(errorsBefore + 1);
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(
      /^CursorInvalidError: source retraced-test: Retraced refused the stored search cursor .*audit-pump cursor reset retraced-test/,
    );
    expect(await h.cursor()).toEqual(spoiled);
  });

  it('blames the query option when the server refuses a search whose cursor is sound', async () => {
    // Prepare
    const h = await setUp({ options: { query: 'created:2024-01-01,' } });

    // Act
    const result = await h.run();

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(
      /^VendorError: .*HTTP 400 and hides the reason .*check the "query" option \("created:2024-01-01,"\)/,
    );
  });

  it('retries a 502 and completes', async () => {
    // Prepare
    const h = await setUp({ emulator: { backlog: 60, faults: { serverErrorNext: 2 } } });

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', retries: 2 });
    expect(uidsOf(await h.archived())).toEqual(expectedUids(h, await h.cursor()));
  });

  it('fails on a truncated page keeping the cursor at the last delivered page; the rerun archives the rest once', async () => {
    // Prepare
    const h = await setUp();
    // (The runner may have prefetched page 2 before the fault was armed: the fault hits page 2 or 3.)
    const broken = await runArmedAfterFirstPage(h, () => (h.emulator.faults.truncateNext = 1));

    // Act
    const rerun = await h.run();

    // Assess
    expect([1, 2]).toContain(broken.pages);
    expect(broken).toMatchObject({ status: 'failed', events: broken.pages * PAGE_SIZE });
    expect(broken.error).toMatch(
      /MalformedPageError: POST .*\/auditlog\/enterprise\/v1\/graphql.*: response is not JSON/,
    );
    expect(rerun.status).toBe('caught-up');
    expect(uidsOf(await h.archived())).toEqual(expectedUids(h, await h.cursor()));
  });
});
