/**
 * The one test world, for every vendor: a started vendor emulator, one source on it (from 7 days ago),
 * the local AWS stack (dynalite, Firehose and Secrets Manager emulators; state and archive in a temp
 * dir) and two ways to run the source: `invoke`, the Lambda's `createPump`, and `run`, `runSource`
 * with steps that can crash (faults the pump cannot reach). A "crash" throws at a step and leaves the
 * lease held, as a process that died would; the world's clock moves lease expiry past it. Vendor
 * adapters (harness.ts, authentic8-harness.ts, carbonblack.ts, range.ts) add their emulator's API.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { LOCAL_AWS, ensureCursorTable, startDynamo, type LocalDynamo } from '../../local/aws/dynamo.ts';
import {
  startFirehoseEmulator,
  type FirehoseEmulator,
  type FirehoseEmulatorOptions,
} from '../../local/aws/firehose-emulator.ts';
import { readArchive } from '../../local/query/archive-reader.ts';
import { LocalArchiveReader } from '../../local/query/local-archive.ts';
import { startLocalStack, type LocalStack } from '../../local/aws/stack.ts';
import { Crash } from '../../local/chaos/steps.ts';
import { parseSources, type Source } from '../../shared/config.ts';
import type { Connector } from '../../shared/connector.ts';
import { CursorStore, type CommitInput } from '../../shared/cursor-store.ts';
import { createPump, type PumpEvent, type PumpOptions, type PumpResponse } from '../../shared/handler.ts';
import { clientPerSource } from '../../shared/http.ts';
import type { Logger } from '../../shared/logger.ts';
import { runSource, type RunResult, type RunnerDeps } from '../../shared/runner.ts';
import { SecretsCredentials } from '../../shared/secrets.ts';
import { FirehoseSink, type Sink } from '../../shared/sink.ts';
import type { Spool } from '../../shared/spool.ts';

/** Thrown by a fault to stand for the process dying at that step (the chaos campaign's own). */
export { Crash };

/** The lease of `run`'s runs. */
export const LEASE_MS = 60_000;
/** The Lambda's remaining time `invoke` gives by default (14.5 minutes). */
export const LONG_RUN_MS = 870_000;

/** What the world needs of a started emulator; it stops the emulator with itself. */
export interface WorldEmulator {
  readonly baseUrl: string;
  /** Credentials the emulator accepts (the source's, unless the world's `source.credentials` replace them). */
  readonly credentials?: Record<string, string>;
  /** Source options the emulator needs (org keys, ...). */
  readonly options?: Record<string, unknown>;
  stop(): Promise<void>;
}

/** Source fields beyond the emulator's: options added to its options, credentials instead of its own. */
export interface SourcePatch {
  readonly options?: Record<string, unknown>;
  readonly settleLagSeconds?: number;
  readonly credentials?: Record<string, string>;
}

export interface WorldOptions<E extends WorldEmulator> {
  readonly connector: Connector;
  readonly emulator: E;
  readonly sourceId: string;
  readonly source?: SourcePatch;
  /** Firehose buffering interval of the local stack. */
  readonly bufferIntervalMs?: number;
  /** Added to the pump's wiring (stack, hooked spool, local archive reader, captured logs, no real sleeps). */
  readonly pump?: PumpOptions;
  /** `run`'s deadline from now. @default 60_000 */
  readonly runDeadlineMs?: number;
  /** `run`'s HTTP per-attempt timeout; the client's default when absent. */
  readonly requestTimeoutMs?: number;
}

/** Faults at the runner's step boundaries (none fires without its flag). */
export interface StepFaults {
  /** After the page is fetched, before anything is delivered. */
  afterFetch?: boolean;
  /** Half of the page's records reach the archive, then the process dies. */
  midSink?: boolean;
  /** Every record is delivered, then the process dies before the commit. */
  afterSink?: boolean;
  /** The process dies as the commit starts, before it is written. */
  beforeCommit?: boolean;
  /** The commit is written, then the process dies before it learns so. */
  afterCommit?: boolean;
  /** On which delivery (sink put, 1-based) the faults fire. @default 1 */
  page?: number;
  /** When set, the commit faults fire on this commit (1-based) instead of the commit after delivery `page`. */
  commit?: number;
}

export interface LogLine {
  level: keyof Logger;
  message: string;
  attributes: Record<string, unknown> | undefined;
}

