/**
 * `audit-pump run` stopped the hard ways (docs/guarantees.md): SIGKILL in the middle of a drain,
 * Ctrl-C once (stop at the next page boundary) and twice (quit at once), and a second process on the
 * same state folder. Each time, the rerun archives every event the vendor holds: nothing committed
 * is lost, because the local Firehose answers only once the records are on disk.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { JOURNAL_DIR } from '../../local/aws/firehose-writer.ts';
import { startVezaEmulator } from '../../functions/veza/emulator/emulator.ts';
import { E2E_TIMEOUT_MS, cli, spawnCli, type Cli, type Outcome } from '../helpers/cli-process.ts';
import { useVezaE2e } from '../helpers/e2e-veza.ts';
import { waitFor } from '../helpers/wait.ts';

jest.setTimeout(E2E_TIMEOUT_MS);

const SOURCE_ID = 'veza-interrupt';
const TOKEN = 'veza-interrupt-key-9c1d';

const EMULATOR = { backlog: 6000, seed: 21 };
const e2e = useVezaE2e(SOURCE_ID, { token: TOKEN, pageSize: 50, emulator: EMULATOR });

/** Starts `run` and resolves once the local Firehose has acknowledged a first batch (its journal exists). */
async function runningDrain(): Promise<Cli> {
  const running = spawnCli(e2e.ws.runArgs());
  await waitFor(
    'the first batch acknowledged by the local Firehose',
    async () =>
      (await readdir(join(e2e.ws.archive, JOURNAL_DIR)).catch(() => [])).length > 0 || running.child.exitCode !== null,
    { timeoutMs: 20_000 },
  );
  expect(running.child.exitCode).toBeNull();
  return running;
}

/** A drain sent `signals` once its first batch is acknowledged, to its end. */
async function interruptedDrain(...signals: NodeJS.Signals[]): Promise<Outcome> {
  const running = await runningDrain();
  for (const signal of signals) running.child.kill(signal);
  return running.done;
}

const unlock = (): Promise<Outcome> => cli(['cursor', 'unlock', SOURCE_ID, '--state', e2e.ws.state]);

/** Every event of the emulator is archived (duplicates allowed, each with the vendor's bytes). */
async function expectComplete(): Promise<void> {
  const events = e2e.emulator.events();
  expect({ missing: (await e2e.unlikeArchived(events)).length, of: events.length }).toEqual({ missing: 0, of: 6000 });
}

describe('audit-pump run, interrupted', () => {
  it('SIGKILL mid-drain: the lease it leaves can be unlocked, and the rerun loses nothing', async () => {
    // Prepare
    const running = await runningDrain();
    await new Promise((resolve) => setTimeout(resolve, 400));

    // Act
    running.child.kill('SIGKILL');
    const killed = await running.done;
    const unlocked = await unlock();
    const rerun = await e2e.run();

    // Assess
    expect(killed.signal).toBe('SIGKILL');
    expect({ code: unlocked.code, stdout: unlocked.stdout }).toEqual({
      code: 0,
      stdout: expect.stringMatching(
        /released the lease of veza-interrupt left by process \d+ on this machine \(gone\)/,
      ),
    });
    expect({ code: rerun.code, stderr: rerun.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    await expectComplete();
  });

  it('Ctrl-C once: stops at the next page boundary, says where, releases the lease; the rerun goes on', async () => {
    // Act
    const stopped = await interruptedDrain('SIGINT');
    const rerun = await e2e.run();

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
  });

  it('Ctrl-C twice: quits at once, still safe; the lease is released by unlock and the rerun loses nothing', async () => {
    // Act
    const quit = await interruptedDrain('SIGINT', 'SIGINT');
    await unlock();
    const rerun = await e2e.run();

    // Assess
    expect(quit.code).toBe(130);
    expect(rerun.code).toBe(0);
    await expectComplete();
  });

  it('a second process on the same state folder: one line naming the holder, a non-zero exit, nothing harmed', async () => {
    // Prepare: pages slow enough (120 × 100 ms) that the drain outlasts two more CLI starts on a loaded machine
    await e2e.restart(() => startVezaEmulator({ ...EMULATOR, token: TOKEN, latencyMs: 100 }));
    const running = await runningDrain();

    // Act
    const second = await cli(['cursor', 'show', '--state', e2e.ws.state]);
    const unlocked = await unlock();
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
    expect(unlocked.code).toBe(1);
    expect(first.code).toBe(0);
    await expectComplete();
  });
});
