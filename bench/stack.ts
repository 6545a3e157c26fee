/**
 * The pump of a benchmark, wired as shared/handler.ts wires it (cursor store, Firehose sinks,
 * the runner, one HTTP client per source), with packing on, against emulators running in two
 * child processes (bench/emulator-host.ts): the vendor's behind prepared answers, and Firehose
 * with DynamoDB.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { optionSchemas } from '../functions/registry.ts';
import { parseSources, type Source, type Vendor } from '../shared/config.ts';
import { CursorStore } from '../shared/cursor-store.ts';
import { clientPerSource } from '../shared/http.ts';
import type { RunResult, RunnerDeps } from '../shared/runner.ts';
import { FirehoseSink } from '../shared/sink.ts';
import { MemorySpool } from '../shared/spool.ts';
import { ThrottleStore } from '../shared/throttle.ts';
import { LOCAL_AWS } from '../local/aws/dynamo.ts';
import type { FirehoseStats } from '../local/aws/firehose-emulator.ts';
import type { AwsReady, HostSettings, VendorReady } from './emulator-host.ts';
import { vendorBench } from './vendors.ts';

/** A running emulator host. */
export interface Host<R> {
  readonly ready: R;
  stats(): Promise<unknown>;
  /** Sends `message` and resolves with the host's first message of type `answer`. */
  ask<T>(message: { type: string; [key: string]: unknown }, answer: string): Promise<T>;
  stop(): Promise<void>;
}

const HOST = fileURLToPath(new URL('./emulator-host.ts', import.meta.url));

/** Forks an emulator host and waits until its servers listen. */
export async function startHost<R>(settings: HostSettings): Promise<Host<R>> {
  const child = fork(HOST, [JSON.stringify(settings)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await next<R>(child, 'ready');
  const ask = <T>(message: { type: string }, answer: string): Promise<T> => {
    const answered = next<T>(child, answer);
    child.send(message);
    return answered;
  };
  return {
    ready,
    ask,
    stats: async () => (await ask<{ stats: unknown }>({ type: 'stats' }, 'stats')).stats,
    stop: async () => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'stop' });
      await exited;
    },
  };
}

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (message: { type?: string }): void => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as T);
    };
    const onExit = (code: number | null): void => {
      cleanup();
      reject(new Error(`emulator host exited (${code}) before "${type}"`));
    };
    const cleanup = (): void => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** What one drain measured. */
export interface Drain {
  readonly result: RunResult;
  readonly ms: number;
  /** Time spent in fetchPage calls (each page, prefetched or not, from its start to its end). */
  readonly fetchMs: number;
  /** CPU the pump process used during the drain (user + system, every thread: GC, sockets). */
  readonly cpuMs: number;
  /** Time the pump's event loop was busy during the drain (its one JavaScript thread). */
  readonly busyMs: number;
  readonly firehose: FirehoseStats;
  /** DynamoDB write calls (UpdateItem) of the run: acquire, commits, release. */
  readonly dynamoWrites: number;
  /** Events of the source per stream, as the host counted them. */
  readonly streams: number[];
}

/** Counts the DynamoDB write calls sent through `client`; `throttle`: those to limit scopes' throttle items. */
function countWrites(client: DynamoDBClient): { count: number; throttle: number } {
  const counter = { count: 0, throttle: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (
        /^(UpdateItem|PutItem|DeleteItem|TransactWriteItems|BatchWriteItem)Command$/.test(context.commandName ?? '')
      ) {
        counter.count++;
        const key = (args.input as { Key?: { sourceId?: string | { S?: string } } }).Key?.sourceId;
        if ((typeof key === 'string' ? key : key?.S)?.endsWith('#throttle')) counter.throttle++;
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchCountWrites' },
  );
  return counter;
}

/** What a benchmark's source sets beyond the vendor's benchmark options. */
export interface SourceOverrides {
  readonly options?: Record<string, unknown>;
  readonly rateLimit?: Source['rateLimit'];
  /** The pump's clock (runner and HTTP client); a frozen one makes every drain send the same requests. */
  readonly now?: () => number;
  /** Where the source starts (ISO); default five days ago. */
  readonly startFrom?: string;
}

/** The runner's dependencies against the hosts, as createPump builds them, with packed sinks. */
export function pumpDeps(
  vendorHost: Pick<VendorReady, 'baseUrl' | 'credentials' | 'options'>,
  aws: AwsReady,
  vendor: Vendor,
  overrides: SourceOverrides = {},
): { deps: RunnerDeps; source: Source; writes: { count: number; throttle: number }; close: () => void } {
  const dynamodb = new DynamoDBClient({ ...LOCAL_AWS, endpoint: aws.dynamo });
  const writes = countWrites(dynamodb);
  const firehose = new FirehoseClient({ ...LOCAL_AWS, endpoint: aws.firehose, maxAttempts: 1 });
  const startFrom = overrides.startFrom ?? new Date(Date.now() - 5 * 86_400_000).toISOString();
  const [source] = parseSources(
    {
      sources: [
        {
          id: `${vendor}-bench`,
          vendor,
          baseUrl: vendorHost.baseUrl,
          credentials: vendorHost.credentials,
          startFrom,
          options: { ...vendorHost.options, ...vendorBench(vendor).options, ...overrides.options },
          ...(overrides.rateLimit ? { rateLimit: overrides.rateLimit } : {}),
        },
      ],
    },
    optionSchemas(),
  ).sources as [Source];
  const deps: RunnerDeps = {
    store: new CursorStore({ client: dynamodb, tableName: aws.table }),
    sink: new FirehoseSink({ client: firehose, streamName: aws.archiveStream, pack: true }),
    deadLetter: new FirehoseSink({ client: firehose, streamName: aws.deadLetterStream, pack: true }),
    credentials: { get: async () => vendorHost.credentials },
    http: clientPerSource(overrides.now ? { now: overrides.now } : {}),
    throttle: { store: new ThrottleStore({ client: dynamodb, tableName: aws.table, vendor }), shared: new Set() },
    owner: 'bench',
    leaseMs: 120_000,
    deadline: Date.now() + 30 * 60_000,
    spool: new MemorySpool(),
    ...(overrides.now ? { now: overrides.now } : {}),
  };
  return { deps, source, writes, close: () => (dynamodb.destroy(), firehose.destroy()) };
}
