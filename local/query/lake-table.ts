/**
 * The local Security Lake layout as DuckDB views, for `audit-pump query`: `lake_<class_uid>` per
 * custom source (its Parquet objects with the `region`, `accountId` and `eventDay` partitions, as
 * Security Lake's Glue crawler catalogs them) and `lake`, all of them by column name.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { classOfSource } from '../../shared/security-lake/layout.ts';
import { localLakeDir } from './security-lake.ts';

/** The Parquet objects of one source, relative to nothing: a glob DuckDB expands. */
const objects = (root: string, source: string): string =>
  join(root, 'ext', source, 'region=*', 'accountId=*', 'eventDay=*', '*.parquet');
const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const read = (globs: readonly string[]): string =>
  `read_parquet([${globs.map(literal).join(', ')}], hive_partitioning = true, hive_types_autocast = false, union_by_name = true)`;

/** The custom sources with objects in the local lake under `archiveDir`. */
export function lakeSources(archiveDir: string): string[] {
  const ext = join(localLakeDir(archiveDir), 'ext');
  if (!existsSync(ext)) return [];
  return readdirSync(ext, { withFileTypes: true })
    .filter((d) => d.isDirectory() && classOfSource(d.name) !== undefined)
    .map((d) => d.name)
    .sort();
}

/** Creates the lake views; none when the archive has no local lake. Returns the view names. */
export async function createLakeViews(connection: DuckDBConnection, archiveDir: string): Promise<string[]> {
  const root = localLakeDir(archiveDir);
  const sources = lakeSources(archiveDir);
  const views: string[] = [];
  for (const source of sources) {
    const view = `lake_${classOfSource(source) as number}`;
    await connection.run(`CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${read([objects(root, source)])}`);
    views.push(view);
  }
  if (sources.length) {
    await connection.run(`CREATE OR REPLACE VIEW lake AS SELECT * FROM ${read(sources.map((s) => objects(root, s)))}`);
    views.push('lake');
  }
  return views;
}
