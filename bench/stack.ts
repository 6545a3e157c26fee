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
import { CONNECTORS, optionSchemas } from '../functions/registry.ts';
import { parseSources, type Source, type Vendor } from '../shared/config.ts';
import { CursorStore } from '../shared/cursor-store.ts';
import { HttpClient } from '../shared/http.ts';
import { runSource, type RunResult, type RunnerDeps } from '../shared/runner.ts';
import { FirehoseSink } from '../shared/sink.ts';
import { MemorySpool } from '../shared/spool.ts';
import { ThrottleStore } from '../shared/throttle.ts';
import { LOCAL_AWS } from '../local/dynamo.ts';
import type { FirehoseStats } from '../local/firehose-emulator.ts';
import type { AwsReady, HostFloor, HostSettings, VendorReady } from './emulator-host.ts';
import type { ServiceStats } from './prepared-answers.ts';
import { VENDOR_BENCH } from './vendors.ts';

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
          options: { ...vendorHost.options, ...VENDOR_BENCH[vendor].options, ...overrides.options },
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
    http: ({ source: s, credentials, deadline, onRetry, retryRule, gate }) =>
      new HttpClient({
        origin: s.baseUrl,
        deadline,
        secrets: Object.values(credentials),
        onRetry,
        ...(retryRule ? { retryRule } : {}),
        ...(gate ? { gate } : {}),
        ...(overrides.now ? { now: overrides.now } : {}),
      }),
    throttle: { store: new ThrottleStore({ client: dynamodb, tableName: aws.table, vendor }), shared: new Set() },
    owner: 'bench',
    leaseMs: 120_000,
    deadline: Date.now() + 30 * 60_000,
    spool: new MemorySpool(),
    ...(overrides.now ? { now: overrides.now } : {}),
  };
  return { deps, source, writes, close: () => (dynamodb.destroy(), firehose.destroy()) };
}

/** One drain against prepared answers, with what the vendor's server spent serving it. */
export interface ReplayedDrain extends Drain {
  readonly latencyMs: number;
  readonly service: ServiceStats;
}

/** The drains of one vendor, and the JSON floor of its pages and events (ms for all of them, once). */
export interface VendorDrains {
  readonly drains: ReplayedDrain[];
  readonly floor: { parseMs: number; pages: number; stringifyMs: number; events: number };
}

/**
 * Drains a backlog of `vendor` once to record the emulator's answers, then once per latency from
 * those answers, each drain from an empty cursor table; the vendor in one child process for all of
 * them, Firehose and DynamoDB in a fresh one per drain.
 */
export async function drains(
  vendor: Vendor,
  settings: { backlog: number; latenciesMs: readonly number[]; seed?: number },
): Promise<VendorDrains> {
  const base = { vendor, backlog: settings.backlog, seed: settings.seed ?? 1 };
  const vendorHost = await startHost<VendorReady>({ ...base, role: 'vendor' });
  // Frozen, so each drain's windows (and so its requests) are the recording's.
  const frozen = Date.now();
  const clock = { now: () => frozen, startFrom: new Date(frozen - 5 * 86_400_000).toISOString() };
  try {
    await drainOnce(vendor, vendorHost.ready, clock);
    const out: ReplayedDrain[] = [];
    let stringify = { ms: 0, items: 0 };
    for (const latencyMs of settings.latenciesMs) {
      await vendorHost.ask({ type: 'replay', latencyMs }, 'replaying');
      const drained = await drainOnce(vendor, vendorHost.ready, clock, async (aws) => {
        stringify = await aws.ask<HostFloor>({ type: 'floor' }, 'floor');
      });
      out.push({ ...drained, latencyMs, service: (await vendorHost.stats()) as ServiceStats });
    }
    const parse = await vendorHost.ask<HostFloor>({ type: 'floor' }, 'floor');
    return {
      drains: out,
      floor: { parseMs: parse.ms, pages: parse.items, stringifyMs: stringify.ms, events: stringify.items },
    };
  } finally {
    await vendorHost.stop();
  }
}

/** One drain from `vendorHost` into a fresh Firehose and DynamoDB; `after` sees them before they stop. */
async function drainOnce(
  vendor: Vendor,
  vendorHost: VendorReady,
  clock: SourceOverrides,
  after?: (aws: Host<AwsReady>) => Promise<void>,
): Promise<Drain> {
  const aws = await startHost<AwsReady>({ vendor, backlog: 0, seed: 1, role: 'aws' });
  try {
    const { deps, source, writes, close } = pumpDeps(vendorHost, aws.ready, vendor, clock);
    const inner = CONNECTORS[vendor];
    if (!inner) throw new Error(`no connector for ${vendor}`);
    // Each fetchPage timed: when fetches take as long as the whole drain, delivery is fully overlapped.
    let fetchMs = 0;
    const connector: typeof inner = {
      ...inner,
      fetchPage: async (ctx, cursor) => {
        const t = performance.now();
        try {
          return await inner.fetchPage(ctx, cursor);
        } finally {
          fetchMs += performance.now() - t;
        }
      },
    };
    const cpu = process.cpuUsage();
    const loop = performance.eventLoopUtilization();
    const started = performance.now();
    const result = await runSource(connector, source, deps);
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const busy = performance.eventLoopUtilization(loop);
    close();
    if (result.status !== 'caught-up') throw new Error(`${vendor} drain ended ${result.status}: ${result.error ?? ''}`);
    const firehose = (await aws.stats()) as FirehoseStats;
    await after?.(aws);
    return {
      result,
      ms,
      fetchMs,
      cpuMs: (used.user + used.system) / 1000,
      busyMs: busy.active,
      firehose,
      dynamoWrites: writes.count,
      streams: vendorHost.streams,
    };
  } finally {
    await aws.stop();
  }
}
