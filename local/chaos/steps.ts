/**
 * Crashes at the runner's step boundaries, after test/helpers/harness.ts: the store, the sinks,
 * the connector and the spool are wrapped, and at the chosen step the "process dies": that step
 * throws, and so does every wrapped call after it (a dead process does nothing more), the lease
 * release included, so the lease stays until it expires.
 */
import type { Connector } from '../../shared/connector.ts';
import type { CursorStore } from '../../shared/cursor-store.ts';
import type { Sink } from '../../shared/sink.ts';
import type { Spool } from '../../shared/spool.ts';

/** Every step boundary a run can die at. */
export const STEPS = [
  'afterLease',
  'afterFetch',
  'midSink',
  'afterSink',
  'afterDeadLetter',
  'beforeCommit',
  'afterCommit',
  'beforeRelease',
  'afterSpoolPut',
] as const;
export type Step = (typeof STEPS)[number];

/** Where this run dies: at the `nth` (1-based) occurrence of `step`. */
export interface CrashPlan {
  readonly step: Step;
  readonly nth: number;
}

/** Thrown by a wrapped step of a dead process. */
export class Crash extends Error {
  override name = 'Crash';
}

/** The wrapped dependencies of one run and whether (and where) it died. */
export interface Steps<C, R> {
  readonly store: CursorStore;
  readonly sink: Sink;
  readonly deadLetter: Sink;
  readonly connector: Connector<C, R>;
  readonly spool: Spool | undefined;
  /** The step the process died at, if it did. */
  readonly died: () => Step | undefined;
}

/** Wraps the run's dependencies so that the process dies as `plan` says (never without a plan). */
export function crashingSteps<C, R>(
  plan: CrashPlan | undefined,
  deps: { store: CursorStore; sink: Sink; deadLetter: Sink; connector: Connector<C, R>; spool?: Spool },
): Steps<C, R> {
  let dead: Step | undefined;
  const counts = new Map<Step, number>();
  const alive = (): void => {
    if (dead) throw new Crash(`process died at ${dead}`);
  };
  /** Counts the step and, when it is the planned one, dies. */
  const reach = (step: Step): void => {
    alive();
    const n = (counts.get(step) ?? 0) + 1;
    counts.set(step, n);
    if (plan?.step === step && plan.nth === n) {
      dead = step;
      alive();
    }
  };
  const { store } = deps;
  const faulty = Object.create(store) as CursorStore;
  faulty.acquireLease = async (id, owner, ms, signal) => {
    const state = await store.acquireLease(id, owner, ms, signal);
    reach('afterLease');
    return state;
  };
  faulty.commit = async (id, input, signal) => {
    reach('beforeCommit');
    const version = await store.commit(id, input, signal);
    reach('afterCommit');
    return version;
  };
  faulty.renewLease = async (id, owner, ms, signal) => {
    alive();
    return store.renewLease(id, owner, ms, signal);
  };
  faulty.releaseLease = async (id, owner, signal) => {
    if (dead) return; // a dead process releases nothing: the lease runs out
    reach('beforeRelease');
    return store.releaseLease(id, owner, signal);
  };
  const sink: Sink = {
    name: deps.sink.name,
    put: async (records, deadline) => {
      alive();
      const n = (counts.get('midSink') ?? 0) + 1;
      if (plan?.step === 'midSink' && plan.nth === n && records.length > 1) {
        await deps.sink.put(records.slice(0, Math.ceil(records.length / 2)), deadline);
      }
      reach('midSink');
      await deps.sink.put(records, deadline);
      reach('afterSink');
    },
  };
  const deadLetter: Sink = {
    name: deps.deadLetter.name,
    put: async (records, deadline) => {
      alive();
      await deps.deadLetter.put(records, deadline);
      reach('afterDeadLetter');
    },
  };
  const connector: Connector<C, R> = {
    ...deps.connector,
    fetchPage: async (ctx, cursor) => {
      alive();
      const page = await deps.connector.fetchPage(ctx, cursor);
      reach('afterFetch');
      return page;
    },
  };
  const spool = deps.spool && wrapSpool(deps.spool, reach, alive);
  return { store: faulty, sink, deadLetter, connector, spool, died: () => dead };
}

function wrapSpool(spool: Spool, reach: (step: Step) => void, alive: () => void): Spool {
  return {
    put: async (key, bytes) => {
      alive();
      await spool.put(key, bytes);
      reach('afterSpoolPut');
    },
    list: async (prefix) => {
      alive();
      return spool.list(prefix);
    },
    get: async (key) => {
      alive();
      return spool.get(key);
    },
    delete: async (key) => {
      alive();
      return spool.delete(key);
    },
  };
}
