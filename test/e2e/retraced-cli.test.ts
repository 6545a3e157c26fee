/**
 * `audit-pump` against a Retraced emulator, as users run it: `node bin/audit-pump.js ...` in a child
 * process, with state and archive in temp dirs (modelled on cli.test.ts).
 */
import { describe, expect, it, jest } from '@jest/globals';
import {
  LOCAL_RETRACED_TOKEN,
  RETRACED_GRAPHQL_PATH,
  startRetracedEmulator,
} from '../../functions/retraced/emulator/emulator.ts';
import { E2E_TIMEOUT_MS } from '../helpers/cli-process.ts';
import { emulateCli } from '../helpers/e2e-emulate.ts';
import { useVendorE2e } from '../helpers/e2e-vendor.ts';

jest.setTimeout(E2E_TIMEOUT_MS);

const SOURCE_ID = 'retraced-e2e';
const TOKEN = 'e2e0c0de1a2b3c4d5e6f708192a3b4c5';

describe('audit-pump with a Retraced source', () => {
  const e2e = useVendorE2e({
    sourceId: SOURCE_ID,
    vendor: 'retraced',
    start: () => startRetracedEmulator({ port: 0, token: TOKEN, seed: 5, backlog: 300, ingestDelayMs: 50 }),
    daysBack: 3,
    source: () => ({ credentials: { token: TOKEN }, settleLagSeconds: 1, options: { pageSize: 100 } }),
  });

  /** The token group's events received before the stored window start, as uids. */
  async function expectedUids(): Promise<string[]> {
    const stored = (await e2e.ws.storedCursor(SOURCE_ID)) as { from?: string } | undefined;
    const boundary = Date.parse(stored?.from ?? '');
    return e2e.uids(
      e2e.emulator
        .events()
        .filter((e) => e.received < boundary)
        .map((e) => e.id),
    );
  }

  it('drains the backlog into the archive and exits 0; every event once, no strangers', async () => {
    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).toBe(0);
    expect(e2e.status(out.stdout)?.status).toBe('caught-up');
    expect(await e2e.ws.archivedUids()).toEqual(await expectedUids());
  });

  it("reads the events published since, and the first run's own reads, on the next run", async () => {
    // Prepare
    expect((await e2e.run()).code).toBe(0);
    e2e.emulator.addEvents(25);
    await new Promise((resolve) => setTimeout(resolve, 1500));

    // Act
    const second = await e2e.run();

    // Assess
    expect(second.code).toBe(0);
    expect(e2e.status(second.stdout)?.events).toBeGreaterThanOrEqual(25);
    expect(await e2e.ws.archivedUids()).toEqual(await expectedUids());
  });

  it('fails with exit 1 and the 401 in the summary when Retraced refuses the token, never printing it', async () => {
    // Prepare
    await e2e.writeConfig({ credentials: { token: 'not-the-token-0a9c' } });

    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).toBe(1);
    expect(e2e.status(out.stdout)?.status).toBe('failed');
    expect(out.stdout).toMatch(/HTTP 401.*Unauthorized/);
    expect(`${out.stdout}${out.stderr}`).not.toContain('not-the-token-0a9c');
  });

  it('says on stderr when Retraced asks to wait (429, Retry-After) and how long, then goes on', async () => {
    // Prepare
    e2e.emulator.faults.rateLimitNext = 1;
    e2e.emulator.faults.retryAfterSeconds = 1;

    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(
      new RegExp(
        `^audit-pump run: ${SOURCE_ID}: vendor asked for 1\\.0 s \\(HTTP 429\\); waiting \\(attempt 1 was refused\\)$`,
        'm',
      ),
    );
  });

  it('serves the emulator with `audit-pump emulate retraced` and the local token', async () => {
    // Act
    const { answer: status, out } = await emulateCli(['retraced', '--port', '0'], async (url) => {
      const reply = await fetch(`${url}${RETRACED_GRAPHQL_PATH}`, {
        method: 'POST',
        headers: { authorization: `token=${LOCAL_RETRACED_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ search(first: 1) { totalCount } }' }),
      });
      return reply.status;
    });

    // Assess
    expect(status).toBe(200);
    expect(out.code).toBe(0);
  });
});
