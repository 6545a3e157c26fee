/**
 * `audit-pump backfill` and `audit-pump reconcile` as users run them (child processes, modelled on
 * cli.test.ts), against a Veza emulator: a gap made on purpose is reported (exit 3, exact count),
 * a backfill fills it (exit 0), and reconcile then reports nothing missing (exit 0).
 */
import { describe, expect, it, jest } from '@jest/globals';
import { readArchive } from '../../local/query/archive-reader.ts';
import { E2E_TIMEOUT_MS, cli, cliJson } from '../helpers/cli-process.ts';
import { useVezaE2e } from '../helpers/e2e-veza.ts';
import { cutArchive, iso, middleRange } from '../helpers/range.ts';

/** Each test starts three or four CLI processes (tsx compiles on start, about 1.5 s each). */
jest.setTimeout(E2E_TIMEOUT_MS);

const SOURCE_ID = 'veza-range';
const TOKEN = 'veza-range-api-key-7c41';
const HOUR_MS = 3_600_000;

const e2e = useVezaE2e(SOURCE_ID, { token: TOKEN, pageSize: 25, emulator: { seed: 11, backlog: 200 } });

const dirs = (): string[] => ['--config', e2e.ws.config, '--archive', e2e.ws.archive];
const times = async () => (await readArchive(e2e.ws.archive)).map(({ record }) => ({ time: record.time as number }));
/** `--from <from> --to <to>`, in ISO time. */
const fromTo = (from: number, to: number): string[] => ['--from', iso(from), '--to', iso(to)];
/** `--from` and `--to`, `from` and `to` hours ago. */
const hoursAgo = (from: number, to: number, now = Date.now()): string[] =>
  fromTo(now - from * HOUR_MS, now - to * HOUR_MS);
/** `audit-pump backfill` of the source over `range` (`--from … --to …`), with the workspace's state. */
const backfill = (range: readonly string[], ...extra: string[]) =>
  cli(['backfill', '--source', SOURCE_ID, ...range, ...dirs(), '--state', e2e.ws.state, ...extra]);
/** `audit-pump reconcile` of the source over `window`. */
const reconcile = (window: string, ...extra: string[]) =>
  cli(['reconcile', '--source', SOURCE_ID, '--window', window, ...dirs(), ...extra]);

describe('audit-pump reconcile and backfill', () => {
  it('reconcile finds the gap (exit 3, exact count), backfill fills it (exit 0), reconcile then finds none (exit 0)', async () => {
    // Prepare: the live pump archives the backlog, then a slice of the archive is deleted.
    expect((await e2e.run()).code).toBe(0);
    const range = middleRange((await times()).map((t) => ({ ...t, uid: '', sourceId: SOURCE_ID })));
    const removed = await cutArchive(e2e.ws.archive, SOURCE_ID, range.from, range.to);
    const window = `${iso(range.from)}..${iso(range.to)}`;

    // Act
    const gap = await reconcile(window);
    const filled = await backfill(fromTo(range.from, range.to));
    const after = await cliJson(['reconcile', '--source', SOURCE_ID, '--window', window, ...dirs(), '--json']);

    // Assess
    expect(gap.code).toBe(3);
    expect(gap.stdout).toContain(`  missing: ${removed.size}\n`);
    expect(gap.stdout).toContain(`metric MissingEvents{sourceId=${SOURCE_ID}} ${removed.size}`);
    expect([...removed].some((uid) => gap.stdout.includes(`uid ${uid}`))).toBe(true);
    expect(filled.code).toBe(0);
    expect(filled.stdout).toMatch(
      new RegExp(
        `^${SOURCE_ID}#backfill: caught-up, ${removed.size} events, \\d+ pages, 0 dead-lettered; reached .* \\(100%\\)$`,
        'm',
      ),
    );
    expect(filled.stdout).toContain('complete');
    expect(after.code).toBe(0);
    expect(after.json).toMatchObject({
      sourceId: SOURCE_ID,
      missing: 0,
      vendorEvents: removed.size,
      archivedEvents: removed.size,
    });
  });

  it('a backfill of another range is refused (exit 1, saying how) until --restart', async () => {
    const [a, b] = [hoursAgo(40, 36), hoursAgo(30, 20)];

    const first = await backfill(a);
    const refused = await backfill(b);
    const restarted = await backfill(b, '--restart');

    expect(first.code).toBe(0);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/has a backfill of .*; resume it with the same range, or start .* with --restart/);
    expect(restarted.code).toBe(0);
    expect(restarted.stdout).toContain(`backfill of ${SOURCE_ID} ${b[1]}..${b[3]} complete`);
  });

  it('bad arguments exit non-zero with the reason: 2 for a usage error, 1 for a window in the future', async () => {
    const noTo = await cli(['backfill', '--source', SOURCE_ID, '--from', '2026-11-01', ...dirs()]);
    const future = await reconcile(`2026-01-01..${iso(Date.now() + 86_400_000)}`);

    expect(noTo.code).toBe(2);
    expect(noTo.stderr).toBe('audit-pump backfill: --to <time> is required\n(usage: audit-pump backfill --help)\n');
    expect(future.code).toBe(1);
    expect(future.stderr).toContain('the range must be in the past');
  });

  it('reconcile says the archive is empty instead of reporting every event missing (exit 1)', async () => {
    const out = await reconcile('yesterday');

    expect(out.code).toBe(1);
    expect(out.stderr).toBe(
      `audit-pump reconcile: nothing to compare: the archive under ${e2e.ws.archive} holds no events; run \`audit-pump run --config ${e2e.ws.config}\` first (or pass --archive <dir>)\n`,
    );
    expect(e2e.emulator.stats.requests).toBe(0);
  });

  it('reconcile says when the live cursor has not reached the window yet', async () => {
    // Prepare: the live run archives the backlog; events published after it are not read yet.
    await e2e.writeConfig({ settleLagSeconds: 1 });
    expect((await e2e.run()).code).toBe(0);
    const before = Date.now();
    e2e.emulator.addEvents(20);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const window = `${iso(before - 60_000)}..${iso(Date.now() - 1000)}`;

    // Act
    const out = await reconcile(window, '--state', e2e.ws.state, '--margin', '0');

    // Assess
    expect(out.code).toBe(3);
    expect(out.stdout).toContain('  missing: 20\n');
    expect(out.stdout).toMatch(
      new RegExp(
        `^note: the live cursor of ${SOURCE_ID} has delivered events up to \\S+, not past the window's end \\S+: the live run has not reached this window yet; run it or backfill the window, then reconcile again$`,
        'm',
      ),
    );
  });

  it('backfill --json prints the result as JSON; a mistyped source gets a suggestion', async () => {
    const range = hoursAgo(40, 36);

    const json = await cliJson([
      'backfill',
      '--source',
      SOURCE_ID,
      ...range,
      ...dirs(),
      '--state',
      e2e.ws.state,
      '--json',
    ]);
    const typo = await cli(['backfill', '--source', 'veza-rnage', ...range, ...dirs(), '--state', e2e.ws.state]);

    expect(json.code).toBe(0);
    expect(json.json).toMatchObject({
      sourceId: `${SOURCE_ID}#backfill`,
      status: 'caught-up',
      done: true,
      range: { from: range[1], to: range[3] },
    });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain(`no source "veza-rnage" in ${e2e.ws.config} (did you mean "${SOURCE_ID}"?)`);
  });
});
