/**
 * The range adapter of the test world (world.ts), for backfill and reconciliation tests: any
 * vendor's emulator (the CLI's, startEmulator), one source `<vendor>-range` on it, and the vendor's
 * pump (`createPump`, the Lambda's code path) with the local archive reader. `cutArchive` deletes the
 * source's archived events of a time range: the gap a backfill must fill.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { connectorOf } from '../../functions/registry.ts';
import { startEmulator, type RunningEmulator } from '../../local/emulators/emulators.ts';
import type { Vendor } from '../../shared/config.ts';
import type { PumpOptions, PumpResponse } from '../../shared/handler.ts';
import { startWorld, type World } from './world.ts';

export interface ArchivedEvent {
  readonly uid: string;
  readonly time: number;
  readonly sourceId: string;
}

export interface RangeWorld extends Pick<
  World<RunningEmulator>,
  'emulator' | 'stack' | 'source' | 'dir' | 'archiveDir' | 'invoke' | 'stop'
> {
  /** Live runs until caught up. */
  drainLive(): Promise<void>;
  /** Backfill invocations (resuming) until it is done or stops for another reason than the deadline. */
  backfill(from: string, to: string, extra?: { restart?: boolean; marginSeconds?: number }): Promise<PumpResponse>;
  /** Every archived event of the source (flushes Firehose first), duplicates included. */
  archived(): Promise<ArchivedEvent[]>;
  /** Deletes the source's archived events with time in [from, to); returns their distinct uids. */
  cutArchive(from: number, to: number): Promise<Set<string>>;
}

export interface RangeWorldOptions {
  readonly backlog?: number;
  readonly seed?: number;
  /** Added to the emulator's source options (page sizes, ...). */
  readonly options?: Record<string, unknown>;
  readonly pump?: PumpOptions;
}

/** Starts the emulator of `vendor`, a source `<vendor>-range` on it from 7 days ago, and the local stack. */
export async function startRangeWorld(vendor: Vendor, settings: RangeWorldOptions = {}): Promise<RangeWorld> {
  const emulator = await startEmulator(vendor, {
    backlog: settings.backlog ?? 120,
    seed: settings.seed ?? 7,
  });
  const world = await startWorld({
    connector: connectorOf(vendor),
    emulator,
    sourceId: `${vendor}-range`,
    source: { options: settings.options ?? {} },
    bufferIntervalMs: 50,
    ...(settings.pump ? { pump: settings.pump } : {}),
  });
  const { invoke, source, stack, archiveDir } = world;
  return {
    ...world,
    async drainLive() {
      for (let i = 0; i < 50; i++) {
        const { results } = await invoke({ sourceId: source.id });
        if (results[0]?.status === 'failed') throw new Error(`live run failed: ${results[0].error}`);
        if (!results[0]?.more) return;
      }
      throw new Error('the live run did not catch up in 50 invocations');
    },
    async backfill(from, to, extra = {}) {
      let response = await invoke({ backfill: { sourceId: source.id, from, to, ...extra } });
      for (let i = 0; i < 50 && response.backfill?.status === 'deadline'; i++) {
        const margin = extra.marginSeconds !== undefined ? { marginSeconds: extra.marginSeconds } : {};
        response = await invoke({ backfill: { sourceId: source.id, from, to, ...margin } });
      }
      return response;
    },
    archived: async () =>
      (await world.archived()).map((record) => {
        const metadata = record.metadata as { uid: string; log_name: string };
        return { uid: metadata.uid, time: record.time as number, sourceId: metadata.log_name };
      }),
    async cutArchive(from, to) {
      await stack.firehose.flush();
      return cutArchive(archiveDir, source.id, from, to);
    },
  };
}

/** Rewrites the archive's objects without the source's events whose time is in [from, to). */
export async function cutArchive(archiveDir: string, sourceId: string, from: number, to: number): Promise<Set<string>> {
  const removed = new Set<string>();
  for (const file of await gzFiles(join(archiveDir, 'events'))) {
    const lines = gunzipSync(await readFile(file))
      .toString('utf8')
      .split('\n')
      .filter(Boolean);
    const kept = lines.filter((line) => {
      const event = JSON.parse(line) as { time: number; metadata: { uid: string; log_name: string } };
      const cut = event.metadata.log_name === sourceId && event.time >= from && event.time < to;
      if (cut) removed.add(event.metadata.uid);
      return !cut;
    });
    if (kept.length < lines.length) await writeFile(file, gzipSync(kept.map((l) => `${l}\n`).join('')));
  }
  return removed;
}

async function gzFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? gzFiles(join(dir, e.name)) : Promise.resolve(e.name.endsWith('.gz') ? [join(dir, e.name)] : []),
    ),
  );
  return nested.flat();
}

/** A range covering the middle of the archived events' times: from the `lo` to the `hi` quantile. */
export function middleRange(events: readonly ArchivedEvent[], lo = 0.3, hi = 0.6): { from: number; to: number } {
  const times = [...new Set(events.map((e) => e.time))].sort((a, b) => a - b);
  return { from: times[Math.floor(times.length * lo)] as number, to: times[Math.floor(times.length * hi)] as number };
}

export const iso = (ms: number): string => new Date(ms).toISOString();
