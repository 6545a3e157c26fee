/**
 * The `audit-pump` command line against the Nected emulator, as users run it (modelled on cli.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import {
  NECTED_LOCAL_API_KEY,
  startNectedEmulator,
  type NectedEmulator,
} from '../../functions/nected/emulator/emulator.ts';
import { eventUid } from '../../shared/ocsf.ts';
import { E2E_TIMEOUT_MS, cli, killChildren, spawnCli, waitForStdout } from '../helpers/cli-process.ts';
import { cliWorkspace, daysAgo, statusOf, type CliWorkspace } from '../helpers/cli-workspace.ts';

const SOURCE_ID = 'nected-e2e';
const API_KEY = 'nected-e2e-api-key-93b1';
const BACKLOG = 200;

let emulator: NectedEmulator;
let ws: CliWorkspace;

/** Writes the sources file: one Nected v1 source on the emulator, a minute's settle lag, startFrom three days ago. */
const writeConfig = (source: Record<string, unknown> = {}): Promise<string> =>
  ws.writeSources([
    {
      id: SOURCE_ID,
      vendor: 'nected',
      baseUrl: emulator.baseUrl,
      credentials: { apiKey: API_KEY },
      startFrom: daysAgo(3),
      settleLagSeconds: 60,
      options: { branch: 'main' },
      ...source,
    },
  ]);
const summaryOf = (stdout: string) => statusOf(stdout, SOURCE_ID);
/** The `from` of the source's stored cursor (the end of the last window read), from the CLI's state. */
const storedFrom = async (): Promise<string> => ((await ws.storedCursor(SOURCE_ID)) as { from: string }).from;
const runArgs = (): string[] => ws.runArgs();
const archivedUids = (): Promise<string[]> => ws.archivedUids();
const emulatorUids = (): string[] =>
  emulator
    .events()
    .map((e) => eventUid('nected', SOURCE_ID, e.id))
    .sort();

beforeEach(async () => {
  emulator = await startNectedEmulator({ apiKey: API_KEY, seed: 5, backlog: BACKLOG });
  ws = await cliWorkspace('audit-pump-nected-e2e-');
  await writeConfig();
});

afterEach(async () => {
  killChildren();
  await emulator.stop();
  await ws.remove();
});

describe('audit-pump run with a Nected source', () => {
  it(
    'drains the settled backlog while events arrive at the head, exits 0, archives every settled event once',
    async () => {
      // Prepare
      emulator.faults.headInsertsPerSearch = 1;

      // Act
      const out = await cli(runArgs());

      // Assess
      expect(out.code).toBe(0);
      expect(summaryOf(out.stdout)).toEqual({ status: 'caught-up', events: BACKLOG });
      const backlog = emulator
        .events()
        .slice(0, BACKLOG)
        .map((e) => eventUid('nected', SOURCE_ID, e.id))
        .sort();
      expect(await archivedUids()).toEqual(backlog);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'reads the events that settled since on the next run, and then holds every event exactly once',
    async () => {
      // Prepare
      expect((await cli(runArgs())).code).toBe(0);
      // Dated just after the end of the first run's last window (read from its stored cursor), so they
      // fall in the second run's first window however long the runs took on a loaded machine.
      const from = Date.parse(await storedFrom());
      emulator.addEvents(25, { ageMs: Date.now() - (from + 500) });
      // The second run opens a window only once a second more has settled (60 s lag): a run started
      // sooner (a fast machine) would rightly find nothing yet, so wait until the events are 2 s settled.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, from + 500 + 60_000 + 2_000 - Date.now())));

      // Act
      const second = await cli(runArgs());

      // Assess
      expect(second.code).toBe(0);
      expect(summaryOf(second.stdout)).toEqual({ status: 'caught-up', events: 25 });
      expect(await archivedUids()).toEqual(emulatorUids());
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'fails with exit 1 and the 401 in the summary, never the key, when Nected refuses the API key',
    async () => {
      // Prepare
      await writeConfig({ credentials: { apiKey: 'not-the-key-5e0d' } });

      // Act
      const out = await cli(runArgs());

      // Assess
      expect(out.code).toBe(1);
      expect(summaryOf(out.stdout)?.status).toBe('failed');
      expect(out.stdout).toMatch(/HTTP 401/);
      expect(`${out.stdout}${out.stderr}`).not.toContain('not-the-key-5e0d');
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'refuses a v1 source without a branch, naming the option',
    async () => {
      // Prepare
      await writeConfig({ options: {} });

      // Act
      const out = await cli(runArgs());

      // Assess
      expect(out.code).not.toBe(0);
      expect(out.stderr).toContain(`sources[0] (${SOURCE_ID}).options.branch: is required when api is "v1"`);
      expect(emulator.stats.requests).toBe(0);
    },
    E2E_TIMEOUT_MS,
  );
});

describe('audit-pump emulate nected', () => {
  it(
    'serves the emulator, prints its URL and a sources example, and exits 0 on SIGINT',
    async () => {
      // Act
      const running = spawnCli(['emulate', 'nected', '--backlog', '30']);
      const [, url] = await waitForStdout(running, /nected emulator listening on (http:\/\/127\.0\.0\.1:\d+)/);
      const page = await fetch(`${url}/dev/v1/audit/audit/search?pageNo=1&pageSize=10`, {
        headers: { 'Nected-API-Key': NECTED_LOCAL_API_KEY, 'Nected-Branch': 'main' },
      });
      running.child.kill('SIGINT');
      const out = await running.done;

      // Assess
      expect(page.status).toBe(200);
      expect(((await page.json()) as { totalCount: number }).totalCount).toBe(30);
      expect(out.stdout).toContain('"branch": "main"');
      expect([out.code, out.signal]).toEqual([0, null]);
    },
    E2E_TIMEOUT_MS,
  );
});
