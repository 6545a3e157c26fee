/**
 * A world for backfill and reconciliation tests: one vendor emulator (the CLI's, from EMULATORS),
 * one source on it, the local stack with state and archive in a temp dir, and the vendor's pump
 * (`createPump`, the Lambda's code path) with the local archive reader. `cutArchive` deletes the
 * source's archived events of a time range: the gap a backfill must fill.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CONNECTORS, optionSchemas } from '../../functions/registry.ts';
import { readArchive } from '../../local/query/archive-reader.ts';
import { EMULATORS, type RunningEmulator } from '../../local/emulators/emulators.ts';
import { LocalArchiveReader } from '../../local/query/local-archive.ts';
import { startLocalStack, type LocalStack } from '../../local/aws/stack.ts';
import { parseSources, type Source, type Vendor } from '../../shared/config.ts';
import { createPump, type PumpEvent, type PumpOptions, type PumpResponse } from '../../shared/handler.ts';

export interface ArchivedEvent {
  readonly uid: string;
  readonly time: number;
  readonly sourceId: string;
}

export interface RangeWorld {
  readonly emulator: RunningEmulator;
  readonly stack: LocalStack;
  readonly source: Source;
  readonly dir: string;
  readonly archiveDir: string;
  /** One invocation of the vendor's pump (the Lambda's remaining time defaults to 14.5 minutes). */
  invoke(event: PumpEvent, remainingMs?: number): Promise<PumpResponse>;
  /** Live runs until caught up. */
  drainLive(): Promise<void>;
  /** Backfill invocations (resuming) until it is done or stops for another reason than the deadline. */
  backfill(from: string, to: string, extra?: { restart?: boolean; marginSeconds?: number }): Promise<PumpResponse>;
  /** Every archived event of the source (flushes Firehose first), duplicates included. */
  archived(): Promise<ArchivedEvent[]>;
  /** Deletes the source's archived events with time in [from, to); returns their distinct uids. */
  cutArchive(from: number, to: number): Promise<Set<string>>;
  stop(): Promise<void>;
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
  const emulator = await (EMULATORS[vendor] as NonNullable<(typeof EMULATORS)[Vendor]>)({
    backlog: settings.backlog ?? 120,
    seed: settings.seed ?? 7,
  });
  const dir = await mkdtemp(join(tmpdir(), `audit-pump-range-${vendor}-`));
  const archiveDir = join(dir, 'archive');
  const startFrom = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const [source] = parseSources(
    {
      sources: [
        {
          id: `${vendor}-range`,
          vendor,
          baseUrl: emulator.baseUrl,
          credentials: emulator.credentials,
          startFrom,
          options: { ...emulator.options, ...settings.options },
        },
      ],
    },
    optionSchemas(),
  ).sources as [Source];
  const stack = await startLocalStack({
    sources: [source],
    archiveDir,
    stateDir: join(dir, 'state'),
    bufferIntervalMs: 50,
  });
  const pump = createPump(CONNECTORS[vendor] as NonNullable<(typeof CONNECTORS)[Vendor]>, {
    config: stack.config,
    clients: stack.clients,
    spool: stack.spool,
    archive: new LocalArchiveReader(archiveDir),
    http: { sleep: async () => undefined },
    ...settings.pump,
  });
  const invoke = (event: PumpEvent, remainingMs = 870_000) => pump(event, remainingMs);
  const world: RangeWorld = {
    emulator,
    stack,
    source: stack.config.sources[0] as Source,
    dir,
    archiveDir,
    invoke,
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
        response = await invoke({
          backfill: {
            sourceId: source.id,
            from,
            to,
            ...(extra.marginSeconds !== undefined ? { marginSeconds: extra.marginSeconds } : {}),
          },
        });
      }
      return response;
    },
    async archived() {
      await stack.firehose.flush();
      return (await readArchive(archiveDir)).map(({ record }) => {
        const metadata = record.metadata as { uid: string; log_name: string };
        return { uid: metadata.uid, time: record.time as number, sourceId: metadata.log_name };
      });
    },
    async cutArchive(from, to) {
      await stack.firehose.flush();
      return cutArchive(archiveDir, source.id, from, to);
    },
    async stop() {
      await emulator.stop();
      await stack.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return world;
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
