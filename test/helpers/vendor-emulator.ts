/**
 * One vendor emulator per test, for the emulator's own tests: started by the test on a free
 * loopback port, stopped after it (or by the test itself, to see what stopping does).
 */
import { afterEach } from '@jest/globals';

export interface EmulatorPerTest<A extends unknown[], E> {
  /** Starts the test's emulator. */
  start(...args: A): Promise<E>;
  /** Makes `started` the test's emulator (one started with other settings than `start`'s). */
  own(started: Promise<E>): Promise<E>;
  /** The running emulator, if the test started one. */
  readonly current: E | undefined;
  /** Stops the running emulator now. */
  stop(): Promise<void>;
}

/** Registers the after-each stop; call it at the top of a test file. */
export function emulatorPerTest<A extends unknown[], E extends { stop(): Promise<void> }>(
  startWith: (...args: A) => Promise<E>,
): EmulatorPerTest<A, E> {
  let running: E | undefined;
  const stop = async (): Promise<void> => {
    const stopping = running;
    running = undefined;
    await stopping?.stop();
  };
  afterEach(stop);
  return {
    start: async (...args) => (running = await startWith(...args)),
    own: async (started) => (running = await started),
    get current() {
      return running;
    },
    stop,
  };
}
