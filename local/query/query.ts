/**
 * `audit-pump query "<SQL>"` (docs/architecture.md): SQL over the local archive with DuckDB, through the
 * same table definition as Athena (local/query/events-table.ts) and Athena's SQL dialect translated
 * (local/query/athena-sql.ts), so the named queries and SQL pasted from the Athena console run as they are.
 * DuckDB runs in memory and never downloads anything (extensions neither installed nor autoloaded).
 */
import {
  DuckDBInstance,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  type DuckDBConnection,
  type DuckDBValueConverter,
  type Json,
} from '@duckdb/node-api';
import { NAMED_QUERIES } from '../../infra/named-queries.ts';
import { didYouMean, parseCommand, UsageError } from '../cli/args.ts';
import { athenaToDuckDb } from './athena-sql.ts';
import { createEventViews, findArchive, hasEvents, noEventsMessage } from './events-table.ts';
import { createLakeViews } from './lake-table.ts';

/** A query's result: column names and types, rows as JSON values (BIGINT as numbers where safe). */
export interface QueryResult {
  readonly columns: string[];
  readonly types: string[];
  readonly rows: Json[][];
}

/** A DuckDB error (bad SQL, missing column...): its message is the whole story, no stack needed. */
export class QueryError extends Error {
  override name = 'QueryError';
}

/** An in-memory DuckDB with the `events` and `events_dedup` views over the archive. */
export interface ArchiveDb {
  readonly connection: DuckDBConnection;
  query(sql: string): Promise<QueryResult>;
  close(): void;
}

const WIDE_INTEGERS = new Set<number>([
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
]);

/** DuckDB's JSON conversion, but 64-bit and wider integers as numbers when exact (counts, epoch ms), else strings. */
const toJson: DuckDBValueConverter<Json> = (value, type, converter) => {
  if (value !== null && WIDE_INTEGERS.has(type.typeId)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : String(value);
  }
  return JsonDuckDBValueConverter(value, type, converter === toJson ? converter : toJson);
};

/** Opens the archive under `archiveDir`; throws when it holds no events. */
export async function openArchive(archiveDir: string): Promise<ArchiveDb> {
  if (!hasEvents(archiveDir)) throw new Error(noEventsMessage(archiveDir));
  // Without these DuckDB tries to download extensions (httpfs on a URL, icu, json...).
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  const connection = await instance.connect();
  // Athena's session zone is UTC: current_date and timestamps agree with it.
  await connection.run("SET TimeZone = 'UTC'");
  await createEventViews(connection, archiveDir);
  await createLakeViews(connection, archiveDir);
  return {
    connection,
    query: (sql) => runSql(connection, sql),
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Runs every statement of `sql` (Athena dialect translated); the result is the last one's. */
export async function runSql(connection: DuckDBConnection, sql: string): Promise<QueryResult> {
  try {
    const statements = await connection.extractStatements(athenaToDuckDb(sql));
    if (statements.count === 0) throw new QueryError('no SQL statement given');
    let reader;
    for (let i = 0; i < statements.count; i++) reader = await (await statements.prepare(i)).runAndReadAll();
    if (!reader) throw new QueryError('no SQL statement given');
    return { columns: reader.columnNames(), types: reader.columnTypes().map(String), rows: reader.convertRows(toJson) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw error instanceof QueryError
      ? error
      : new QueryError(message.replace(/^(Failed to extract statements: |Error: )+/, ''));
  }
}

/** Widest a table cell gets before it is cut with an ellipsis. */
export const MAX_CELL = 60;

function cell(value: Json): string {
  const text = value === null ? 'NULL' : typeof value === 'string' ? value : JSON.stringify(value);
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

/** The result as an aligned text table (numbers right-aligned), with the row count. */
export function formatTable(result: QueryResult): string {
  const cells = result.rows.map((row) => row.map(cell));
  const widths = result.columns.map((name, i) => Math.max(cell(name).length, ...cells.map((r) => (r[i] ?? '').length)));
  const numeric =
    result.rows.length > 0 &&
    result.columns.map((_, i) => result.rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  const line = (values: string[]) =>
    values
      .map((v, i) => (numeric && numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [
    line(result.columns.map(cell)),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map((r) => line(r)),
  ];
  out.push(`(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`);
  return `${out.join('\n')}\n`;
}

/** The result as one JSON array of row objects. */
export function formatJson(result: QueryResult): string {
  return `${JSON.stringify(result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i] ?? null]))))}\n`;
}

/** `audit-pump query`; returns the exit code. */
export async function queryCommand(
  args: readonly string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const { values, positionals } = parseCommand('query', args);
  let sql = positionals.join(' ').trim();
  const names = Object.keys(NAMED_QUERIES);
  if (values.named !== undefined) {
    // Both would leave one of them silently unused.
    if (sql) throw new UsageError('query', `give SQL or --named ${values.named}, not both`);
    const named = NAMED_QUERIES[values.named];
    if (!named)
      throw new UsageError(
        'query',
        `no named query "${values.named}"${didYouMean(values.named, names)}; available: ${names.join(', ')}`,
      );
    sql = named.sql;
  }
  if (!sql)
    throw new UsageError(
      'query',
      `give SQL or --named <name>; tables: events, events_dedup (columns: shared/table.ts), and after --security-lake lake, lake_<class_uid>; named queries: ${names.join(', ')}`,
    );
  const archive = findArchive(values.archive);
  if (archive.note) err.write(`audit-pump query: ${archive.note}\n`);
  const db = await openArchive(archive.dir);
  try {
    const result = await db.query(sql);
    out.write(values.json ? formatJson(result) : formatTable(result));
    return 0;
  } finally {
    db.close();
  }
}
