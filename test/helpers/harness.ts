/**
 * A fault-injection harness for the runner: the real Veza connector against the Veza emulator,
 * the real cursor store on dynalite and the real sink against the Firehose emulator, with wrappers
 * that crash or fail each step. A "crash" is a process that dies: the step throws, and the lease is
 * never released, so the next run has to wait for the lease to expire (the clock is movable).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { vezaConnector } from '../../functions/veza/connector.ts';
import {
  ARCHIVE_ERROR_PREFIX,
  ARCHIVE_PREFIX,
  DEAD_LETTER_ERROR_PREFIX,
  DEAD_LETTER_PREFIX,
} from '../../shared/archive-layout.ts';
import { parseSources, type Source } from '../../shared/config.ts';
import { CursorStore, type CommitInput } from '../../shared/cursor-store.ts';
import { HttpClient } from '../../shared/http.ts';
import { eventUid } from '../../shared/ocsf.ts';
import { runSource, type RunResult, type RunnerDeps } from '../../shared/runner.ts';
import { FirehoseSink, type Sink } from '../../shared/sink.ts';
import { readArchive } from '../../local/query/archive-reader.ts';
import { LOCAL_AWS, ensureCursorTable, startDynamo, type LocalDynamo } from '../../local/aws/dynamo.ts';
import { startFirehoseEmulator, type FirehoseEmulator } from '../../local/aws/firehose-emulator.ts';
import { startVezaEmulator, type VezaEmulator } from '../../functions/veza/emulator/emulator.ts';
import { Crash } from '../../local/chaos/steps.ts';

export const TOKEN = 'harness-token-5d1e0c';
export const TABLE = 'cursors';
export const LEASE_MS = 60_000;

/** Thrown by a fault to stand for the process dying at that step (the campaign's own). */
export { Crash };

export interface Harness {
  readonly veza: VezaEmulator;
  readonly firehose: FirehoseEmulator;
  readonly dynamo: LocalDynamo;
  readonly store: CursorStore;
  readonly source: Source;
  readonly archive: string;
  /** Milliseconds added to the real clock (moves lease expiry). */
  clock: { offset: number };
  /** Every commit that succeeded, in order. */
  readonly commits: Array<CommitInput & { version: number }>;
  /** Runs the source once; `faults` wrap the steps. */
  run(faults?: StepFaults, overrides?: Partial<RunnerDeps>): Promise<RunResult>;
  /** Reruns (after letting any crashed lease expire) until caught up, at most `max` runs. */
  drain(max?: number): Promise<RunResult[]>;
  /** Archive records by uid (flushes the Firehose emulator first). */
  archived(): Promise<Map<string, string[]>>;
  /** The uids of every event the emulator holds. */
  expectedUids(): Set<string>;
  stop(): Promise<void>;
}

/**
 * HTTP clients that never really sleep between retries, with the given per-attempt timeout (and `fetch`, when given).
 */
export function httpFactory(requestTimeoutMs: number, fetch?: typeof globalThis.fetch): RunnerDeps['http'] {
  return ({ source, credentials, deadline, onRetry, retryRule }) =>
    new HttpClient({
      origin: source.baseUrl,
      deadline,
      secrets: Object.values(credentials),
      onRetry,
      sleep: async () => undefined,
      requestTimeoutMs,
      ...(retryRule ? { retryRule } : {}),
      ...(fetch ? { fetch } : {}),
    });
}

/** Faults at the runner's step boundaries. Each returns true when it fired. */
export interface StepFaults {
  /** After the page is fetched, before anything is delivered. */
  afterFetch?: boolean;
  /** Half of the page's records reach the archive, then the process dies. */
  midSink?: boolean;
  /** Every record is delivered, then the process dies before the commit. */
  afterSink?: boolean;
  /** The commit is written, then the process dies before it learns so. */
  afterCommit?: boolean;
  /** On which page (1-based) the fault fires. @default 1 */
  page?: number;
}

