/**
 * The `audit-pump` command line against the Nected emulator, as users run it (modelled on cli.test.ts).
 */
import { describe, expect, it, jest } from '@jest/globals';
import { NECTED_LOCAL_API_KEY, startNectedEmulator } from '../../functions/nected/emulator/emulator.ts';
import { E2E_TIMEOUT_MS } from '../helpers/cli-process.ts';
import { emulateCli } from '../helpers/e2e-emulate.ts';
import { useVendorE2e } from '../helpers/e2e-vendor.ts';

jest.setTimeout(E2E_TIMEOUT_MS);

const SOURCE_ID = 'nected-e2e';
const API_KEY = 'nected-e2e-api-key-93b1';
const BACKLOG = 200;

/** One Nected v1 source on the emulator, a minute's settle lag, startFrom three days ago. */
const e2e = useVendorE2e({
  sourceId: SOURCE_ID,
  vendor: 'nected',
  start: () => startNectedEmulator({ apiKey: API_KEY, seed: 5, backlog: BACKLOG }),
  daysBack: 3,
  source: () => ({ credentials: { apiKey: API_KEY }, settleLagSeconds: 60, options: { branch: 'main' } }),
});
/** The `from` of the source's stored cursor (the end of the last window read), from the CLI's state. */
const storedFrom = async (): Promise<string> => ((await e2e.ws.storedCursor(SOURCE_ID)) as { from: string }).from;
const uidsOf = (events: ReadonlyArray<{ id: string }>): string[] => e2e.uids(events.map((e) => e.id));

describe('audit-pump run with a Nected source', () => {
  it('drains the settled backlog while events arrive at the head, exits 0, archives every settled event once', async () => {
    // Prepare
    e2e.emulator.faults.headInsertsPerSearch = 1;

    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).toBe(0);
    expect(e2e.status(out.stdout)).toEqual({ status: 'caught-up', events: BACKLOG });
    expect(await e2e.ws.archivedUids()).toEqual(uidsOf(e2e.emulator.events().slice(0, BACKLOG)));
  });

  it('reads the events that settled since on the next run, and then holds every event exactly once', async () => {
    // Prepare
    expect((await e2e.run()).code).toBe(0);
    // Dated just after the end of the first run's last window (read from its stored cursor), so they
    // fall in the second run's first window however long the runs took on a loaded machine.
    const from = Date.parse(await storedFrom());
    e2e.emulator.addEvents(25, { ageMs: Date.now() - (from + 500) });
    // The second run opens a window only once a second more has settled (60 s lag): a run started
    // sooner (a fast machine) would rightly find nothing yet, so wait until the events are 2 s settled.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, from + 500 + 60_000 + 2_000 - Date.now())));

    // Act
    const second = await e2e.run();

    // Assess
    expect(second.code).toBe(0);
    expect(e2e.status(second.stdout)).toEqual({ status: 'caught-up', events: 25 });
    expect(await e2e.ws.archivedUids()).toEqual(uidsOf(e2e.emulator.events()));
  });

  it('fails with exit 1 and the 401 in the summary, never the key, when Nected refuses the API key', async () => {
    // Prepare
    await e2e.writeConfig({ credentials: { apiKey: 'not-the-key-5e0d' } });

    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).toBe(1);
    expect(e2e.status(out.stdout)?.status).toBe('failed');
    expect(out.stdout).toMatch(/HTTP 401/);
    expect(`${out.stdout}${out.stderr}`).not.toContain('not-the-key-5e0d');
  });

  it('refuses a v1 source without a branch, naming the option', async () => {
    // Prepare
    await e2e.writeConfig({ options: {} });

    // Act
    const out = await e2e.run();

    // Assess
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(`sources[0] (${SOURCE_ID}).options.branch: is required when api is "v1"`);
    expect(e2e.emulator.stats.requests).toBe(0);
  });
});

describe('audit-pump emulate nected', () => {
  it('serves the emulator, prints its URL and a sources example, and exits 0 on SIGINT', async () => {
    // Act
    const { answer, out } = await emulateCli(['nected', '--backlog', '30'], async (url) => {
      const page = await fetch(`${url}/dev/v1/audit/audit/search?pageNo=1&pageSize=10`, {
        headers: { 'Nected-API-Key': NECTED_LOCAL_API_KEY, 'Nected-Branch': 'main' },
      });
      return { status: page.status, totalCount: ((await page.json()) as { totalCount: number }).totalCount };
    });

    // Assess
    expect(answer).toEqual({ status: 200, totalCount: 30 });
    expect(out.stdout).toContain('"branch": "main"');
    expect([out.code, out.signal]).toEqual([0, null]);
  });
});
