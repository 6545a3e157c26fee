/**
 * The event a pump function is invoked with, parsed at the edge: a scheduled or continued run of
 * one source (or of every source of the vendor), a backfill of a past range (shared/backfill-run.ts),
 * or a reconciliation of a past window against the archive (shared/reconcile.ts). On the wire the
 * kind is the key present (`backfill`, else `reconcile`, else a run); parsed, it is a
 * discriminated union, and a bad event is a ConfigError naming the field.
 */
import * as z from 'zod';
import { backfillRequestSchema, type BackfillRequest, type BackfillResult } from './backfill-run.ts';
import { ConfigError } from './errors.ts';
import { reconcileRequestSchema, type ReconcileReport, type ReconcileRequest } from './reconcile.ts';
import type { RunResult } from './runner.ts';

const continuation = z.number().int().min(0).optional();

/** The parsed event: what the pump is asked to do. */
export const pumpCommandSchema = z.discriminatedUnion('kind', [
  // A sender may add fields of its own (an EventBridge envelope, a console test event): only these are read.
  z.object({ kind: z.literal('run'), sourceId: z.string().min(1).optional(), continuation }),
  z.object({ kind: z.literal('backfill'), backfill: backfillRequestSchema, continuation }),
  z.object({ kind: z.literal('reconcile'), reconcile: reconcileRequestSchema, continuation }),
]);
export type PumpCommand = z.infer<typeof pumpCommandSchema>;

/** The event as sent (by the schedule, the continuation, the CLI or an operator). */
export interface PumpEvent {
  /** One source; every source of the function's vendor when absent. */
  readonly sourceId?: string;
  /** Set by the continuation: how many invocations this chain has had. */
  readonly continuation?: number;
  /** Instead of the live run: a backfill of a past range, with its own cursor (shared/backfill-run.ts). */
  readonly backfill?: BackfillRequest;
  /** Instead of the live run: a past window re-read and compared with the archive (shared/reconcile.ts). */
  readonly reconcile?: ReconcileRequest;
}

/** What the pump answers. */
export interface PumpResponse {
  readonly results: readonly RunResult[];
  /** True when some source stopped with more to read (the infra's continuation uses it). */
  readonly more: boolean;
  /** For a backfill event: the run and where the range read stands. */
  readonly backfill?: BackfillResult;
  /** For a reconcile event: what is missing from the archive. */
  readonly reconcile?: ReconcileReport;
}

/** The kind an event asks for: the key present, backfill first. */
function kindOf(event: object): PumpCommand['kind'] {
  if ('backfill' in event && event.backfill !== undefined) return 'backfill';
  if ('reconcile' in event && event.reconcile !== undefined) return 'reconcile';
  return 'run';
}

/** Parses an invocation's event (none: a run of every source); the error names the bad field. */
export function parsePumpEvent(raw: unknown): PumpCommand {
  const event = raw ?? {};
  if (typeof event !== 'object' || Array.isArray(event))
    throw new ConfigError(
      `invalid event: expected a JSON object, got ${Array.isArray(event) ? 'an array' : typeof event}`,
    );
  const kind = kindOf(event);
  const parsed = pumpCommandSchema.safeParse({ ...event, kind });
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const [head, ...rest] = issue.path.map(String);
    // A field of the request is named under its kind ("backfill to"), a top-level one under "event".
    const label = head !== kind ? `event ${issue.path.join('.')}` : rest.length ? `${kind} ${rest.join('.')}` : kind;
    return `${label}: ${issue.message}`;
  });
  throw new ConfigError(`invalid ${kind} event:\n${problems.join('\n')}`);
}
