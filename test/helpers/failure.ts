import { expect } from '@jest/globals';

/** Runs `promise`, expecting it to reject, and returns the error. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  const result = await promise.then(
    () => new Error('expected a rejection'),
    (error: unknown) => error,
  );
  expect(result).toBeInstanceOf(Error);
  return result as Error;
}
