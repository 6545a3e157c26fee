/**
 * `audit-pump` with a Carbon Black source, as users run it: `node bin/audit-pump.js ...` in a child
 * process against the emulator on a loopback port, state and archive in temp dirs. Search mode
 * drains the org once per occurrence; queue mode spools under `--state` and leaves nothing behind.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readArchive } from '../../local/archive-reader.ts';
import { startCarbonBlackEmulator, type CarbonBlackEmulator, type CbApiKey } from '../../local/carbonblack-emulator.ts';
import { eventUid } from '../../shared/ocsf.ts';
import { startDynamo } from '../../local/dynamo.ts';
import { LOCAL_CURSOR_TABLE } from '../../shared/archive-layout.ts';
import { CursorStore } from '../../shared/cursor-store.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'audit-pump.js');
const SOURCE_ID = 'cb-e2e';
const KEY: CbApiKey = { id: 'E2EKEY0001', secret: 'E2ESECRETKEY000000000001' };
/** Each test starts one to three CLI processes (tsx compiles on start, about 1.5 s each). */
const E2E_TIMEOUT_MS = 20_000;

interface Outcome { code: number | null; stdout: string; stderr: string }

const children = new Set<ChildProcess>();
afterEach(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  children.clear();
});

/** Runs the real CLI to its end; `onStdout` sees its output as it comes. */
function cli(args: readonly string[], onStdout?: (text: string, child: ChildProcess) => void): Promise<Outcome> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, CI: 'true', NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    onStdout?.(stdout, child);
  });
  child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parses `cb-e2e: caught-up, 300 events, 4 pages, 0 dead-lettered`. */
function summaryOf(stdout: string): { status: string; events: number } | undefined {
  const m = new RegExp(`^${SOURCE_ID}: ([a-z-]+), (\\d+) events`, 'm').exec(stdout);
  return m ? { status: String(m[1]), events: Number(m[2]) } : undefined;
}

let emulator: CarbonBlackEmulator;
let dir: string;
let configFile: string;
let stateDir: string;
let archiveDir: string;

async function writeConfig(options: Record<string, unknown> = {}, credentials = { apiId: KEY.id, apiSecret: KEY.secret }, settleLagSeconds?: number): Promise<void> {
  const startFrom = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const source = {
    id: SOURCE_ID, vendor: 'carbonblack', baseUrl: emulator.baseUrl, credentials, startFrom, options: { orgKey: emulator.orgKey, rows: 100, ...options },
    ...(settleLagSeconds !== undefined ? { settleLagSeconds } : {}),
  };
  await writeFile(configFile, JSON.stringify({ sources: [source] }, null, 2));
}

/** The `from` of the source's stored search cursor (the end of the last window read), from the CLI's state. */
async function storedFrom(): Promise<string> {
  const dynamo = await startDynamo({ path: stateDir });
  try {
    const state = await new CursorStore({ client: dynamo.client, tableName: LOCAL_CURSOR_TABLE }).get(SOURCE_ID);
    return (state?.cursor as { from: string }).from;
  } finally {
    await dynamo.stop();
  }
}

const runArgs = (): string[] => ['run', '--config', configFile, '--state', stateDir, '--archive', archiveDir];
const archivedUids = async (): Promise<string[]> => (await readArchive(archiveDir)).map((a) => (a.record.metadata as { uid: string }).uid).sort();
const uidsOf = (ids: readonly string[]): string[] => ids.map((id) => eventUid('carbonblack', SOURCE_ID, id)).sort();

beforeEach(async () => {
  emulator = await startCarbonBlackEmulator({ apiKeys: [KEY], seed: 9, backlog: 300, queueBatch: 80 });
  dir = await mkdtemp(join(tmpdir(), 'audit-pump-cb-e2e-'));
  configFile = join(dir, 'sources.json');
  stateDir = join(dir, 'state');
  archiveDir = join(dir, 'archive');
  await writeConfig();
});

afterEach(async () => {
  await emulator.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('audit-pump run with a Carbon Black source', () => {
  it('drains the org in search mode: every event archived once per occurrence, exit 0', async () => {
    // Act
    const out = await cli(runArgs());

    // Assess
    expect(out.code).toBe(0);
    expect(summaryOf(out.stdout)).toEqual({ status: 'caught-up', events: emulator.events().length });
    expect(await archivedUids()).toEqual(uidsOf(emulator.nativeIds()));
  }, E2E_TIMEOUT_MS);

  it('reads the new events on the next run, but none newer than the settle lag', async () => {
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
  }, E2E_TIMEOUT_MS);

  it('drains the key\'s queue in queue mode, spooling under --state and leaving the spool empty', async () => {
    // Prepare
    await writeConfig({ mode: 'queue' });

    // Act
    const out = await cli(runArgs());

    // Assess
    expect(out.code).toBe(0);
    expect(summaryOf(out.stdout)).toEqual({ status: 'caught-up', events: emulator.enqueued(KEY.id).length });
    expect(await archivedUids()).toEqual(uidsOf(emulator.nativeIds(emulator.enqueued(KEY.id))));
    expect(await readdir(join(stateDir, 'spool'))).toEqual([]);
  }, E2E_TIMEOUT_MS);

  it('fails with exit 1 and the 401 in the summary, never the secret, when the key is refused', async () => {
    // Prepare
    await writeConfig({}, { apiId: KEY.id, apiSecret: 'WRONGE2ESECRET0000000000' });

    // Act
    const out = await cli(runArgs());

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/HTTP 401/);
    expect(out.stdout + out.stderr).not.toContain('WRONGE2ESECRET0000000000');
  }, E2E_TIMEOUT_MS);
});

describe('audit-pump emulate carbonblack', () => {
  it('serves the emulator, prints its URL and an example source, and answers a search', async () => {
    // Act
    let url = '';
    let status = 0;
    const out = await cli(['emulate', 'carbonblack', '--backlog', '10'], (stdout, child) => {
      const match = /carbonblack emulator listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (!match || url) return;
      url = match[1] as string;
      const example = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { sources: Array<{ credentials: { apiId: string; apiSecret: string }; options: { orgKey: string } }> };
      const [source] = example.sources;
      void fetch(`${url}/audit_log/v1/orgs/${source?.options.orgKey ?? ''}/logs/_search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-auth-token': `${source?.credentials.apiSecret ?? ''}/${source?.credentials.apiId ?? ''}` },
        body: '{"rows":1}',
      }).then((res) => {
        status = res.status;
        child.kill('SIGINT');
      });
    });

    // Assess
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(status).toBe(200);
    expect(out.code).toBe(0);
  }, E2E_TIMEOUT_MS);
});
