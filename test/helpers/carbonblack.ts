/**
 * The Carbon Black adapter of the test world (world.ts): the emulator, the world around it, and runs
 * of the source through the Lambda's `createPump` (whose HTTP waits are recorded, not slept) or
 * through `runSource` with steps that can crash (for faults `createPump` cannot reach).
 */
import { carbonBlackConnector } from '../../functions/carbonblack/connector.ts';
import {
  startCarbonBlackEmulator,
  type CarbonBlackEmulator,
  type CarbonBlackEmulatorOptions,
  type CbApiKey,
  type CbStoredEvent,
} from '../../functions/carbonblack/emulator/emulator.ts';
import type { CursorState } from '../../shared/cursor-store.ts';
import type { PumpResponse } from '../../shared/handler.ts';
import { eventUid } from '../../shared/ocsf.ts';
import type { RunResult } from '../../shared/runner.ts';
import { LONG_RUN_MS, startWorld, type SourcePatch, type World } from './world.ts';

export { Crash, LONG_RUN_MS, type LogLine } from './world.ts';

export const CB_KEY: CbApiKey = { id: 'TESTKEY001', secret: 'TESTSECRETKEY00000000001' };
export const CB_SOURCE_ID = 'cb-test';

export interface CbStandOptions {
  emulator?: Partial<CarbonBlackEmulatorOptions>;
  /** Source fields: options (mode, rows), settleLagSeconds, credentials. */
  source?: SourcePatch;
}

export interface CbStand extends Omit<World<CarbonBlackEmulator>, 'run'> {
  /** Every wait the pump's HTTP client asked for; none is actually slept. */
  readonly sleeps: number[];
  /** One pump invocation through the Lambda's `createPump`. */
  run(remainingMs?: number): Promise<RunResult>;
  /** The same, for the source with some fields changed (rows, settleLagSeconds, mode). */
  runAs(patch: Omit<SourcePatch, 'credentials'>, remainingMs?: number): Promise<RunResult>;
  /** One run through `runSource`; `crash` names the step to die at on the `onPage`th commit. */
  runSteps(crash?: 'afterDelivery' | 'afterCommit', onPage?: number): Promise<RunResult>;
  cursor(): Promise<CursorState | undefined>;
  /** Forgets the stored cursor (as `audit-pump cursor reset`). */
  reset(): Promise<void>;
  /** The uids the connector must produce for `events` (default: every event). */
  uids(events?: readonly CbStoredEvent[]): string[];
}

export const uidsOf = (records: ReadonlyArray<Record<string, unknown>>): string[] =>
  records.map((r) => (r.metadata as { uid: string }).uid);
export const sorted = (values: readonly string[]): string[] => [...values].sort();

const cleanups: Array<() => Promise<void>> = [];
/** Stops every stand started since the last call (call it from afterEach). */
export async function stopStands(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

const only = async (response: Promise<PumpResponse>): Promise<RunResult> => {
  const [result] = (await response).results;
  if (!result) throw new Error('the pump returned no result');
  return result;
};

/** Starts a stand; `stopStands` stops it. */
export async function startStand(options: CbStandOptions = {}): Promise<CbStand> {
  const emulator = await startCarbonBlackEmulator({ apiKeys: [CB_KEY], seed: 21, backlog: 400, ...options.emulator });
  const sleeps: number[] = [];
  let waited = 0;
  const world = await startWorld({
    connector: carbonBlackConnector,
    emulator,
    sourceId: CB_SOURCE_ID,
    source: {
      credentials: { apiId: CB_KEY.id, apiSecret: CB_KEY.secret },
      ...options.source,
      options: { orgKey: emulator.orgKey, ...options.source?.options },
    },
    // Waits are recorded, not slept: the HTTP client's clock moves by them instead, as a real wait would move it.
    pump: { http: { sleep: async (ms) => void (sleeps.push(ms), (waited += ms)), now: () => Date.now() + waited } },
    runDeadlineMs: 120_000,
  });
  cleanups.push(() => world.stop());
  const steps = world.run;
  // The stand is the world itself, so the tests' hooks (afterSpoolPut, onPage) are the ones the world calls.
  return Object.assign(world, {
    sleeps,
    run: (remainingMs = LONG_RUN_MS) => only(world.invoke({ sourceId: CB_SOURCE_ID }, remainingMs)),
    runAs: (patch: SourcePatch, remainingMs = LONG_RUN_MS) =>
      only(world.pump(patch)({ sourceId: CB_SOURCE_ID }, remainingMs)),
    runSteps: (crash?: 'afterDelivery' | 'afterCommit', onPage = 1) =>
      steps(crash ? { [crash === 'afterDelivery' ? 'beforeCommit' : 'afterCommit']: true, commit: onPage } : {}),
    cursor: () => world.store.get(CB_SOURCE_ID),
    reset: () => world.store.reset(CB_SOURCE_ID),
    uids: (events?: readonly CbStoredEvent[]) =>
      emulator.nativeIds(events).map((id) => eventUid('carbonblack', CB_SOURCE_ID, id)),
  }) as CbStand;
}
