/**
 * The `audit-pump` command line as users run it: `node bin/audit-pump.js ...` in a child process,
 * against a Veza emulator started here on a loopback port, with state and archive in temp dirs.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readArchive } from '../../local/query/archive-reader.ts';
import { EMULATORS, LOCAL_TOKEN } from '../../local/emulators/emulators.ts';
import { startVezaEmulator, vezaExportFilter } from '../../functions/veza/emulator/emulator.ts';
import { E2E_TIMEOUT_MS, cli, cliJson, freePort, summaryOf as summaryLine } from '../helpers/cli-process.ts';
import { startOnce } from '../helpers/cli-workspace.ts';
import { emulateCli } from '../helpers/e2e-emulate.ts';
import { useVezaE2e } from '../helpers/e2e-veza.ts';

jest.setTimeout(E2E_TIMEOUT_MS);

const SOURCE_ID = 'veza-e2e';
const TOKEN = 'veza-e2e-api-key-51f0';
const BACKLOG = 300;
const PAGE_SIZE = 100;

/** Every file below `dir`. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

const e2e = useVezaE2e(SOURCE_ID, {
  token: TOKEN,
  pageSize: PAGE_SIZE,
  emulator: { port: 0, seed: 5, backlog: BACKLOG, shape: 'mixed' },
});
const summaryOf = (stdout: string) => summaryLine(stdout, SOURCE_ID);
const emulatorUids = (): string[] => e2e.uids(e2e.emulator.events().map((e) => e.id));

describe('audit-pump run', () => {
  it('drains the backlog into the archive, exits 0 and prints a summary per source', async () => {
    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).toBe(0);
    expect(summaryOf(out.stdout)).toEqual({
      status: 'caught-up',
      events: BACKLOG,
      pages: BACKLOG / PAGE_SIZE + 1,
      rejected: 0,
    });
    expect(out.stdout).toContain(`all 1 source(s) caught up; archive under ${e2e.ws.archive}`);
    expect(await e2e.ws.archivedUids()).toEqual(emulatorUids());
  });

  it('reads only the events added since on the next run; every event is then archived once, raw_data byte-exact', async () => {
    // Prepare
    expect((await e2e.run()).code).toBe(0);
    e2e.emulator.addEvents(25);

    // Act
    const second = await e2e.run();

    // Assess
    expect(second.code).toBe(0);
    expect(summaryOf(second.stdout)).toMatchObject({ status: 'caught-up', events: 25, pages: 2 });
    expect(await e2e.ws.archivedUids()).toEqual(emulatorUids());
    expect(await e2e.unlikeArchived(e2e.emulator.events())).toEqual([]);
  });

  it('refuses an invalid sources file with a message naming the source and the field', async () => {
    // Prepare
    await e2e.writeConfig({ baseUrl: 'ftp://acme.vezacloud.com' });

    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(`sources[0] (${SOURCE_ID}).baseUrl: must be an http(s) URL`);
    expect(e2e.emulator.stats.requests).toBe(0);
  });

  it('refuses invalid vendor options with a message naming the option', async () => {
    // Prepare
    await e2e.writeConfig({ options: { pageSize: 0 } });

    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(new RegExp(`sources\\[0\\] \\(${SOURCE_ID}\\)\\.options\\.pageSize: `));
  });

  it('names an unknown --source and exits non-zero without running anything', async () => {
    // Act
    const out = await e2e.run('--source', 'nope');

    // Assess
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(`no source "nope" in ${e2e.ws.config}`);
    expect(e2e.emulator.stats.requests).toBe(0);
  });

  it('fails with exit 1 and the 401 in the summary, printed once, when the vendor refuses the API key', async () => {
    // Prepare
    await e2e.writeConfig({ credentials: { token: 'not-the-key-0a9c' } });

    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).toBe(1);
    expect(summaryOf(out.stdout)?.status).toBe('failed');
    expect(out.stdout).toMatch(/HTTP 401/);
    expect(`${out.stdout}${out.stderr}`.match(/HTTP 401/g)).toHaveLength(1);
    expect(out.stdout).toContain('1 source(s) did not finish');
  });

  it('exits non-zero when a source is skipped rather than caught up', async () => {
    // Prepare
    await e2e.writeConfig({ credentials: { placeholder: 'put the Veza API key here' } });

    // Act
    const out = await e2e.run();

    // Assess
    expect(summaryOf(out.stdout)?.status).toBe('skipped');
    expect(out.stdout).not.toContain('caught up');
    expect(out.code).not.toBe(0);
  });
});

describe('audit-pump cursor', () => {
  it('show prints a table: the position in words, lag, last success and last event in ISO time, no lease', async () => {
    // Prepare
    expect((await e2e.run()).code).toBe(0);

    // Act
    const out = await cli(['cursor', 'show', '--state', e2e.ws.state]);

    // Assess
    expect(out.code).toBe(0);
    const [header, rule, row, ...rest] = out.stdout.trimEnd().split('\n');
    expect(header?.split(/\s{2,}/)).toEqual(['source', 'position', 'lag', 'last success', 'last event', 'lease']);
    expect(rule).toMatch(/^-+( +-+)+$/);
    expect(rest).toEqual([]);
    const iso = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';
    expect(row).toMatch(
      new RegExp(
        `^${SOURCE_ID}\\s+export stream opened at ${iso}, delivered up to ${iso}\\s+\\d+(s|m\\d\\ds)\\s+${iso}\\s+${iso}\\s+-$`,
      ),
    );
  });

  it('show --json prints the stored cursor with its version and no lease', async () => {
    // Prepare
    expect((await e2e.run()).code).toBe(0);

    // Act
    const out = await cliJson<Array<Record<string, unknown>>>([
      'cursor',
      'show',
      SOURCE_ID,
      '--state',
      e2e.ws.state,
      '--json',
    ]);

    // Assess
    expect(out.code).toBe(0);
    const [state, ...others] = out.json;
    expect(others).toEqual([]);
    expect(state).toMatchObject({
      sourceId: SOURCE_ID,
      cursor: { bootstrap: expect.any(String), token: expect.any(String), watermark: expect.any(String) },
    });
    expect(state?.version).toBeGreaterThanOrEqual(1);
    expect(state).toMatchObject({
      lastSuccessAt: expect.stringMatching(/Z$/),
      lastEventAt: expect.stringMatching(/Z$/),
      lagSeconds: expect.any(Number),
    });
    expect(state).not.toHaveProperty('lease');
  });

  it('reset makes the next run read again from startFrom, archiving the same uids again', async () => {
    // Prepare
    expect((await e2e.run()).code).toBe(0);

    // Act
    const reset = await cli(['cursor', 'reset', SOURCE_ID, '--state', e2e.ws.state]);
    const rerun = await e2e.run();

    // Assess
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain(`cursor of ${SOURCE_ID} reset`);
    expect(rerun.code).toBe(0);
    expect(summaryOf(rerun.stdout)).toMatchObject({ status: 'caught-up', events: BACKLOG });
    const uids = await e2e.ws.archivedUids();
    expect(uids).toHaveLength(2 * BACKLOG);
    expect([...new Set(uids)]).toEqual(emulatorUids());
  });
});

describe('audit-pump emulate', () => {
  it('serves the Veza emulator on the given port, prints its URL, and exits 0 on SIGINT', async () => {
    // Prepare
    const port = await freePort();

    // Act
    const filter = encodeURIComponent(vezaExportFilter('2000-01-01T00:00:00Z'));
    const { url, answer, out } = await emulateCli(['veza', '--port', String(port)], async (at) => {
      const page = await fetch(`${at}/api/preview/system/audit/export?page_size=1&filter=${filter}`, {
        headers: { authorization: `Bearer ${LOCAL_TOKEN}` },
      });
      return { status: page.status, values: ((await page.json()) as { values: unknown[] }).values };
    });

    // Assess
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect(answer.status).toBe(200);
    expect(answer.values).toHaveLength(1);
    expect([out.code, out.signal]).toEqual([0, null]);
  });
});

describe('audit-pump and secrets', () => {
  const SECRET = 'SeCrEt-e2e-7c1d9b';
  const WRONG = 'WrOnG-e2e-4a8f2e';

  it('never writes the API key, refused or accepted, to stdout, stderr, the state dir or the archive', async () => {
    // Prepare
    await e2e.restart(() => startVezaEmulator({ port: 0, token: SECRET, seed: 6, backlog: BACKLOG }));
    await e2e.writeConfig({ credentials: { token: WRONG } });
    const refused = await e2e.run();
    await e2e.writeConfig({ credentials: { token: SECRET } });

    // Act
    const accepted = await e2e.run();

    // Assess
    expect([refused.code, accepted.code]).toEqual([1, 0]);
    expect(refused.stdout).toMatch(/HTTP 401/);
    expect(summaryOf(accepted.stdout)?.events).toBe(BACKLOG);
    const texts: Array<[string, string]> = [
      ['refused run stdout', refused.stdout],
      ['refused run stderr', refused.stderr],
      ['accepted run stdout', accepted.stdout],
      ['accepted run stderr', accepted.stderr],
    ];
    const stateFiles = await filesUnder(e2e.ws.state);
    expect(stateFiles.length).toBeGreaterThan(0);
    for (const file of stateFiles) texts.push([file, (await readFile(file)).toString('latin1')]);
    const archiveFiles = await filesUnder(e2e.ws.archive);
    expect(archiveFiles.some((f) => f.endsWith('.gz'))).toBe(true);
    for (const file of archiveFiles) {
      const bytes = await readFile(file);
      texts.push([file, (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('latin1')]);
    }
    // Control: the scan reads the bytes where the source id is stored, so it would see a key there too.
    expect(
      texts.filter(([where, text]) => where.startsWith(e2e.ws.state) && text.includes(SOURCE_ID)).length,
    ).toBeGreaterThan(0);
    const leaks = texts.filter(([, text]) => text.includes(SECRET) || text.includes(WRONG)).map(([where]) => where);
    expect(leaks).toEqual([]);
  });
});

describe('audit-pump start --once (npm start -- --once)', () => {
  it('drains every emulator backlog under .local/start of its working directory and exits 0 with the summary', async () => {
    // Act
    const { cwd, out, remove } = await startOnce('audit-pump-start-', '--backlog', '300', '--rate', '0');
    try {
      // Assess
      expect(out.code).toBe(0);
      // Every vendor's source caught up; what they delivered is what the archive holds, nothing foreign.
      let delivered = 0;
      for (const vendor of Object.keys(EMULATORS)) {
        const line = new RegExp(`${vendor}-local: caught-up, \\d+ run\\(s\\), (\\d+) events`).exec(out.stdout);
        expect(line).not.toBeNull();
        delivered += Number(line?.[1]);
      }
      expect(delivered).toBeGreaterThanOrEqual(250 * Object.keys(EMULATORS).length);
      expect(out.stdout).toContain('0 archived records are not theirs');
      expect(await readArchive(join(cwd, '.local', 'start', 'archive'))).toHaveLength(delivered);
    } finally {
      await remove();
    }
  });
});
