/**
 * The benchmark's sections, each returning its figures (with goals) and the details behind them.
 * Sizes come from `Sizes`: full for `npm run bench`, tiny for the smoke run in `npm test`.
 */
import type { Vendor } from '../shared/config.ts';
import { vendorNames } from '../functions/registry.ts';
import { loadVendorLocals } from '../local/vendors.ts';
export { drains } from './drain-section.ts';
import { bundleSdkFloor, measureFunction } from './bundle.ts';
import { HEAP_GUARD_MB, measureMemory } from './memory.ts';
import { atMost, type Figure } from './report.ts';
import { measureStartup } from './startup.ts';
import { captureRecords, inProcessThroughput } from './throughput.ts';
import { throttling, type ThrottlingSizes } from './throttling.ts';
import { vendorBench } from './vendors.ts';

export interface Sizes {
  /** Backlog drained per vendor: recorded once, then replayed at each latency. */
  readonly backlog: Readonly<Record<Vendor, number>>;
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

const LOCALS = await loadVendorLocals();

/** Each vendor's drained backlog (its `bench.backlog`). */
function backlogs(size: 'full' | 'smoke'): Record<Vendor, number> {
  return Object.fromEntries([...LOCALS].map(([vendor, local]) => [vendor, local.bench.backlog[size]]));
}

export const FULL: Sizes = {
  backlog: backlogs('full'),
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
  backlog: backlogs('smoke'),
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

export interface Section {
  readonly figures: Figure[];
  readonly details: Record<string, unknown>;
  /** Lines for the printed report. */
  readonly notes?: string[];
}

/**
 * 2. In-process time per event (validate + normalize + serialize + sink, records replayed from memory: no page
 * parse), for the profile behind the CPU figure; no figure of its own (an absolute speed reads differently on every
 * machine). Run first, it also warms the JIT for the drains, as a long-lived Lambda would be.
 */
export async function throughput(sizes: Sizes, log: (line: string) => void): Promise<Section> {
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  for (const vendor of vendorNames()) {
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
  for (const vendor of vendorNames()) {
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
    [vendorBench('veza').maxPage, 256],
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
