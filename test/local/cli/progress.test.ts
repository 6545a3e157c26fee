/**
 * The progress view piped (CI, logs): a line when a run ends and, on each tick, a line for each
 * source still running whose counters moved; and the retry and throttle notices of stderr.
 */
import { describe, expect, it } from '@jest/globals';
import { ProgressView, retryNotice } from '../../../local/cli/progress.ts';

const sink = () => {
  const out = { text: '', write: (chunk: string) => ((out.text += chunk), true) };
  return out as unknown as NodeJS.WritableStream & { text: string };
};
const stats = (events: number, pages: number) => ({
  pages,
  events,
  rejected: 0,
  retries: 0,
  throttledWaitMs: 0,
  budgetWaitMs: 0,
  budgetRefused: 0,
  cursorLagSeconds: 90,
});

describe('ProgressView, piped', () => {
  it('prints a line per running source on a tick, and none on the next tick when nothing moved', () => {
    // Prepare
    const out = sink();
    const view = new ProgressView(out, false);
    view.progress('veza-main', stats(1000, 1));

    // Act
    view.tick();
    const first = out.text;
    view.tick();

    // Assess
    expect(first).toMatch(/^veza-main\s+running\s+events\s+1000\s+pages\s+1\s+rejected\s+0\s+lag\s+1m30s\n$/);
    expect(out.text).toBe(first);
  });

  it('prints again once the source moved, and leaves out errors when asked to (a summary prints them)', () => {
    // Prepare
    const out = sink();
    const view = new ProgressView(out, false, 5000, false);
    view.progress('veza-main', stats(1000, 1));
    view.tick();

    // Act
    view.progress('veza-main', stats(2000, 2));
    view.tick();
    view.result({
      sourceId: 'veza-main',
      status: 'failed',
      more: true,
      durationMs: 5,
      error: 'AuthError: HTTP 401',
      ...stats(0, 0),
    });

    // Assess
    const lines = out.text.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/events\s+2000\s+pages\s+2/);
    expect(lines[2]).toMatch(/^veza-main\s+failed/);
    expect(out.text).not.toContain('401');
  });
});

describe('retryNotice', () => {
  it('says how long the vendor asked to wait when throttled', () => {
    expect(
      retryNotice('veza-main', { attempt: 1, waitMs: 60_000, reason: 'HTTP 429', status: 429, throttled: true }),
    ).toBe('veza-main: vendor asked for 60 s (HTTP 429); waiting (attempt 1 was refused)');
  });

  it('says what failed and when the next attempt comes otherwise', () => {
    expect(retryNotice('nected-eu', { attempt: 2, waitMs: 1250, reason: 'network', throttled: false })).toBe(
      'nected-eu: network on attempt 2; retrying in 1.3 s',
    );
  });
});
