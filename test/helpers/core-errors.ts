/**
 * The typed error a call fails with, for tests that then read its message: the test fails when the
 * call succeeds or fails with an error of another class.
 */
import { expect } from '@jest/globals';

type ErrorClass<E extends Error> = new (...args: never[]) => E;

/** The `type` error `fn` throws. */
export function thrownBy<E extends Error>(type: ErrorClass<E>, fn: () => unknown): E {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error(`expected a ${type.name}`);
}

/** The `type` error `promise` rejects with. */
export async function rejectionOf<E extends Error>(type: ErrorClass<E>, promise: Promise<unknown>): Promise<E> {
  const error = await promise.then(
    () => new Error(`expected a ${type.name}`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}
