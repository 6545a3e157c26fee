/**
 * The benchmark's sections, each returning its figures (with goals) and the details behind them.
 * Sizes come from `Sizes`: full for `npm run bench`, tiny for the smoke run in `npm test`.
 */
import { VENDORS, type Vendor } from '../shared/config.ts';
import { bundleSdkFloor, measureFunction } from './bundle.ts';
import { HEAP_GUARD_MB, measureMemory } from './memory.ts';
import { atMost, reported, type Figure } from './report.ts';
import { drains as vendorDrains, type ReplayedDrain } from './stack.ts';
import { measureStartup } from './startup.ts';
import { captureRecords, inProcessThroughput } from './throughput.ts';
import { throttling, type ThrottlingSizes } from './throttling.ts';
import { VENDOR_BENCH, lowerBoundMs, requestsNeeded } from './vendors.ts';
import { FIREHOSE_BUFFER_BYTES, costPerMillion } from './cost.ts';
import { PRICES } from './prices.ts';
import { VENDOR_FUNCTIONS } from '../infra/vendors.ts';

export interface Sizes {
  /** Backlog drained per vendor: recorded once, then replayed at each latency. */
  readonly backlog: Record<Vendor, number>;
  readonly latenciesMs: readonly number[];
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
  latenciesMs: [200, 50],
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
  latenciesMs: [200, 50],
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

/** The latency a request whose drain has a goal (≤ 1.10 × the bound); at the others it is reported. */
export const GOAL_LATENCY_MS = 200;

export interface Section {
  readonly figures: Figure[];
  readonly details: Record<string, unknown>;
  /** Lines for the printed report. */
  readonly notes?: string[];
}

/** What one vendor's replayed drains add up to: CPU, events, pages, Firehose bytes, DynamoDB writes. */
function totals(runs: readonly ReplayedDrain[]): {
  cpuMs: number;
  events: number;
  pages: number;
  bytesAccepted: number;
  bytesBilled: number;
  writes: number;
} {
  const sum = (f: (d: ReplayedDrain) => number): number => runs.reduce((n, d) => n + f(d), 0);
  return {
    cpuMs: sum((d) => d.cpuMs),
    events: sum((d) => d.result.events),
    pages: sum((d) => d.result.pages),
    bytesAccepted: sum((d) => d.firehose.bytesAccepted),
    bytesBilled: sum((d) => d.firehose.bytesBilled),
    // Per page: everything but each run's own lease acquire and release (commits, and renewals if any).
    writes: sum((d) => d.dynamoWrites - 2),
  };
}

/** Each replayed drain against the vendor's bound at its latency, with the server's own service time. */
function drainFigures(vendor: Vendor, runs: readonly ReplayedDrain[], goalLatencyMs: number): Section {
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  for (const d of runs) {
    const bound = lowerBoundMs(vendor, d.streams, d.latencyMs);
    const name = `drain ÷ vendor bound at ${d.latencyMs} ms (${vendor})`;
    figures.push(
      d.latencyMs === goalLatencyMs ? atMost(name, d.ms / bound, '×', 1.1, 2) : reported(name, d.ms / bound, '×', 2),
    );
    details[`drain.${vendor}.${d.latencyMs}ms`] = {
      events: d.result.events,
      pages: d.result.pages,
      drainMs: Math.round(d.ms),
      boundMs: Math.round(bound),
      // The pump's JavaScript thread busy (event-loop utilization) vs the bound: above 1, the pump's own work
      // outlasts the vendor's latency.
      pumpBusyMs: Math.round(d.busyMs),
      pumpBusyOverBound: round2(d.busyMs / bound),
      pumpCpuMs: Math.round(d.cpuMs),
      // Fetching (latency, the server's work, reading the answer) vs the drain: near 1, delivery hides behind fetches.
      fetchMs: Math.round(d.fetchMs),
      fetchOverDrain: round2(d.fetchMs / d.ms),
      // The prepared answers' own time (request read to answer written, latency excluded): what the server adds.
      serverRequests: d.service.requests,
      serverServiceMs: round2(d.service.serviceMs),
      serverMaxServiceMs: round2(d.service.maxServiceMs),
      requestsNeeded: requestsNeeded(vendor, d.streams),
      maxPage: VENDOR_BENCH[vendor].maxPage,
      concurrency: VENDOR_BENCH[vendor].concurrency,
      why: VENDOR_BENCH[vendor].note,
    };
  }
  return { figures, details };
}

/**
 * 1. Drain ÷ the vendor's bound at each latency (prepared answers); CPU per event ÷ the JSON floor; Firehose billed
 * bytes and DynamoDB writes per page.
 */
export async function drains(sizes: Sizes, log: (line: string) => void): Promise<Section> {
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const all: Array<[Vendor, ReturnType<typeof totals>]> = [];
  const notes: string[] = [];
  for (const vendor of VENDORS) {
    log(`drain ${vendor}: ${sizes.backlog[vendor]} events recorded, then at ${sizes.latenciesMs.join(', ')} ms`);
    const { drains: runs, floor } = await vendorDrains(vendor, {
      backlog: sizes.backlog[vendor],
      latenciesMs: sizes.latenciesMs,
    });
    const drained = drainFigures(vendor, runs, GOAL_LATENCY_MS);
    figures.push(...drained.figures);
    for (const d of runs)
      notes.push(
        `server (${vendor}, ${d.latencyMs} ms): ${d.service.requests} answers in ${round2(d.service.serviceMs)} ms ` +
          `of service (at most ${round2(d.service.maxServiceMs)} ms), drain ${Math.round(d.ms)} ms`,
      );
    Object.assign(details, drained.details);
    const t = totals(runs);
    all.push([vendor, t]);
    const cpuUs = (t.cpuMs * 1000) / t.events;
    const floorUs = ((floor.parseMs + floor.stringifyMs) * 1000) / floor.events;
    figures.push(atMost(`cpu per event ÷ JSON floor (${vendor})`, cpuUs / floorUs, '×', 2, 2));
    const cost = costPerMillion(
      {
        cpuMsPerEvent: t.cpuMs / t.events,
        memoryMb: VENDOR_FUNCTIONS[vendor].memoryMb,
        firehoseBilledBytesPerEvent: t.bytesBilled / t.events,
        deliveredBytesPerEvent: t.bytesAccepted / t.events,
        dynamoWritesPerEvent: (t.writes + 2 * runs.length) / t.events,
        bufferBytes: FIREHOSE_BUFFER_BYTES,
      },
      PRICES,
    );
    figures.push(reported(`$ per million events (${vendor})`, cost.total, '$', 3));
    details[`cost.${vendor}`] = {
      ...Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, round2(v, 4)])),
      memoryMb: VENDOR_FUNCTIONS[vendor].memoryMb,
      prices: `bench/prices.ts (${PRICES.region}, ${PRICES.date})`,
    };
    details[`cpu.${vendor}`] = {
      pumpCpuUsPerEvent: round2(cpuUs),
      jsonFloorUsPerEvent: round2(floorUs),
      parseUsPerEvent: round2((floor.parseMs * 1000) / floor.events),
      stringifyUsPerEvent: round2((floor.stringifyMs * 1000) / floor.events),
      floorPages: floor.pages,
      floorEvents: floor.events,
    };
  }
  const billed = all.map(([vendor, t]) => [vendor, t.bytesBilled / t.bytesAccepted] as const);
  const worstBilled = billed.reduce((a, b) => (b[1] > a[1] ? b : a));
  figures.push(atMost(`Firehose billed ÷ payload bytes (worst: ${worstBilled[0]})`, worstBilled[1], '×', 1.25, 3));
  details.firehoseBilledRatio = Object.fromEntries(billed.map(([v, r]) => [v, round2(r, 3)]));
  const writes = all.map(([vendor, t]) => [vendor, t.writes / t.pages, t] as const);
  const worstWrites = writes.reduce((a, b) => (b[1] > a[1] ? b : a));
  figures.push(atMost(`DynamoDB writes per page (worst: ${worstWrites[0]})`, worstWrites[1], 'writes', 1, 2));
  details.dynamoWrites = Object.fromEntries(
    writes.map(([v, perPage, t]) => [
      v,
      { perPage: round2(perPage), writes: t.writes, pages: t.pages, perRunBesides: 'acquire + release' },
    ]),
  );
  return { figures, details, notes };
}

