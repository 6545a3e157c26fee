/**
 * `audit-pump run` for operators and scripts, through the real binary against a Veza emulator:
 * --dry-run checks config, credentials and the vendor and moves nothing; --json; retry and
 * throttle notices on stderr; a source whose secret is in Secrets Manager is refused locally with
 * the reason; `status` then shows how each source's last run ended.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readArchive } from '../../local/query/archive-reader.ts';
import { startSecretsEmulator, type SecretsEmulator } from '../../local/aws/secrets-emulator.ts';
import { startVezaEmulator, type VezaEmulator } from '../../functions/veza/emulator/emulator.ts';
import { E2E_TIMEOUT_MS, cli, freePort, killChildren } from '../helpers/cli-process.ts';
import { cliWorkspace, daysAgo, type CliWorkspace } from '../helpers/cli-workspace.ts';

const SOURCE_ID = 'veza-ops';
const TOKEN = 'veza-ops-api-key-77b1';
const BACKLOG = 250;

let emulator: VezaEmulator;
let ws: CliWorkspace;

const writeConfig = (source: Record<string, unknown> = {}): Promise<string> =>
  ws.writeSources([
    {
      id: SOURCE_ID,
      vendor: 'veza',
      baseUrl: emulator.baseUrl,
      credentials: { token: TOKEN },
      startFrom: daysAgo(7),
      options: { pageSize: 100 },
      ...source,
    },
  ]);
const dirs = (): string[] => ['--state', ws.state, '--archive', ws.archive];

beforeEach(async () => {
  emulator = await startVezaEmulator({ port: 0, token: TOKEN, seed: 3, backlog: BACKLOG });
  ws = await cliWorkspace('audit-pump-ops-');
  await writeConfig();
});
afterEach(async () => {
  killChildren();
  await emulator.stop();
  await ws.remove();
});

describe('audit-pump run --dry-run', () => {
  it(
    'asks the vendor once, says the source is ready, and moves no cursor and archives nothing',
    async () => {
      // Prepare: a first real run, so there is a cursor that must not move.
      expect((await cli(['run', '--config', ws.config, ...dirs()])).code).toBe(0);
      emulator.addEvents(40);
      const before = await cli(['cursor', 'show', '--state', ws.state, '--json']);
      const archived = (await readArchive(ws.archive)).length;
      const requests = emulator.stats.requests;

      // Act
      const dry = await cli(['run', '--config', ws.config, ...dirs(), '--dry-run']);

      // Assess
      expect(dry.code).toBe(0);
      expect(dry.stdout).toBe(
        `${SOURCE_ID}: ok — credentials accepted; the first page from startFrom holds 100 record(s)\nall 1 source(s) ready; nothing was delivered and no cursor moved\n`,
      );
      expect(emulator.stats.requests).toBe(requests + 1);
      const after = await cli(['cursor', 'show', '--state', ws.state, '--json']);
      expect(JSON.parse(after.stdout).map(({ lagSeconds: _l, ...row }: Record<string, unknown>) => row)).toEqual(
        JSON.parse(before.stdout).map(({ lagSeconds: _l, ...row }: Record<string, unknown>) => row),
      );
      expect((await readArchive(ws.archive)).length).toBe(archived);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'on a fresh checkout it creates no state and no archive',
    async () => {
      const dry = await cli(['run', '--config', ws.config, ...dirs(), '--dry-run', '--json']);

      expect(dry.code).toBe(0);
      expect(JSON.parse(dry.stdout)).toEqual({
        dryRun: true,
        sources: [
          {
            sourceId: SOURCE_ID,
            vendor: 'veza',
            ok: true,
            step: 'vendor',
            detail: expect.stringContaining('credentials accepted'),
          },
        ],
      });
      expect([existsSync(ws.state), existsSync(ws.archive)]).toEqual([false, false]);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'names the step that fails: a refused key at the vendor, exit 1, the key never printed',
    async () => {
      await writeConfig({ credentials: { token: 'not-the-key-1234' } });

      const dry = await cli(['run', '--config', ws.config, '--dry-run', ...dirs()]);

      expect(dry.code).toBe(1);
      expect(dry.stdout).toMatch(
        new RegExp(
          `^${SOURCE_ID}: FAILED at vendor — AuthError: GET http://127\\.0\\.0\\.1:\\d+/api/preview/system/audit/export\\?… \\(attempt 1/2\\) → HTTP 401`,
        ),
      );
      expect(dry.stdout + dry.stderr).not.toContain('not-the-key-1234');
    },
    E2E_TIMEOUT_MS,
  );

  describe('with a secret in Secrets Manager', () => {
    let secrets: SecretsEmulator;
    beforeEach(async () => {
      secrets = await startSecretsEmulator({ secrets: { 'audit-pump/veza-ops': JSON.stringify({ token: TOKEN }) } });
    });
    afterEach(() => secrets.stop());

    it(
      "reads the secret with the caller's AWS credentials and checks the vendor with it",
      async () => {
        // Prepare
        await writeConfig({ credentials: undefined, secretName: 'audit-pump/veza-ops' });
        const aws = {
          AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
        };

        // Act
        const dry = await cli(['run', '--config', ws.config, '--dry-run'], undefined, aws);
        const real = await cli(['run', '--config', ws.config, ...dirs()], undefined, aws);

        // Assess
        expect(dry.code).toBe(0);
        expect(dry.stdout).toContain(`${SOURCE_ID}: ok — credentials accepted`);
        expect(real.code).toBe(1);
        expect(real.stderr).toBe(
          `audit-pump run: ${SOURCE_ID} (secretName audit-pump/veza-ops) in ${ws.config} reads its credentials from AWS Secrets Manager, which local runs do not reach: for a local run give the source inline "credentials" instead of "secretName" (in a sources file of your own, never committed), or run the deployed function\n`,
        );
      },
      E2E_TIMEOUT_MS,
    );
  });
});

describe('audit-pump run, piped', () => {
  it(
    '--json prints one JSON summary on stdout',
    async () => {
      const out = await cli(['run', '--config', ws.config, ...dirs(), '--json']);

      expect(out.code).toBe(0);
      expect(JSON.parse(out.stdout)).toEqual({
        sources: [{ sourceId: SOURCE_ID, status: 'caught-up', events: BACKLOG, pages: 4, rejected: 0 }],
        stopped: false,
        archive: ws.archive,
      });
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'says on stderr each retry after a server error, and when the next attempt comes',
    async () => {
      emulator.faults.serverErrorNext = 1;

      const out = await cli(['run', '--config', ws.config, ...dirs()]);

      expect(out.code).toBe(0);
      expect(out.stderr).toMatch(
        new RegExp(`^audit-pump run: ${SOURCE_ID}: HTTP 503 on attempt 1; retrying in \\d+\\.\\d s$`, 'm'),
      );
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'says on stderr each retry against a vendor that does not answer, then fails once in the summary',
    async () => {
      await writeConfig({ baseUrl: `http://127.0.0.1:${await freePort()}` });

      const out = await cli(['run', '--config', ws.config, ...dirs()]);

      expect(out.code).toBe(1);
      expect(
        out.stderr.match(
          new RegExp(`^audit-pump run: ${SOURCE_ID}: network on attempt \\d; retrying in \\d+\\.\\d s$`, 'gm'),
        ),
      ).toHaveLength(4);
      // The error itself, once: in the summary, its URL's query string elided.
      expect(`${out.stdout}${out.stderr}`.match(/ECONNREFUSED/g)).toHaveLength(1);
      expect(out.stdout).toMatch(
        new RegExp(
          `^${SOURCE_ID}: failed, 0 events, 0 pages, 0 dead-lettered — HttpNetworkError: GET http://127\\.0\\.0\\.1:\\d+/api/preview/system/audit/export\\?… \\(attempt 5/5\\)`,
          'm',
        ),
      );
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'names a mistyped --source with a suggestion and exits 1 without running',
    async () => {
      const out = await cli(['run', '--config', ws.config, ...dirs(), '--source', 'veza-osp']);

      expect(out.code).toBe(1);
      expect(out.stderr).toBe(
        `audit-pump run: no source "veza-osp" in ${ws.config} (did you mean "${SOURCE_ID}"?); its sources: ${SOURCE_ID}\n`,
      );
      expect(emulator.stats.requests).toBe(0);
    },
    E2E_TIMEOUT_MS,
  );
});

describe('audit-pump status after runs', () => {
  it(
    'shows the last result and error of each source, its dead letters and its next run',
    async () => {
      // Prepare
      expect((await cli(['run', '--config', ws.config, ...dirs()])).code).toBe(0);
      await writeConfig({ credentials: { token: 'refused-key-0000' } });
      expect((await cli(['run', '--config', ws.config, ...dirs()])).code).toBe(1);

      // Act
      const status = await cli(['status', '--config', ws.config, ...dirs(), '--json']);

      // Assess
      expect(status.code).toBe(0);
      const [row] = JSON.parse(status.stdout) as Array<Record<string, unknown>>;
      expect(row).toMatchObject({
        sourceId: SOURCE_ID,
        vendor: 'veza',
        lastResult: 'failed',
        lastError: expect.stringContaining('HTTP 401'),
        deadLettered: 0,
        schedule: 'rate(5 minutes)',
        nextRunAt: expect.stringMatching(/Z$/),
      });
      expect(row?.lastSuccessAt).toEqual(expect.stringMatching(/Z$/));
    },
    E2E_TIMEOUT_MS,
  );
});
