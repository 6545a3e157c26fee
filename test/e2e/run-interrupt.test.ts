/**
 * `audit-pump run` stopped the hard ways (docs/guarantees.md): SIGKILL in the middle of a drain,
 * Ctrl-C once (stop at the next page boundary) and twice (quit at once), and a second process on the
 * same state folder. Each time, the rerun archives every event the vendor holds: nothing committed
 * is lost, because the local Firehose answers only once the records are on disk.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readArchive } from '../../local/query/archive-reader.ts';
import { JOURNAL_DIR } from '../../local/aws/firehose-writer.ts';
import { startVezaEmulator, type VezaEmulator } from '../../functions/veza/emulator/emulator.ts';
import { eventUid } from '../../shared/ocsf.ts';
import { E2E_TIMEOUT_MS, cli, killChildren, spawnCli, type Cli } from '../helpers/cli-process.ts';
import { cliWorkspace, daysAgo, type CliWorkspace } from '../helpers/cli-workspace.ts';
import { waitFor } from '../helpers/wait.ts';

const SOURCE_ID = 'veza-interrupt';
const TOKEN = 'veza-interrupt-key-9c1d';

let emulator: VezaEmulator;
let ws: CliWorkspace;

/** A Veza stand-in answering each page after `latencyMs`, and a source config pointing at it. */
async function serve(latencyMs = 0): Promise<void> {
  emulator = await startVezaEmulator({ token: TOKEN, backlog: 6000, seed: 21, latencyMs });
  await ws.writeSources([
    {
      id: SOURCE_ID,
      vendor: 'veza',
      baseUrl: emulator.baseUrl,
      credentials: { token: TOKEN },
      startFrom: daysAgo(7),
      options: { pageSize: 50 },
    },
  ]);
}

beforeEach(async () => {
  ws = await cliWorkspace('run-interrupt-');
  await serve();
});
afterEach(async () => {
  killChildren();
  await emulator.stop();
  await ws.remove();
});

const runArgs = (): string[] => ws.runArgs();

/** Starts `run` and resolves once the local Firehose has acknowledged a first batch (its journal exists). */
async function runningDrain(): Promise<Cli> {
  const running = spawnCli(runArgs());
  await waitFor(
    'the first batch acknowledged by the local Firehose',
    async () =>
      (await readdir(join(ws.archive, JOURNAL_DIR)).catch(() => [])).length > 0 || running.child.exitCode !== null,
    { timeoutMs: 20_000 },
  );
  expect(running.child.exitCode).toBeNull();
  return running;
}

/** Every event of the emulator is archived (duplicates allowed, each with the vendor's bytes). */
async function expectComplete(): Promise<void> {
  const archived = new Map(
    (await readArchive(ws.archive)).map(({ record }) => [(record.metadata as { uid: string }).uid, record.raw_data]),
  );
  const missing = emulator.events().filter((e) => archived.get(eventUid('veza', SOURCE_ID, e.id)) !== e.text);
  expect({ missing: missing.length, of: emulator.events().length }).toEqual({ missing: 0, of: 6000 });
}

describe('audit-pump run, interrupted', () => {
  it(
    'SIGKILL mid-drain: the lease it leaves can be unlocked, and the rerun loses nothing',
    async () => {
      // Prepare
      const running = await runningDrain();
      await new Promise((resolve) => setTimeout(resolve, 400));

      // Act
      running.child.kill('SIGKILL');
      const killed = await running.done;
      const unlock = await cli(['cursor', 'unlock', SOURCE_ID, '--state', ws.state]);
      const rerun = await cli(runArgs());

      // Assess
      expect(killed.signal).toBe('SIGKILL');
      expect({ code: unlock.code, stdout: unlock.stdout }).toEqual({
        code: 0,
        stdout: expect.stringMatching(
          /released the lease of veza-interrupt left by process \d+ on this machine \(gone\)/,
        ),
      });
      expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
      await expectComplete();
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'Ctrl-C once: stops at the next page boundary, says where, releases the lease; the rerun goes on',
    async () => {
      // Prepare
      const running = await runningDrain();

      // Act
      running.child.kill('SIGINT');
      const stopped = await running.done;
      const rerun = await cli(runArgs());

      // Assess
      expect(stopped.code).toBe(130);
      expect(stopped.stderr).toMatch(/stopping at the next page boundary \(Ctrl-C again to quit at once\)/);
      expect(stopped.stdout).toMatch(
        new RegExp(
          `^${SOURCE_ID}: stopped, \\d+ events, \\d+ pages, 0 dead-lettered — cursor export stream opened at \\S+, delivered up to \\S+$`,
          'm',
        ),
      );
      expect(stopped.stdout).toMatch(/stopped by request: every committed page is archived/);
      expect(rerun.stdout).toMatch(/all 1 source\(s\) caught up/);
      await expectComplete();
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'Ctrl-C twice: quits at once, still safe; the lease is released by unlock and the rerun loses nothing',
    async () => {
      // Prepare
      const running = await runningDrain();

      // Act
      running.child.kill('SIGINT');
      running.child.kill('SIGINT');
      const quit = await running.done;
      await cli(['cursor', 'unlock', SOURCE_ID, '--state', ws.state]);
      const rerun = await cli(runArgs());

      // Assess
      expect(quit.code).toBe(130);
      expect(rerun.code).toBe(0);
      await expectComplete();
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a second process on the same state folder: one line naming the holder, a non-zero exit, nothing harmed',
    async () => {
      // Prepare: pages slow enough (120 × 100 ms) that the drain outlasts two more CLI starts on a loaded machine
      await emulator.stop();
      await serve(100);
      const running = await runningDrain();

      // Act
      const second = await cli(['cursor', 'show', '--state', ws.state]);
      const unlock = await cli(['cursor', 'unlock', SOURCE_ID, '--state', ws.state]);
      const first = await running.done;

      // Assess
      expect(second.code).toBe(1);
      expect(second.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          new RegExp(
            `^audit-pump cursor show: the state folder .* is in use by process ${running.child.pid} \\(audit-pump run, since .*\\); wait for it to finish or stop it$`,
          ),
        ),
      ]);
      expect(unlock.code).toBe(1);
      expect(first.code).toBe(0);
      await expectComplete();
    },
    E2E_TIMEOUT_MS,
  );
});
