/**
 * The benchmark's sections, each returning its figures (with goals) and the details behind them.
 * Sizes come from `Sizes`: full for `npm run bench`, tiny for the smoke run in `npm test`.
 */
import { VENDORS, type Vendor } from '../shared/config.ts';
import { measureFunction } from './bundle.ts';
import { HEAP_GUARD_MB, measureMemory } from './memory.ts';
import { atLeast, atMost, type Figure } from './report.ts';
import { drain, type Drain } from './stack.ts';
import { measureStartup } from './startup.ts';
import { captureRecords, inProcessThroughput } from './throughput.ts';
import { throttling, type ThrottlingSizes } from './throttling.ts';
import { VENDOR_BENCH, lowerBoundMs, requestsNeeded } from './vendors.ts';

export interface Sizes {
  /** Backlog drained per vendor, at the vendor latency and at zero latency. */
  readonly backlog: Record<Vendor, number>;
  readonly latencyMs: number;
  /** Events replayed per in-process run, and runs (the median counts). */
  readonly replayEvents: number;
  readonly replayRuns: number;
  readonly initRuns: number;
  readonly memoryEvents: number;
  /** Veza page size of the memory run: the connector's default. */
  readonly memoryPageSize: number;
  /**
   * Events written to Security Lake per writer run, writer runs (the median counts), events a second of the hour
   * simulated.
   */
  readonly lakeEvents: number;
  readonly lakeRuns: number;
  readonly lakeRate: number;
  readonly throttling: ThrottlingSizes;
}

export const FULL: Sizes = {
  backlog: { veza: 100_000, retraced: 50_000, authentic8: 30_000, nected: 20_000, carbonblack: 100_000 },
  latencyMs: 50,
  replayEvents: 100_000,
  replayRuns: 3,
  initRuns: 7,
  memoryEvents: 1_000_000,
  memoryPageSize: 1000,
  lakeEvents: 30_000,
  lakeRuns: 3,
  lakeRate: 20,
  // A budget below the pump's own pace (so the budget is what bounds the drain), one search window's worth of events.
  throttling: {
    vezaEvents: 3300,
    vezaPageSize: 300,
    budgetEvents: 9000,
    budget: { requests: 40, perSeconds: 5 },
    latencyMs: 50,
  },
};

export const SMOKE: Sizes = {
  backlog: { veza: 300, retraced: 300, authentic8: 100, nected: 200, carbonblack: 300 },
  latencyMs: 5,
  replayEvents: 2000,
  replayRuns: 1,
  initRuns: 1,
  memoryEvents: 3000,
  memoryPageSize: 1000,
  lakeEvents: 1000,
  lakeRuns: 1,
  lakeRate: 1,
  // The same calls as the full run (two throttled), on a tenth of the events.
  throttling: {
    vezaEvents: 330,
    vezaPageSize: 30,
    budgetEvents: 900,
    budget: { requests: 40, perSeconds: 1 },
    latencyMs: 5,
  },
};

export interface Section {
  readonly figures: Figure[];
  readonly details: Record<string, unknown>;
}

/** 1. Drain time ÷ lower bound per vendor; 2b. end-to-end throughput; 5. Firehose bytes and DynamoDB writes. */
export async function drains(sizes: Sizes, log: (line: string) => void): Promise<Section> {
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const runs: Array<[Vendor, Drain, Drain]> = [];
  for (const vendor of VENDORS) {
    log(`drain ${vendor}: ${sizes.backlog[vendor]} events at ${sizes.latencyMs} ms a request, then at 0 ms`);
    const slow = await drain(vendor, { backlog: sizes.backlog[vendor], latencyMs: sizes.latencyMs });
    const fast = await drain(vendor, { backlog: sizes.backlog[vendor], latencyMs: 0 });
    runs.push([vendor, slow, fast]);
    const bound = lowerBoundMs(vendor, slow.streams, sizes.latencyMs);
    figures.push(atMost(`drain ÷ lower bound (${vendor})`, slow.ms / bound, '×', 1.1, 2));
    details[`drain.${vendor}`] = {
      events: slow.result.events,
      pages: slow.result.pages,
      drainMs: Math.round(slow.ms),
      lowerBoundMs: Math.round(bound),
      // The pump's JavaScript thread busy (event-loop utilization) vs the lower bound: above 1, the pump's own work
      // outlasts the vendor's latency.
      pumpBusyMs: Math.round(slow.busyMs),
      pumpBusyOverBound: round2(slow.busyMs / bound),
      pumpCpuMs: Math.round(slow.cpuMs),
      // Fetching (latency, the vendor's own work, reading the answer) vs the drain: near 1, delivery hides behind the
      // fetches.
      fetchMs: Math.round(slow.fetchMs),
      fetchOverDrain: round2(slow.fetchMs / slow.ms),
      requestsNeeded: requestsNeeded(vendor, slow.streams),
      maxPage: VENDOR_BENCH[vendor].maxPage,
      concurrency: VENDOR_BENCH[vendor].concurrency,
      why: VENDOR_BENCH[vendor].note,
    };
    details[`e2e.${vendor}`] = {
      events: fast.result.events,
      ms: Math.round(fast.ms),
      pumpBusyUsPerEvent: round2((fast.busyMs * 1000) / fast.result.events),
      pumpCpuUsPerEvent: round2((fast.cpuMs * 1000) / fast.result.events),
    };
  }
  for (const [vendor, , fast] of runs)
    figures.push(
      atLeast(`end-to-end throughput (${vendor})`, (fast.result.events / fast.ms) * 1000, 'events/s', 20_000),
    );
  const billed = runs.map(
    ([vendor, slow, fast]) =>
      [
        vendor,
        (slow.firehose.bytesBilled + fast.firehose.bytesBilled) /
          (slow.firehose.bytesAccepted + fast.firehose.bytesAccepted),
      ] as const,
  );
  const worstBilled = billed.reduce((a, b) => (b[1] > a[1] ? b : a));
  figures.push(atMost(`Firehose billed ÷ payload bytes (worst: ${worstBilled[0]})`, worstBilled[1], '×', 1.25, 3));
  details.firehoseBilledRatio = Object.fromEntries(billed.map(([v, r]) => [v, round2(r, 3)]));
  details.firehoseRecords = Object.fromEntries(
    runs.map(([v, slow]) => [v, { records: slow.firehose.recordsAccepted, events: slow.firehose.recordsDelivered }]),
  );
  // Per page: everything but the run's own lease acquire and release (commits, and renewals if any).
  const writes = runs.map(
    ([vendor, slow]) =>
      [vendor, (slow.dynamoWrites - 2) / slow.result.pages, slow.dynamoWrites, slow.result.pages] as const,
  );
  const worstWrites = writes.reduce((a, b) => (b[1] > a[1] ? b : a));
  figures.push(atMost(`DynamoDB writes per page (worst: ${worstWrites[0]})`, worstWrites[1], 'writes', 1, 2));
  details.dynamoWrites = Object.fromEntries(
    writes.map(([v, perPage, total, pages]) => [
      v,
      { perPage: round2(perPage), total, pages, perRun: 'acquire + release' },
    ]),
  );
  return { figures, details };
}

