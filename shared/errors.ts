/**
 * Typed errors of the framework. Adapters turn SDK and HTTP failures into these, so the runner
 * and the CLI can decide what to do (stop, retry later, report) from the class alone.
 */

/** Base class: every audit-pump error has a stable `code` and keeps its `cause`. */
export class AuditPumpError extends Error {
  readonly code: string = 'AUDIT_PUMP_ERROR';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The base of an error class that differs from AuditPumpError by its `code` alone:
 * `class ConfigError extends codedError('CONFIG') {}` (the class keeps its own `name`).
 */
export function codedError<const C extends string>(code: C) {
  return class extends AuditPumpError {
    override readonly code: C = code;
  };
}

/** The sources file or the environment is invalid; the message names the source and the field. */
export class ConfigError extends codedError('CONFIG') {}

/** A stored cursor failed its connector's schema: the run stops and the cursor is left as it is. */
export class CursorInvalidError extends codedError('CURSOR_INVALID') {}

/** Another run holds the source's lease (it has not expired). */
export class LeaseHeldError extends codedError('LEASE_HELD') {
  constructor(
    readonly sourceId: string,
    readonly holder: string,
    readonly expiresAt: number,
  ) {
    super(`source ${sourceId}: lease held by ${holder} until ${new Date(expiresAt).toISOString()}`);
  }
}

/** This run lost its lease or the cursor moved under it: it must stop without committing. */
export class CursorConflictError extends codedError('CURSOR_CONFLICT') {}

/** A vendor cursor that did not advance, or came back to a position seen earlier in the run. */
export class CursorStuckError extends codedError('CURSOR_STUCK') {}

/** The vendor answered with something that is not a valid page (bad JSON, wrong envelope). */
export class MalformedPageError extends codedError('MALFORMED_PAGE') {}

/** A destination did not accept every record, after the retries the deadline allowed. */
export class DeliveryError extends codedError('DELIVERY') {
  constructor(
    message: string,
    readonly failed: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The deadline does not leave time for the next step (a wait, a retry, a page). */
export class DeadlineError extends codedError('DEADLINE') {}

/** Reading a secret failed, or its value does not have the vendor's credential shape. */
export class SecretError extends codedError<string>('SECRET') {}

/** A secret whose JSON does not have the vendor's credential shape; `problem` names the fields, never a value. */
export class InvalidCredentialsError extends SecretError {
  constructor(
    sourceId: string,
    readonly problem: string,
  ) {
    super(`source ${sourceId}: ${problem}`);
  }
}

/** A secret that still holds the deploy's placeholder: the source is skipped with a warning. */
export class PlaceholderSecretError extends SecretError {
  override readonly code = 'SECRET_PLACEHOLDER';
}

/** The vendor reported an error inside a successful HTTP response (Authentic8 style). */
export class VendorError extends codedError('VENDOR') {}

/** The spool (shared/spool.ts) could not store, list, read or delete a batch. */
export class SpoolError extends codedError('SPOOL') {}

/** Short, single-line description of any thrown value, for logs and summaries. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

// ---- HTTP (raised by shared/http.ts; every message is redacted before it is built) ----

/** The vendor answered with a non-success status that is not retried (or ran out of retries). */
export class HttpStatusError extends codedError('HTTP_STATUS') {
  constructor(
    message: string,
    readonly status: number,
    readonly bodyExcerpt: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 401 or 403: the credential was refused. The secrets cache is refreshed once on this. */
export class AuthError extends HttpStatusError {}

/** The vendor asked us to wait (429, Retry-After, vendor rule) longer than the deadline allows. */
export class RateLimitedError extends codedError('RATE_LIMITED') {
  constructor(
    message: string,
    readonly waitMs: number,
  ) {
    super(message);
  }
}

/** Connecting or the whole exchange took longer than its timeout, on every attempt. */
export class HttpTimeoutError extends codedError('HTTP_TIMEOUT') {}

/** The connection failed (refused, reset, DNS) on every attempt. */
export class HttpNetworkError extends codedError('HTTP_NETWORK') {}

/** The response body exceeded the size cap; it was not read further. */
export class ResponseTooLargeError extends codedError('RESPONSE_TOO_LARGE') {}

/** A pagination link pointed at another origin than the source's base URL; it was not followed. */
export class ForeignOriginError extends codedError('FOREIGN_ORIGIN') {}

/** The lake exporter left work undone (a write refused, an archive object unreadable): its notices stay queued. */
export class LakeExportError extends codedError('LAKE_EXPORT') {}

/** One or more sources failed; raised by the Lambda handler after every source ran and metrics were recorded. */
export class PumpFailedError extends codedError('PUMP_FAILED') {}
