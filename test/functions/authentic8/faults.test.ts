/**
 * The Authentic8 connector under the runner with injected faults (DESIGN.md 4.3): a process that
 * dies between two types' pages, a vendor whose next_seq does not move, broken replies. After the
 * reruns every served log is archived, byte-exact, with duplicates bounded by one page.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { A8_LEASE_MS, assertA8Complete, startA8Harness, type A8Harness } from '../../helpers/authentic8-harness.ts';

const TYPES = ['URL', 'AUTH', 'BLOCKED URL'];
const LIMIT = 50;

let h: A8Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function start(): Promise<{ h: A8Harness; urlPages: number }> {
  h = await startA8Harness({ types: TYPES, limit: LIMIT, emulator: { backlog: 300 } });
  const urls = h.emulator.events().filter((e) => e.type === 'URL').length;
  expect(urls).toBeGreaterThan(LIMIT); // URL takes several pages, so "the last URL page" is not the first
  return { h, urlPages: Math.ceil(urls / LIMIT) };
}

describe('Authentic8 connector: a crash between two types', () => {
  it('dies after delivering the last URL page, before its commit: the takeover re-reads that page only, then AUTH and BLOCKED URL', async () => {
    // Prepare
    const { h, urlPages } = await start();

    // Act
    const crashed = await h.run({ afterSink: true, page: urlPages });
    const blocked = await h.run();
    const reruns = await h.drain();

    // Assess
    expect(crashed).toMatchObject({ status: 'failed', pages: urlPages - 1 });
    expect(crashed.error).toMatch(/process died/);
    expect(blocked.status).toBe('busy');
    expect(reruns.at(-1)?.status).toBe('caught-up');
    const { duplicates } = await assertA8Complete(h);
    expect(duplicates).toBeGreaterThan(0);
    expect(duplicates).toBeLessThanOrEqual(LIMIT);
  });

  it('dies right after committing the last URL page: the stored round resumes at AUTH and nothing is read twice', async () => {
    // Prepare
    const { h, urlPages } = await start();

    // Act
    const crashed = await h.run({ afterCommit: true, page: urlPages });
    const stored = (await h.store.get(h.source.id))?.cursor;
    const calls = h.emulator.extractCalls.length;
    h.clock.offset += A8_LEASE_MS + 1000;
    const rerun = await h.run();

    // Assess
    expect(crashed.error).toMatch(/process died/);
    expect(stored).toMatchObject({ pending: ['AUTH', 'BLOCKED URL'], types: { URL: expect.any(Number) } });
    expect(h.emulator.extractCalls[calls]).toMatchObject({ type: 'AUTH' });
    expect(rerun.status).toBe('caught-up');
    expect(await assertA8Complete(h)).toEqual({ duplicates: 0 });
  });

  it('dies after delivering the first AUTH page: URL is not read again', async () => {
    // Prepare
    const { h, urlPages } = await start();

    // Act
    await h.run({ afterSink: true, page: urlPages + 1 });
    const calls = h.emulator.extractCalls.length;
    await h.drain();

    // Assess
    expect(h.emulator.extractCalls.slice(calls).map((c) => c.type)).toEqual(['AUTH', 'BLOCKED URL']);
    const { duplicates } = await assertA8Complete(h);
    expect(duplicates).toBe(h.emulator.events().filter((e) => e.type === 'AUTH').length);
  });
});

describe('Authentic8 connector: a next_seq that does not move', () => {
  it('stops the run with CursorStuckError instead of looping, keeping the last committed page; the rerun completes', async () => {
    // Prepare: once page 1 is committed, the server answers is_more with the start_seq it was given.
    // (The runner may already have prefetched page 2 by then: the fault hits page 2 or page 3.)
    const { h } = await start();
    let armed = false;
    const arm = () => {
      if (!armed) h.emulator.faults.stuckNextSeqNext = 1;
      armed = true;
    };

    // Act
    const failed = await h.run({}, { onProgress: arm });
    const kept = { commits: h.commits.length, cursor: (await h.store.get(h.source.id))?.cursor };
    await h.drain();

    // Assess
    expect(failed).toMatchObject({ status: 'failed', events: failed.pages * LIMIT });
    expect([1, 2]).toContain(failed.pages);
    expect(failed.error).toMatch(/CursorStuckError: source authentic8-harness: the vendor cursor did not advance/);
    expect(kept).toEqual({ commits: failed.pages, cursor: h.commits[failed.pages - 1]?.cursor });
    expect(await assertA8Complete(h)).toEqual({ duplicates: 0 });
  });

  it('fails at once, committing nothing, when it never moves for a type already opened', async () => {
    // Prepare
    const { h } = await start();
    await h.run();
    h.emulator.addEvents(5, { type: 'URL' });
    const commits = h.commits.length;
    h.emulator.faults.stuckNextSeqNext = 1_000_000;

    // Act
    const failed = await h.run();

    // Assess
    expect(failed).toMatchObject({ status: 'failed', pages: 0, events: 0 });
    expect(failed.error).toMatch(
      /CursorStuckError: source authentic8-harness: the vendor cursor did not advance \(5 records/,
    );
    expect(h.commits.length).toBe(commits);
  });

  it('fails at once, archiving nothing, when a type opened by time gets a next_seq that does not pass what it served', async () => {
    // Prepare
    const { h } = await start();
    h.emulator.faults.stuckNextSeqNext = 1_000_000;

    // Act
    const failed = await h.run();

    // Assess
    expect(failed).toMatchObject({ status: 'failed', pages: 0, events: 0 });
    expect(failed.error).toMatch(
      /CursorStuckError: authentic8 extractlog URL: next_seq 0 does not pass the last seq_id served/,
    );
    expect(h.emulator.stats.extractlogs).toBe(1);
    expect(h.commits).toEqual([]);
    expect((await h.archived()).size).toBe(0);
  });
});

describe('Authentic8 connector: broken replies', () => {
  it('fails on a truncated reply with a malformed-page error, cursor unmoved; the rerun completes', async () => {
    // Prepare
    const { h } = await start();
    h.emulator.faults.truncateNext = 1;

    // Act
    const failed = await h.run();
    const commits = h.commits.length;
    await h.drain();

    // Assess
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/MalformedPageError: POST .*\/api\/.*: response is not JSON/);
    expect(commits).toBe(0);
    expect(await assertA8Complete(h)).toEqual({ duplicates: 0 });
  });

  it('retries 502 answers within the run', async () => {
    // Prepare
    const { h } = await start();
    h.emulator.faults.serverErrorNext = 2;

    // Act
    const result = await h.run();

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', retries: 2 });
    await assertA8Complete(h);
  });
});
