/**
 * Runner pipelining (DESIGN.md 4.3): page n+1 is fetched while page n is delivered and committed,
 * yet page n+1 is delivered only after page n's commit, and a prefetch still in flight when the
 * run crashes, reaches its deadline or loses its lease is dropped: nothing is lost or skipped.
 * Scripted pages whose fetches the tests hold open, on the real cursor store (dynalite).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as z from 'zod';
import type { Connector } from '../../shared/connector.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import { VendorError } from '../../shared/errors.ts';
import { HttpClient } from '../../shared/http.ts';
import { eventHead, StatusId } from '../../shared/ocsf.ts';
import { runSource, type RunnerDeps } from '../../shared/runner.ts';
import type { Sink } from '../../shared/sink.ts';
import { scriptedConnector, testSource } from '../helpers/scripted.ts';
import { startCursorStore } from '../helpers/world.ts';
import type { LocalDynamo } from '../../local/aws/dynamo.ts';

const PAGES = 4;
const record = z.object({ id: z.string() });
type Cursor = { n: number };

/** A promise the test settles. */
function deferred(): { promise: Promise<void>; release: () => void } {
  let release = (): void => undefined;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

/** What happened, in order: `fetch 2 start`, `deliver 1 end`, `commit 1`, ... */
type Log = string[];

interface Script {
  readonly log: Log;
  /** Page n's fetch waits for `holds[n]` when set. */
  readonly holds: Map<number, Promise<void>>;
  /** Page n's fetch throws this when set. */
  readonly failures: Map<number, Error>;
  readonly fetchedFrom: number[];
}

/** PAGES pages of two records; page n is served for cursor {n: n - 1}. */
function scripted(script: Script, prefetch?: () => boolean): Connector<Cursor, { id: string }> {
  return scriptedConnector<{ id: string }>({
    recordSchema: record,
    ...(prefetch ? { prefetch } : {}),
    async fetchPage(_ctx, cursor) {
      const page = cursor.n + 1;
      script.fetchedFrom.push(cursor.n);
      script.log.push(`fetch ${page} start`);
      await script.holds.get(page);
      const failure = script.failures.get(page);
      if (failure) throw failure;
      script.log.push(`fetch ${page} end`);
      const records = [`${page}a`, `${page}b`].map((id) => ({ raw: JSON.stringify({ id }), value: { id } }));
      return { records, next: { n: page }, caughtUp: page === PAGES };
    },
    normalize: (r, base) =>
      eventHead({ cls: 'ApiActivity', activityId: 1, time: 1, message: r.id, statusId: StatusId.Success }, base, {
        vendorName: 'Test',
        name: 'Scripted',
      }),
  });
}

let dynamo: LocalDynamo;
let store: CursorStore;
let counter = 0;
beforeAll(async () => void ({ dynamo, store } = await startCursorStore()));
afterAll(() => dynamo.stop());

/** A source, a script, a sink logging each page it delivers, and a store logging each commit. */
function setup(options: { deliver?: (page: number) => Promise<void>; commit?: (page: number) => Promise<void> } = {}) {
  const id = `prefetch-${++counter}`;
  const source = testSource({ id, baseUrl: 'http://127.0.0.1:9', credentials: { token: 'tok-123456' } });
  const script: Script = { log: [], holds: new Map(), failures: new Map(), fetchedFrom: [] };
  const delivered: string[] = [];
  const sink: Sink = {
    name: 'archive',
    put: async (records) => {
      const ids = records.map((r) => (JSON.parse(Buffer.from(r).toString('utf8')) as { message: string }).message);
      const page = Number.parseInt(ids[0] ?? '0', 10);
      script.log.push(`deliver ${page} start`);
      await options.deliver?.(page);
      delivered.push(...ids);
      script.log.push(`deliver ${page} end`);
    },
  };
  const logged = Object.create(store) as CursorStore;
  logged.commit = async (sourceId, input) => {
    const page = (input.cursor as Cursor).n;
    await options.commit?.(page);
    const version = await store.commit(sourceId, input);
    script.log.push(`commit ${page}`);
    return version;
  };
  const deps: RunnerDeps = {
    store: logged,
    sink,
    deadLetter: { name: 'dlq', put: async () => undefined },
    credentials: { get: async () => ({ token: 'tok-123456' }) },
    http: ({ source: s, deadline }) => new HttpClient({ origin: s.baseUrl, deadline }),
    owner: `owner-${id}`,
    leaseMs: 60_000,
    deadline: Date.now() + 60_000,
  };
  return { source, script, delivered, deps };
}

const at = (log: Log, entry: string): number => {
  const i = log.indexOf(entry);
  if (i < 0) throw new Error(`"${entry}" never happened: ${log.join(', ')}`);
  return i;
};
const allIds = Array.from({ length: PAGES }, (_, i) => [`${i + 1}a`, `${i + 1}b`]).flat();

describe('runner prefetch: order', () => {
  it("fetches page n+1 from page n's next while page n is delivered, and delivers it only after page n's commit", async () => {
    // Prepare: page 1's delivery waits until page 2's fetch has started.
    const started = deferred();
    const { source, script, delivered, deps } = setup({
      deliver: async (page) => (page === 1 ? started.promise : undefined),
    });
    script.holds.set(2, (async () => started.release())());

    // Act
    const result = await runSource(scripted(script), source, deps);

    // Assess
    const { log } = script;
    expect(result).toMatchObject({ status: 'caught-up', pages: PAGES, events: 2 * PAGES });
    expect(script.fetchedFrom).toEqual([0, 1, 2, 3]);
    expect(at(log, 'fetch 2 start')).toBeLessThan(at(log, 'deliver 1 end'));
    for (let n = 1; n < PAGES; n++) {
      expect(at(log, `fetch ${n + 1} start`)).toBeLessThan(at(log, `commit ${n}`));
      expect(at(log, `commit ${n}`)).toBeLessThan(at(log, `deliver ${n + 1} start`));
    }
    expect(delivered).toEqual(allIds);
  });

  it("does not fetch ahead for a connector that opts out: page n+1 is fetched after page n's commit", async () => {
    const { source, script, delivered, deps } = setup();

    const result = await runSource(
      scripted(script, () => false),
      source,
      deps,
    );

    expect(result.status).toBe('caught-up');
    for (let n = 1; n < PAGES; n++)
      expect(at(script.log, `commit ${n}`)).toBeLessThan(at(script.log, `fetch ${n + 1} start`));
    expect(delivered).toEqual(allIds);
  });

  it('a prefetch that fails surfaces only after the page before it is committed, which stays committed', async () => {
    const { source, script, delivered, deps } = setup();
    script.failures.set(3, new VendorError('page 3 refused'));

    const result = await runSource(scripted(script), source, deps);

    expect(result).toMatchObject({ status: 'failed', pages: 2 });
    expect(result.error).toMatch(/page 3 refused/);
    expect(delivered).toEqual(allIds.slice(0, 4));
    expect((await store.get(source.id))?.cursor).toEqual({ n: 2 });
  });
});

describe('runner prefetch: a stop with the next page in flight loses nothing', () => {
  const cases: Array<[string, 'deliver' | 'commit-before' | 'commit-after']> = [
    ['a crash while page 1 is delivered', 'deliver'],
    ["a crash before page 1's commit is written", 'commit-before'],
    ["a crash after page 1's commit is written", 'commit-after'],
  ];

  it.each(cases)(
    '%s: the prefetched page 2 is dropped, the run waits for it, and a rerun delivers the rest',
    async (_name, step) => {
      // Prepare: page 2's fetch is held open until the crash has happened.
      const crashed = deferred();
      let settledBeforeResult = false;
      let fired = false;
      const crash = async (page: number, where: typeof step): Promise<void> => {
        if (fired || page !== 1 || where !== step) return;
        fired = true;
        crashed.release();
        throw new Error('process died');
      };
      const { source, script, delivered, deps } = setup({
        deliver: (page) => crash(page, 'deliver'),
        commit: (page) => crash(page, 'commit-before'),
      });
      if (step === 'commit-after') {
        const commit = deps.store.commit.bind(deps.store);
        deps.store.commit = async (id, input) => {
          const version = await commit(id, input);
          await crash((input.cursor as Cursor).n, 'commit-after');
          return version;
        };
      }
      script.holds.set(
        2,
        crashed.promise.then(() => new Promise((r) => setTimeout(r, 50))).then(() => void (settledBeforeResult = true)),
      );

      // Act
      const failed = await runSource(scripted(script), source, deps);
      const stored = (await store.get(source.id))?.cursor;
      script.holds.clear();
      const rerun = await runSource(scripted(script), source, deps);

      // Assess: page 2 was fetched but never delivered by the crashed run; nothing is missing after the rerun.
      expect(failed).toMatchObject({ status: 'failed', events: step === 'deliver' ? 0 : 2 });
      expect(failed.error).toMatch(/process died/);
      expect(settledBeforeResult).toBe(true);
      expect(stored).toEqual(step === 'commit-after' ? { n: 1 } : undefined);
      expect(rerun.status).toBe('caught-up');
      expect([...new Set(delivered)].sort()).toEqual([...allIds].sort());
      expect(delivered.length - new Set(delivered).size).toBeLessThanOrEqual(step === 'deliver' ? 0 : 2);
    },
  );

  it('the deadline reached while page 2 is prefetched: status deadline, page 2 dropped, the next run starts at page 2', async () => {
    // Prepare: the clock passes the deadline while page 1 is delivered.
    let clock = Date.now();
    const { source, script, delivered, deps } = setup({
      deliver: async (page) => void (page === 1 && (clock += 120_000)),
    });
    const timed = { ...deps, now: () => clock, deadline: clock + 60_000 };

    // Act
    const stopped = await runSource(scripted(script), source, timed);
    const next = await runSource(scripted(script), source, { ...timed, deadline: clock + 60_000 });

    // Assess
    expect(stopped).toMatchObject({ status: 'deadline', more: true, pages: 1, events: 2 });
    expect(script.fetchedFrom.slice(0, 2)).toEqual([0, 1]);
    expect(script.fetchedFrom[2]).toBe(1);
    expect(next.status).toBe('caught-up');
    expect(delivered).toEqual(allIds);
  });

  it('the lease lost while page 2 is prefetched: the commit is refused, page 2 is never delivered', async () => {
    // Prepare: a second run takes the source over while page 1 is delivered (the lease has expired).
    let clock = Date.now();
    const thief = new CursorStore({ client: dynamo.client, tableName: 'cursors', now: () => clock });
    const { source, script, delivered, deps } = setup({
      deliver: async (page) => {
        if (page !== 1) return;
        clock += 61_000;
        await thief.acquireLease(source.id, 'thief', 60_000);
      },
    });

    // Act
    const result = await runSource(scripted(script), source, { ...deps, now: () => clock });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/CursorConflictError/);
    expect(script.log).toContain('fetch 2 start');
    expect(script.log).not.toContain('deliver 2 start');
    expect(delivered).toEqual(['1a', '1b']);
    const state = await store.get(source.id);
    expect(state).toMatchObject({ leaseOwner: 'thief', version: 0 });
    expect(state?.cursor).toBeUndefined();
  });
});
