/**
 * The AWS JSON 1.1 protocol as the emulators speak it: `POST /` with `X-Amz-Target: <prefix>.<Op>`,
 * a JSON body, and errors as `{"__type", "message"}` plus the `x-amzn-ErrorType` header, which is
 * what an unchanged SDK v3 client reads to raise the named exception class.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorRequest, EmulatorResponse } from '../emulators/http-server.ts';

/** The account and region the emulated resources pretend to live in (ARNs only). */
export const EMULATED_ACCOUNT = '123456789012';
export const EMULATED_REGION = 'us-east-1';

const CONTENT_TYPE = 'application/x-amz-json-1.1';

/** One decoded call: the operation name after the target prefix and the parsed input. */
export interface AwsJsonCall {
  readonly operation: string;
  readonly input: Record<string, unknown>;
}

/** A successful AWS JSON 1.1 answer. */
export function awsJsonOk(body: unknown): EmulatorResponse {
  return { status: 200, headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': randomUUID() }, body };
}

/** An AWS JSON 1.1 error the SDK maps to its exception class named `type`. */
export function awsJsonError(type: string, message: string, status = 400): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': randomUUID(), 'x-amzn-ErrorType': type },
    body: { __type: type, message },
  };
}

/**
 * Decodes a request for the service whose targets start with `targetPrefix`, or answers the error:
 * an operation outside `implemented` is refused as one the emulator does not implement.
 */
export function parseAwsJsonCall(
  req: EmulatorRequest,
  targetPrefix: string,
  implemented: readonly string[],
): AwsJsonCall | EmulatorResponse {
  const target = req.headers['x-amz-target'];
  if (req.method !== 'POST' || typeof target !== 'string' || !target.startsWith(`${targetPrefix}.`)) {
    return awsJsonError('UnknownOperationException', `Unknown operation ${String(target)}`);
  }
  const operation = target.slice(targetPrefix.length + 1);
  if (!implemented.includes(operation)) {
    return awsJsonError('UnknownOperationException', `The emulator does not implement ${operation}.`);
  }
  let input: unknown;
  try {
    input = req.body === '' ? {} : JSON.parse(req.body);
  } catch {
    return awsJsonError('SerializationException', 'Request body is not valid JSON.');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return awsJsonError('SerializationException', 'Request body must be a JSON object.');
  }
  return { operation, input: input as Record<string, unknown> };
}

/** True when `value` is an answer to send back (an error) rather than the decoded value hoped for. */
export function isResponse<T>(value: T | EmulatorResponse): value is EmulatorResponse {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'status' in value;
}

/** The ARN of an emulated resource: `service` in the emulated region and account. */
export function emulatedArn(service: string, resource: string): string {
  return `arn:aws:${service}:${EMULATED_REGION}:${EMULATED_ACCOUNT}:${resource}`;
}

/** AWS JSON 1.1 timestamps are epoch seconds (fractional), not ISO strings. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}