export interface World<E extends WorldEmulator> {
  readonly emulator: E;
  readonly stack: LocalStack;
  /** The source as the stack holds it (its credentials moved to the Secrets Manager emulator). */
  readonly source: Source;
  readonly dir: string;
  readonly stateDir: string;
  readonly archiveDir: string;
  /** The cursor store on the world's clock. */
  readonly store: CursorStore;
  /** Milliseconds added to the real clock of `run` and `store` (moves lease expiry). */
  readonly clock: { offset: number };
  /** Every commit of `run` that succeeded, in order. */
  readonly commits: Array<CommitInput & { version: number }>;
  /** What the pump and `run` logged. */
  readonly logs: LogLine[];
  /** Called after each spool put (awaited); throw a Crash to die right after the spool write. */
  afterSpoolPut: (key: string) => void | Promise<void>;
  /** Called after each page the pump committed, with the run's page count (to act mid-run). */
  onPage: (pages: number) => void;
  /** The pump of the source with some fields changed (none: the source as it is). */
  pump(patch?: SourcePatch): (event: PumpEvent, remainingMs: number) => Promise<PumpResponse>;
  /** One invocation of the pump. */
  invoke(event: PumpEvent, remainingMs?: number): Promise<PumpResponse>;
  /** One run through `runSource`; `faults` crash its steps, `overrides` replace its dependencies. */
  run(faults?: StepFaults, overrides?: Partial<RunnerDeps>): Promise<RunResult>;
  /** Reruns, each after any crashed lease expired, until caught up (at most `max` runs). */
  drain(max?: number): Promise<RunResult[]>;
  /** Every archived record (flushes the Firehose emulator first), duplicates included. */
  archived(): Promise<Array<Record<string, unknown>>>;
  stop(): Promise<void>;
}

/** The one source of a world, parsed against the connector's options. */
export function worldSources(
  connector: Connector,
  fields: { id: string; baseUrl: string; credentials: Record<string, string> } & Omit<SourcePatch, 'credentials'>,
): Source[] {
  const { settleLagSeconds, ...source } = fields;
  const entry = {
    ...source,
    vendor: connector.vendor,
    startFrom: new Date(Date.now() - 7 * 86_400_000).toISOString(),
    options: source.options ?? {},
    ...(settleLagSeconds !== undefined ? { settleLagSeconds } : {}),
  };
  return [...parseSources({ sources: [entry] }, { [connector.vendor]: connector.optionsSchema }).sources];
}

/** `spool`, with `afterPut` awaited after each put. */
export function hookedSpool(spool: Spool, afterPut: (key: string) => void | Promise<void>): Spool {
  return {
    put: async (key, bytes) => {
      await spool.put(key, bytes);
      await afterPut(key);
    },
    list: (prefix) => spool.list(prefix),
    get: (key) => spool.get(key),
    delete: (key) => spool.delete(key),
  };
}

/** HTTP clients that never really sleep between retries, with the per-attempt timeout (and `fetch`) when given. */
export function httpFactory(requestTimeoutMs?: number, fetch?: typeof globalThis.fetch): RunnerDeps['http'] {
  return clientPerSource({
    sleep: async () => undefined,
    ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
    ...(fetch ? { fetch } : {}),
  });
}

