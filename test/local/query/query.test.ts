/**
 * `audit-pump query`: the `events` view over the local archive (shared columns, NULL for what a
 * record lacks, partitions as strings), the dedup view, table and JSON output, DuckDB's own error
 * for bad SQL, and the messages for an empty archive and for the `npm start` archive fallback.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findArchive, START_ARCHIVE } from '../../../local/query/events-table.ts';
import {
  formatJson,
  formatTable,
  MAX_CELL,
  openArchive,
  queryCommand,
  QueryError,
  type ArchiveDb,
  type QueryResult,
} from '../../../local/query/query.ts';
import { dayOf, fixtureEvent, standardEvents, writeArchive } from '../../helpers/archive-fixture.ts';

const now = Date.now();
let dir: string;
let db: ArchiveDb;

/** A writable that keeps what is written. */
function sink(): NodeJS.WritableStream & { text: string } {
  const out = { text: '', write: (chunk: string) => ((out.text += chunk), true) };
  return out as unknown as NodeJS.WritableStream & { text: string };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'query-'));
  const bare = {
    ...fixtureEvent({ vendor: 'retraced', ageDays: 1, nativeId: 'bare' }, now),
    extra_field: 'ignored',
  } as Record<string, unknown>;
  delete bare.actor;
  delete bare.api;
  await writeArchive(join(dir, 'archive'), [
    ...standardEvents(now),
    fixtureEvent(
      {
        vendor: 'veza',
        ageDays: 1,
        nativeId: 'with-unmapped',
        extra: { unmapped: { crud: 'c', nested: { a: [1, 2] } } },
      },
      now,
    ),
    bare,
  ]);
  db = await openArchive(join(dir, 'archive'));
});
afterAll(async () => {
  db?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the events view', () => {
  it('reads every archived record, with the partitions vendor and dt as strings', async () => {
    // Act
    const result = await db.query(
      "SELECT vendor, dt, typeof(dt) AS t, count(*) AS n FROM events WHERE vendor = 'veza' GROUP BY ALL ORDER BY dt DESC",
    );

    // Assess
    expect(result.rows[0]).toEqual(['veza', dayOf(now), 'VARCHAR', 3]);
    expect(result.rows.reduce((n, r) => n + Number(r[3]), 0)).toBe(6);
  });

  it('gives NULL for a field a record lacks, ignores fields the table does not have, and keeps unmapped as JSON text', async () => {
    // Act
    const bare = await db.query(
      'SELECT actor, api.operation AS op, raw_data IS NOT NULL AS raw FROM events WHERE metadata.uid = (SELECT metadata.uid FROM events WHERE raw_data LIKE \'%"bare"%\')',
    );
    const unmapped = await db.query(
      "SELECT unmapped, json_extract_string(unmapped, '$.crud') AS crud FROM events WHERE unmapped IS NOT NULL",
    );

    // Assess
    expect(bare.rows).toEqual([[null, null, true]]);
    expect(unmapped.rows).toEqual([['{"crud":"c","nested":{"a":[1,2]}}', 'c']]);
  });

  it('events_dedup has one row per metadata.uid', async () => {
    // Act
    const result = await db.query(
      'SELECT (SELECT count(*) FROM events) AS records, count(*) AS events, count(DISTINCT metadata.uid) AS uids FROM events_dedup',
    );

    // Assess: each vendor's first event was delivered twice.
    expect(result.rows).toEqual([[27, 22, 22]]);
  });

  it('runs every statement of a script and answers with the last', async () => {
    expect((await db.query('CREATE TEMP VIEW v AS SELECT 41 AS a; SELECT a + 1 AS b FROM v')).rows).toEqual([[42]]);
  });

  it('never downloads: extension autoinstall and autoload are off', async () => {
    const result = await db.query(
      "SELECT current_setting('autoinstall_known_extensions'), current_setting('autoload_known_extensions'), current_setting('TimeZone')",
    );
    expect(result.rows).toEqual([[false, false, 'UTC']]);
  });
});

