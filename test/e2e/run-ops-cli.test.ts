/**
 * `audit-pump run` for operators and scripts, through the real binary against a Veza emulator:
 * --dry-run checks config, credentials and the vendor and moves nothing; --json; retry and
 * throttle notices on stderr; a source whose secret is in Secrets Manager is refused locally with
 * the reason; `status` then shows how each source's last run ended.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { existsSync } from 'node:fs';
import { readArchive } from '../../local/query/archive-reader.ts';
import { startSecretsEmulator, type SecretsEmulator } from '../../local/aws/secrets-emulator.ts';
import { E2E_TIMEOUT_MS, cli, cliJson, freePort } from '../helpers/cli-process.ts';
import { useVezaE2e } from '../helpers/e2e-veza.ts';

jest.setTimeout(E2E_TIMEOUT_MS);

const SOURCE_ID = 'veza-ops';
const TOKEN = 'veza-ops-api-key-77b1';
const BACKLOG = 250;

const e2e = useVezaE2e(SOURCE_ID, { token: TOKEN, pageSize: 100, emulator: { port: 0, seed: 3, backlog: BACKLOG } });
/** The stored cursors as `cursor show --json` prints them, but their lag (it grows as time passes). */
const cursorsButLag = async (): Promise<unknown[]> =>
  (await cliJson<Array<Record<string, unknown>>>(['cursor', 'show', '--state', e2e.ws.state, '--json'])).json.map(
    ({ lagSeconds: _l, ...row }) => row,
  );

describe('audit-pump run --dry-run', () => {
  it('asks the vendor once, says the source is ready, and moves no cursor and archives nothing', async () => {
    // Prepare: a first real run, so there is a cursor that must not move.
    expect((await e2e.run()).code).toBe(0);
    e2e.emulator.addEvents(40);
    const before = await cursorsButLag();
    const archived = (await readArchive(e2e.ws.archive)).length;
    const requests = e2e.emulator.stats.requests;

    // Act
    const dry = await e2e.run('--dry-run');

    // Assess
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(
      `${SOURCE_ID}: ok — credentials accepted; the first page from startFrom holds 100 record(s)\nall 1 source(s) ready; nothing was delivered and no cursor moved\n`,
    );
    expect(e2e.emulator.stats.requests).toBe(requests + 1);
    expect(await cursorsButLag()).toEqual(before);
    expect((await readArchive(e2e.ws.archive)).length).toBe(archived);
  });

  it('on a fresh checkout it creates no state and no archive', async () => {
    const dry = await cliJson(e2e.ws.runArgs('--dry-run', '--json'));

    expect(dry.code).toBe(0);
    expect(dry.json).toEqual({
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
    expect([existsSync(e2e.ws.state), existsSync(e2e.ws.archive)]).toEqual([false, false]);
  });

  it('names the step that fails: a refused key at the vendor, exit 1, the key never printed', async () => {
    await e2e.writeConfig({ credentials: { token: 'not-the-key-1234' } });

    const dry = await e2e.run('--dry-run');

    expect(dry.code).toBe(1);
    expect(dry.stdout).toMatch(
      new RegExp(
        `^${SOURCE_ID}: FAILED at vendor — AuthError: GET http://127\\.0\\.0\\.1:\\d+/api/preview/system/audit/export\\?… \\(attempt 1/2\\) → HTTP 401`,
      ),
    );
    expect(dry.stdout + dry.stderr).not.toContain('not-the-key-1234');
  });

  describe('with a secret in Secrets Manager', () => {
    let secrets: SecretsEmulator;
    beforeEach(async () => {
      secrets = await startSecretsEmulator({ secrets: { 'audit-pump/veza-ops': JSON.stringify({ token: TOKEN }) } });
    });
    afterEach(() => secrets.stop());

    it("reads the secret with the caller's AWS credentials and checks the vendor with it", async () => {
      // Prepare
      await e2e.writeConfig({ credentials: undefined, secretName: 'audit-pump/veza-ops' });
      const aws = {
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      };

      // Act
      const dry = await cli(['run', '--config', e2e.ws.config, '--dry-run'], undefined, aws);
      const real = await cli(e2e.ws.runArgs(), undefined, aws);

      // Assess
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain(`${SOURCE_ID}: ok — credentials accepted`);
      expect(real.code).toBe(1);
      expect(real.stderr).toBe(
        `audit-pump run: ${SOURCE_ID} (secretName audit-pump/veza-ops) in ${e2e.ws.config} reads its credentials from AWS Secrets Manager, which local runs do not reach: for a local run give the source inline "credentials" instead of "secretName" (in a sources file of your own, never committed), or run the deployed function\n`,
      );
    });
  });
});

describe('audit-pump run, piped', () => {
  it('--json prints one JSON summary on stdout', async () => {
    const out = await cliJson(e2e.ws.runArgs('--json'));

    expect(out.code).toBe(0);
    expect(out.json).toEqual({
      sources: [{ sourceId: SOURCE_ID, status: 'caught-up', events: BACKLOG, pages: 4, rejected: 0 }],
      stopped: false,
      archive: e2e.ws.archive,
    });
  });

  it('says on stderr each retry after a server error, and when the next attempt comes', async () => {
    e2e.emulator.faults.serverErrorNext = 1;

    const out = await e2e.run();

    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(
      new RegExp(`^audit-pump run: ${SOURCE_ID}: HTTP 503 on attempt 1; retrying in \\d+\\.\\d s$`, 'm'),
    );
  });

  it('says on stderr each retry against a vendor that does not answer, then fails once in the summary', async () => {
    await e2e.writeConfig({ baseUrl: `http://127.0.0.1:${await freePort()}` });

    const out = await e2e.run();

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
  });

  it('names a mistyped --source with a suggestion and exits 1 without running', async () => {
    const out = await e2e.run('--source', 'veza-osp');

    expect(out.code).toBe(1);
    expect(out.stderr).toBe(
      `audit-pump run: no source "veza-osp" in ${e2e.ws.config} (did you mean "${SOURCE_ID}"?); its sources: ${SOURCE_ID}\n`,
    );
    expect(e2e.emulator.stats.requests).toBe(0);
  });
});

describe('audit-pump status after runs', () => {
  it('shows the last result and error of each source, its dead letters and its next run', async () => {
    // Prepare
    expect((await e2e.run()).code).toBe(0);
    await e2e.writeConfig({ credentials: { token: 'refused-key-0000' } });
    expect((await e2e.run()).code).toBe(1);

    // Act
    const { ws } = e2e;
    const status = await cliJson<Array<Record<string, unknown>>>([
      'status',
      '--config',
      ws.config,
      '--state',
      ws.state,
      '--archive',
      ws.archive,
      '--json',
    ]);

    // Assess
    expect(status.code).toBe(0);
    const [row] = status.json;
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
  });
});
