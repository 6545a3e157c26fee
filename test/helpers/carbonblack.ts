/**
 * A Carbon Black test stand: the emulator, the local AWS stack (state and archive in a temp dir,
 * the spool a directory under the state dir) and two ways to run the source: the Lambda's
 * `createPump`, and `runSource` with steps that can crash (for faults `createPump` cannot reach).
 * A "crash" throws at a step and leaves the lease held, as a process that died would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { carbonBlackConnector } from '../../functions/carbonblack/connector.ts';
import { cbOptions } from '../../functions/carbonblack/schemas.ts';
import { readArchive } from '../../local/query/archive-reader.ts';
import {
  startCarbonBlackEmulator,
  type CarbonBlackEmulator,
  type CarbonBlackEmulatorOptions,
  type CbApiKey,
  type CbStoredEvent,
} from '../../functions/carbonblack/emulator/emulator.ts';
import { startLocalStack, type LocalStack } from '../../local/aws/stack.ts';
import { parseSources, type Source } from '../../shared/config.ts';
import { CursorStore, type CursorState } from '../../shared/cursor-store.ts';
import { createPump } from '../../shared/handler.ts';
import { HttpClient } from '../../shared/http.ts';
import { eventUid } from '../../shared/ocsf.ts';
import { runSource, type RunResult, type RunnerDeps } from '../../shared/runner.ts';
import { SecretsCredentials } from '../../shared/secrets.ts';
import { FirehoseSink } from '../../shared/sink.ts';
import type { Logger } from '../../shared/logger.ts';
import type { Spool } from '../../shared/spool.ts';
import { Crash } from '../../local/chaos/steps.ts';

export const CB_KEY: CbApiKey = { id: 'TESTKEY001', secret: 'TESTSECRETKEY00000000001' };
export const CB_SOURCE_ID = 'cb-test';
export const LONG_RUN_MS = 870_000;
const LEASE_MS = 60_000;

/** Thrown by a fault to stand for the process dying at that step (the campaign's own). */
export { Crash };

export interface LogLine {
  level: keyof Logger;
  message: string;
  attributes: Record<string, unknown> | undefined;
}

export interface CbStandOptions {
  emulator?: Partial<CarbonBlackEmulatorOptions>;
  /** Source fields: options (mode, rows), settleLagSeconds, credentials. */
  source?: { options?: Record<string, unknown>; settleLagSeconds?: number; credentials?: Record<string, string> };
}

