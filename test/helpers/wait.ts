/**
 * Waiting in tests for something another process does: a condition checked on every event that can
 * change it and on a short interval, and a failure that says what was awaited and for how long.
 */
import { watch } from 'node:fs';

/**
 * Resolves with `check()`'s first truthy value. Checked at once, whenever `watchDir` (if given)
 * changes, and every 50 ms; throws `waited <ms> ms for <what>` when `timeoutMs` passes first.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: { timeoutMs?: number; watchDir?: string } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const started = Date.now();
  let wake: () => void = () => undefined;
  const watcher = options.watchDir ? watch(options.watchDir, { recursive: true }, () => wake()) : undefined;
  watcher?.on('error', () => undefined);
  try {
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() - started >= timeoutMs)
        throw new Error(`waited ${Date.now() - started} ms for ${what}; it did not happen`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    watcher?.close();
  }
}
