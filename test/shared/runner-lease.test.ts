/**
 * The lease over a long page (shared/runner.ts holdLease, called before each chunk of a page): a
 * page delivered in several chunks renews the lease when half of it is used, and a run whose
 * source was taken over while one chunk was in flight stops before the next, so it does not go on
 * delivering what the other run delivers. Nothing is lost either way.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { LOCAL_AWS } from '../../local/aws/dynamo.ts';
import type { RunResult } from '../../shared/runner.ts';
import { FirehoseSink, type Sink } from '../../shared/sink.ts';
import { LEASE_MS, assertComplete, assertNoRegression, startHarness, type Harness } from '../helpers/harness.ts';

/** One page of 6,000 Veza events (~12 MB of OCSF): three chunks or more. */
const EVENTS = 6000;
let h: Harness;
let client: FirehoseClient;
let archive: FirehoseSink;

beforeEach(async () => {
  h = await startHarness({ backlog: EVENTS, pageSize: 10_000 });
  client = new FirehoseClient({ ...LOCAL_AWS, endpoint: h.firehose.endpoint, maxAttempts: 1 });
  archive = new FirehoseSink({ client, streamName: h.stack.config.archiveStream });
});
afterEach(async () => {
  client.destroy();
  await h.stop();
});

/** The archive sink, with `afterPut(n)` called once the nth put (1-based) was accepted; counts puts. */
function sink(afterPut: (n: number) => Promise<void>): Sink & { puts: () => number } {
  let puts = 0;
  return {
    name: 'archive',
    puts: () => puts,
    put: async (records, deadline) => {
      await archive.put(records, deadline);
      await afterPut(++puts);
    },
  };
}

describe('runner: the lease over a page delivered in chunks', () => {
  it('renews the lease before a chunk once half of it is used, and delivers the page', async () => {
    // Prepare: the first chunk takes 40 s of the 60 s lease.
    const renewals: number[] = [];
    const store = Object.create(h.store) as typeof h.store;
    store.renewLease = async (...args) => (renewals.push(h.clock.offset), h.store.renewLease(...args));
    const slow = sink(async (n) => {
      if (n === 1) h.clock.offset += 40_000;
    });

    // Act
    const result = await h.run({}, { sink: slow, store });

    // Assess
    expect(slow.puts()).toBeGreaterThanOrEqual(3);
    expect(result).toMatchObject({ status: 'caught-up', events: EVENTS });
    expect(renewals).toEqual([40_000]);
    await assertComplete(h);
  });

  it('stops before the next chunk when another run took the source over, and nothing is lost', async () => {
    // Prepare: the first chunk outlives the lease; another run takes the source over and drains it.
    let takeover: RunResult | undefined;
    let putsAfterTakeover = 0;
    const first = sink(async (n) => {
      if (n === 1) {
        h.clock.offset += LEASE_MS + 1000;
        takeover = await h.run();
      } else if (takeover) putsAfterTakeover++;
    });

    // Act (a deadline far enough that the takeover, not the deadline, is what stops the first run)
    const result = await h.run({}, { sink: first, deadline: Date.now() + 600_000 });

    // Assess: the first run sent nothing after the takeover and did not commit; the other drained it.
    expect(takeover).toMatchObject({ status: 'caught-up', events: EVENTS });
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/CursorConflictError|lease/i);
    expect(first.puts()).toBe(1);
    expect(putsAfterTakeover).toBe(0);
    const { duplicates } = await assertComplete(h);
    expect(duplicates).toBeLessThanOrEqual(EVENTS);
    expect(duplicates).toBeGreaterThan(0);
    assertNoRegression(h);
    expect(new Set(h.commits.map((c) => c.owner))).toEqual(new Set(['run-2']));
  });
});