/** 2a. In-process throughput per vendor: validate + normalize + serialize + sink, zero-latency source. */
export async function throughput(sizes: Sizes, log: (line: string) => void): Promise<Section> {
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  for (const vendor of VENDORS) {
    log(`in-process ${vendor}: ${sizes.replayEvents} events × ${sizes.replayRuns}`);
    const captured = await captureRecords(vendor, 3000);
    const { eventsPerSecond, rejected } = await inProcessThroughput(
      vendor,
      captured,
      sizes.replayEvents,
      sizes.replayRuns,
    );
    figures.push(atLeast(`in-process throughput (${vendor})`, eventsPerSecond, 'events/s', 100_000));
    const rawBytes = captured.records.reduce((n, r) => n + r.raw.length, 0) / captured.records.length;
    details[`inProcess.${vendor}`] = {
      distinctRecords: captured.records.length,
      meanRawBytes: Math.round(rawBytes),
      rejectedPerRun: rejected,
    };
  }
  return { figures, details };
}

/** 3. Bundle size and module init time per function. */
export async function bundles(sizes: Sizes, log: (line: string) => void): Promise<Section> {
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  for (const vendor of VENDORS) {
    log(`bundle ${vendor}`);
    const f = measureFunction(vendor, sizes.initRuns);
    figures.push(
      atMost(`bundle size (${vendor})`, f.bytes / 1000, 'kB', 250),
      atMost(`module init (${vendor})`, f.initMs, 'ms', 80, 1),
    );
    details[`bundle.${vendor}`] = {
      bytes: f.bytes,
      loadedAtInitBytes: f.initBytes,
      heaviestAtInitKb: Object.fromEntries(f.heaviest.map(([p, n]) => [p, Math.round(n / 1000)])),
    };
  }
  // The other choice for the AWS SDK, measured the same way, for the decision in infra/bundling.ts.
  const other = measureFunction('veza', sizes.initRuns, ['@aws-sdk/*']);
  details['bundle.veza.sdkExternal'] = {
    bytes: other.bytes,
    loadedAtInitBytes: other.initBytes,
    initMs: Math.round(other.initMs),
  };
  return { figures, details };
}

/** 4. Peak memory draining a large backlog in a child process. */
export async function memory(sizes: Sizes, log: (line: string) => void): Promise<Section> {
  log(`memory: ${sizes.memoryEvents} events in a child process (heap limit ${HEAP_GUARD_MB} MB)`);
  const out = await measureMemory(sizes.memoryEvents, sizes.memoryPageSize, ['--enable-source-maps']);
  const figure = atMost(
    `peak RSS draining ${sizes.memoryEvents.toLocaleString('en-US')} events`,
    out.maxRssBytes / 1e6,
    'MB',
    160,
    1,
  );
  return {
    figures: [figure],
    details: {
      memory: {
        pageSize: sizes.memoryPageSize,
        events: out.events,
        ms: Math.round(out.ms),
        peakHeapMb: Math.round(out.peakHeapBytes / 1e6),
        peakExternalMb: Math.round(out.peakExternalBytes / 1e6),
        heapLimitMb: HEAP_GUARD_MB,
      },
    },
  };
}

/** 6. Throttling: the throttled Veza drain against a simple pump; a drain under a budget against its bound. */
export async function throttled(sizes: Sizes, log: (line: string) => void): Promise<Section> {
  return throttling(sizes.throttling, log);
}

function round2(value: number, digits = 2): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}

/** 6. Start-up of the command line: `audit-pump --help` ÷ a bare `node -e 0` (issue 17: ≤ 3×). */
export async function startup(sizes: Sizes, log: (line: string) => void): Promise<Section> {
  const runs = Math.max(3, sizes.initRuns * 3);
  log(`startup: node -e 0 and audit-pump --help, ${runs} runs each`);
  const { bare, help, ratio } = measureStartup(runs);
  return {
    figures: [atMost('start-up: audit-pump --help ÷ node -e 0', ratio, '×', 3, 2)],
    details: {
      startup: {
        runs,
        nodeMedianMs: Math.round(bare.medianMs),
        helpMedianMs: Math.round(help.medianMs),
        nodeSamplesMs: bare.samplesMs,
        helpSamplesMs: help.samplesMs,
      },
    },
  };
}