function captureLogs(logs: LogLine[]): Logger {
  const log = (level: keyof Logger) => (message: string, attributes?: Record<string, unknown>) =>
    void logs.push({ level, message, attributes });
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** The world's temp dir and the local stack with its source; stops the emulator when they cannot start. */
async function startStack<E extends WorldEmulator>(
  options: WorldOptions<E>,
): Promise<{ dir: string; stack: LocalStack }> {
  const { emulator } = options;
  let dir: string | undefined;
  try {
    dir = await mkdtemp(join(tmpdir(), `audit-pump-world-${options.connector.vendor}-`));
    const sources = worldSources(options.connector, {
      ...options.source,
      id: options.sourceId,
      baseUrl: emulator.baseUrl,
      credentials: credentialsOf(options),
      options: { ...emulator.options, ...options.source?.options },
    });
    const stack = await startLocalStack({
      sources,
      stateDir: join(dir, 'state'),
      archiveDir: join(dir, 'archive'),
      ...(options.bufferIntervalMs !== undefined ? { bufferIntervalMs: options.bufferIntervalMs } : {}),
    });
    return { dir, stack };
  } catch (error) {
    await emulator.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Starts the world around a started emulator (stopped here if the rest cannot start). */
export async function startWorld<E extends WorldEmulator>(options: WorldOptions<E>): Promise<World<E>> {
  const { emulator } = options;
  const { dir, stack } = await startStack(options);
  const [stateDir, archiveDir] = [join(dir, 'state'), join(dir, 'archive')];
  const clock = { offset: 0 };
  const store = new CursorStore({
    client: stack.clients.dynamodb,
    tableName: stack.config.cursorTable,
    now: () => Date.now() + clock.offset,
  });
  let runs = 0;
  const world: World<E> = {
    ...{ emulator, stack, dir, stateDir, archiveDir, store, clock },
    source: stack.config.sources[0] as Source,
    commits: [],
    logs: [],
    afterSpoolPut: () => undefined,
    onPage: () => undefined,
    pump: (patch) => pumpOf(world, options, patch),
    invoke: (event, remainingMs = LONG_RUN_MS) => defaultPump(event, remainingMs),
    run: (faults, overrides) => runSteps(world, options, `run-${++runs}`, faults, overrides),
    // The world's own `run`, even where an adapter gives `run` another meaning.
    drain: (max) => drain(world.clock, () => runSteps(world, options, `run-${++runs}`), max),
    async archived() {
      await stack.firehose.flush();
      return (await readArchive(archiveDir)).map((a) => a.record);
    },
    async stop() {
      await emulator.stop();
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  const defaultPump = world.pump();
  return world;
}

function credentialsOf<E extends WorldEmulator>(options: WorldOptions<E>): Record<string, string> {
  const credentials = options.source?.credentials ?? options.emulator.credentials;
  if (!credentials) throw new Error(`the world of ${options.sourceId} needs credentials: the emulator has none`);
  return credentials;
}

function worldSpool<E extends WorldEmulator>(world: World<E>): Spool {
  return hookedSpool(world.stack.spool, (key) => world.afterSpoolPut(key));
}

function pumpOf<E extends WorldEmulator>(world: World<E>, options: WorldOptions<E>, patch: SourcePatch = {}) {
  const { source, stack } = world;
  const patched = { ...source, ...patch, options: { ...source.options, ...patch.options } } as Source;
  return createPump(options.connector, {
    config: { ...stack.config, sources: [patched] },
    clients: stack.clients,
    spool: worldSpool(world),
    archive: new LocalArchiveReader(world.archiveDir),
    logger: captureLogs(world.logs),
    http: { sleep: async () => undefined },
    onProgress: (_id, stats) => world.onPage(stats.pages),
    ...options.pump,
  });
}

async function runSteps<E extends WorldEmulator>(
  world: World<E>,
  options: WorldOptions<E>,
  owner: string,
  faults: StepFaults = {},
  overrides: Partial<RunnerDeps> = {},
): Promise<RunResult> {
  const { stack } = world;
  const now = () => Date.now() + world.clock.offset;
  const instant = async () => undefined;
  const sink = new FirehoseSink({
    client: stack.clients.firehose,
    streamName: stack.config.archiveStream,
    sleep: instant,
  });
  const steps = faultySteps(world, sink, faults);
  return runSource(options.connector, world.source, {
    ...steps,
    deadLetter: new FirehoseSink({
      client: stack.clients.firehose,
      streamName: stack.config.deadLetterStream,
      sleep: instant,
    }),
    credentials: new SecretsCredentials({ client: stack.clients.secrets }),
    http: httpFactory(options.requestTimeoutMs),
    spool: worldSpool(world),
    log: captureLogs(world.logs),
    owner,
    leaseMs: LEASE_MS,
    deadline: now() + (options.runDeadlineMs ?? 60_000),
    now,
    ...overrides,
  });
}

/** The store and the sink of one run, crashing where `faults` say. */
function faultySteps<E extends WorldEmulator>(world: World<E>, sink: Sink, faults: StepFaults) {
  const { store } = world;
  let [puts, commits, crashed] = [0, 0, false];
  // The runner reports any error as a failed run; `crashed` makes it also skip the lease release.
  const crash = (): never => {
    crashed = true;
    throw new Crash('process died');
  };
  const onPage = () => puts === (faults.page ?? 1);
  const onCommit = () => (faults.commit === undefined ? onPage() : commits === faults.commit);
  const faultyStore = Object.create(store) as CursorStore;
  faultyStore.commit = async (id, input) => {
    commits++;
    if (faults.beforeCommit && onCommit()) crash();
    const version = await store.commit(id, input);
    world.commits.push({ ...input, version });
    if (faults.afterCommit && onCommit()) crash();
    return version;
  };
  faultyStore.releaseLease = async (id, owner) => (crashed ? undefined : store.releaseLease(id, owner));
  const faultySink: Sink = {
    name: 'archive',
    put: async (records, deadline) => {
      puts++;
      if (onPage() && faults.afterFetch) crash();
      if (onPage() && faults.midSink) {
        await sink.put(records.slice(0, Math.ceil(records.length / 2)), deadline);
        crash();
      }
      await sink.put(records, deadline);
      if (onPage() && faults.afterSink) crash();
    },
  };
  return { store: faultyStore, sink: faultySink };
}

async function drain(clock: { offset: number }, run: () => Promise<RunResult>, max = 10): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (let i = 0; i < max; i++) {
    clock.offset += LEASE_MS + 1000; // any crashed run's lease has expired by now
    const r = await run();
    results.push(r);
    if (r.status === 'caught-up') return results;
  }
  throw new Error(`not caught up after ${max} runs: ${JSON.stringify(results.at(-1))}`);
}

/** Archived raw_data texts by uid. */
export function rawByUid(records: ReadonlyArray<Record<string, unknown>>): Map<string, string[]> {
  const byUid = new Map<string, string[]>();
  for (const record of records) {
    const uid = (record.metadata as { uid: string }).uid;
    byUid.set(uid, [...(byUid.get(uid) ?? []), record.raw_data as string]);
  }
  return byUid;
}

/**
 * Every served event archived, nothing foreign, every copy byte-identical to the vendor's text; `archived` and
 * `texts` are by uid. Returns the number of duplicate records.
 */
export function assertArchivedExactly(
  archived: ReadonlyMap<string, readonly string[]>,
  texts: ReadonlyMap<string, string>,
): { duplicates: number } {
  const missing = [...texts.keys()].filter((u) => !archived.has(u));
  const strangers = [...archived.keys()].filter((u) => !texts.has(u));
  if (missing.length || strangers.length) throw new Error(`lost ${missing.length}, strangers ${strangers.length}`);
  let duplicates = 0;
  for (const [uid, raws] of archived) {
    if (raws.some((r) => r !== texts.get(uid))) throw new Error(`raw_data of ${uid} differs from the vendor's bytes`);
    duplicates += raws.length - 1;
  }
  return { duplicates };
}

/** Versions strictly increase and the watermark never goes back. */
export function assertNoRegression(world: Pick<World<WorldEmulator>, 'commits'>): void {
  let lastVersion = -1;
  let lastMark = '';
  for (const c of world.commits) {
    if (c.version <= lastVersion) throw new Error(`version went from ${lastVersion} to ${c.version}`);
    lastVersion = c.version;
    const mark = (c.cursor as { watermark?: string }).watermark ?? '';
    if (mark < lastMark) throw new Error(`watermark went back from ${lastMark} to ${mark}`);
    lastMark = mark;
  }
}

/** A cursor store on a dynalite of its own (the unit tests' piece of a world), table `table`. */
export async function startCursorStore(table = 'cursors'): Promise<{ dynamo: LocalDynamo; store: CursorStore }> {
  const dynamo = await startDynamo();
  await ensureCursorTable(dynamo.client, table);
  return { dynamo, store: new CursorStore({ client: dynamo.client, tableName: table }) };
}

/** A Firehose emulator writing `streams` under a temp dir, and a client on it (the sink tests' piece of a world). */
export async function startFirehose(
  name: string,
  streams: FirehoseEmulatorOptions['streams'],
): Promise<{ dir: string; emulator: FirehoseEmulator; client: FirehoseClient; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  const emulator = await startFirehoseEmulator({ archiveDir: dir, streams });
  const client = new FirehoseClient({ ...LOCAL_AWS, endpoint: emulator.endpoint, maxAttempts: 1 });
  return {
    dir,
    emulator,
    client,
    async stop() {
      client.destroy();
      await emulator.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
