/**
 * `audit-pump` with a Carbon Black source, as users run it: `node bin/audit-pump.js ...` in a child
 * process against the emulator on a loopback port, state and archive in temp dirs. Search mode
 * drains the org once per occurrence; queue mode spools under `--state` and leaves nothing behind.
 */
import { describe, expect, it, jest } from '@jest/globals';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startCarbonBlackEmulator, type CbApiKey } from '../../functions/carbonblack/emulator/emulator.ts';
import { E2E_TIMEOUT_MS } from '../helpers/cli-process.ts';
import { emulateCli } from '../helpers/e2e-emulate.ts';
import { useVendorE2e } from '../helpers/e2e-vendor.ts';

jest.setTimeout(E2E_TIMEOUT_MS);

const SOURCE_ID = 'cb-e2e';
const KEY: CbApiKey = { id: 'E2EKEY0001', secret: 'E2ESECRETKEY000000000001' };

const e2e = useVendorE2e({
  sourceId: SOURCE_ID,
  vendor: 'carbonblack',
  start: () => startCarbonBlackEmulator({ apiKeys: [KEY], seed: 9, backlog: 300, queueBatch: 80 }),
  source: (emulator) => ({
    credentials: { apiId: KEY.id, apiSecret: KEY.secret },
    options: { orgKey: emulator.orgKey, rows: 100 },
  }),
});
/** The source's options with `extra` on top. */
const options = (extra: Record<string, unknown>) => ({ options: { orgKey: e2e.emulator.orgKey, rows: 100, ...extra } });
/** The `from` of the source's stored search cursor (the end of the last window read), from the CLI's state. */
const storedFrom = async (): Promise<string> => ((await e2e.ws.storedCursor(SOURCE_ID)) as { from: string }).from;

describe('audit-pump run with a Carbon Black source', () => {
  it('drains the org in search mode: every event archived once per occurrence, exit 0', async () => {
    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).toBe(0);
    expect(e2e.status(out.stdout)).toEqual({ status: 'caught-up', events: e2e.emulator.events().length });
    expect(await e2e.ws.archivedUids()).toEqual(e2e.uids(e2e.emulator.nativeIds()));
  });

  it('reads the new events on the next run, but none newer than the settle lag', async () => {
    // Prepare
    await e2e.writeConfig({ settleLagSeconds: 1 });
    expect((await e2e.run()).code).toBe(0);
    // Dated just after the end of the first run's last window (its stored cursor), and the second
    // run starts at least 3 s later, so they fall in its first window however loaded the machine is.
    const from = Date.parse(await storedFrom());
    const settled = e2e.emulator.addEvents(20, { atMs: from + 500 });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, from + 3000 - Date.now())));
    const unsettled = e2e.emulator.addEvents(5, { atMs: Date.now() + 60_000 });

    // Act
    const second = await e2e.run();

    // Assess
    expect(e2e.status(second.stdout)).toEqual({ status: 'caught-up', events: settled.length });
    const old = e2e.emulator.events().filter((e) => !unsettled.includes(e));
    expect(await e2e.ws.archivedUids()).toEqual(e2e.uids(e2e.emulator.nativeIds(old)));
  });

  it("drains the key's queue in queue mode, spooling under --state and leaving the spool empty", async () => {
    // Prepare
    await e2e.writeConfig(options({ mode: 'queue' }));

    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).toBe(0);
    expect(e2e.status(out.stdout)).toEqual({ status: 'caught-up', events: e2e.emulator.enqueued(KEY.id).length });
    expect(await e2e.ws.archivedUids()).toEqual(e2e.uids(e2e.emulator.nativeIds(e2e.emulator.enqueued(KEY.id))));
    expect(await readdir(join(e2e.ws.state, 'spool'))).toEqual([]);
  });

  it('fails with exit 1 and the 401 in the summary, never the secret, when the key is refused', async () => {
    // Prepare
    await e2e.writeConfig({ credentials: { apiId: KEY.id, apiSecret: 'WRONGE2ESECRET0000000000' } });

    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).toBe(1);
    expect(e2e.status(out.stdout)?.status).toBe('failed');
    expect(out.stdout).toMatch(/HTTP 401/);
    expect(out.stdout + out.stderr).not.toContain('WRONGE2ESECRET0000000000');
  });
});

describe('audit-pump emulate carbonblack', () => {
  it('serves the emulator, prints its URL and an example source, and answers a search', async () => {
    // Act
    const {
      url,
      answer: status,
      out,
    } = await emulateCli(['carbonblack', '--backlog', '10'], async (at, source) => {
      const { apiId = '', apiSecret = '' } = source.credentials;
      const reply = await fetch(`${at}/audit_log/v1/orgs/${String(source.options.orgKey)}/logs/_search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-auth-token': `${apiSecret}/${apiId}` },
        body: '{"rows":1}',
      });
      return reply.status;
    });

    // Assess
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(status).toBe(200);
    expect(out.code).toBe(0);
  });
});
