/**
 * The fault knobs the reliability campaign added to every emulator (local/emulators/emulator-faults.ts):
 * 429 with and without Retry-After, a 200 that is not JSON, a page in another order, a page that
 * repeats the end of the one before, and (Nected, Carbon Black) a request that never answers.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { startAuthentic8Emulator } from '../../../functions/authentic8/emulator/emulator.ts';
import { startCarbonBlackEmulator } from '../../../functions/carbonblack/emulator/emulator.ts';
import { disturbPage, shuffled, tooManyRequests } from '../../../local/emulators/emulator-faults.ts';
import { startNectedEmulator } from '../../../functions/nected/emulator/emulator.ts';
import { seededRandom } from '../../../local/emulators/random.ts';
import { RETRACED_GRAPHQL_PATH, startRetracedEmulator } from '../../../functions/retraced/emulator/emulator.ts';
import { startVezaEmulator, vezaExportFilter } from '../../../functions/veza/emulator/emulator.ts';

const SECRET = 'emulator-faults-key-1';
interface Page {
  status: number;
  headers: Headers;
  text: string;
  ids: string[];
}
interface Driver {
  faults: Record<string, number>;
  page(signal?: AbortSignal): Promise<Page>;
  stop(): Promise<void>;
}

async function read(res: Response, ids: (body: never) => unknown[]): Promise<Page> {
  const text = await res.text();
  let found: string[] = [];
  try {
    found = ids(JSON.parse(text) as never).map((id) => (typeof id === 'string' ? id : JSON.stringify(id)));
  } catch {
    // Not JSON: what some of these tests are about.
  }
  return { status: res.status, headers: res.headers, text, ids: found };
}

const DRIVERS: Record<string, () => Promise<Driver>> = {
  veza: async () => {
    const emu = await startVezaEmulator({ token: SECRET, backlog: 30, shape: 'new' });
    const url = `${emu.baseUrl}/api/preview/system/audit/export?page_size=12&filter=${encodeURIComponent(vezaExportFilter('2000-01-01T00:00:00Z'))}`;
    return {
      faults: emu.faults as never,
      stop: () => emu.stop(),
      page: async (signal) =>
        read(
          await fetch(url, { headers: { authorization: `Bearer ${SECRET}` }, ...(signal ? { signal } : {}) }),
          (b: { values: Array<{ id: string }> }) => b.values.map((v) => v.id),
        ),
    };
  },
  authentic8: async () => {
    const emu = await startAuthentic8Emulator({ token: SECRET, backlog: 60 });
    const body = JSON.stringify([
      { command: 'setauth', data: SECRET },
      { command: 'extractlog', org: 'Acme Corp', type: 'URL', start_seq: 0, limit: 12 },
    ]);
    return {
      faults: emu.faults as never,
      stop: () => emu.stop(),
      page: async () =>
        read(
          await fetch(`${emu.baseUrl}/api/`, { method: 'POST', body }),
          (b: [unknown, { result: { logs: Array<{ seq_id: number }> } }]) => b[1].result.logs.map((l) => l.seq_id),
        ),
    };
  },
  retraced: async () => {
    const emu = await startRetracedEmulator({ token: SECRET, backlog: 60 });
    const body = JSON.stringify({ query: 'query { search(query: "", first: 12) { edges { cursor node { id } } } }' });
    const headers = { authorization: `token=${SECRET}`, 'content-type': 'application/json' };
    return {
      faults: emu.faults as never,
      stop: () => emu.stop(),
      page: async () =>
        read(
          await fetch(`${emu.baseUrl}${RETRACED_GRAPHQL_PATH}`, { method: 'POST', headers, body }),
          (b: { data: { search: { edges: Array<{ node: { id: string } }> } } }) =>
            b.data.search.edges.map((e) => e.node.id),
        ),
    };
  },
  nected: async () => {
    const emu = await startNectedEmulator({ apiKey: SECRET, backlog: 30 });
    const headers = { 'nected-api-key': SECRET, 'nected-branch': 'main' };
    return {
      faults: emu.faults as never,
      stop: () => emu.stop(),
      page: async (signal) =>
        read(
          await fetch(`${emu.baseUrl}/dev/v1/audit/audit/search?pageNo=1&pageSize=10`, {
            headers,
            ...(signal ? { signal } : {}),
          }),
          (b: { data: Array<{ logId: string }> }) => b.data.map((d) => d.logId),
        ),
    };
  },
  carbonblack: async () => {
    const emu = await startCarbonBlackEmulator({ apiKeys: [{ id: 'KEYID00001', secret: SECRET }], backlog: 40 });
    const init = {
      method: 'POST',
      headers: { 'x-auth-token': `${SECRET}/KEYID00001` },
      body: JSON.stringify({ rows: 12, start: 0, sort: [{ field: 'create_time', order: 'ASC' }] }),
    };
    return {
      faults: emu.faults as never,
      stop: () => emu.stop(),
      page: async (signal) =>
        read(
          await fetch(`${emu.baseUrl}/audit_log/v1/orgs/ABCD1234/logs/_search`, {
            ...init,
            ...(signal ? { signal } : {}),
          }),
          (b: { results: unknown[] }) => b.results,
        ),
    };
  },
};

let driver: Driver | undefined;
afterEach(async () => {
  await driver?.stop();
  driver = undefined;
});
const start = async (vendor: string): Promise<Driver> => (driver = await (DRIVERS[vendor] as () => Promise<Driver>)());
const VENDORS = Object.keys(DRIVERS);

describe('emulator fault knobs', () => {
  it.each(VENDORS)('%s: answers 429 with Retry-After, then 429 without, then the page', async (vendor) => {
    // Prepare
    const emu = await start(vendor);
    Object.assign(emu.faults, { rateLimitNext: 1, retryAfterSeconds: 7 });

    // Act
    const withHeader = await emu.page();
    Object.assign(emu.faults, { rateLimitNext: 1, retryAfterSeconds: 0 });
    const bare = await emu.page();
    const page = await emu.page();

    // Assess
    expect([
      withHeader.status,
      withHeader.headers.get('retry-after'),
      bare.status,
      bare.headers.get('retry-after'),
      page.status,
    ]).toEqual([429, '7', 429, null, 200]);
  });

  it.each(VENDORS)('%s: answers a 200 whose body is not JSON once', async (vendor) => {
    const emu = await start(vendor);
    emu.faults.malformedNext = 1;

    const [bad, good] = [await emu.page(), await emu.page()];

    expect([bad.status, bad.text.startsWith('<html>'), good.ids.length > 0]).toEqual([200, true, true]);
  });

  it.each(VENDORS)('%s: serves the same records in another order once', async (vendor) => {
    const emu = await start(vendor);
    const plain = await emu.page();
    emu.faults.reorderNext = 1;

    const reordered = await emu.page();

    expect([...reordered.ids].sort()).toEqual([...plain.ids].sort());
    expect(reordered.ids).not.toEqual(plain.ids);
  });

  it.each(VENDORS)('%s: repeats the last records of the page before at the start of the next', async (vendor) => {
    const emu = await start(vendor);
    const first = await emu.page();
    emu.faults.duplicateNext = 1;

    const repeated = await emu.page();

    expect(repeated.ids).toEqual([...first.ids.slice(-3), ...first.ids]);
  });

  it.each(['nected', 'carbonblack'])('%s: leaves the next request unanswered, then answers again', async (vendor) => {
    const emu = await start(vendor);
    emu.faults.hangNext = 1;

    const hung = emu.page(AbortSignal.timeout(300));

    await expect(hung).rejects.toThrow();
    expect((await emu.page()).status).toBe(200);
  });
});

describe('emulator fault helpers', () => {
  it('shuffles with the seed: same seed, same order; the input is not changed', () => {
    const items = [1, 2, 3, 4, 5, 6, 7, 8];

    expect(shuffled(seededRandom(3), items)).toEqual(shuffled(seededRandom(3), items));
    expect([...shuffled(seededRandom(3), items)].sort()).toEqual(items);
    expect(items).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('leaves empty pages alone and counts the knobs down only when they fire', () => {
    const faults = { reorderNext: 1, duplicateNext: 1 };

    expect(disturbPage(faults, seededRandom(1), [], [1, 2])).toEqual([]);
    expect(faults).toEqual({ reorderNext: 1, duplicateNext: 1 });
    expect(
      disturbPage({ reorderNext: 0, duplicateNext: 1, duplicateCount: 1 }, seededRandom(1), [3, 4], [1, 2]),
    ).toEqual([2, 3, 4]);
  });

  it('writes Retry-After only for a positive wait', () => {
    expect(tooManyRequests(5).headers).toEqual({ 'retry-after': '5' });
    expect(tooManyRequests(0).headers).toEqual({});
  });
});

describe('Veza emulator: invalid arrivals', () => {
  it('stores them invalid, so every read serves a record to dead-letter', async () => {
    const emu = await startVezaEmulator({ token: SECRET, backlog: 0, shape: 'new' });
    try {
      emu.addEvents(1, { invalid: true });

      expect(emu.events()[0]?.text).toContain('"timestamp": "not a time"');
    } finally {
      await emu.stop();
    }
  });
});
