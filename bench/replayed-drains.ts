/**
 * The drains of the benchmark: one vendor's backlog recorded once from its emulator, then drained
 * from the prepared answers at each latency (bench/prepared-answers.ts), with the pump wired as
 * bench/stack.ts wires it and its clock frozen, so that every drain sends the recording's requests.
 */
import type { Vendor } from '../shared/config.ts';
import { connectorOf } from '../functions/registry.ts';
import { runSource } from '../shared/runner.ts';
import type { FirehoseStats } from '../local/aws/firehose-emulator.ts';
import type { AwsReady, HostFloor, VendorReady } from './emulator-host.ts';
import type { ServiceStats } from './prepared-answers.ts';
import { pumpDeps, startHost, type Drain, type Host, type SourceOverrides } from './stack.ts';

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
    const inner = connectorOf(vendor);
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
