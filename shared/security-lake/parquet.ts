/**
 * One Parquet object of one OCSF class, as Security Lake asks of a custom source (User Guide,
 * "Collecting data from custom sources"): the class's OCSF schema (shared/security-lake/schema.ts),
 * records ordered by time, data pages within 1 MB uncompressed, row groups within 256 MB
 * compressed. Written with hyparquet-writer (pure JavaScript, nested structs and lists), GZIP
 * compressed with Node's zlib: the guide prefers zstandard, but Node 20 (the local runtime) has no
 * zstd; gzip makes objects a third smaller than the writer's built-in Snappy at the same speed
 * (npm run bench), and Athena, Glue and DuckDB read it.
 */
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { OcsfSubset } from '../ocsf-validate.ts';
import { OCSF_VERSION } from '../ocsf.ts';
import { columnValue, lakeColumns, parquetSchema, parseHiveType, type Coercion } from './schema.ts';

/** Data pages stay well within Security Lake's 1 MB (uncompressed). */
export const PAGE_BYTES = 512 * 1024;
/** Rows per row group: at a few KB a row, far within Security Lake's 256 MB (compressed). */
export const ROW_GROUP_ROWS = 50_000;

/** An archived event: at least the fields every OCSF event of audit-pump has. */
export type LakeEvent = Readonly<Record<string, unknown>> & { readonly time: number; readonly class_uid: number };

/** `events` ordered by time (then by `metadata.uid`, so equal times keep one order). */
export function byTime(events: readonly LakeEvent[]): LakeEvent[] {
  const uid = (e: LakeEvent): string => String((e.metadata as { uid?: unknown } | undefined)?.uid ?? '');
  return [...events].sort((a, b) => a.time - b.time || (uid(a) < uid(b) ? -1 : uid(a) > uid(b) ? 1 : 0));
}

export interface LakeParquet {
  readonly bytes: Uint8Array;
  /** Values of the wrong kind for their column, written as null. */
  readonly misfits: number;
}

/**
 * The Parquet object of `events`, all of class `classUid` (checked), sorted by time. `archiveObjects`
 * (the archive keys the events were read from) goes into the file's key-value metadata, so an
 * object in the lake names where its events are archived.
 */
export function writeLakeParquet(
  classUid: number,
  events: readonly LakeEvent[],
  subset: OcsfSubset,
  archiveObjects: readonly string[] = [],
): LakeParquet {
  const stranger = events.find((e) => e.class_uid !== classUid);
  if (stranger)
    throw new Error(
      `a Parquet object holds one OCSF class: ${classUid} was asked, an event has class_uid ${String(stranger.class_uid)}`,
    );
  if (events.length === 0) throw new Error(`no events of class ${classUid} to write`);
  const columns = lakeColumns(classUid, subset);
  const sorted = byTime(events);
  const coercion: Coercion = { misfits: 0 };
  const columnData = columns.map((column) => {
    const type = parseHiveType(column.type);
    return { name: column.name, data: sorted.map((event) => columnValue(type, event[column.name], coercion)) };
  });
  const buffer = parquetWriteBuffer({
    columnData,
    schema: parquetSchema(columns),
    codec: 'GZIP',
    compressors: { GZIP: (bytes: Uint8Array) => new Uint8Array(gzipSync(bytes)) },
    pageSize: PAGE_BYTES,
    rowGroupSize: ROW_GROUP_ROWS,
    createdBy: 'audit-pump (hyparquet-writer)',
    kvMetadata: [
      { key: 'ocsf.version', value: OCSF_VERSION },
      { key: 'ocsf.class_uid', value: String(classUid) },
      { key: 'audit_pump.archive_objects', value: JSON.stringify(archiveObjects) },
    ],
  });
  return { bytes: new Uint8Array(buffer), misfits: coercion.misfits };
}
