/**
 * `audit-pump backfill` and `audit-pump reconcile` as users run them (child processes, modelled on
 * cli.test.ts), against a Veza emulator: a gap made on purpose is reported (exit 3, exact count),
 * a backfill fills it (exit 0), and reconcile then reports nothing missing (exit 0).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readArchive } from '../../local/query/archive-reader.ts';
import { startVezaEmulator, type VezaEmulator } from '../../functions/veza/emulator/emulator.ts';
import { E2E_TIMEOUT_MS, cli, killChildren } from '../helpers/cli-process.ts';
import { cliWorkspace, daysAgo, type CliWorkspace } from '../helpers/cli-workspace.ts';
import { cutArchive, iso, middleRange } from '../helpers/range.ts';

const SOURCE_ID = 'veza-range';
const TOKEN = 'veza-range-api-key-7c41';
/** Each test starts three or four CLI processes (tsx compiles on start, about 1.5 s each). */

let emulator: VezaEmulator;
let ws: CliWorkspace;

/** Writes the sources file: one Veza source on the emulator, pages of 25, startFrom a week ago. */
const writeConfig = (source: Record<string, unknown> = {}): Promise<string> =>
  ws.writeSources([
    {
      id: SOURCE_ID,
      vendor: 'veza',
      baseUrl: emulator.baseUrl,
      credentials: { token: TOKEN },
      startFrom: daysAgo(7),
      options: { pageSize: 25 },
      ...source,
    },
  ]);

beforeEach(async () => {
  emulator = await startVezaEmulator({ token: TOKEN, seed: 11, backlog: 200 });
  ws = await cliWorkspace('audit-pump-range-e2e-');
  await writeConfig();
});

afterEach(async () => {
  killChildren();
  await emulator.stop();
  await ws.remove();
});

const dirs = (): string[] => ['--config', ws.config, '--archive', ws.archive];
const times = async () => (await readArchive(ws.archive)).map(({ record }) => ({ time: record.time as number }));

