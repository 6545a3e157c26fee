/**
 * `audit-pump run` and `audit-pump emulate` for Authentic8, as users run them: the real CLI in a
 * child process against an Authentic8 emulator started here on a loopback port.
 */
import { describe, expect, it, jest } from '@jest/globals';
import {
  AUTHENTIC8_LOCAL_TOKEN,
  authentic8NativeId,
  startAuthentic8Emulator,
} from '../../functions/authentic8/emulator/emulator.ts';
import { E2E_TIMEOUT_MS, freePort } from '../helpers/cli-process.ts';
import { emulateCli } from '../helpers/e2e-emulate.ts';
import { useVendorE2e } from '../helpers/e2e-vendor.ts';

jest.setTimeout(E2E_TIMEOUT_MS);

const SOURCE_ID = 'authentic8-e2e';
const TOKEN = Buffer.from('authentic8-e2e-token-777').toString('base64');
const TYPES = ['URL', 'AUTH', 'ADMIN_AUDIT', 'BLOCKED URL', 'LOCATION CHANGE'];

const e2e = useVendorE2e({
  sourceId: SOURCE_ID,
  vendor: 'authentic8',
  start: () => startAuthentic8Emulator({ port: 0, token: TOKEN, seed: 5, backlog: 300 }),
  source: () => ({ credentials: { token: TOKEN }, options: { org: 'Acme Corp', types: TYPES } }),
});
const served = () => e2e.emulator.events().filter((e) => TYPES.includes(e.type));

describe('audit-pump run: Authentic8', () => {
  it('drains several types into the archive and exits 0; the next run reads only new logs; raw_data byte-exact', async () => {
    // Act
    const first = await e2e.run();
    e2e.emulator.addEvents(6, { type: 'BLOCKED URL' });
    const second = await e2e.run();

    // Assess
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(e2e.status(first.stdout)).toEqual({ status: 'caught-up', events: served().length - 6 });
    expect(e2e.status(second.stdout)).toEqual({ status: 'caught-up', events: 6 });
    expect(await e2e.ws.archivedUids()).toHaveLength(served().length);
    expect(await e2e.unlikeArchived(served().map((e) => ({ id: authentic8NativeId(e), text: e.text })))).toEqual([]);
  });

  it('fails with exit 1 and a clear message on a refused token, never printing it', async () => {
    // Prepare
    const wrong = Buffer.from('refused-e2e-token-000000').toString('base64');
    await e2e.writeConfig({ credentials: { token: wrong } });

    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).toBe(1);
    expect(e2e.status(out.stdout)?.status).toBe('failed');
    expect(out.stdout).toContain('authentic8 refused the auth token');
    expect(out.stdout + out.stderr).not.toContain(wrong);
  });

  it('fails with exit 1 naming the org when the token cannot see it', async () => {
    // Prepare
    await e2e.writeConfig({ options: { org: 'Analysts', types: TYPES } });

    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('authentic8 has no org "Analysts" for this token');
  });

  it('refuses invalid Authentic8 options with a message naming the option', async () => {
    // Prepare
    await e2e.writeConfig({ options: { org: 'Acme Corp', limit: 5000 } });

    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).not.toBe(0);
    expect(out.stderr).toMatch(new RegExp(`sources\\[0\\] \\(${SOURCE_ID}\\)\\.options\\.limit: `));
  });
});

describe('audit-pump emulate authentic8', () => {
  it('serves the emulator on the given port with an example source naming org and types, and exits 0 on SIGINT', async () => {
    // Prepare
    const port = await freePort();

    // Act
    const { answer, out } = await emulateCli(['authentic8', '--port', String(port), '--backlog', '20'], async (url) => {
      const reply = await fetch(`${url}/api/`, {
        method: 'POST',
        body: JSON.stringify([
          { command: 'setauth', data: AUTHENTIC8_LOCAL_TOKEN },
          { command: 'extractlog', org: 'Acme Corp', type: 'URL', start_seq: 0, limit: 1 },
        ]),
      });
      return (await reply.json()) as [unknown, { result: { logs: unknown[] } }];
    });

    // Assess
    expect(out.stdout).toContain(`authentic8 emulator listening on http://127.0.0.1:${port}`);
    expect(out.stdout).toContain('"org": "Acme Corp"');
    expect(out.stdout).toContain('"types": "all"');
    const [auth, page] = answer;
    expect(auth).toEqual({ result: 'setting auth from data' });
    expect(page.result.logs).toHaveLength(1);
    expect(out.code).toBe(0);
  });
});
