/**
 * Backfills: a bounded read of a past range (backfill.ts) through the real runner, so lease,
 * delivery and commit keep every invariant of DESIGN.md 4.3, with its own cursor item
 * `<sourceId>#backfill` holding the range and the connector's cursor: the live cursor never moves,
 * a stopped backfill resumes where it was, and a different range is refused unless restarted.
 * Events keep their live uids (same source id), so what the live cursor already archived comes
 * again as a duplicate with the same `metadata.uid`, which the `events_dedup` view drops.
 */
import * as z from 'zod';
import {
  DEFAULT_MARGIN_MS,
  marginSecondsSchema,
  backfillItemId,
  boundedConnector,
  checkRange,
  parseTime,
  type TimeRange,
} from './backfill.ts';
import { MAX_CONTINUATIONS, type Invoker } from './continuation.ts';
import { codedError, describeError } from './errors.ts';
import { runSource, type RunResult, type RunnerDeps } from './runner.ts';
import type { Connector } from './connector.ts';
import type { Source } from './config.ts';
import type { Logger } from './logger.ts';
import type { PumpCommand, PumpResponse } from './pump-event.ts';

/** `{"backfill": {...}}`: the range as dates or ISO times; `restart` drops a stored backfill first. */
export const backfillRequestSchema = z.strictObject({
  sourceId: z.string().min(1),
  from: z.string().min(1),
  to: z.string().min(1),
  restart: z.boolean().optional(),
  /** Past `to`, how far a stream vendor is read before the range is done (backfill.ts). @default 3600 */
  marginSeconds: marginSecondsSchema,
});
export type BackfillRequest = z.infer<typeof backfillRequestSchema>;

/** A stored backfill is for another range (or unreadable) and the request did not ask to restart. */
export class BackfillRangeError extends codedError('BACKFILL_RANGE') {}

/** One backfill invocation's outcome: the run's counters plus where the range read stands. */
export interface BackfillResult extends RunResult {
  readonly range: { readonly from: string; readonly to: string };
  /** True once the whole range was read. */
  readonly done: boolean;
  /** Newest event time of the last committed page: how far into the range the backfill got. */
  readonly reached?: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Runs one invocation of a backfill. `deps.store` must be keyed by {@link backfillItemId} (the
 * backfill's own item); everything else is the live run's wiring.
 */
export async function runBackfill<C, R>(
  connector: Connector<C, R>,
  source: Source,
  request: BackfillRequest,
  deps: RunnerDeps,
): Promise<BackfillResult> {
  const now = deps.now ?? Date.now;
  const range = checkRange({ from: parseTime(request.from, 'from'), to: parseTime(request.to, 'to') }, source, now());
  const bounded = boundedConnector(
    connector,
    range,
    request.marginSeconds === undefined ? DEFAULT_MARGIN_MS : request.marginSeconds * 1000,
  );
  await prepare(bounded, source, range, deps, request.restart ?? false);
  // Cursor lag means "how far the live cursor trails": not a backfill's business.
  const { cursorLagSeconds: _lag, ...result } = await runSource(bounded, source, deps);
  const after = await deps.store.get(source.id);
  const cursor = bounded.cursorSchema.safeParse(after?.cursor);
  return {
    ...result,
    sourceId: backfillItemId(source.id),
    range: { from: iso(range.from), to: iso(range.to) },
    done: cursor.success && cursor.data.done === true,
    ...(after?.lastEventTime !== undefined ? { reached: after.lastEventTime } : {}),
  };
}

/** Keeps a stored backfill of the same range (resume), refuses another one, or drops it on restart. */
async function prepare(
  bounded: Connector<{ range: { from: string; to: string } }, unknown>,
  source: Source,
  range: TimeRange,
  deps: RunnerDeps,
  restart: boolean,
): Promise<void> {
  const state = await deps.store.get(source.id);
  if (state === undefined || (state.cursor === undefined && state.cursorError === undefined)) return;
  if (restart) {
    deps.log?.info('backfill restarted: the stored backfill cursor is dropped', { sourceId: source.id });
    await deps.store.reset(source.id);
    return;
  }
  const stored = bounded.cursorSchema.safeParse(state.cursor);
  if (stored.success && stored.data.range.from === iso(range.from) && stored.data.range.to === iso(range.to)) return;
  const what = stored.success
    ? `a backfill of ${stored.data.range.from}..${stored.data.range.to}`
    : 'a backfill cursor this connector cannot read';
  throw new BackfillRangeError(
    `source ${source.id} has ${what} (item ${backfillItemId(source.id)}); resume it with the same range, or start ${iso(range.from)}..${iso(range.to)} with --restart ("restart": true in the event)`,
  );
}

/** Invokes the function again for a backfill that stopped at its deadline; never with `restart`. */
export async function continueBackfill(
  response: PumpResponse,
  event: Extract<PumpCommand, { kind: 'backfill' }>,
  functionName: string,
  invoke: Invoker,
  log: Logger,
): Promise<boolean> {
  const result = response.results[0];
  if (!result || result.status !== 'deadline' || !result.more) return false;
  const depth = (event.continuation ?? 0) + 1;
  if (depth > MAX_CONTINUATIONS) {
    log.warn('backfill continuation chain capped; invoke the same backfill again to resume it', {
      sourceId: event.backfill.sourceId,
      depth,
    });
    return false;
  }
  // A continuation resumes: passing `restart` on would start the range over at every invocation.
  const { restart: _restart, ...resume } = event.backfill;
  try {
    await invoke(functionName, { backfill: resume, continuation: depth });
    return true;
  } catch (error) {
    log.error('backfill continuation failed; invoke the same backfill again to resume it', {
      sourceId: event.backfill.sourceId,
      error: describeError(error),
    });
    return false;
  }
}
