/**
 * Ctrl-C (or SIGTERM) for the long commands. Once: every run stops at its next page boundary,
 * commits what it delivered and releases its lease. Twice: the process exits at once, which is safe
 * too (the local Firehose has every acknowledged record on disk, and a page not committed is read
 * again), but leaves the lease to expire or to `audit-pump cursor unlock`.
 */
export function stopOnInterrupt(command: string): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) {
      process.stderr.write(
        `audit-pump ${command}: quitting now; nothing acknowledged is lost, the page in flight is read again next time (its lease: audit-pump cursor unlock <source>)\n`,
      );
      process.exit(130);
    }
    controller.abort();
    process.stderr.write(`audit-pump ${command}: stopping at the next page boundary (Ctrl-C again to quit at once)\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
