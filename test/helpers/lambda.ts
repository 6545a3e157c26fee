/** What a Lambda handler test needs around the handler: its context, and what Powertools writes. */
import { jest } from '@jest/globals';
import type { Context } from 'aws-lambda';

/** A Lambda context with `remainingMs` left, for the function `functionName`. */
export function lambdaContext(remainingMs: number, functionName: string): Context {
  return {
    awsRequestId: `req-${Math.random()}`,
    functionName,
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}

/** Captures what Powertools writes (EMF and JSON logs) until `restore`. */
export function captureStdout(): { lines: () => Array<Record<string, unknown>>; restore: () => void } {
  const chunks: string[] = [];
  // Powertools writes info and EMF to stdout, warnings and errors to stderr.
  const capture = (chunk: string | Uint8Array) => (chunks.push(String(chunk)), true);
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  return {
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}
