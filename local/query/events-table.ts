/**
 * The archive as DuckDB views, from the one table definition in shared/table.ts (docs/architecture.md):
 * `events` reads the gzip NDJSON objects under `events/vendor=*\/dt=*\/` with Hive partitioning and
 * exactly the shared columns and types (an explicit `columns` map, so a field a record lacks is
 * NULL, not an error, and a field the table does not have is ignored, as in Athena), and
 * `events_dedup` is the Athena named query that creates it, translated.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { NAMED_QUERIES } from '../../infra/named-queries.ts';
import { EVENT_COLUMNS, EVENT_PARTITIONS, EVENTS_TABLE, type Column } from '../../shared/table.ts';
import { athenaToDuckDb } from './athena-sql.ts';

/** Hive primitive types → DuckDB. */
const PRIMITIVES: Readonly<Record<string, string>> = {
  string: 'VARCHAR',
  varchar: 'VARCHAR',
  char: 'VARCHAR',
  int: 'INTEGER',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  smallint: 'SMALLINT',
  tinyint: 'TINYINT',
  boolean: 'BOOLEAN',
  double: 'DOUBLE',
  float: 'FLOAT',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  binary: 'BLOB',
};

/** A DuckDB identifier, always quoted (struct fields such as `user`, `type` and `name` are keywords). */
export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Hive/Glue type string → DuckDB type: struct<a:t> → STRUCT("a" T), array<t> → T[], map<k,v> → MAP(K, V). */
export function duckdbType(hive: string): string {
  let pos = 0;
  const peek = (s: string) => hive.startsWith(s, pos);
  const expect = (s: string) => {
    if (!peek(s)) throw new Error(`bad Hive type "${hive}": expected "${s}" at ${pos}`);
    pos += s.length;
  };
  const name = (): string => {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(hive.slice(pos));
    if (!m) throw new Error(`bad Hive type "${hive}": expected a name at ${pos}`);
    pos += m[0].length;
    return m[0];
  };
  const type = (): string => {
    const word = name().toLowerCase();
    if (word === 'struct') {
      expect('<');
      const fields: string[] = [];
      do {
        if (fields.length) expect(',');
        const field = name();
        expect(':');
        fields.push(`${quoteIdent(field)} ${type()}`);
      } while (peek(','));
      expect('>');
      return `STRUCT(${fields.join(', ')})`;
    }
    if (word === 'array') {
      expect('<');
      const item = type();
      expect('>');
      return `${item}[]`;
    }
    if (word === 'map') {
      expect('<');
      const key = type();
      expect(',');
      const value = type();
      expect('>');
      return `MAP(${key}, ${value})`;
    }
    if (word === 'decimal') {
      const m = /^\(\d+,\d+\)/.exec(hive.slice(pos));
      pos += m?.[0].length ?? 0;
      return `DECIMAL${m?.[0] ?? ''}`;
    }
    const primitive = PRIMITIVES[word];
    if (!primitive) throw new Error(`bad Hive type "${hive}": unknown type "${word}"`);
    return primitive;
  };
  const result = type();
  if (pos !== hive.length) throw new Error(`bad Hive type "${hive}": trailing text at ${pos}`);
  return result;
}

/** SQL string literal. */
const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** DuckDB `{name: 'TYPE', ...}` for read_json's `columns` / `hive_types`. */
function typeMap(columns: readonly Column[]): string {
  return `{${columns.map((c) => `${literal(c.name)}: ${literal(duckdbType(c.type))}`).join(', ')}}`;
}

/** Where the event objects are, relative to the archive root (docs/architecture.md). */
export const EVENTS_GLOB = 'events/vendor=*/dt=*/*.gz';

/** True when `archiveDir` holds at least one event object. */
export function hasEvents(archiveDir: string): boolean {
  const root = join(archiveDir, 'events');
  if (!existsSync(root)) return false;
  for (const vendor of readdirSync(root, { withFileTypes: true })) {
    if (!vendor.isDirectory() || !vendor.name.startsWith('vendor=')) continue;
    for (const day of readdirSync(join(root, vendor.name), { withFileTypes: true })) {
      if (
        day.isDirectory() &&
        day.name.startsWith('dt=') &&
        readdirSync(join(root, vendor.name, day.name)).some((f) => f.endsWith('.gz'))
      )
        return true;
    }
  }
  return false;
}

/** Default archive of `audit-pump run`, and the one `npm start` writes. */
export const DEFAULT_ARCHIVE = '.local/archive';
export const START_ARCHIVE = '.local/start/archive';

/**
 * The archive to read: `given`, else the default one, else (when the default has no events but
 * `npm start`'s has) that one, with a note saying so.
 */
export function findArchive(given: string | undefined): { dir: string; note?: string } {
  if (given !== undefined) return { dir: given };
  if (hasEvents(DEFAULT_ARCHIVE) || !hasEvents(START_ARCHIVE)) return { dir: DEFAULT_ARCHIVE };
  return {
    dir: START_ARCHIVE,
    note: `no events under ${DEFAULT_ARCHIVE}; reading ${START_ARCHIVE} (the archive of npm start)`,
  };
}

/** The message for an archive without events. */
export function noEventsMessage(dir: string): string {
  return `no events under ${join(dir, 'events')}: run \`npm start -- --once\` or \`audit-pump run --config <file>\` first, or pass --archive <dir>`;
}

/** The `CREATE VIEW events` statement over the archive under `archiveDir`. */
export function eventsViewSql(archiveDir: string): string {
  const glob = join(archiveDir, EVENTS_GLOB);
  const select = [...EVENT_COLUMNS, ...EVENT_PARTITIONS].map((c) => quoteIdent(c.name)).join(', ');
  // Partition values keep the table's types (dt is a string in Glue, not a DATE DuckDB would guess).
  return (
    `CREATE OR REPLACE VIEW ${EVENTS_TABLE} AS SELECT ${select} FROM read_json(${literal(glob)}, format = 'newline_delimited', compression = 'gzip', ` +
    `hive_partitioning = true, hive_types = ${typeMap(EVENT_PARTITIONS)}, hive_types_autocast = false, columns = ${typeMap(EVENT_COLUMNS)})`
  );
}

/** Creates `events` and `events_dedup` on `connection` over the archive under `archiveDir`. */
export async function createEventViews(connection: DuckDBConnection, archiveDir: string): Promise<void> {
  const dedup = NAMED_QUERIES.createDedupView;
  if (!dedup) throw new Error('infra/named-queries.ts has no createDedupView');
  await connection.run(eventsViewSql(archiveDir));
  await connection.run(athenaToDuckDb(dedup.sql));
}
