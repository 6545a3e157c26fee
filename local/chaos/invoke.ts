/**
 * One invocation of a source, as the Lambda would run it, with the campaign's instruments: the
 * real runner, connector, cursor store (on the world's faulty DynamoDB client) and Firehose sinks
 * (on a Firehose emulator writing a run's own archive), the fake clock everywhere, HTTP retries
 * that "sleep" by moving the clock, and the crash and deadline faults.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { CursorStore } from '../../shared/cursor-store.ts';
import { HttpClient } from '../../shared/http.ts';
import { runSource, type HttpFactory, type RunResult } from '../../shared/runner.ts';
import { FirehoseSink, type Sink } from '../../shared/sink.ts';
import { readArchive } from '../query/archive-reader.ts';
import { LOCAL_AWS } from '../aws/dynamo.ts';
import { startFirehoseEmulator, type FirehoseEmulator } from '../aws/firehose-emulator.ts';
import { seededRandom } from '../emulators/random.ts';
import { deployedStreams } from '../aws/streams.ts';
import type { Stand } from './stands.ts';
import { capturingLogger, runMetrics, type Outputs } from './hygiene.ts';
import { crashingSteps, type CrashPlan, type Step, type Steps } from './steps.ts';
import { CHAOS_TABLE, type ChaosWorld, type FakeClock } from './world.ts';

/** Lease of the campaign's runs; a crashed run's lease stands this long. */
export const CHAOS_LEASE_MS = 60_000;
/** Fake time an invocation may take (a 15-minute Lambda less its margin, roughly). */
export const INVOCATION_MS = 600_000;
/**
 * Time a stalled invocation has. The fake clock stands still while Firehose stalls in real time, so
 * every call of the run gets this much real time before its abort signal fires.
 */
export const STALL_BUDGET_MS = 300;
/** Real time an HTTP attempt may take before it is a timeout (the hang faults cost this much). */
const ATTEMPT_TIMEOUT_MS = 250;

/** A run's own archive: a Firehose emulator writing under a temp dir, and the two sinks. */
export interface Archive {
  readonly dir: string;
  readonly firehose: FirehoseEmulator;
  readonly sink: Sink;
  readonly deadLetter: Sink;
  /** Archived raw_data texts by uid (flushes first). */
  byUid(): Promise<Map<string, string[]>>;
  /** Dead-lettered records: their uid and the reason given. */
  deadLetters(): Promise<Map<string, string>>;
  stop(): Promise<void>;
}

/** Archived raw_data texts by uid, as the archive under `dir` holds them. */
export async function archivedByUid(dir: string): Promise<Map<string, string[]>> {
  const byUid = new Map<string, string[]>();
  for (const { record } of await readArchive(dir)) {
    const uid = (record.metadata as { uid: string }).uid;
    byUid.set(uid, [...(byUid.get(uid) ?? []), record.raw_data as string]);
  }
  return byUid;
}

/** Dead-lettered records under `dir`: their uid and the reason given. */
export async function deadLettersIn(dir: string): Promise<Map<string, string>> {
  return new Map(
    (await readArchive(dir, 'dead-letter')).map(({ record }) => [
      (record.metadata as { uid: string }).uid,
      String(record.reason ?? ''),
    ]),
  );
}

