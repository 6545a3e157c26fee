/**
 * Reading the archive back (DESIGN.md 4.5), for reconciliation: one small interface with a local
 * implementation (local/query/local-archive.ts, the Firehose emulator's directory) and an S3 one
 * (archive-s3.ts, the deployed bucket). Objects are gzip NDJSON under
 * `events/vendor=<v>/dt=<yyyy-MM-dd>/`, the day being the event's own time (PARTITION_JQ).
 */
import { gunzipSync } from 'node:zlib';
import { ARCHIVE_PREFIX } from './archive-layout.ts';
import type { TimeRange } from './backfill.ts';
import type { Source, Vendor } from './config.ts';

/** Archived events, read by partition. */
export interface ArchiveReader {
  /** Every event object under the `dt=` partitions of `days` (`yyyy-MM-dd`) of `vendor`. */
  events(vendor: Vendor, days: readonly string[]): AsyncIterable<Record<string, unknown>>;
}

/** `events/vendor=<v>/` (or `.../dt=<day>/`): ARCHIVE_PREFIX with its partition keys filled in. */
export function archivePrefix(vendor: Vendor, day?: string): string {
  const vendorPart = ARCHIVE_PREFIX.slice(0, ARCHIVE_PREFIX.indexOf('!{'));
  return day === undefined ? `${vendorPart}${vendor}/` : `${vendorPart}${vendor}/dt=${day}/`;
}

/** The UTC days (`yyyy-MM-dd`) a range touches. */
export function utcDays(range: TimeRange): string[] {
  const days: string[] = [];
  const last = new Date(range.to - 1).toISOString().slice(0, 10);
  for (let t = Date.parse(new Date(range.from).toISOString().slice(0, 10)); ; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    days.push(day);
    if (day >= last) return days;
  }
}

/** Raised for an archive object that is not gzip NDJSON (e.g. the Parquet archive format). */
export class ArchiveFormatError extends Error {
  override readonly name = 'ArchiveFormatError';
}

/** The events of one archive object: gzip (or plain) NDJSON, one JSON object per line. */
export function parseArchiveObject(key: string, bytes: Uint8Array): Array<Record<string, unknown>> {
  if (bytes[0] === 0x50 && bytes[1] === 0x41 && bytes[2] === 0x52 && bytes[3] === 0x31) {
    throw new ArchiveFormatError(
      `${key} is Parquet; reconciliation reads the gzip NDJSON archive (archiveFormat "json")`,
    );
  }
  const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : Buffer.from(bytes)).toString('utf8');
  const out: Array<Record<string, unknown>> = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      throw new ArchiveFormatError(`${key}: a line is not JSON; reconciliation reads gzip NDJSON objects`);
    }
  }
  return out;
}

/** The uids of `source`'s archived events (`metadata.log_name`) whose time is in `range`. */
export async function archivedUids(reader: ArchiveReader, source: Source, range: TimeRange): Promise<Set<string>> {
  const uids = new Set<string>();
  for await (const event of reader.events(source.vendor, utcDays(range))) {
    const metadata = event.metadata as { log_name?: unknown; uid?: unknown } | undefined;
    const time = event.time;
    if (metadata?.log_name !== source.id || typeof metadata.uid !== 'string' || typeof time !== 'number') continue;
    if (time >= range.from && time < range.to) uids.add(metadata.uid);
  }
  return uids;
}
