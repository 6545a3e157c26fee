/**
 * What the runner's crash suites share (runner-faults, runner-prefetch-faults): the harness they
 * crash runs in, and what must hold once a crashed source was rerun until caught up (DESIGN.md 4.3).
 */
import { expect } from '@jest/globals';
import type { RunResult } from '../../shared/runner.ts';
import { assertComplete, assertNoRegression, startHarness, type Harness, type StepFaults } from './harness.ts';

/** The page size of the crash suites: a crash case's duplicates are bounded by it. */
export const PAGE = 50;

/** A harness of 230 Veza events (five pages and a short one), read PAGE at a time. */
export const startCrashHarness = (): Promise<Harness> => startHarness({ backlog: 230, pageSize: PAGE });

/** The steps of page 2 a run can die at. */
type Page2Step = 'afterFetch' | 'midSink' | 'afterSink' | 'afterCommit';

/**
 * A crash case per step of page 2, titled by `titles`, with the most duplicates the reruns may
 * leave: none before delivery or after the commit, the half page already written midway through the
 * sink write, the whole page between delivery and commit.
 */
export function page2Crashes(titles: Record<Page2Step, string>): Array<[string, StepFaults, number]> {
  return [
    [titles.afterFetch, { afterFetch: true, page: 2 }, 0],
    [titles.midSink, { midSink: true, page: 2 }, PAGE / 2],
    [titles.afterSink, { afterSink: true, page: 2 }, PAGE],
    [titles.afterCommit, { afterCommit: true, page: 2 }, 0],
  ];
}

/**
 * The crashed run died; the reruns caught up; every event is archived, foreign to nothing, with at
 * most `maxDuplicates` duplicates (each identical to its original); the cursor never went back.
 */
export async function assertRecovered(
  h: Harness,
  crashed: RunResult,
  reruns: readonly RunResult[],
  maxDuplicates: number,
): Promise<void> {
  expect(crashed.error).toMatch(/process died/);
  expect(reruns.at(-1)?.status).toBe('caught-up');
  const { duplicates } = await assertComplete(h);
  expect(duplicates).toBeLessThanOrEqual(maxDuplicates);
  assertNoRegression(h);
}