export interface CbStand {
  readonly emulator: CarbonBlackEmulator;
  readonly stack: LocalStack;
  readonly source: Source;
  readonly stateDir: string;
  readonly archiveDir: string;
  /** Every wait the HTTP client asked for; none is actually slept. */
  readonly sleeps: number[];
  readonly logs: LogLine[];
  /** Called after each spool put of the pump; throw a Crash to die right after the spool write. */
  afterSpoolPut: (key: string) => void;
  /** Milliseconds added to the clock of `runSteps` (moves lease expiry past a crashed run's lease). */
  readonly clock: { offset: number };
  /** Called after each page the pump committed, with the run's page count (to act mid-run). */
  onPage: (pages: number) => void;
  /** One pump invocation through the Lambda's `createPump`. */
  run(remainingMs?: number): Promise<RunResult>;
  /** The same, for the source with some fields changed (rows, settleLagSeconds, mode). */
  runAs(
    patch: { options?: Record<string, unknown>; settleLagSeconds?: number },
    remainingMs?: number,
  ): Promise<RunResult>;
  /** One run through `runSource`; `crash` names the step to die at (after delivery, after the commit). */
  runSteps(crash?: 'afterDelivery' | 'afterCommit', onPage?: number): Promise<RunResult>;
  archived(): Promise<Array<Record<string, unknown>>>;
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

/** Starts a stand; `stopStands` stops it. */
export async function startStand(options: CbStandOptions = {}): Promise<CbStand> {
  const emulator = await startCarbonBlackEmulator({ apiKeys: [CB_KEY], seed: 21, backlog: 400, ...options.emulator });
  cleanups.push(() => emulator.stop());
  const dir = await mkdtemp(join(tmpdir(), 'cb-stand-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const { sources } = parseSources(
    {
      sources: [
        {
          id: CB_SOURCE_ID,
          vendor: 'carbonblack',
          baseUrl: emulator.baseUrl,
          startFrom: new Date(Date.now() - 7 * 86_400_000).toISOString(),
          credentials: options.source?.credentials ?? { apiId: CB_KEY.id, apiSecret: CB_KEY.secret },
          options: { orgKey: emulator.orgKey, ...options.source?.options },
          ...(options.source?.settleLagSeconds !== undefined
            ? { settleLagSeconds: options.source.settleLagSeconds }
            : {}),
        },
      ],
    },
    { carbonblack: cbOptions },
  );
  const [stateDir, archiveDir] = [join(dir, 'state'), join(dir, 'archive')];
  const stack = await startLocalStack({ sources, stateDir, archiveDir });
  cleanups.push(() => stack.stop());
  const source = stack.config.sources[0] as Source;
  const sleeps: number[] = [];
  let waited = 0;
  const logs: LogLine[] = [];
  const log = (level: keyof Logger) => (message: string, attributes?: Record<string, unknown>) =>
    void logs.push({ level, message, attributes });
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const connector = carbonBlackConnector;
  const clock = { offset: 0 };
  const now = (): number => Date.now() + clock.offset;
  const store = new CursorStore({ client: stack.clients.dynamodb, tableName: stack.config.cursorTable, now });
  const spool: Spool = {
    put: async (key, bytes) => {
      await stack.spool.put(key, bytes);
      stand.afterSpoolPut(key);
    },
    list: (prefix) => stack.spool.list(prefix),
    get: (key) => stack.spool.get(key),
    delete: (key) => stack.spool.delete(key),
  };
  const pumpFor = (patched: Source) =>
    createPump(connector, {
      config: { ...stack.config, sources: [patched] },
      clients: stack.clients,
      spool,
      logger,
      // Waits are recorded, not slept: the HTTP client's clock moves by them instead, as a real wait would move it.
      http: { sleep: async (ms) => void (sleeps.push(ms), (waited += ms)), now: () => Date.now() + waited },
      onProgress: (_id, stats) => stand.onPage(stats.pages),
    });
  const invoke = async (pump: ReturnType<typeof createPump>, remainingMs: number): Promise<RunResult> => {
    const [result] = (await pump({ sourceId: CB_SOURCE_ID }, remainingMs)).results;
    if (!result) throw new Error('the pump returned no result');
    return result;
  };
  const pump = pumpFor(stack.config.sources[0] as Source);
  let runs = 0;

  const runSteps: CbStand['runSteps'] = async (crash, onPage = 1) => {
    let crashed = false;
    let pages = 0;
    const die = (): never => {
      crashed = true;
      throw new Crash('process died');
    };
    const faulty = Object.create(store) as CursorStore;
    faulty.commit = async (id, input) => {
      if (++pages === onPage && crash === 'afterDelivery') die();
      const version = await store.commit(id, input);
      if (pages === onPage && crash === 'afterCommit') die();
      return version;
    };
    faulty.releaseLease = async (id, owner) => (crashed ? undefined : store.releaseLease(id, owner));
    const deps: RunnerDeps = {
      store: faulty,
      spool,
      now,
      owner: `steps-${++runs}`,
      leaseMs: LEASE_MS,
      deadline: now() + 120_000,
      log: logger,
      sink: new FirehoseSink({ client: stack.clients.firehose, streamName: stack.config.archiveStream }),
      deadLetter: new FirehoseSink({ client: stack.clients.firehose, streamName: stack.config.deadLetterStream }),
      credentials: new SecretsCredentials({ client: stack.clients.secrets }),
      http: ({ source: s, credentials, deadline, onRetry, retryRule }) =>
        new HttpClient({
          origin: s.baseUrl,
          deadline,
          secrets: Object.values(credentials),
          onRetry,
          sleep: async () => undefined,
          ...(retryRule ? { retryRule } : {}),
        }),
    };
    return runSource(connector, source, deps);
  };

  const stand: CbStand = {
    emulator,
    stack,
    source,
    stateDir,
    archiveDir,
    sleeps,
    logs,
    clock,
    runSteps,
    afterSpoolPut: () => undefined,
    onPage: () => undefined,
    run: (remainingMs = LONG_RUN_MS) => invoke(pump, remainingMs),
    runAs: (patch, remainingMs = LONG_RUN_MS) =>
      invoke(pumpFor({ ...source, ...patch, options: { ...source.options, ...patch.options } } as Source), remainingMs),
    async archived() {
      await stack.firehose.flush();
      return (await readArchive(archiveDir)).map((a) => a.record);
    },
    cursor: () => store.get(CB_SOURCE_ID),
    reset: () => store.reset(CB_SOURCE_ID),
    uids: (events) => emulator.nativeIds(events).map((id) => eventUid('carbonblack', CB_SOURCE_ID, id)),
  };
  return stand;
}
