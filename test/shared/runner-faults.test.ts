/**
 * Runner invariants (DESIGN.md 4.3) under faults injected at every step, with the real connector,
 * store and sink: after each fault and reruns, nothing is lost, every duplicate carries the same
 * uid and bytes, duplicates are bounded by one page, and the cursor never regresses.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { assertComplete, assertNoRegression, httpFactory, type Harness, type StepFaults } from '../helpers/harness.ts';
import { PAGE, assertRecovered, page2Crashes, startCrashHarness } from '../helpers/core-runner-crash.ts';

let h: Harness;

beforeEach(async () => {
  h = await startCrashHarness();
});
afterEach(async () => {
  await h.stop();
});

describe('runner: a crash at each step loses nothing', () => {
  const cases: Array<[string, StepFaults, number]> = [
    ...page2Crashes({
      afterFetch: 'after the fetch, before delivery',
      midSink: 'midway through the sink write',
      afterSink: 'after the sink, before the commit',
      afterCommit: 'after the commit, before the run learns of it',
    }),
    ['on the very first page', { afterSink: true, page: 1 }, PAGE],
  ];

  it.each(cases)(
    'crash %s: rerun archives every event, duplicates ≤ one page with the same uid',
    async (_name, faults, maxDuplicates) => {
      // Prepare / Act: a run that dies at the step, then reruns until caught up.
      const crashed = await h.run(faults);
      const reruns = await h.drain();

      // Assess
      await assertRecovered(h, crashed, reruns, maxDuplicates);
    },
  );

  it('a crashed run keeps its lease until it expires, then the source is taken over', async () => {
    expect((await h.run({ afterSink: true })).error).toMatch(/process died/);

    const blocked = await h.run();
    expect(blocked.status).toBe('busy');
    expect(blocked.pages).toBe(0);

    h.clock.offset += 61_000;
    const takeover = await h.run();
    expect(takeover.status).toBe('caught-up');
    await assertComplete(h);
  });
});

describe('runner: delivery failures keep the cursor', () => {
  it('a Firehose partial failure is retried for the failed entries only', async () => {
    h.firehose.faults.failNextRecords = 7;

    const result = await h.run();

    expect(result.status).toBe('caught-up');
    const { duplicates } = await assertComplete(h);
    expect(duplicates).toBe(0);
  });

  it('Firehose throttling is retried and the run completes', async () => {
    h.firehose.faults.throttleNextCalls = 2;

    const result = await h.run();

    expect(result.status).toBe('caught-up');
    expect(h.firehose.stats.throttled).toBe(2);
    await assertComplete(h);
  });

  it('a Firehose outage fails the run at the page and the cursor stays at the last delivered page', async () => {
    // Prepare: page 1 goes through, then every record fails.
    const first = await h.run({}, { deadline: Date.now() + h.clock.offset + 60_000 });
    expect(first.status).toBe('caught-up');
    h.veza.addEvents(120);
    const before = await h.store.get(h.source.id);
    h.firehose.faults.recordFailureRate = 1;

    // Act
    const failed = await h.run();

    // Assess: nothing committed, error names the delivery.
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/not accepted/);
    expect((await h.store.get(h.source.id))?.version).toBe(before?.version);
    h.firehose.faults.recordFailureRate = 0;
    await h.drain();
    await assertComplete(h);
    assertNoRegression(h);
  });
});

describe('runner: vendor faults', () => {
  it('5xx answers are retried inside the run', async () => {
    h.veza.faults.serverErrorNext = 3;

    const result = await h.run();

    expect(result.status).toBe('caught-up');
    expect(result.retries).toBeGreaterThanOrEqual(3);
    await assertComplete(h);
  });

  it('a truncated (malformed) page fails the run without moving the cursor; the rerun completes', async () => {
    h.veza.faults.truncateNext = 1;

    const failed = await h.run();

    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/MalformedPageError|JSON/);
    expect(h.commits).toHaveLength(0);
    await h.drain();
    await assertComplete(h);
  });

  it('a repeated page token is detected as a stuck cursor instead of looping', async () => {
    // Prepare: once the stream is open (page 1 committed), the server repeats the token it got.
    let armed = false;
    const arm = () => {
      if (!armed) h.veza.faults.repeatTokenNext = 1;
      armed = true;
    };

    const failed = await h.run({}, { onProgress: arm });

    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/CursorStuckError/);
    await h.drain();
    await assertComplete(h);
    assertNoRegression(h);
  });

  it('a hanging vendor times out and the run fails cleanly, then recovers', async () => {
    h.veza.faults.hangNext = 5; // more than the client's attempts

    const failed = await h.run({}, { http: httpFactory(300) });

    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/HttpTimeoutError/);
    await h.drain();
    await assertComplete(h);
  });

  it('ResourceExhausted with too little time left stops as throttled, cursor kept', async () => {
    h.veza.faults.resourceExhaustedNext = 1;

    const result = await h.run({}, { deadline: Date.now() + h.clock.offset + 30_000 });

    expect(result.status).toBe('throttled');
    expect(result.more).toBe(true);
    expect(h.commits).toHaveLength(0);
    await h.drain();
    await assertComplete(h);
  });
});

describe('runner: deadline and lease', () => {
  it('stops at the deadline with more to do, and the next run continues where it stopped', async () => {
    // Prepare: a deadline that passes after the second page is delivered.
    let pages = 0;
    const deadlineAfterTwoPages = { progress: () => pages++ };

    // Act
    const result = await h.run(
      {},
      {
        deadline: Date.now() + h.clock.offset + 60_000,
        onProgress: () => {
          deadlineAfterTwoPages.progress();
          if (pages === 2) h.clock.offset += 120_000;
        },
      },
    );

    // Assess
    expect(result.status).toBe('deadline');
    expect(result.more).toBe(true);
    expect(result.pages).toBe(2);
    await h.drain();
    const { duplicates } = await assertComplete(h);
    expect(duplicates).toBe(0);
  });

  it('a run that loses its lease mid-run stops without committing over the new owner', async () => {
    // Prepare: after page 1, the lease expires and another run takes the source over.
    let stolen = false;
    const result = await h.run(
      {},
      {
        deadline: Date.now() + 600_000,
        onProgress: () => {
          if (stolen) return;
          stolen = true;
          h.clock.offset += 61_000;
          void h.store.acquireLease(h.source.id, 'thief', 60_000).then(() => undefined);
        },
      },
    );

    // Assess: the first run stopped with a conflict; the thief's lease stands.
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/CursorConflictError|lease/i);
    const state = await h.store.get(h.source.id);
    expect(state?.leaseOwner).toBe('thief');
    await h.store.releaseLease(h.source.id, 'thief');
    await h.drain();
    await assertComplete(h);
    assertNoRegression(h);
  });

  it('two runs of one source at once: one delivers, the other stops, no page delivered by both', async () => {
    const [a, b] = await Promise.all([h.run(), h.run()]);

    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual(['busy', 'caught-up']);
    expect(Math.min(a.pages, b.pages)).toBe(0);
    const { duplicates } = await assertComplete(h);
    expect(duplicates).toBe(0);
  });

  it('three racing runs with a lease expiring between them never regress the cursor', async () => {
    const first = h.run();
    h.clock.offset += 61_000; // the first run's lease is already stale for the others
    const results = await Promise.all([first, h.run(), h.run()]);

    expect(results.some((r) => r.status === 'caught-up')).toBe(true);
    await h.drain();
    await assertComplete(h);
    assertNoRegression(h);
  });
});

describe('runner: bad records and stored cursors', () => {
  it('a stored cursor that fails its schema stops the run and is left as it is', async () => {
    await h.store.acquireLease(h.source.id, 'setup', 1000);
    await h.store.commit(h.source.id, {
      owner: 'setup',
      expectedVersion: 0,
      cursor: { nonsense: true },
      leaseMs: 1000,
    });
    await h.store.releaseLease(h.source.id, 'setup');

    const result = await h.run();

    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/stored cursor is invalid/);
    expect((await h.store.get(h.source.id))?.cursor).toEqual({ nonsense: true });
  });
});
