/**
 * A child process holding what the pump talks to in a benchmark: either one vendor emulator with
 * a backlog behind prepared answers (bench/prepared-answers.ts: recorded once, then replayed at a
 * per-request latency), or the Firehose emulator (streams deaggregating packed records, as
 * deployed) and DynamoDB (dynalite). Each also measures its half of the JSON floor (bench/floors.ts).
 * Out of the pump's process, and apart from each other, so that archive writes never delay a
 * vendor answer and the pump's figures are the pump's.
 * Started by bench/stack.ts with its settings as JSON in argv[2]; talks over the IPC channel.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_CURSOR_TABLE, LOCAL_STREAMS } from '../shared/archive-layout.ts';
import type { Vendor } from '../shared/config.ts';
import { ensureCursorTable, startDynamo } from '../local/aws/dynamo.ts';
import { startEmulator } from '../local/emulators/emulators.ts';
import { startFirehoseEmulator } from '../local/aws/firehose-emulator.ts';
import { LOCAL_STREAM_CONFIGS } from '../local/aws/streams.ts';
import { readArchive } from '../local/query/archive-reader.ts';
import { parseFloorMs, stringifyFloorMs } from './floors.ts';
import { startPreparedAnswers } from './prepared-answers.ts';

/** The settings a host starts with: `vendor` runs the vendor emulator, `aws` Firehose and DynamoDB. */
export interface HostSettings {
  readonly role: 'vendor' | 'aws';
  readonly vendor: Vendor;
  readonly backlog: number;
  readonly seed: number;
}

/** A host's half of the JSON floor: ms to parse what it served (vendor) or to serialize what it archived (aws). */
export interface HostFloor {
  readonly type: 'floor';
  readonly ms: number;
  /** Page bodies (vendor) or archived events (aws) the floor covers. */
  readonly items: number;
}

/** What a vendor host reports once its emulator listens. */
export interface VendorReady {
  readonly type: 'ready';
  readonly baseUrl: string;
  readonly credentials: Record<string, string>;
  readonly options: Record<string, unknown>;
  /** Events of the source per independent stream (per log type for Authentic8). */
  readonly streams: number[];
}

/** What an AWS host reports once Firehose and DynamoDB listen. */
export interface AwsReady {
  readonly type: 'ready';
  readonly firehose: string;
  readonly dynamo: string;
  readonly table: string;
  readonly archiveStream: string;
  readonly deadLetterStream: string;
}

interface Vendored {
  readonly baseUrl: string;
  readonly credentials: Record<string, string>;
  readonly options: Record<string, unknown>;
  readonly streams: number[];
  stop(): Promise<void>;
}

/** The vendor emulator, and the streams its reader drains one after another. */
async function startVendor(s: HostSettings): Promise<Vendored> {
  const e = await startEmulator(s.vendor, {
    seed: s.seed,
    backlog: s.backlog,
    latencyMs: 0,
    arrivalsPerSecond: 0,
  });
  return {
    baseUrl: e.baseUrl,
    credentials: e.credentials,
    options: e.options,
    streams: e.streams?.() ?? [e.eventIds().length],
    stop: () => e.stop(),
  };
}

/** Firehose (streams deaggregating packed records, as deployed) and dynalite. */
async function startAws(): Promise<Hosted<AwsReady>> {
  const archiveDir = await mkdtemp(join(tmpdir(), 'audit-pump-bench-'));
  const firehose = await startFirehoseEmulator({ archiveDir, streams: LOCAL_STREAM_CONFIGS });
  const dynamo = await startDynamo();
  await ensureCursorTable(dynamo.client, LOCAL_CURSOR_TABLE);
  const ready: AwsReady = {
    type: 'ready',
    firehose: firehose.endpoint,
    dynamo: dynamo.endpoint,
    table: LOCAL_CURSOR_TABLE,
    archiveStream: LOCAL_STREAMS.archive,
    deadLetterStream: LOCAL_STREAMS.deadLetter,
  };
  return {
    ready,
    stats: async () => (await firehose.flush(), { ...firehose.stats }),
    floor: async () => {
      await firehose.flush();
      const events = (await readArchive(archiveDir)).map((r) => r.record);
      return { ms: stringifyFloorMs(events), items: events.length };
    },
    stop: async () => {
      await firehose.stop();
      await dynamo.stop();
      await rm(archiveDir, { recursive: true, force: true });
    },
  };
}

/** The vendor emulator behind prepared answers: recording until told to replay. */
async function startPrepared(settings: HostSettings): Promise<Hosted<VendorReady>> {
  const v = await startVendor(settings);
  const front = await startPreparedAnswers(v.baseUrl);
  return {
    ready: { type: 'ready', baseUrl: front.url, credentials: v.credentials, options: v.options, streams: v.streams },
    stats: async () => front.stats(),
    replay: (latencyMs) => front.replay(latencyMs),
    floor: async () => ({ ms: parseFloorMs(front.bodies()), items: front.bodies().length }),
    stop: async () => {
      await front.stop();
      await v.stop();
    },
  };
}

interface Hosted<R> {
  readonly ready: R;
  stats(): Promise<unknown>;
  floor(): Promise<{ ms: number; items: number }>;
  replay?(latencyMs: number): void;
  stop(): Promise<void>;
}

async function main(): Promise<void> {
  const settings = JSON.parse(process.argv[2] ?? '{}') as HostSettings;
  const host: Hosted<unknown> = settings.role === 'aws' ? await startAws() : await startPrepared(settings);
  process.on('message', (message: { type: string; latencyMs?: number }) => {
    if (message.type === 'stats') {
      void host.stats().then((stats) => process.send?.({ type: 'stats', stats }));
    } else if (message.type === 'floor') {
      void host.floor().then((floor) => process.send?.({ type: 'floor', ...floor }));
    } else if (message.type === 'replay') {
      host.replay?.(message.latencyMs ?? 0);
      process.send?.({ type: 'replaying' });
    } else if (message.type === 'stop') {
      void host.stop().then(() => process.disconnect());
    }
  });
  process.send?.(host.ready);
}

await main();
