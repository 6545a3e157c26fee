/**
 * The local Security Lake layout, checked with DuckDB: from an archive of generated events of every
 * vendor (every class audit-pump emits), each Parquet object holds one class, has exactly that
 * class's schema (nested, as derived from the OCSF subset), is sorted by time and sits in its
 * source's `region=/accountId=/eventDay=` partition; each class has as many rows as the archive has
 * events of that class, traceable by `metadata.uid` to the archive objects the file names.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { readArchive } from '../../../local/query/archive-reader.ts';
import { EMULATED_ACCOUNT, EMULATED_REGION } from '../../../local/aws/aws-json.ts';
import { duckdbType } from '../../../local/query/events-table.ts';
import { generatedEvents, writeEventsArchive } from '../../../local/emulators/generated-records.ts';
import { openArchive, type ArchiveDb } from '../../../local/query/query.ts';
import { exportLocalLake, localLakeDir } from '../../../local/query/security-lake.ts';
import { vendorNames } from '../../../functions/registry.ts';

const VENDORS = vendorNames();
import { loadOcsfSubset } from '../../../shared/ocsf-validate.ts';
import { lakeColumns } from '../../../shared/security-lake/schema.ts';

const subset = loadOcsfSubset();
const START = Date.parse('2026-11-20T00:00:00Z');
let archive: string;
let duck: DuckDBInstance;
let db: DuckDBConnection;
let files: string[];
let archived: Array<{ key: string; record: Record<string, unknown> }>;
let result: Awaited<ReturnType<typeof exportLocalLake>>;

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return (
    await Promise.all(entries.map((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)])))
  ).flat();
}

const rows = async (sql: string): Promise<Array<Record<string, unknown>>> =>
  (await db.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>;
const classOf = (record: Record<string, unknown>): number => record.class_uid as number;

beforeAll(async () => {
  archive = await mkdtemp(join(tmpdir(), 'lake-'));
  // Generated times span years; three days, in shuffled order, keep the objects few and unsorted on input.
  const events = VENDORS.flatMap((vendor) => generatedEvents(vendor, 600, 23)).map((e, i) => ({
    ...e,
    time: START + ((i * 7919) % 259_200) * 1000,
  }));
  await writeEventsArchive(archive, events);
  archived = await readArchive(archive);
  result = await exportLocalLake(archive, { subset });
  files = (await walk(localLakeDir(archive))).sort();
  duck = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  db = await duck.connect();
}, 60_000);
afterAll(async () => {
  db.closeSync();
  duck.closeSync();
  await rm(archive, { recursive: true, force: true });
});

describe('exportLocalLake', () => {
  it('writes only Parquet objects, each under ext/<prefix>-<class_uid>/region=<emulated>/accountId=<emulated>/eventDay=<YYYYMMDD>/', () => {
    const layout = new RegExp(
      `^ext/audit-pump-(\\d+)/region=${EMULATED_REGION}/accountId=${EMULATED_ACCOUNT}/eventDay=(\\d{8})/[0-9a-f]{32}\\.parquet$`,
    );
    expect(files.length).toBeGreaterThan(7);
    expect(files.map((f) => relative(localLakeDir(archive), f)).filter((f) => !layout.test(f))).toEqual([]);
  });

  it('puts one class in each file, the class its source is named after, each row in its own eventDay', async () => {
    for (const file of files) {
      const [, uid, day] = /audit-pump-(\d+)\/.*eventDay=(\d{8})\//.exec(file) ?? [];
      const [stats] = await rows(
        `SELECT count(DISTINCT class_uid) AS classes, min(class_uid) AS uid, count(*) FILTER (WHERE strftime(to_timestamp(time / 1000), '%Y%m%d') <> '${day}') AS elsewhere FROM read_parquet('${file}')`,
      );
      expect({ file, ...stats }).toEqual({ file, classes: '1', uid: Number(uid), elsewhere: '0' });
    }
  });

  it('gives each file exactly the OCSF schema of its class, nested', async () => {
    for (const file of files) {
      const uid = Number(/audit-pump-(\d+)\//.exec(file)?.[1]);
      const described = await rows(`DESCRIBE SELECT * FROM read_parquet('${file}', hive_partitioning = false)`);
      // DuckDB quotes only the field names that are keywords; the types are compared unquoted.
      const unquoted = (type: unknown): string => String(type).replace(/"/g, '');
      const expected = lakeColumns(uid, subset).map((c) => ({
        column_name: c.name,
        column_type: unquoted(duckdbType(c.type)),
      }));
      expect(described.map((d) => ({ column_name: d.column_name, column_type: unquoted(d.column_type) }))).toEqual(
        expected,
      );
    }
  });

  it('sorts the rows of every file by time', async () => {
    for (const file of files) {
      const [order] = await rows(
        `SELECT count(*) FILTER (WHERE time < previous) AS unsorted FROM (SELECT time, lag(time) OVER (ORDER BY file_row_number) AS previous FROM read_parquet('${file}', file_row_number = true))`,
      );
      expect({ file, unsorted: order?.unsorted }).toEqual({ file, unsorted: '0' });
    }
  });

  it('holds as many rows of each class as the archive has events of that class, with the same metadata.uid', async () => {
    const lake: ArchiveDb = await openArchive(archive);
    try {
      const classes = [...new Set(archived.map((a) => classOf(a.record)))].filter((uid) => uid !== 0).sort();
      for (const uid of classes) {
        const expected = archived
          .filter((a) => classOf(a.record) === uid)
          .map((a) => (a.record.metadata as { uid: string }).uid)
          .sort();
        const got = (await lake.query(`SELECT metadata.uid AS uid FROM lake_${uid} ORDER BY 1`)).rows.map((r) => r[0]);
        expect({ uid, rows: got.length }).toEqual({ uid, rows: expected.length });
        expect(got).toEqual(expected);
      }
      expect(classes).toEqual([2004, 3001, 3002, 4002, 6001, 6003, 6006]);
    } finally {
      lake.close();
    }
  });

  it('names in each file the archive objects its events were read from', async () => {
    for (const file of files) {
      const [meta] = await rows(
        `SELECT decode(value) AS objects FROM parquet_kv_metadata('${file}') WHERE decode(key) = 'audit_pump.archive_objects'`,
      );
      const named = JSON.parse(String(meta?.objects)) as string[];
      const uids = new Set(
        (await rows(`SELECT metadata.uid AS uid FROM read_parquet('${file}')`)).map((r) => String(r.uid)),
      );
      const uidsIn = (key: string) =>
        new Set(archived.filter((a) => a.key === key).map((a) => (a.record.metadata as { uid: string }).uid));
      // Every uid of the file is in an object named, and every object named holds a uid of the file.
      expect([...uids].filter((uid) => !named.some((key) => uidsIn(key).has(uid)))).toEqual([]);
      expect(named.filter((key) => ![...uidsIn(key)].some((uid) => uids.has(uid)))).toEqual([]);
      expect(named.length).toBeGreaterThan(0);
    }
  });

  it('keeps the Base Event (class 0), which Security Lake has no class for, in the archive only, and counts it', () => {
    const base = archived.filter((a) => classOf(a.record) === 0).length;
    expect(base).toBeGreaterThan(0);
    expect(result.held).toEqual({ 'class 0: no Security Lake event class': base });
    expect(files.some((f) => f.includes('audit-pump-0/'))).toBe(false);
  });

  it('rebuilds the lake on the next export instead of adding copies', async () => {
    const again = await exportLocalLake(archive, { subset });
    const after = (await walk(localLakeDir(archive))).sort();
    expect(after).toEqual(files);
    expect(again.written.reduce((n, w) => n + w.events, 0)).toBe(
      archived.length - (result.held['class 0: no Security Lake event class'] ?? 0),
    );
  });
});
