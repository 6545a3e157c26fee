/**
 * `audit-pump query` and `audit-pump validate` as users run them: after `start --once` in a fresh
 * working directory (the archive lands under .local/start/archive), a query with no --archive finds
 * that archive, says so, and prints the counts per vendor; every archived event is valid OCSF 1.1;
 * bad SQL gets DuckDB's message and a non-zero exit, without a stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { readArchive } from '../../local/query/archive-reader.ts';
import { EMULATORS } from '../../local/emulators/emulators.ts';
import { E2E_TIMEOUT_MS, cli, killChildren, type Outcome } from '../helpers/cli-process.ts';
import { startOnce, type StartedOnce } from '../helpers/cli-workspace.ts';

let started: StartedOnce | undefined;
let cwd: string;
/** The three commands under test, run side by side after `start --once` (each CLI start costs ~2 s). */
let query: Outcome;
let badSql: Outcome;
let validate: Outcome;

beforeAll(async () => {
  started = await startOnce('query-cli-', '--backlog', '50', '--rate', '0');
  const { out } = started;
  cwd = started.cwd;
  if (out.code !== 0) throw new Error(`start --once failed (${out.code}): ${out.stdout}${out.stderr}`);
  [query, badSql, validate] = await Promise.all([
    cli(['query', 'select vendor, count(*) from events group by 1 order by 1'], cwd),
    cli(['query', 'selec vendor from events'], cwd),
    cli(['validate'], cwd),
  ]);
}, E2E_TIMEOUT_MS);
afterAll(async () => {
  killChildren();
  await started?.remove();
});

describe('audit-pump query after npm start --once', () => {
  it('prints the events per vendor, reading the npm start archive and saying so', async () => {
    // Prepare
    const archived = await readArchive(join(cwd, '.local/start/archive'));
    const expected = new Map<string, number>();
    for (const { record } of archived) {
      const vendor = (record.metadata as { log_provider: string }).log_provider;
      expected.set(vendor, (expected.get(vendor) ?? 0) + 1);
    }
    const out = query;

    // Assess
    expect(out.code).toBe(0);
    expect(out.stderr).toContain('no events under .local/archive; reading .local/start/archive');
    const rows = out.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^vendor\s+count_star\(\)$/);
    expect(rows.slice(2, -1).map((r) => r.split(/\s+/))).toEqual([...expected].sort().map(([v, n]) => [v, String(n)]));
    expect(expected.size).toBe(Object.keys(EMULATORS).length);
    expect(rows.at(-1)).toBe(`(${expected.size} rows)`);
  });

  it("fails on bad SQL with DuckDB's message, no stack trace, exit 1", () => {
    const out = badSql;
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('audit-pump query: Parser Error: syntax error at or near "selec"');
    expect(out.stderr).not.toMatch(/^\s+at /m);
    expect(out.stdout).toBe('');
  });
});

describe('audit-pump validate after npm start --once', () => {
  it('finds every archived event of every vendor valid OCSF 1.1 and prints the counts per class', () => {
    const out = validate;
    expect(out.stdout).toMatch(/^\d+ events under \.local\/start\/archive: \d+ valid OCSF 1\.1, 0 invalid/);
    expect(out.stdout).toMatch(/^\s+6003 API Activity\s+\d+ events\s+0 invalid/m);
    expect(out.code).toBe(0);
  });
});
