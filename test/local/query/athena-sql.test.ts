/**
 * Athena SQL → DuckDB: the rewrites one by one, what must not be rewritten, and every Athena named
 * query (infra/named-queries.ts) run on a small generated archive with the answers Athena would give.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NAMED_QUERIES } from '../../../infra/named-queries.ts';
import { ATHENA_FUNCTIONS, athenaToDuckDb } from '../../../local/query/athena-sql.ts';
import { openArchive, type ArchiveDb } from '../../../local/query/query.ts';
import { vendorNames } from '../../../functions/registry.ts';

const VENDORS = vendorNames();
import { DAY_MS, dayOf, fixtureEvent, standardEvents, writeArchive } from '../../helpers/archive-fixture.ts';

describe('athenaToDuckDb', () => {
  it.each([
    [
      "date_format(current_date - interval '7' day, '%Y-%m-%d')",
      "strftime(current_date - interval '7' day, '%Y-%m-%d')",
    ],
    ["DATE_FORMAT(t, '%H:%i:%s %T')", "strftime(t, '%H:%M:%S %H:%M:%S')"],
    ['from_unixtime(time / 1000)', 'to_timestamp(time / 1000)'],
    ["json_extract_scalar(unmapped, '$.crud')", "json_extract_string(unmapped, '$.crud')"],
    ['approx_distinct(metadata.uid)', 'approx_count_distinct(metadata.uid)'],
    ['cardinality(resources)', 'len(resources)'],
    ['to_unixtime(now())', 'epoch(now())'],
    ['from_unixtime (1)', 'to_timestamp (1)'],
  ])('rewrites %s', (athena, duckdb) => {
    expect(athenaToDuckDb(athena)).toBe(duckdb);
  });

  it('leaves string literals, quoted identifiers, comments, qualified names and plain words alone', () => {
    // Prepare
    const sql = `SELECT 'from_unixtime(1)', "date_format"(x), t.from_unixtime(2), date_format AS c -- from_unixtime(3)
/* date_format(4, '%i') */ FROM events`;

    // Act / Assess
    expect(athenaToDuckDb(sql)).toBe(sql);
  });

  it('only rewrites the format of its own date_format call, not other string arguments', () => {
    expect(athenaToDuckDb("concat('%i', date_format(t, '%i'), '%s')")).toBe("concat('%i', strftime(t, '%M'), '%s')");
  });

  it('is idempotent: DuckDB SQL comes back unchanged', () => {
    for (const query of Object.values(NAMED_QUERIES))
      expect(athenaToDuckDb(athenaToDuckDb(query.sql))).toBe(athenaToDuckDb(query.sql));
    expect(Object.keys(ATHENA_FUNCTIONS)).toContain('from_unixtime');
  });
});

describe('the Athena named queries on the local archive', () => {
  const now = Date.now();
  let dir: string;
  let db: ArchiveDb;
  const run = async (name: string) => {
    const query = NAMED_QUERIES[name];
    if (!query) throw new Error(`no named query ${name}`);
    const result = await db.query(query.sql);
    return result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c, row[i]])));
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'athena-sql-'));
    await writeArchive(dir, standardEvents(now));
    db = await openArchive(dir);
  });
  afterAll(async () => {
    db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('covers every named query', () => {
    expect(Object.keys(NAMED_QUERIES).sort()).toEqual([
      'activityByActor',
      'createDedupView',
      'eventsPerVendorPerDay',
      'recentFailures',
    ]);
  });

  it('recentFailures: the failures of the last 7 days, newest first, with time as a timestamp', async () => {
    // Act
    const rows = await run('recentFailures');

    // Assess: one fresh failure per vendor; the 40-day-old failures are outside the window.
    expect(rows).toHaveLength(VENDORS.length);
    expect(new Set(rows.map((r) => r.vendor))).toEqual(new Set(VENDORS));
    expect(
      rows.every(
        (r) =>
          r.actor_email === 'ana@example.com' &&
          r.operation === 'CreateThing' &&
          r.source === `${String(r.vendor)}-main`,
      ),
    ).toBe(true);
    expect(String(rows[0]?.at)).toMatch(new RegExp(`^${dayOf(now)} \\d\\d:\\d\\d:\\d\\d`));
  });

  it('activityByActor: events and failures per actor and vendor over 30 days', async () => {
    // Act
    const rows = await run('activityByActor');

    // Assess: ana has the fresh event twice (a re-delivery) plus a failure; bob one event.
    const veza = rows.filter((r) => r.vendor === 'veza');
    expect(veza).toEqual([
      { actor: 'ana@example.com', vendor: 'veza', events: 3, failures: 1 },
      { actor: 'bob@example.com', vendor: 'veza', events: 1, failures: 0 },
    ]);
  });

  it('activityByActor: names actors that have no e-mail or uid by name, API key or invoker, not "unknown"', async () => {
    // Prepare
    const other = await mkdtemp(join(tmpdir(), 'athena-actors-'));
    const actors = [
      { user: { name: 'Snehasish Konger' } },
      { user: { name: 'K7Q2M9XZ1P', credential_uid: 'K7Q2M9XZ1P' } },
      { invoked_by: 'Call Via API' },
    ];
    await writeArchive(
      other,
      actors.map((actor, i) => ({ ...fixtureEvent({ vendor: 'nected', ageDays: 0, nativeId: `a${i}` }, now), actor })),
    );
    const local = await openArchive(other);

    // Act
    const result = await local.query(NAMED_QUERIES.activityByActor?.sql ?? '');
    local.close();
    await rm(other, { recursive: true, force: true });

    // Assess
    expect(result.rows.map((row) => row[0]).sort()).toEqual(['Call Via API', 'K7Q2M9XZ1P', 'Snehasish Konger']);
  });

  it('eventsPerVendorPerDay: records and distinct events per vendor and day', async () => {
    // Act
    const rows = await run('eventsPerVendorPerDay');

    // Assess
    expect(rows.filter((r) => r.vendor === 'nected')).toEqual([
      { vendor: 'nected', dt: dayOf(now), records: 3, events: 2 },
      { vendor: 'nected', dt: dayOf(now - 3 * DAY_MS), records: 1, events: 1 },
      { vendor: 'nected', dt: dayOf(now - 40 * DAY_MS), records: 1, events: 1 },
    ]);
  });

  it('createDedupView: runs as it is and leaves one row per metadata.uid', async () => {
    // Act
    await run('createDedupView');
    const result = await db.query(
      'SELECT count(*) AS n, count(DISTINCT metadata.uid) AS uids, max(copy) AS copies FROM events_dedup',
    );

    // Assess
    expect(result.rows).toEqual([[VENDORS.length * 4, VENDORS.length * 4, 1]]);
  });
});
