/**
 * 6. What delivery into Security Lake costs and how late it is: Parquet bytes per event (beside the
 * archive's gzip NDJSON bytes per event), the Parquet writer's throughput, objects per hour at an
 * event rate with the default schedule, and the worst-case delay from a vendor's event being
 * archived to it being in the lake (schedule interval + Firehose's buffer + the run's own work).
 */
import { gzipSync } from 'node:zlib';
import { generatedEvents } from '../local/emulators/generated-records.ts';
import { vendorNames } from '../functions/registry.ts';
import { loadOcsfSubset } from '../shared/ocsf-validate.ts';
import { exportToLake, planLakeObjects, type ArchivedEvent, type LakeSink } from '../shared/security-lake/export.ts';
import { atLeast, atMost, type Figure } from './report.ts';
import type { Section, Sizes } from './sections.ts';

/** The exporter's default schedule and Firehose's buffering interval (infra/constructs/delivery-stream.ts). */
const INTERVAL_S = 15 * 60;
const FIREHOSE_BUFFER_S = 60;
const TARGET = { prefix: 'audit-pump', region: 'eu-west-1', accountId: '123456789012' };
const DAY = Date.parse('2026-11-20T00:00:00Z');

/** Generated events of every vendor (every class they emit), in equal shares. */
function generated(n: number): Array<Record<string, unknown>> {
  const vendors = vendorNames();
  return vendors
    .flatMap((vendor) => generatedEvents(vendor, Math.ceil(n / vendors.length), 31))
    .slice(0, n) as unknown as Array<Record<string, unknown>>;
}

/** `n` archived events cycling through `base`, at times `timeOf(i)`. */
function archived(
  base: ReadonlyArray<Record<string, unknown>>,
  n: number,
  timeOf: (i: number) => number,
): ArchivedEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    archiveKey: 'events/vendor=v/dt=d/o.gz',
    event: { ...(base[i % base.length] as Record<string, unknown>), time: timeOf(i) },
  }));
}

const sizeOnly = (): LakeSink & { bytes: number } => {
  const sink = { bytes: 0, put: async (_s: string, _k: string, body: Uint8Array) => void (sink.bytes += body.length) };
  return sink;
};

export async function lake(sizes: Sizes, log: (line: string) => void): Promise<Section> {
  const subset = loadOcsfSubset();
  log(`security lake: ${sizes.lakeEvents} events, ${sizes.lakeRuns} writer runs`);
  const base = generated(sizes.lakeEvents);
  const batch = archived(base, base.length, (i) => DAY + ((i * 7919) % 86_400) * 1000);
  const lakeable = batch.filter((r) => r.event.class_uid !== 0).length;
  const archiveBytes = gzipSync(batch.map((r) => JSON.stringify(r.event)).join('\n')).length;
  const runs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < sizes.lakeRuns; i++) {
    const sink = sizeOnly();
    const start = performance.now();
    await exportToLake(batch, TARGET, sink, subset);
    runs.push(performance.now() - start);
    bytes = sink.bytes;
  }
  const ms = runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)] as number;
  const eventsPerSecond = (batch.length / ms) * 1000;

  // One hour at `lakeRate` events a second, exported every 15 minutes: objects per source and in all.
  const hour = archived(base, sizes.lakeRate * 3600, (i) => DAY + Math.floor((i / sizes.lakeRate) * 1000));
  const perSource = new Map<string, number>();
  let runMax = 0;
  for (let from = DAY; from < DAY + 3_600_000; from += INTERVAL_S * 1000) {
    const run = hour.filter(
      (r) => (r.event.time as number) >= from && (r.event.time as number) < from + INTERVAL_S * 1000,
    );
    runMax = Math.max(runMax, run.length);
    for (const object of planLakeObjects(run, TARGET, subset).objects)
      perSource.set(object.source, (perSource.get(object.source) ?? 0) + 1);
  }
  const objects = [...perSource.values()].reduce((a, b) => a + b, 0);
  const processingS = runMax / eventsPerSecond;
  const figures: Figure[] = [
    // A run takes up to 32 MiB of gzip NDJSON (DEFAULT_MAX_ARCHIVE_BYTES), about 110,000 events at 309 B
    // each (details: archiveGzipBytesPerEvent): at this rate it writes them within a minute of its 10-minute timeout.
    atLeast('lake Parquet writer throughput', eventsPerSecond, 'events/s', 2_000),
    atMost('lake bytes per event (Parquet, gzip)', bytes / lakeable, 'B', 600),
    atMost(
      `lake objects per source per hour (${sizes.lakeRate} events/s, every 15 min)`,
      Math.max(...perSource.values()),
      'objects',
      12,
    ),
    atMost(`lake objects per hour, all sources (${sizes.lakeRate} events/s)`, objects, 'objects', 12 * perSource.size),
    atMost('lake delay, worst case (every 15 min)', INTERVAL_S + FIREHOSE_BUFFER_S + processingS, 's', 1_080),
  ];
  return {
    figures,
    details: {
      lake: {
        events: batch.length,
        inLake: lakeable,
        heldBaseEvents: batch.length - lakeable,
        writerMs: Math.round(ms),
        parquetBytes: bytes,
        archiveGzipBytesPerEvent: Math.round(archiveBytes / batch.length),
        parquetBytesPerEvent: Math.round(bytes / lakeable),
        hour: {
          rate: sizes.lakeRate,
          objects,
          sources: Object.fromEntries(perSource),
          largestRunEvents: runMax,
          largestRunSeconds: Math.round(processingS * 10) / 10,
        },
        delay: {
          intervalS: INTERVAL_S,
          firehoseBufferS: FIREHOSE_BUFFER_S,
          note: 'an event archived just after a run waits one interval, plus the Firehose buffer before it is archived, plus the run that writes it',
        },
      },
    },
  };
}
