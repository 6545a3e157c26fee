/**
 * `audit-pump` with a Carbon Black source, as users run it: `node bin/audit-pump.js ...` in a child
 * process against the emulator on a loopback port, state and archive in temp dirs. Search mode
 * drains the org once per occurrence; queue mode spools under `--state` and leaves nothing behind.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  startCarbonBlackEmulator,
  type CarbonBlackEmulator,
  type CbApiKey,
} from '../../functions/carbonblack/emulator/emulator.ts';
import { eventUid } from '../../shared/ocsf.ts';
import { E2E_TIMEOUT_MS, cli, killChildren, spawnCli, waitForStdout } from '../helpers/cli-process.ts';
import { cliWorkspace, daysAgo, statusOf, type CliWorkspace } from '../helpers/cli-workspace.ts';

const SOURCE_ID = 'cb-e2e';
const KEY: CbApiKey = { id: 'E2EKEY0001', secret: 'E2ESECRETKEY000000000001' };

afterEach(killChildren);

const summaryOf = (stdout: string) => statusOf(stdout, SOURCE_ID);

let emulator: CarbonBlackEmulator;
let ws: CliWorkspace;

const writeConfig = (
  options: Record<string, unknown> = {},
  credentials = { apiId: KEY.id, apiSecret: KEY.secret },
  settleLagSeconds?: number,
): Promise<string> =>
  ws.writeSources([
    {
      id: SOURCE_ID,
      vendor: 'carbonblack',
      baseUrl: emulator.baseUrl,
      credentials,
      startFrom: daysAgo(7),
      options: { orgKey: emulator.orgKey, rows: 100, ...options },
      ...(settleLagSeconds !== undefined ? { settleLagSeconds } : {}),
    },
  ]);

/** The `from` of the source's stored search cursor (the end of the last window read), from the CLI's state. */
const storedFrom = async (): Promise<string> => ((await ws.storedCursor(SOURCE_ID)) as { from: string }).from;
const runArgs = (): string[] => ws.runArgs();
const archivedUids = (): Promise<string[]> => ws.archivedUids();
const uidsOf = (ids: readonly string[]): string[] => ids.map((id) => eventUid('carbonblack', SOURCE_ID, id)).sort();

beforeEach(async () => {
  emulator = await startCarbonBlackEmulator({ apiKeys: [KEY], seed: 9, backlog: 300, queueBatch: 80 });
  ws = await cliWorkspace('audit-pump-cb-e2e-');
  await writeConfig();
});

afterEach(async () => {
  await emulator.stop();
  await ws.remove();
});

describe('audit-pump run with a Carbon Black source', () => {
  it(
    'drains the org in search mode: every event archived once per occurrence, exit 0',
    async () => {
      // Act
      const out = await cli(runArgs());

      // Assess
      expect(out.code).toBe(0);
      expect(summaryOf(out.stdout)).toEqual({ status: 'caught-up', events: emulator.events().length });
      expect(await archivedUids()).toEqual(uidsOf(emulator.nativeIds()));
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'reads the new events on the next run, but none newer than the settle lag',
    async () => {
      // Prepare
      await writeConfig({}, undefined, 1);
      expect((await cli(runArgs())).code).toBe(0);
      // Dated just after the end of the first run's last window (its stored cursor), and the second
      // run starts at least 3 s later, so they fall in its first window however loaded the machine is.
      const from = Date.parse(await storedFrom());
      const settled = emulator.addEvents(20, { atMs: from + 500 });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, from + 3000 - Date.now())));
      const unsettled = emulator.addEvents(5, { atMs: Date.now() + 60_000 });

      // Act
      const second = await cli(runArgs());

      // Assess
      expect(summaryOf(second.stdout)).toEqual({ status: 'caught-up', events: settled.length });
      const old = emulator.events().filter((e) => !unsettled.includes(e));
      expect(await archivedUids()).toEqual(uidsOf(emulator.nativeIds(old)));
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "drains the key's queue in queue mode, spooling under --state and leaving the spool empty",
    async () => {
      // Prepare
      await writeConfig({ mode: 'queue' });

      // Act
      const out = await cli(runArgs());

      // Assess
      expect(out.code).toBe(0);
      expect(summaryOf(out.stdout)).toEqual({ status: 'caught-up', events: emulator.enqueued(KEY.id).length });
      expect(await archivedUids()).toEqual(uidsOf(emulator.nativeIds(emulator.enqueued(KEY.id))));
      expect(await readdir(join(ws.state, 'spool'))).toEqual([]);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'fails with exit 1 and the 401 in the summary, never the secret, when the key is refused',
    async () => {
      // Prepare
      await writeConfig({}, { apiId: KEY.id, apiSecret: 'WRONGE2ESECRET0000000000' });

      // Act
      const out = await cli(runArgs());

      // Assess
      expect(out.code).toBe(1);
      expect(out.stdout).toMatch(/HTTP 401/);
      expect(out.stdout + out.stderr).not.toContain('WRONGE2ESECRET0000000000');
    },
    E2E_TIMEOUT_MS,
  );
});

describe('audit-pump emulate carbonblack', () => {
  it(
    'serves the emulator, prints its URL and an example source, and answers a search',
    async () => {
      // Act
      const running = spawnCli(['emulate', 'carbonblack', '--backlog', '10']);
      const [, url = ''] = await waitForStdout(
        running,
        /carbonblack emulator listening on (http:\/\/127\.0\.0\.1:\d+)[\s\S]*\n\}\n/,
      );
      const stdout = running.stdout();
      const example = JSON.parse(stdout.slice(stdout.indexOf('{'))) as {
        sources: Array<{ credentials: { apiId: string; apiSecret: string }; options: { orgKey: string } }>;
      };
      const [source] = example.sources;
      const reply = await fetch(`${url}/audit_log/v1/orgs/${source?.options.orgKey ?? ''}/logs/_search`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-auth-token': `${source?.credentials.apiSecret ?? ''}/${source?.credentials.apiId ?? ''}`,
        },
        body: '{"rows":1}',
      });
      running.child.kill('SIGINT');
      const out = await running.done;
      const status = reply.status;

      // Assess
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(status).toBe(200);
      expect(out.code).toBe(0);
    },
    E2E_TIMEOUT_MS,
  );
});
