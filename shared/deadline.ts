/**
 * Bounding calls by the run's deadline (DESIGN.md 4.3 invariant 4): every AWS call carries an abort
 * signal that fires when the time left runs out, so a stalled Firehose or DynamoDB cannot keep a run
 * past its Lambda's end with the lease held. A call that is aborted becomes a DeadlineError.
 */
import { DeadlineError } from './errors.ts';

/** The signal of an aborted call: why it was aborted, for the DeadlineError's message. */
class DeadlineAbort extends Error {}

/**
 * Runs `call` with a signal that aborts it `ms` from now (at once when `ms` <= 0); the timer is
 * cleared as soon as the call settles. Rejects with DeadlineError naming `what` when the signal
 * fired, whatever the call itself rejected with.
 */
export async function withinDeadline<T>(
  what: string,
  ms: number,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const limit = Math.max(0, Math.floor(ms));
  const timer = setTimeout(() => controller.abort(new DeadlineAbort(what)), limit);
  try {
    return await call(controller.signal);
  } catch (error) {
    if (controller.signal.aborted)
      throw new DeadlineError(`${what}: no answer within the ${limit} ms the deadline left`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Settles with `promise`, or rejects with DeadlineError after `ms` for a call that cannot be aborted
 * (it runs on, unwaited for): the run stops waiting.
 */
export async function raceDeadline<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  return withinDeadline(
    what,
    ms,
    (signal) =>
      new Promise<T>((resolve, reject) => {
        signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        promise.then(resolve, reject);
      }),
  );
}