describe('output', () => {
  const result: QueryResult = {
    columns: ['vendor', 'n', 'raw_data'],
    types: ['VARCHAR', 'BIGINT', 'VARCHAR'],
    rows: [
      ['veza', 5, 'x'.repeat(200)],
      ['retraced', 12, null],
    ],
  };

  it('prints an aligned table, numbers to the right, long cells cut, and the row count', () => {
    // Act
    const lines = formatTable(result).trimEnd().split('\n');

    // Assess
    expect(lines[0]).toBe('vendor     n  raw_data');
    expect(lines[1]).toBe(`--------  --  ${'-'.repeat(MAX_CELL)}`);
    expect(lines[2]).toBe(`veza       5  ${'x'.repeat(MAX_CELL - 1)}…`);
    expect(lines[3]).toBe('retraced  12  NULL');
    expect(lines[4]).toBe('(2 rows)');
  });

  it('prints JSON as one array of row objects', () => {
    expect(JSON.parse(formatJson(result))).toEqual([
      { vendor: 'veza', n: 5, raw_data: 'x'.repeat(200) },
      { vendor: 'retraced', n: 12, raw_data: null },
    ]);
  });

  it('gives BIGINTs as numbers where they are exact, as strings beyond 2^53', async () => {
    // Act
    const out = await db.query(
      'SELECT 9007199254740993::BIGINT AS big, max(time) AS t, count(*) AS n, sum(time * 1000) AS s FROM events',
    );

    // Assess
    expect(out.rows[0]?.slice(0, 3)).toEqual(['9007199254740993', expect.any(Number), 27]);
    expect(typeof out.rows[0]?.[3]).toBe('string');
  });
});

describe('queryCommand', () => {
  it('refuses SQL together with --named, which would leave one of them unused', async () => {
    await expect(queryCommand(['--named', 'eventsPerVendorPerDay', 'SELECT 1'], sink(), sink())).rejects.toThrow(
      'give SQL or --named eventsPerVendorPerDay, not both',
    );
  });

  it('suggests the named query meant by a typo', async () => {
    await expect(queryCommand(['--named', 'eventsPerVendorPerDya'], sink(), sink())).rejects.toThrow(
      /^no named query "eventsPerVendorPerDya" \(did you mean "eventsPerVendorPerDay"\?\); available: /,
    );
  });

  it('prints the table of a named query', async () => {
    // Prepare
    const out = sink();

    // Act
    const code = await queryCommand(
      ['--archive', join(dir, 'archive'), '--named', 'eventsPerVendorPerDay'],
      out,
      sink(),
    );

    // Assess
    expect(code).toBe(0);
    expect(out.text).toMatch(/^vendor\s+dt\s+records\s+events\n/);
    expect(out.text).toMatch(/\(17 rows\)\n$/);
  });

  it("fails with DuckDB's own message for bad SQL", async () => {
    // Act
    const failure = queryCommand(['--archive', join(dir, 'archive'), 'SELECT nope FROM events'], sink(), sink());

    // Assess
    await expect(failure).rejects.toThrow(QueryError);
    await expect(failure).rejects.toThrow(/^Binder Error: Referenced column "nope" not found/);
  });

  it('says how to fill an archive without events', async () => {
    // Prepare
    const empty = join(dir, 'empty');
    await mkdir(join(empty, 'events'), { recursive: true });

    // Act / Assess
    await expect(queryCommand(['--archive', empty, 'SELECT 1'], sink(), sink())).rejects.toThrow(
      /^no events under .*empty\/events: run `npm start -- --once`/,
    );
  });
});

describe('findArchive', () => {
  it('falls back to the npm start archive when the default has no events, and says so', async () => {
    // Prepare
    const cwd = process.cwd();
    const work = join(dir, 'cwd');
    await writeArchive(join(work, START_ARCHIVE), [fixtureEvent({ vendor: 'veza', ageDays: 0, nativeId: 'x' }, now)]);

    // Act
    process.chdir(work);
    let found;
    try {
      found = findArchive(undefined);
    } finally {
      process.chdir(cwd);
    }

    // Assess
    expect(found).toEqual({
      dir: START_ARCHIVE,
      note: expect.stringMatching(/no events under \.local\/archive; reading \.local\/start\/archive/),
    });
    expect(findArchive('elsewhere')).toEqual({ dir: 'elsewhere' });
  });
});