export async function startHarness(
  options: { backlog?: number; pageSize?: number; seed?: number } = {},
): Promise<Harness> {
  const archive = await mkdtemp(join(tmpdir(), 'audit-pump-harness-'));
  const clock = { offset: 0 };
  const now = () => Date.now() + clock.offset;
  const veza = await startVezaEmulator({ token: TOKEN, backlog: options.backlog ?? 230, seed: options.seed ?? 7 });
  const firehose = await startFirehoseEmulator({
    archiveDir: archive,
    streams: {
      archive: { prefix: ARCHIVE_PREFIX, errorOutputPrefix: ARCHIVE_ERROR_PREFIX },
      dlq: { prefix: DEAD_LETTER_PREFIX, errorOutputPrefix: DEAD_LETTER_ERROR_PREFIX },
    },
  });
  const dynamo = await startDynamo();
  await ensureCursorTable(dynamo.client, TABLE);
  const store = new CursorStore({ client: dynamo.client, tableName: TABLE, now });
  const client = new FirehoseClient({ ...LOCAL_AWS, endpoint: firehose.endpoint, maxAttempts: 1 });
  const instant = async () => undefined;
  const sink = new FirehoseSink({ client, streamName: 'archive', sleep: instant });
  const deadLetter = new FirehoseSink({ client, streamName: 'dlq', sleep: instant });
  const { sources } = parseSources({
    sources: [
      {
        id: 'veza-harness',
        vendor: 'veza',
        baseUrl: veza.baseUrl,
        credentials: { token: TOKEN },
        startFrom: new Date(Date.now() - 7 * 86_400_000).toISOString(),
        options: { pageSize: options.pageSize ?? 50 },
      },
    ],
  });
  const source = sources[0] as Source;
  const commits: Harness['commits'] = [];
  let runs = 0;

  const run: Harness['run'] = async (faults = {}, overrides = {}) => {
    runs++;
    let pages = 0;
    let crashed = false;
    // The runner reports any error as a failed run; `crashed` makes it also skip the lease
    // release, as a process that died would.
    const crash = (): never => {
      crashed = true;
      throw new Crash('process died');
    };
    const faultyStore = Object.create(store) as CursorStore;
    faultyStore.commit = async (id, input) => {
      const version = await store.commit(id, input);
      commits.push({ ...input, version });
      if (faults.afterCommit && pages === (faults.page ?? 1)) crash();
      return version;
    };
    faultyStore.releaseLease = async (id, owner) => (crashed ? undefined : store.releaseLease(id, owner));
    const faultySink: Sink = {
      name: 'archive',
      put: async (records, deadline) => {
        pages++;
        const fire = pages === (faults.page ?? 1);
        if (fire && faults.afterFetch) crash();
        if (fire && faults.midSink) {
          await sink.put(records.slice(0, Math.ceil(records.length / 2)), deadline);
          crash();
        }
        await sink.put(records, deadline);
        if (fire && faults.afterSink) crash();
      },
    };
    return runSource(vezaConnector, source, {
      store: faultyStore,
      sink: faultySink,
      deadLetter,
      credentials: { get: async (s) => s.credentials ?? {} },
      http: httpFactory(3000),
      owner: `run-${runs}`,
      leaseMs: LEASE_MS,
      deadline: now() + 60_000,
      now,
      ...overrides,
    });
  };

  return {
    veza,
    firehose,
    dynamo,
    store,
    source,
    archive,
    clock,
    commits,
    run,
    async drain(max = 10) {
      const results: RunResult[] = [];
      for (let i = 0; i < max; i++) {
        clock.offset += LEASE_MS + 1000; // any crashed run's lease has expired by now
        const r = await run();
        results.push(r);
        if (r.status === 'caught-up') return results;
      }
      throw new Error(`not caught up after ${max} runs: ${JSON.stringify(results.at(-1))}`);
    },
    async archived() {
      await firehose.flush();
      const byUid = new Map<string, string[]>();
      for (const { record } of await readArchive(archive)) {
        const uid = (record.metadata as { uid: string }).uid;
        byUid.set(uid, [...(byUid.get(uid) ?? []), record.raw_data as string]);
      }
      return byUid;
    },
    expectedUids() {
      return new Set(veza.events().map((e) => eventUid('veza', source.id, e.id)));
    },
    async stop() {
      client.destroy();
      await veza.stop();
      await firehose.stop();
      await dynamo.stop();
      await rm(archive, { recursive: true, force: true });
    },
  };
}

/** Nothing lost, nothing foreign, every duplicate identical; returns the number of duplicate records. */
export async function assertComplete(h: Harness): Promise<{ duplicates: number }> {
  const archived = await h.archived();
  const expected = h.expectedUids();
  const missing = [...expected].filter((u) => !archived.has(u));
  const strangers = [...archived.keys()].filter((u) => !expected.has(u));
  if (missing.length || strangers.length) throw new Error(`lost ${missing.length}, strangers ${strangers.length}`);
  const texts = new Map(h.veza.events().map((e) => [eventUid('veza', h.source.id, e.id), e.text]));
  let duplicates = 0;
  for (const [uid, raws] of archived) {
    if (raws.some((r) => r !== texts.get(uid))) throw new Error(`raw_data of ${uid} differs from the vendor's bytes`);
    duplicates += raws.length - 1;
  }
  return { duplicates };
}

/** Versions strictly increase and the watermark never goes back. */
export function assertNoRegression(h: Harness): void {
  let lastVersion = -1;
  let lastMark = '';
  for (const c of h.commits) {
    if (c.version <= lastVersion) throw new Error(`version went from ${lastVersion} to ${c.version}`);
    lastVersion = c.version;
    const mark = (c.cursor as { watermark?: string }).watermark ?? '';
    if (mark < lastMark) throw new Error(`watermark went back from ${lastMark} to ${mark}`);
    lastMark = mark;
  }
}
