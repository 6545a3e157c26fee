/**
 * The runner's crash invariants with the next page's fetch in flight, on the real stack (Veza
 * connector and emulator, cursor store on dynalite, sink on the Firehose emulator): every vendor
 * request is slowed so that when the run dies at a step of page n, page n+1 is still being fetched.
 * After reruns nothing is lost, duplicates stay within one page, and the cursor never regresses.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { assertComplete, assertNoRegression, httpFactory, type Harness } from '../helpers/harness.ts';
import { assertRecovered, page2Crashes, startCrashHarness } from '../helpers/core-runner-crash.ts';

const SLOW_MS = 150;
let h: Harness;
let fetches: Array<{ started: number; ended?: number }>;

beforeEach(async () => {
  h = await startCrashHarness();
  fetches = [];
});
afterEach(async () => {
  await h.stop();
});

/** HTTP clients whose every request takes SLOW_MS longer, and whose requests are timed. */
const slowHttp = httpFactory(30_000, (async (input: string, init?: RequestInit) => {
  const entry: { started: number; ended?: number } = { started: performance.now() };
  fetches.push(entry);
  await new Promise((resolve) => setTimeout(resolve, SLOW_MS));
  const response = await fetch(input, init);
  entry.ended = performance.now();
  return response;
}) as typeof fetch);

describe('runner prefetch on the real stack: a crash with the next page in flight loses nothing', () => {
  const cases = page2Crashes({
    afterFetch: 'as page 2 reaches the sink',
    midSink: "midway through page 2's sink write",
    afterSink: 'after page 2 is delivered, before its commit',
    afterCommit: "after page 2's commit, before the run learns of it",
  });

  it.each(cases)(
    'crash %s: page 3 was being fetched; reruns archive every event once more at most',
    async (_name, faults, maxDuplicates) => {
      // Act
      const crashed = await h.run(faults, { http: slowHttp });
      const inFlightAtEnd = fetches.filter((f) => f.ended === undefined).length;
      const reruns = await h.drain();

      // Assess: page 3's fetch had started (3 fetches), the crashed run waited for it, nothing is lost.
      expect(fetches.length).toBeGreaterThanOrEqual(3);
      expect(inFlightAtEnd).toBe(0);
      await assertRecovered(h, crashed, reruns, maxDuplicates);
    },
  );

  it('a whole run with every fetch overlapping a delivery archives everything exactly once', async () => {
    const result = await h.run({}, { http: slowHttp });

    expect(result.status).toBe('caught-up');
    // 230 events in pages of 50: five pages and the empty page that says caught up.
    expect(fetches).toHaveLength(6);
    expect(await assertComplete(h)).toEqual({ duplicates: 0 });
    assertNoRegression(h);
  });
});
