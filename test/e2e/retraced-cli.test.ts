/**
 * `audit-pump` against a Retraced emulator, as users run it: `node bin/audit-pump.js ...` in a child
 * process, with state and archive in temp dirs (modelled on cli.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  LOCAL_RETRACED_TOKEN,
  RETRACED_GRAPHQL_PATH,
  startRetracedEmulator,
  type RetracedEmulator,
} from '../../functions/retraced/emulator/emulator.ts';
import { eventUid } from '../../shared/ocsf.ts';
import { E2E_TIMEOUT_MS, cli, killChildren, spawnCli, summaryOf, waitForStdout } from '../helpers/cli-process.ts';
import { cliWorkspace, daysAgo, type CliWorkspace } from '../helpers/cli-workspace.ts';

const SOURCE_ID = 'retraced-e2e';
const TOKEN = 'e2e0c0de1a2b3c4d5e6f708192a3b4c5';
const BACKLOG = 300;
const PAGE_SIZE = 100;

afterEach(killChildren);

describe('audit-pump with a Retraced source', () => {
  let emulator: RetracedEmulator;
  let ws: CliWorkspace;
  const runArgs = (): string[] => ws.runArgs();
  const uids = (): Promise<string[]> => ws.archivedUids();

  /** The token group's events received before the stored window start, as uids. */
  async function expectedUids(): Promise<string[]> {
    const boundary = Date.parse(((await ws.storedCursor(SOURCE_ID)) as { from?: string } | undefined)?.from ?? '');
    return emulator
      .events()
      .filter((e) => e.received < boundary)
      .map((e) => eventUid('retraced', SOURCE_ID, e.id))
      .sort();
  }

  const writeConfig = (source: Record<string, unknown> = {}): Promise<string> =>
    ws.writeSources([
      {
        id: SOURCE_ID,
        vendor: 'retraced',
        baseUrl: emulator.baseUrl,
        credentials: { token: TOKEN },
        startFrom: daysAgo(3),
        settleLagSeconds: 1,
        options: { pageSize: PAGE_SIZE },
        ...source,
      },
    ]);

  beforeEach(async () => {
    emulator = await startRetracedEmulator({ port: 0, token: TOKEN, seed: 5, backlog: BACKLOG, ingestDelayMs: 50 });
    ws = await cliWorkspace('audit-pump-retraced-e2e-');
    await writeConfig();
  });

  afterEach(async () => {
    await emulator.stop();
    await ws.remove();
  });

  it(
    'drains the backlog into the archive and exits 0; every event once, no strangers',
    async () => {
      // Act
      const out = await cli(runArgs());

      // Assess
      expect(out.code).toBe(0);
      expect(summaryOf(out.stdout, SOURCE_ID)?.status).toBe('caught-up');
      expect(await uids()).toEqual(await expectedUids());
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "reads the events published since, and the first run's own reads, on the next run",
    async () => {
      // Prepare
      expect((await cli(runArgs())).code).toBe(0);
      emulator.addEvents(25);
      await new Promise((resolve) => setTimeout(resolve, 1500));

      // Act
      const second = await cli(runArgs());

      // Assess
      expect(second.code).toBe(0);
      expect(summaryOf(second.stdout, SOURCE_ID)?.events).toBeGreaterThanOrEqual(25);
      expect(await uids()).toEqual(await expectedUids());
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'fails with exit 1 and the 401 in the summary when Retraced refuses the token, never printing it',
    async () => {
      // Prepare
      await writeConfig({ credentials: { token: 'not-the-token-0a9c' } });

      // Act
      const out = await cli(runArgs());

      // Assess
      expect(out.code).toBe(1);
      expect(out.stdout).toMatch(/HTTP 401.*Unauthorized/);
      expect(`${out.stdout}${out.stderr}`).not.toContain('not-the-token-0a9c');
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'says on stderr when Retraced asks to wait (429, Retry-After) and how long, then goes on',
    async () => {
      // Prepare
      emulator.faults.rateLimitNext = 1;
      emulator.faults.retryAfterSeconds = 1;

      // Act
      const out = await cli(runArgs());

      // Assess
      expect(out.code).toBe(0);
      expect(out.stderr).toMatch(
        new RegExp(
          `^audit-pump run: ${SOURCE_ID}: vendor asked for 1\\.0 s \\(HTTP 429\\); waiting \\(attempt 1 was refused\\)$`,
          'm',
        ),
      );
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'serves the emulator with `audit-pump emulate retraced` and the local token',
    async () => {
      // Prepare
      const running = spawnCli(['emulate', 'retraced', '--port', '0']);
      const [, url] = await waitForStdout(running, /listening on (http:\/\/127\.0\.0\.1:\d+)/);

      // Act
      const reply = await fetch(`${url}${RETRACED_GRAPHQL_PATH}`, {
        method: 'POST',
        headers: { authorization: `token=${LOCAL_RETRACED_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ search(first: 1) { totalCount } }' }),
      });
      running.child.kill('SIGINT');

      // Assess
      expect(reply.status).toBe(200);
    },
    E2E_TIMEOUT_MS,
  );
});
