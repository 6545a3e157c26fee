/**
 * `audit-pump run` and `audit-pump emulate` for Authentic8, as users run them: the real CLI in a
 * child process against an Authentic8 emulator started here on a loopback port.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readArchive } from '../../local/query/archive-reader.ts';
import {
  AUTHENTIC8_LOCAL_TOKEN,
  authentic8NativeId,
  startAuthentic8Emulator,
  type Authentic8Emulator,
} from '../../functions/authentic8/emulator/emulator.ts';
import { eventUid } from '../../shared/ocsf.ts';
import { E2E_TIMEOUT_MS, freePort, killChildren, spawnCli, waitForStdout } from '../helpers/cli-process.ts';
import { cliWorkspace, daysAgo, statusOf, type CliWorkspace } from '../helpers/cli-workspace.ts';

const SOURCE_ID = 'authentic8-e2e';
const TOKEN = Buffer.from('authentic8-e2e-token-777').toString('base64');
const TYPES = ['URL', 'AUTH', 'ADMIN_AUDIT', 'BLOCKED URL', 'LOCATION CHANGE'];

afterEach(killChildren);

const summaryOf = (stdout: string) => statusOf(stdout, SOURCE_ID);

let emulator: Authentic8Emulator;
let ws: CliWorkspace;

const writeConfig = (source: Record<string, unknown> = {}): Promise<string> =>
  ws.writeSources([
    {
      id: SOURCE_ID,
      vendor: 'authentic8',
      baseUrl: emulator.baseUrl,
      credentials: { token: TOKEN },
      startFrom: daysAgo(7),
      options: { org: 'Acme Corp', types: TYPES },
      ...source,
    },
  ]);

const runArgs = (): string[] => ws.runArgs();
const served = () => emulator.events().filter((e) => TYPES.includes(e.type));

beforeEach(async () => {
  emulator = await startAuthentic8Emulator({ port: 0, token: TOKEN, seed: 5, backlog: 300 });
  ws = await cliWorkspace('audit-pump-a8-e2e-');
  await writeConfig();
});

afterEach(async () => {
  await emulator.stop();
  await ws.remove();
});

describe('audit-pump run: Authentic8', () => {
  it(
    'drains several types into the archive and exits 0; the next run reads only new logs; raw_data byte-exact',
    async () => {
      // Act
      const first = await spawnCli(runArgs()).done;
      emulator.addEvents(6, { type: 'BLOCKED URL' });
      const second = await spawnCli(runArgs()).done;

      // Assess
      expect([first.code, second.code]).toEqual([0, 0]);
      expect(summaryOf(first.stdout)).toEqual({ status: 'caught-up', events: served().length - 6 });
      expect(summaryOf(second.stdout)).toEqual({ status: 'caught-up', events: 6 });
      const archived = await readArchive(ws.archive);
      const raw = new Map(archived.map((a) => [(a.record.metadata as { uid: string }).uid, a.record.raw_data]));
      expect(archived).toHaveLength(served().length);
      expect(
        served().filter((e) => raw.get(eventUid('authentic8', SOURCE_ID, authentic8NativeId(e))) !== e.text),
      ).toEqual([]);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'fails with exit 1 and a clear message on a refused token, never printing it',
    async () => {
      // Prepare
      const wrong = Buffer.from('refused-e2e-token-000000').toString('base64');
      await writeConfig({ credentials: { token: wrong } });

      // Act
      const out = await spawnCli(runArgs()).done;

      // Assess
      expect(out.code).toBe(1);
      expect(summaryOf(out.stdout)?.status).toBe('failed');
      expect(out.stdout).toContain('authentic8 refused the auth token');
      expect(out.stdout + out.stderr).not.toContain(wrong);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'fails with exit 1 naming the org when the token cannot see it',
    async () => {
      // Prepare
      await writeConfig({ options: { org: 'Analysts', types: TYPES } });

      // Act
      const out = await spawnCli(runArgs()).done;

      // Assess
      expect(out.code).toBe(1);
      expect(out.stdout).toContain('authentic8 has no org "Analysts" for this token');
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'refuses invalid Authentic8 options with a message naming the option',
    async () => {
      // Prepare
      await writeConfig({ options: { org: 'Acme Corp', limit: 5000 } });

      // Act
      const out = await spawnCli(runArgs()).done;

      // Assess
      expect(out.code).not.toBe(0);
      expect(out.stderr).toMatch(new RegExp(`sources\\[0\\] \\(${SOURCE_ID}\\)\\.options\\.limit: `));
    },
    E2E_TIMEOUT_MS,
  );
});

describe('audit-pump emulate authentic8', () => {
  it(
    'serves the emulator on the given port with an example source naming org and types, and exits 0 on SIGINT',
    async () => {
      // Prepare
      const port = await freePort();

      // Act
      const running = spawnCli(['emulate', 'authentic8', '--port', String(port), '--backlog', '20']);
      await waitForStdout(running, /"types": "all"/);
      const reply = await fetch(`http://127.0.0.1:${port}/api/`, {
        method: 'POST',
        body: JSON.stringify([
          { command: 'setauth', data: AUTHENTIC8_LOCAL_TOKEN },
          { command: 'extractlog', org: 'Acme Corp', type: 'URL', start_seq: 0, limit: 1 },
        ]),
      });
      running.child.kill('SIGINT');
      const out = await running.done;

      // Assess
      expect(out.stdout).toContain(`authentic8 emulator listening on http://127.0.0.1:${port}`);
      expect(out.stdout).toContain('"org": "Acme Corp"');
      const [auth, page] = (await reply.json()) as [unknown, { result: { logs: unknown[] } }];
      expect(auth).toEqual({ result: 'setting auth from data' });
      expect(page.result.logs).toHaveLength(1);
      expect(out.code).toBe(0);
    },
    E2E_TIMEOUT_MS,
  );
});