/**
 * 2. In-process time per event (validate + normalize + serialize + sink, records replayed from memory: no page
 * parse), for the profile behind the CPU figure; no figure of its own (an absolute speed reads differently on every
 * machine). Run first, it also warms the JIT for the drains, as a long-lived Lambda would be.
 */
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
    const rawBytes = captured.records.reduce((n, r) => n + r.raw.length, 0) / captured.records.length;
    details[`inProcess.${vendor}`] = {
      usPerEvent: round2(1e6 / eventsPerSecond),
      distinctRecords: captured.records.length,
      meanRawBytes: Math.round(rawBytes),
      rejectedPerRun: rejected,
    };
  }
  return { figures, details };
}

/** 3. Bundle size, and module init ÷ the SDK floor's init (timed in turns) per function. */
export async function bundles(sizes: Sizes, log: (line: string) => void): Promise<Section> {
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const floor = bundleSdkFloor();
  for (const vendor of VENDORS) {
    log(`bundle ${vendor}, and its init in turns with the SDK floor's (${sizes.initRuns} runs each)`);
    const f = measureFunction(vendor, sizes.initRuns, { alongside: floor });
    figures.push(
      atMost(`bundle size (${vendor})`, f.bytes / 1000, 'kB', 250),
      atMost(`init ÷ SDK floor (${vendor})`, f.initMs / f.alongsideMs, '×', 1.25, 2),
    );
    details[`bundle.${vendor}`] = {
      bytes: f.bytes,
      loadedAtInitBytes: f.initBytes,
      initMs: round2(f.initMs, 1),
      sdkFloorInitMs: round2(f.alongsideMs, 1),
      heaviestAtInitKb: Object.fromEntries(f.heaviest.map(([p, n]) => [p, Math.round(n / 1000)])),
    };
  }
  // The other choice for the AWS SDK, measured the same way, for the decision in infra/bundling.ts.
  const other = measureFunction('veza', sizes.initRuns, { external: ['@aws-sdk/*'], alongside: floor });
  details['bundle.veza.sdkExternal'] = {
    bytes: other.bytes,
    loadedAtInitBytes: other.initBytes,
    initMs: Math.round(other.initMs),
    overSdkFloor: round2(other.initMs / other.alongsideMs),
  };
  return { figures, details };
}

