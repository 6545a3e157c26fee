/**
 * In-process throughput: validate + normalize + serialize + sink, with a zero-latency source.
 * Each vendor's real records are read once from its emulator, then replayed from memory in pages
 * through the runner (connector schema, nativeId and normalize unchanged) into a packing
 * FirehoseSink whose client never leaves the process. Cursor commits go to memory.
 */
import * as z from 'zod';
import { connectorOf, optionSchemas } from '../functions/registry.ts';
import type { Connector, RawRecord } from '../shared/connector.ts';
import { parseSources, type Source, type Vendor } from '../shared/config.ts';
import type { CursorStore } from '../shared/cursor-store.ts';
import { HttpClient } from '../shared/http.ts';
import { runSource, type RunnerDeps } from '../shared/runner.ts';
import { FirehoseSink } from '../shared/sink.ts';
import { MemorySpool } from '../shared/spool.ts';
import { startEmulator } from '../local/emulators/emulators.ts';
import { nullFirehose } from './null-firehose.ts';
import { vendorBench } from './vendors.ts';

/** A cursor store in memory: the runner's calls, no I/O. */
export function memoryStore(): CursorStore & { writes: number } {
  let version = 0;
  let cursor: unknown;
  const store = {
    writes: 0,
    acquireLease: async (sourceId: string) => (
      store.writes++,
      { sourceId, version, ...(cursor === undefined ? {} : { cursor }) }
    ),
    commit: async (_id: string, input: { expectedVersion: number; cursor: unknown }) => {
      store.writes++;
      cursor = input.cursor;
      version = input.expectedVersion + 1;
      return version;
    },
    renewLease: async () => void store.writes++,
    releaseLease: async () => void store.writes++,
  };
  return store as unknown as CursorStore & { writes: number };
}

function source(
  vendor: Vendor,
  baseUrl: string,
  credentials: Record<string, string>,
  options: Record<string, unknown>,
): Source {
  const startFrom = new Date(Date.now() - 5 * 86_400_000).toISOString();
  return parseSources(
    { sources: [{ id: `${vendor}-bench`, vendor, baseUrl, credentials, startFrom, options }] },
    optionSchemas(),
  ).sources[0] as Source;
}

function deps(store: CursorStore, overrides: Partial<RunnerDeps> = {}): RunnerDeps {
  const { client } = nullFirehose();
  return {
    store,
    sink: new FirehoseSink({ client, streamName: 'archive', pack: true }),
    deadLetter: new FirehoseSink({ client, streamName: 'dead-letter', pack: true }),
    credentials: { get: async (s) => s.credentials ?? {} },
    http: ({ source: s, credentials, deadline }) =>
      new HttpClient({ origin: s.baseUrl, deadline, secrets: Object.values(credentials) }),
    owner: 'bench',
    leaseMs: 120_000,
    deadline: Date.now() + 30 * 60_000,
    spool: new MemorySpool(),
    ...overrides,
  };
}

/** Reads `count` records of `vendor` from its emulator, exactly as the connector returns them. */
export async function captureRecords(vendor: Vendor, count: number): Promise<{ records: RawRecord[]; source: Source }> {
  const emulator = await startEmulator(vendor, { backlog: count, arrivalsPerSecond: 0, seed: 3 });
  try {
    const connector = connectorOf(vendor) as Connector<unknown, unknown>;
    const src = source(vendor, emulator.baseUrl, emulator.credentials, {
      ...emulator.options,
      ...vendorBench(vendor).options,
    });
    const records: RawRecord[] = [];
    const capturing: Connector<unknown, unknown> = {
      ...connector,
      fetchPage: async (ctx, cursor) => {
        const page = await connector.fetchPage(ctx, cursor);
        records.push(...page.records);
        return page;
      },
    };
    const result = await runSource(capturing, src, deps(memoryStore()));
    if (result.status !== 'caught-up' || records.length === 0)
      throw new Error(
        `${vendor}: capturing records ended ${result.status} with ${records.length} records ${result.error ?? ''}`,
      );
    return { records, source: src };
  } finally {
    await emulator.stop();
  }
}

/** The vendor's connector, but its pages come from `records` in memory: `total` events, `pageSize` a page. */
export function replayConnector(
  vendor: Vendor,
  records: readonly RawRecord[],
  total: number,
  pageSize: number,
): Connector<number, unknown> {
  const { range: _range, ...connector } = connectorOf(vendor) as Connector<unknown, unknown>;
  return {
    ...connector,
    cursorSchema: z.number(),
    position: (n) => n,
    initialCursor: () => 0,
    prefetch: () => true,
    fetchPage: async (_ctx, at) => {
      const page: RawRecord[] = [];
      for (let i = at; i < Math.min(total, at + pageSize); i++) page.push(records[i % records.length] as RawRecord);
      return { records: page, next: at + page.length, caughtUp: at + page.length >= total };
    },
  };
}

/** Events a second through the runner with a zero-latency source; the median of `runs`. */
export async function inProcessThroughput(
  vendor: Vendor,
  captured: { records: RawRecord[]; source: Source },
  total: number,
  runs = 3,
): Promise<{ eventsPerSecond: number; rejected: number }> {
  const rates: number[] = [];
  let rejected = 0;
  for (let run = 0; run < runs; run++) {
    const connector = replayConnector(vendor, captured.records, total, 1000);
    const started = performance.now();
    const result = await runSource(connector, captured.source, deps(memoryStore()));
    const ms = performance.now() - started;
    if (result.status !== 'caught-up')
      throw new Error(`${vendor}: replay ended ${result.status}: ${result.error ?? ''}`);
    rates.push(((result.events + result.rejected) / ms) * 1000);
    rejected = result.rejected;
  }
  rates.sort((a, b) => a - b);
  return { eventsPerSecond: rates[Math.floor(rates.length / 2)] as number, rejected };
}
