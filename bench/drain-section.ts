/**
 * 1. The drain section: each vendor's backlog drained from prepared answers at each latency, against the vendor's
 * bound; the pump's CPU per event against the JSON floor of the same pages and events; the cost of a million events;
 * Firehose billed bytes and DynamoDB writes per page.
 */
import type { Vendor } from '../shared/config.ts';
import { vendorModule, vendorNames } from '../functions/registry.ts';
import { FIREHOSE_BUFFER_BYTES, costPerMillion } from './cost.ts';
import { PRICES } from './prices.ts';
import { drains as vendorDrains, type ReplayedDrain, type VendorDrains } from './replayed-drains.ts';
import { atMost, reported, type Figure } from './report.ts';
import type { Section, Sizes } from './sections.ts';
import { lowerBoundMs, requestsNeeded, vendorBench } from './vendors.ts';

/** The latency a request whose drain has a goal (≤ 1.10 × the bound); at the others it is reported. */
export const GOAL_LATENCY_MS = 200;

/** What a vendor's drains add up to. */
interface Totals {
  readonly cpuMs: number;
  readonly events: number;
  readonly pages: number;
  readonly bytesAccepted: number;
  readonly bytesBilled: number;
  /** DynamoDB writes besides each run's lease acquire and release. */
  readonly writes: number;
}

function round2(value: number, digits = 2): number {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}

/** What one vendor's replayed drains add up to: CPU, events, pages, Firehose bytes, DynamoDB writes. */
function totals(runs: readonly ReplayedDrain[]): Totals {
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
      maxPage: vendorBench(vendor).maxPage,
      concurrency: vendorBench(vendor).concurrency ?? 1,
      why: vendorBench(vendor).note,
    };
  }
  return { figures, details };
}

/** CPU per event ÷ the JSON floor, and the cost of a million events, from one vendor's drains. */
function vendorFigures(vendor: Vendor, t: Totals, runs: number, floor: VendorDrains['floor']): Section {
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const cpuUs = (t.cpuMs * 1000) / t.events;
  const floorUs = ((floor.parseMs + floor.stringifyMs) * 1000) / floor.events;
  figures.push(atMost(`cpu per event ÷ JSON floor (${vendor})`, cpuUs / floorUs, '×', 2, 2));
  const cost = costPerMillion(
    {
      cpuMsPerEvent: t.cpuMs / t.events,
      memoryMb: vendorModule(vendor).lambda.memoryMb,
      firehoseBilledBytesPerEvent: t.bytesBilled / t.events,
      deliveredBytesPerEvent: t.bytesAccepted / t.events,
      dynamoWritesPerEvent: (t.writes + 2 * runs) / t.events,
      bufferBytes: FIREHOSE_BUFFER_BYTES,
    },
    PRICES,
  );
  figures.push(reported(`$ per million events (${vendor})`, cost.total, '$', 3));
  details[`cost.${vendor}`] = {
    ...Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, round2(v, 4)])),
    memoryMb: vendorModule(vendor).lambda.memoryMb,
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
  return { figures, details };
}

/**
 * 1. Drain ÷ the vendor's bound at each latency (prepared answers); CPU per event ÷ the JSON floor; Firehose billed
 * bytes and DynamoDB writes per page.
 */
export async function drains(sizes: Sizes, log: (line: string) => void): Promise<Section> {
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  const all: Array<[Vendor, Totals]> = [];
  const notes: string[] = [];
  for (const vendor of vendorNames()) {
    const backlog = sizes.backlog[vendor];
    if (backlog === undefined) throw new Error(`no backlog size for ${vendor}`);
    log(`drain ${vendor}: ${backlog} events recorded, then at ${sizes.latenciesMs.join(', ')} ms`);
    const { drains: runs, floor } = await vendorDrains(vendor, {
      backlog,
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
    const own = vendorFigures(vendor, t, runs.length, floor);
    figures.push(...own.figures);
    Object.assign(details, own.details);
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
