/**
 * A fault-injection harness for the Authentic8 connector, after test/helpers/harness.ts: the real
 * connector and runner against the Authentic8 emulator, the real cursor store on dynalite and the
 * real sink against the Firehose emulator. A "crash" is a process that dies at a step: the step
 * throws and the lease is never released, so the next run waits for it to expire (movable clock).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { authentic8Connector } from '../../functions/authentic8/connector.ts';
import {
  ARCHIVE_ERROR_PREFIX,
  ARCHIVE_PREFIX,
  DEAD_LETTER_ERROR_PREFIX,
  DEAD_LETTER_PREFIX,
} from '../../shared/archive-layout.ts';
import { parseSources, type Source } from '../../shared/config.ts';
import { CursorStore, type CommitInput } from '../../shared/cursor-store.ts';
import { eventUid } from '../../shared/ocsf.ts';
import { runSource, type RunResult, type RunnerDeps } from '../../shared/runner.ts';
import { FirehoseSink, type Sink } from '../../shared/sink.ts';
import { readArchive } from '../../local/query/archive-reader.ts';
import { LOCAL_AWS, ensureCursorTable, startDynamo, type LocalDynamo } from '../../local/aws/dynamo.ts';
import { startFirehoseEmulator, type FirehoseEmulator } from '../../local/aws/firehose-emulator.ts';
import {
  authentic8NativeId,
  startAuthentic8Emulator,
  type Authentic8Emulator,
  type Authentic8EmulatorOptions,
  type Authentic8Event,
} from '../../functions/authentic8/emulator/emulator.ts';
import { Crash, httpFactory } from './harness.ts';

export const A8_TOKEN = Buffer.from('harness-authentic8-token').toString('base64');
export const A8_SOURCE_ID = 'authentic8-harness';
const TABLE = 'cursors';
export const A8_LEASE_MS = 60_000;

/** Faults at the runner's step boundaries; `page` (1-based) is the delivering page on which they fire. */
export interface A8StepFaults {
  /** Every record of the page is delivered, then the process dies before the commit. */
  afterSink?: boolean;
  /** The commit is written, then the process dies before it learns so. */
  afterCommit?: boolean;
  /** @default 1 */
  page?: number;
}

export interface A8Harness {
  readonly emulator: Authentic8Emulator;
  readonly firehose: FirehoseEmulator;
  readonly store: CursorStore;
  readonly source: Source;
  /** Milliseconds added to the real clock (moves lease expiry). */
  readonly clock: { offset: number };
  /** Every commit that succeeded, in order. */
  readonly commits: Array<CommitInput & { version: number }>;
  run(faults?: A8StepFaults, overrides?: Partial<RunnerDeps>): Promise<RunResult>;
  /** Reruns, each after any crashed lease expired, until caught up (at most `max` runs). */
  drain(max?: number): Promise<RunResult[]>;
  /** Archived raw_data texts by uid (flushes the Firehose emulator first). */
  archived(): Promise<Map<string, string[]>>;
  /** The emulated logs of the source's org with their uids. */
  served(): Array<{ uid: string; event: Authentic8Event }>;
  stop(): Promise<void>;
}

/** `org` is the source's org option; `orgPath` the emulated org it names (both the main org by default). */
export async function startA8Harness(
  options: {
    org?: string;
    orgPath?: string;
    types?: string[] | 'all';
    limit?: number;
    emulator?: Partial<Authentic8EmulatorOptions>;
  } = {},
): Promise<A8Harness> {
  const archive = await mkdtemp(join(tmpdir(), 'audit-pump-a8-harness-'));
  const clock = { offset: 0 };
  const now = () => Date.now() + clock.offset;
  const emulator = await startAuthentic8Emulator({ token: A8_TOKEN, seed: 3, backlog: 200, ...options.emulator });
  const firehose = await startFirehoseEmulator({
    archiveDir: archive,
    streams: {
      archive: { prefix: ARCHIVE_PREFIX, errorOutputPrefix: ARCHIVE_ERROR_PREFIX },
      dlq: { prefix: DEAD_LETTER_PREFIX, errorOutputPrefix: DEAD_LETTER_ERROR_PREFIX },
    },
  });
  const dynamo: LocalDynamo = await startDynamo();
  await ensureCursorTable(dynamo.client, TABLE);
  const store = new CursorStore({ client: dynamo.client, tableName: TABLE, now });
  const client = new FirehoseClient({ ...LOCAL_AWS, endpoint: firehose.endpoint, maxAttempts: 1 });
  const instant = async () => undefined;
  const sink = new FirehoseSink({ client, streamName: 'archive', sleep: instant });
  const deadLetter = new FirehoseSink({ client, streamName: 'dlq', sleep: instant });
  const org = options.org ?? 'Acme Corp';
  const [source] = parseSources(
    {
      sources: [
        {
          id: A8_SOURCE_ID,
          vendor: 'authentic8',
          baseUrl: emulator.baseUrl,
          credentials: { token: A8_TOKEN },
          startFrom: new Date(Date.now() - 7 * 86_400_000).toISOString(),
          options: { org, types: options.types ?? 'all', ...(options.limit ? { limit: options.limit } : {}) },
        },
      ],
    },
    { authentic8: authentic8Connector.optionsSchema },
  ).sources as [Source];
  const commits: A8Harness['commits'] = [];
  let runs = 0;

  const run: A8Harness['run'] = async (faults = {}, overrides = {}) => {
    runs++;
    let pages = 0;
    let crashed = false;
    const crash = (): never => {
      crashed = true;
      throw new Crash('process died');
    };
    const fires = () => pages === (faults.page ?? 1);
    const faultyStore = Object.create(store) as CursorStore;
    faultyStore.commit = async (id, input) => {
      const version = await store.commit(id, input);
      commits.push({ ...input, version });
      if (faults.afterCommit && fires()) crash();
      return version;
    };
    faultyStore.releaseLease = async (id, owner) => (crashed ? undefined : store.releaseLease(id, owner));
    const faultySink: Sink = {
      name: 'archive',
      put: async (records, deadline) => {
        pages++;
        await sink.put(records, deadline);
        if (faults.afterSink && fires()) crash();
      },
    };
    return runSource(authentic8Connector, source, {
      store: faultyStore,
      sink: faultySink,
      deadLetter,
      credentials: { get: async (s) => s.credentials ?? {} },
      http: httpFactory(3000),
      owner: `run-${runs}`,
      leaseMs: A8_LEASE_MS,
      deadline: now() + 60_000,
      now,
      ...overrides,
    });
  };

  return {
    emulator,
    firehose,
    store,
    source,
    clock,
    commits,
    run,
    async drain(max = 10) {
      const results: RunResult[] = [];
      for (let i = 0; i < max; i++) {
        clock.offset += A8_LEASE_MS + 1000;
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
    served: () =>
      emulator
        .events(options.orgPath ?? org)
        .filter((e) => !Array.isArray(options.types) || options.types.includes(e.type))
        .map((event) => ({ uid: eventUid('authentic8', A8_SOURCE_ID, authentic8NativeId(event)), event })),
    async stop() {
      client.destroy();
      await emulator.stop();
      await firehose.stop();
      await dynamo.stop();
      await rm(archive, { recursive: true, force: true });
    },
  };
}

/**
 * Every served log archived, nothing foreign, every copy byte-identical to the served text; returns the duplicate
 * count.
 */
export async function assertA8Complete(h: A8Harness): Promise<{ duplicates: number }> {
  const archived = await h.archived();
  const texts = new Map(h.served().map(({ uid, event }) => [uid, event.text]));
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