export async function startArchive(clock: Pick<FakeClock, 'pumpNow' | 'sleep'>): Promise<Archive> {
  const dir = await mkdtemp(join(tmpdir(), 'audit-pump-chaos-'));
  const firehose = await startFirehoseEmulator({
    archiveDir: dir,
    bufferIntervalMs: 3_600_000,
    // As deployed: the sinks pack events into shared records and the streams deaggregate them.
    streams: deployedStreams({ archive: 'archive', deadLetter: 'dlq' }),
  });
  const client = new FirehoseClient({ ...LOCAL_AWS, endpoint: firehose.endpoint, maxAttempts: 1 });
  const options = { client, now: clock.pumpNow, sleep: clock.sleep, random: seededRandom(7), pack: true };
  return {
    dir,
    firehose,
    sink: new FirehoseSink({ ...options, streamName: 'archive' }),
    deadLetter: new FirehoseSink({ ...options, streamName: 'dlq' }),
    async byUid() {
      await firehose.flush();
      return archivedByUid(dir);
    },
    async deadLetters() {
      await firehose.flush();
      return deadLettersIn(dir);
    },
    async stop() {
      client.destroy();
      await firehose.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** What an invocation runs against. */
export interface Rig {
  readonly world: ChaosWorld;
  readonly clock: FakeClock;
  readonly stand: Stand;
  readonly archive: Archive;
  readonly outputs: Outputs;
  readonly seed: number;
  /** The runner under test (a patched copy can be measured against shared/runner.ts). @default runSource */
  readonly runner?: typeof runSource;
}

export interface InvokeOptions {
  readonly owner: string;
  readonly crash?: CrashPlan;
  readonly deadlineAtRequest?: number;
  /** Time the invocation has (fake clock). @default INVOCATION_MS */
  readonly invocationMs?: number;
  /** Wraps the crash-wrapped steps once more (the race campaign tags deliveries here). */
  readonly wrap?: (steps: Steps<unknown, unknown>) => Steps<unknown, unknown>;
}

/** HTTP clients on the fake clock; the deadline passes during request `deadlineAt` when set. */
function httpFactory(rig: Rig, deadline: number, deadlineAt: number | undefined): HttpFactory {
  let requests = 0;
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const n = ++requests;
    const response = await globalThis.fetch(input, init);
    if (n === deadlineAt) rig.clock.at = Math.max(rig.clock.at, deadline - rig.clock.skew + 1);
    return response;
  }) as typeof globalThis.fetch;
  return ({ source, credentials, deadline: dl, onRetry, retryRule }) =>
    new HttpClient({
      origin: source.baseUrl,
      deadline: dl,
      secrets: Object.values(credentials),
      onRetry,
      fetch,
      now: rig.clock.pumpNow,
      sleep: rig.clock.sleep,
      random: seededRandom(rig.seed ^ requests),
      requestTimeoutMs: ATTEMPT_TIMEOUT_MS,
      maxAttempts: 4,
      ...(retryRule ? { retryRule } : {}),
    });
}

/** Runs the stand's source once; errors, logs and metrics land in `rig.outputs`. */
export async function invoke(rig: Rig, options: InvokeOptions): Promise<{ result: RunResult; died: Step | undefined }> {
  const { stand, clock } = rig;
  // The pump's clock, skewed as the schedule says: the vendor's Date headers keep the world's.
  const store = new CursorStore({ client: rig.world.client, tableName: CHAOS_TABLE, now: clock.pumpNow });
  const crashing = crashingSteps(options.crash, {
    store,
    sink: rig.archive.sink,
    deadLetter: rig.archive.deadLetter,
    connector: stand.connector,
    ...(stand.spool ? { spool: stand.spool } : {}),
  });
  const steps = options.wrap ? options.wrap(crashing) : crashing;
  const deadline = clock.pumpNow() + (options.invocationMs ?? INVOCATION_MS);
  const result = await (rig.runner ?? runSource)(steps.connector, stand.source, {
    store: steps.store,
    sink: steps.sink,
    deadLetter: steps.deadLetter,
    owner: options.owner,
    leaseMs: CHAOS_LEASE_MS,
    deadline,
    now: clock.pumpNow,
    log: capturingLogger(rig.outputs.logs),
    credentials: { get: async (s) => s.credentials ?? {} },
    http: httpFactory(rig, deadline, options.deadlineAtRequest),
    ...(steps.spool ? { spool: steps.spool } : {}),
  });
  if (result.error !== undefined) rig.outputs.errors.push(result.error);
  rig.outputs.metrics.push(...runMetrics(result));
  return { result, died: crashing.died() };
}