/** 4. Peak memory draining a large backlog in a child process, at the default page size and at the largest. */
export async function memory(sizes: Sizes, log: (line: string) => void): Promise<Section> {
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const runs = [
    [sizes.memoryPageSize, 160],
    [VENDOR_BENCH.veza.maxPage, 256],
  ] as const;
  for (const [pageSize, goalMb] of runs) {
    log(
      `memory: ${sizes.memoryEvents} events, ${pageSize} a page, in a child process (heap limit ${HEAP_GUARD_MB} MB)`,
    );
    const out = await measureMemory(sizes.memoryEvents, pageSize, ['--enable-source-maps']);
    const events = sizes.memoryEvents.toLocaleString('en-US');
    const name = `peak RSS draining ${events} events, ${pageSize.toLocaleString('en-US')} a page`;
    figures.push(atMost(name, out.maxRssBytes / 1e6, 'MB', goalMb, 1));
    details[`memory.${pageSize}`] = {
      pageSize,
      events: out.events,
      ms: Math.round(out.ms),
      peakHeapMb: Math.round(out.peakHeapBytes / 1e6),
      peakExternalMb: Math.round(out.peakExternalBytes / 1e6),
      heapLimitMb: HEAP_GUARD_MB,
    };
  }
  return { figures, details };
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