describe('audit-pump reconcile and backfill', () => {
  it(
    'reconcile finds the gap (exit 3, exact count), backfill fills it (exit 0), reconcile then finds none (exit 0)',
    async () => {
      // Prepare: the live pump archives the backlog, then a slice of the archive is deleted.
      expect((await cli(['run', ...dirs(), '--state', ws.state])).code).toBe(0);
      const range = middleRange((await times()).map((t) => ({ ...t, uid: '', sourceId: SOURCE_ID })));
      const removed = await cutArchive(ws.archive, SOURCE_ID, range.from, range.to);
      const window = `${iso(range.from)}..${iso(range.to)}`;

      // Act
      const gap = await cli(['reconcile', '--source', SOURCE_ID, '--window', window, ...dirs()]);
      const backfill = await cli([
        'backfill',
        '--source',
        SOURCE_ID,
        '--from',
        iso(range.from),
        '--to',
        iso(range.to),
        ...dirs(),
        '--state',
        ws.state,
      ]);
      const after = await cli(['reconcile', '--source', SOURCE_ID, '--window', window, ...dirs(), '--json']);

      // Assess
      expect(gap.code).toBe(3);
      expect(gap.stdout).toContain(`  missing: ${removed.size}\n`);
      expect(gap.stdout).toContain(`metric MissingEvents{sourceId=${SOURCE_ID}} ${removed.size}`);
      expect([...removed].some((uid) => gap.stdout.includes(`uid ${uid}`))).toBe(true);
      expect(backfill.code).toBe(0);
      expect(backfill.stdout).toMatch(
        new RegExp(
          `^${SOURCE_ID}#backfill: caught-up, ${removed.size} events, \\d+ pages, 0 dead-lettered; reached .* \\(100%\\)$`,
          'm',
        ),
      );
      expect(backfill.stdout).toContain('complete');
      expect(after.code).toBe(0);
      expect(JSON.parse(after.stdout)).toMatchObject({
        sourceId: SOURCE_ID,
        missing: 0,
        vendorEvents: removed.size,
        archivedEvents: removed.size,
      });
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a backfill of another range is refused (exit 1, saying how) until --restart',
    async () => {
      const now = Date.now();
      const a = ['--from', iso(now - 40 * 3_600_000), '--to', iso(now - 36 * 3_600_000)];
      const b = ['--from', iso(now - 30 * 3_600_000), '--to', iso(now - 20 * 3_600_000)];
      const backfill = (range: string[], ...extra: string[]) =>
        cli(['backfill', '--source', SOURCE_ID, ...range, ...dirs(), '--state', ws.state, ...extra]);

      const first = await backfill(a);
      const refused = await backfill(b);
      const restarted = await backfill(b, '--restart');

      expect(first.code).toBe(0);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/has a backfill of .*; resume it with the same range, or start .* with --restart/);
      expect(restarted.code).toBe(0);
      expect(restarted.stdout).toContain(`backfill of ${SOURCE_ID} ${b[1]}..${b[3]} complete`);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'bad arguments exit non-zero with the reason: 2 for a usage error, 1 for a window in the future',
    async () => {
      const noTo = await cli(['backfill', '--source', SOURCE_ID, '--from', '2026-11-01', ...dirs()]);
      const future = await cli([
        'reconcile',
        '--source',
        SOURCE_ID,
        '--window',
        `2026-01-01..${iso(Date.now() + 86_400_000)}`,
        ...dirs(),
      ]);

      expect(noTo.code).toBe(2);
      expect(noTo.stderr).toBe('audit-pump backfill: --to <time> is required\n(usage: audit-pump backfill --help)\n');
      expect(future.code).toBe(1);
      expect(future.stderr).toContain('the range must be in the past');
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'reconcile says the archive is empty instead of reporting every event missing (exit 1)',
    async () => {
      const out = await cli(['reconcile', '--source', SOURCE_ID, '--window', 'yesterday', ...dirs()]);

      expect(out.code).toBe(1);
      expect(out.stderr).toBe(
        `audit-pump reconcile: nothing to compare: the archive under ${ws.archive} holds no events; run \`audit-pump run --config ${ws.config}\` first (or pass --archive <dir>)\n`,
      );
      expect(emulator.stats.requests).toBe(0);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'reconcile says when the live cursor has not reached the window yet',
    async () => {
      // Prepare: the live run archives the backlog; events published after it are not read yet.
      await writeConfig({ settleLagSeconds: 1 });
      expect((await cli(['run', ...dirs(), '--state', ws.state])).code).toBe(0);
      const before = Date.now();
      emulator.addEvents(20);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const window = `${iso(before - 60_000)}..${iso(Date.now() - 1000)}`;

      // Act
      const out = await cli([
        'reconcile',
        '--source',
        SOURCE_ID,
        '--window',
        window,
        ...dirs(),
        '--state',
        ws.state,
        '--margin',
        '0',
      ]);

      // Assess
      expect(out.code).toBe(3);
      expect(out.stdout).toContain('  missing: 20\n');
      expect(out.stdout).toMatch(
        new RegExp(
          `^note: the live cursor of ${SOURCE_ID} has delivered events up to \\S+, not past the window's end \\S+: the live run has not reached this window yet; run it or backfill the window, then reconcile again$`,
          'm',
        ),
      );
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'backfill --json prints the result as JSON; a mistyped source gets a suggestion',
    async () => {
      const now = Date.now();
      const range = ['--from', iso(now - 40 * 3_600_000), '--to', iso(now - 36 * 3_600_000)];

      const json = await cli(['backfill', '--source', SOURCE_ID, ...range, ...dirs(), '--state', ws.state, '--json']);
      const typo = await cli(['backfill', '--source', 'veza-rnage', ...range, ...dirs(), '--state', ws.state]);

      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({
        sourceId: `${SOURCE_ID}#backfill`,
        status: 'caught-up',
        done: true,
        range: { from: range[1], to: range[3] },
      });
      expect(typo.code).toBe(1);
      expect(typo.stderr).toContain(`no source "veza-rnage" in ${ws.config} (did you mean "${SOURCE_ID}"?)`);
    },
    E2E_TIMEOUT_MS,
  );
});
