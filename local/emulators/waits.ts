/**
 * The emulators' waits (latency, a hung request): each ends after its time, or at once when the
 * emulator stops, so a stopped emulator never leaves a request or a timer behind.
 */
export class Waits {
  readonly #wakers = new Set<() => void>();
  #stopped = false;

  /** Whether stop() was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Resolves after `ms` (without `ms`: only at stop), or at once when the emulator stops. */
  wait(ms?: number): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.#wakers.delete(wake);
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(wake, ms);
      this.#wakers.add(wake);
    });
  }

  /** Ends every wait, now and later. */
  stop(): void {
    this.#stopped = true;
    for (const wake of [...this.#wakers]) wake();
  }
}
