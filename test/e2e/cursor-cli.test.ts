/**
 * `audit-pump cursor show|reset|unlock` and `status` on leases and state folders, through the real
 * binary: a lease is named with its holder and expiry everywhere, `unlock` refuses a live or a
 * remote holder, the read-only commands find `npm start`'s state and create nothing.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_CURSOR_TABLE } from '../../shared/archive-layout.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import { ensureCursorTable, startDynamo } from '../../local/aws/dynamo.ts';
import { E2E_TIMEOUT_MS, cli, cliJson, killChildren } from '../helpers/cli-process.ts';

jest.setTimeout(E2E_TIMEOUT_MS);

const SOURCE_ID = 'veza-main';
const LIVE_OWNER = `local:${hostname()}:${process.pid}:e2e00001`;
const REMOTE_OWNER = '3f1c2a9e-lambda-request';
const HOUR = 3_600_000;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'audit-pump-cursor-'));
});
afterEach(async () => {
  killChildren();
  await rm(dir, { recursive: true, force: true });
});

const unlock = (state: string) => cli(['cursor', 'unlock', SOURCE_ID, '--state', state]);

/**
 * A state folder (`state` under the test's folder unless given) where `owner` holds the lease of
 * SOURCE_ID for an hour, and the lease's expiry in ISO time.
 */
async function stateWithLease(owner: string, state = join(dir, 'state')): Promise<{ state: string; until: string }> {
  const dynamo = await startDynamo({ path: state, command: 'test' });
  try {
    await ensureCursorTable(dynamo.client, LOCAL_CURSOR_TABLE);
    const leased = await new CursorStore({ client: dynamo.client, tableName: LOCAL_CURSOR_TABLE }).acquireLease(
      SOURCE_ID,
      owner,
      HOUR,
    );
    return { state, until: new Date(leased.leaseExpiresAt ?? 0).toISOString() };
  } finally {
    await dynamo.stop();
  }
}

describe('a held lease', () => {
  it('cursor unlock refuses a holder whose process is alive, naming it, and leaves the lease', async () => {
    // Prepare
    const { state } = await stateWithLease(LIVE_OWNER);

    // Act
    const unlocked = await unlock(state);
    const show = await cliJson<Array<{ lease?: unknown }>>(['cursor', 'show', SOURCE_ID, '--state', state, '--json']);

    // Assess
    expect(unlocked.code).toBe(1);
    expect(unlocked.stderr).toBe(
      `audit-pump cursor unlock: refusing to unlock ${SOURCE_ID}: its lease is held by process ${process.pid} on this machine (still running); it ends by itself when that run finishes\n`,
    );
    expect(show.json[0]?.lease).toMatchObject({ owner: LIVE_OWNER, releasable: false });
  });

  it('cursor unlock refuses a remote holder (a deployed run), which this machine cannot check', async () => {
    // Prepare
    const { state } = await stateWithLease(REMOTE_OWNER);

    // Act
    const unlocked = await unlock(state);

    // Assess
    expect(unlocked.code).toBe(1);
    expect(unlocked.stderr).toContain(`its lease is held by a run elsewhere (${REMOTE_OWNER})`);
  });

  it('cursor show, status and cursor reset name the holder and when its lease expires', async () => {
    // Prepare
    const { state, until } = await stateWithLease(REMOTE_OWNER);

    // Act
    const show = await cli(['cursor', 'show', '--state', state]);
    const status = await cli([
      'status',
      '--state',
      state,
      '--archive',
      join(dir, 'archive'),
      '--config',
      join(dir, 'none.json'),
    ]);
    const reset = await cli(['cursor', 'reset', SOURCE_ID, '--state', state]);

    // Assess
    expect(show.stdout).toMatch(
      new RegExp(`^${SOURCE_ID} .* a run elsewhere \\(${REMOTE_OWNER}\\) until ${until}$`, 'm'),
    );
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${SOURCE_ID}: lease held by a run elsewhere (${REMOTE_OWNER}) until ${until}`);
    expect(reset.code).toBe(1);
    expect(reset.stderr).toBe(
      `audit-pump cursor reset: cannot reset ${SOURCE_ID}: lease held by a run elsewhere (${REMOTE_OWNER}) until ${until}\n`,
    );
  });
});

describe('reading the state', () => {
  it("cursor show and status read npm start's state when .local/state does not exist", async () => {
    // Prepare
    await stateWithLease(REMOTE_OWNER, join(dir, '.local', 'start', 'state'));

    // Act
    const show = await cli(['cursor', 'show'], dir);
    const status = await cli(['status'], dir);

    // Assess
    expect(show.code).toBe(0);
    expect(show.stderr).toBe(
      'audit-pump cursor show: no state under .local/state; reading .local/start/state (the state of npm start)\n',
    );
    expect(show.stdout).toMatch(new RegExp(`^${SOURCE_ID} `, 'm'));
    expect(status.stdout).toMatch(new RegExp(`^${SOURCE_ID} `, 'm'));
    expect(existsSync(join(dir, '.local', 'state'))).toBe(false);
  });

  it('cursor show and status in a folder where nothing ran say so and create nothing', async () => {
    // Act
    const show = await cli(['cursor', 'show'], dir);
    const json = await cli(['cursor', 'show', '--json'], dir);
    const status = await cli(['status'], dir);

    // Assess
    expect(show).toMatchObject({ code: 0, stdout: 'no cursors under .local/state (nothing has run there yet)\n' });
    expect(json.stdout).toBe('[]\n');
    expect(status.code).toBe(0);
    expect(await readdir(dir)).toEqual([]);
  });
});
