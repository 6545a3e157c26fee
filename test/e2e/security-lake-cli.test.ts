/**
 * The Security Lake layout from the command line, as users run it: `start --once --security-lake`
 * in a fresh working directory writes the layout beside the archive and says so; `query` reads it
 * (a `lake` view and one per class) with as many rows per class as the archive's `events`; `run
 * --security-lake` against a Veza emulator writes the same layout under its --archive.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startVezaEmulator, type VezaEmulator } from '../../functions/veza/emulator/emulator.ts';
import { E2E_TIMEOUT_MS, cli, cliJson, killChildren, type Outcome } from '../helpers/cli-process.ts';
import { cliWorkspace, daysAgo, startOnce, type StartedOnce } from '../helpers/cli-workspace.ts';

let run: StartedOnce | undefined;
let started: Outcome;
let lake: Outcome;
let events: Outcome;

beforeAll(async () => {
  run = await startOnce('lake-cli-', '--backlog', '40', '--rate', '0', '--security-lake');
  const { cwd } = run;
  started = run.out;
  const byClass = (table: string) =>
    `select class_uid, count(*) as n from ${table} where class_uid <> 0 group by 1 order by 1`;
  [lake, events] = await Promise.all([
    cli(['query', '--json', byClass('lake')], cwd),
    cli(['query', '--json', byClass('events')], cwd),
  ]);
}, E2E_TIMEOUT_MS);
afterAll(async () => {
  killChildren();
  await run?.remove();
});

describe('audit-pump start --once --security-lake, then query', () => {
  it('writes the Security Lake layout beside the archive and says how much', () => {
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(
      /security lake: \d+ events in \d+ Parquet objects \(\d+ bytes\) under \.local\/start\/archive\/security-lake\/ext/,
    );
  });

  it('lets query read the lake: as many rows per class as the archive holds', () => {
    expect(lake.code).toBe(0);
    expect(events.code).toBe(0);
    const rows = JSON.parse(lake.stdout) as Array<{ class_uid: number; n: number }>;
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows).toEqual(JSON.parse(events.stdout));
  });
});

describe('audit-pump run --security-lake', () => {
  let veza: VezaEmulator;
  afterAll(async () => veza?.stop());

  it(
    'writes the layout under its --archive',
    async () => {
      // Prepare
      veza = await startVezaEmulator({ token: 'lake-e2e-token', backlog: 120 });
      const ws = await cliWorkspace('lake-run-');
      await ws.writeSources([
        {
          id: 'veza-lake',
          vendor: 'veza',
          baseUrl: veza.baseUrl,
          credentials: { token: 'lake-e2e-token' },
          startFrom: daysAgo(7),
        },
      ]);
      const lakeDir = join(ws.archive, 'security-lake', 'ext');

      // Act
      const out = await cli(ws.runArgs('--security-lake'), ws.dir);

      // Assess
      expect(out.code).toBe(0);
      expect(out.stdout).toContain('security lake: 120 events in');
      const files = (await readdir(lakeDir, { recursive: true })).filter((f) => f.endsWith('.parquet'));
      expect(files.length).toBeGreaterThan(0);
      expect(
        files.every((f) =>
          /^audit-pump-6003\/region=us-east-1\/accountId=123456789012\/eventDay=\d{8}\/[0-9a-f]{32}\.parquet$/.test(f),
        ),
      ).toBe(true);

      // Act: again, for a script: the lake's result is part of the JSON, and nothing else is printed
      const json = await cliJson<{ securityLake: unknown }>(ws.runArgs('--security-lake', '--json'), ws.dir);

      // Assess
      expect(json.code).toBe(0);
      expect(json.json.securityLake).toEqual({ dir: lakeDir, objects: files.length, held: {} });
      await ws.remove();
    },
    E2E_TIMEOUT_MS,
  );
});
