import { afterEach, describe, expect, it } from '@jest/globals';
import {
  startNectedEmulator,
  startNectedForCli,
  NECTED_LOCAL_API_KEY,
  type NectedEmulator,
  type NectedEmulatorOptions,
  type NectedSearch,
} from '../../../functions/nected/emulator/emulator.ts';
import { emulatorPerTest } from '../../helpers/vendor-emulator.ts';
import { fetchReply, type EmulatorReply } from '../../helpers/vendor-reply.ts';
import type { RunningEmulator } from '../../../local/emulators/emulators.ts';

const KEY = 'nected-test-key';
const NOW = Date.parse('2025-06-01T12:00:00Z');
const HOUR = 3_600_000;
const LEGACY = '/dev/audit/audit/search';
const V1 = '/dev/v1/audit/audit/search';
const LEGACY_HEADERS = { 'nected-api-key': KEY };
const V1_HEADERS = { 'Nected-API-Key': KEY, 'Nected-Branch': 'main' };
/** The fields of a record in the doc example, in its order (vendor-docs/nected-audit-log-api.md). */
const DOC_FIELDS = [
  'entityId',
  'executionId',
  'type',
  'name',
  'event',
  'status',
  'environment',
  'user',
  'workspaceId',
  'ip',
  'logId',
  'statusTimeMs',
  'date',
  'rootNode',
  'traceId',
  'message',
  'input',
  'output',
  'path',
  'version',
];

type Row = Record<string, unknown> & {
  logId: string;
  date: string;
  type: string;
  event: string;
  status: string;
  environment: string;
  user: string;
};
type Reply = EmulatorReply<{
  totalCount?: number;
  totalPages?: number;
  pageNo?: number;
  pageSize?: number;
  data?: Row[] | null;
  code?: string;
  message?: string;
  error?: string;
}>;

let cli: RunningEmulator | undefined;
afterEach(async () => {
  await cli?.stop();
  cli = undefined;
});

const emulators = emulatorPerTest((options: Partial<NectedEmulatorOptions> = {}) =>
  startNectedEmulator({ apiKey: KEY, backlog: 45, now: () => NOW, ...options }),
);
const start = emulators.start;

async function get(
  path: string,
  params: Record<string, string> = {},
  headers: Record<string, string> = V1_HEADERS,
  base = emulators.current?.baseUrl,
): Promise<Reply> {
  return fetchReply(`${base ?? ''}${path}?${new URLSearchParams(params).toString()}`, { headers }, {});
}

const idsOf = (reply: Reply): string[] => (reply.json.data ?? []).map((r) => r.logId);
/** Newest first, as the API serves them by default. */
const newestFirst = (emu: NectedEmulator): string[] => [...emu.events()].reverse().map((e) => e.id);

/** Reads pages 1..totalPages (as the page-1 answer counted them) and returns every id seen. */
async function pageThrough(
  path: string,
  params: Record<string, string>,
  headers: Record<string, string>,
): Promise<string[]> {
  const first = await get(path, { ...params, pageNo: '1' }, headers);
  const ids = idsOf(first);
  for (let page = 2; page <= (first.json.totalPages ?? 0); page++)
    ids.push(...idsOf(await get(path, { ...params, pageNo: String(page) }, headers)));
  return ids;
}

describe('Nected emulator: search', () => {
  it('answers the documented envelope with records shaped like the doc example, newest first, 10 a page by default', async () => {
    // Prepare
    const emu = await start();

    // Act
    const reply = await get(V1);

    // Assess
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      totalCount: 45,
      totalPages: 5,
      pageNo: 1,
      pageSize: 10,
      code: 'success',
      message: 'success.',
    });
    expect(Object.keys(reply.json)).toEqual([
      'totalCount',
      'totalPages',
      'pageNo',
      'pageSize',
      'data',
      'code',
      'message',
    ]);
    expect(idsOf(reply)).toEqual(newestFirst(emu).slice(0, 10));
    expect((reply.json.data ?? []).every((r) => JSON.stringify(Object.keys(r)) === JSON.stringify(DOC_FIELDS))).toBe(
      true,
    );
    expect(reply.json.data?.[0]?.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);
    expect(reply.text).toContain(`"data": [\n        ${emu.events().at(-1)?.text ?? 'missing'},\n        {`);
  });

  it('serves every event exactly once over pages 1..totalPages while nothing arrives', async () => {
    // Prepare
    const emu = await start();

    // Act
    const ids = await pageThrough(LEGACY, {}, LEGACY_HEADERS);

    // Assess
    expect(ids).toEqual(newestFirst(emu));
  });

  it('shifts every offset when events arrive at the head: a naive pager sees repeats and a growing totalCount', async () => {
    // Prepare
    const emu = await start({ faults: { headInsertsPerSearch: 2 } });

    // Act
    const first = await get(V1, { pageNo: '1' });
    const second = await get(V1, { pageNo: '2' });

    // Assess
    expect([first.json.totalCount, second.json.totalCount]).toEqual([47, 49]);
    expect(idsOf(second).slice(0, 2)).toEqual(idsOf(first).slice(-2));
    expect(emu.events()).toHaveLength(49);
  });

  it('sorts oldest first with sort=date:1 and refuses other sorts', async () => {
    // Prepare
    const emu = await start();

    // Act
    const ascending = await get(V1, { sort: 'date:1', pageSize: '5' });
    const bad = await get(V1, { sort: 'name:1' });

    // Assess
    expect(idsOf(ascending)).toEqual(
      emu
        .events()
        .slice(0, 5)
        .map((e) => e.id),
    );
    expect([bad.status, bad.json.code]).toEqual([400, 'BAD_REQUEST']);
  });

  it('clamps pageSize to 10, answers data null past the last page, and refuses a pageNo that is not a positive integer', async () => {
    // Prepare
    await start();

    // Act
    const [big, past, zero] = [
      await get(V1, { pageSize: '50' }),
      await get(V1, { pageNo: '6' }),
      await get(V1, { pageNo: '0' }),
    ];

    // Assess
    expect([big.json.pageSize, big.json.data?.length]).toEqual([10, 10]);
    expect(past.json).toMatchObject({ totalCount: 45, pageNo: 6, data: null });
    expect(zero.status).toBe(400);
  });

  it('filters by startDate and endDate, both inclusive, as full ISO times or dates', async () => {
    // Prepare
    const emu = await start();
    const [a, b] = [emu.events()[10], emu.events()[19]];

    // Act
    const inside = await pageThrough(
      V1,
      { startDate: a?.record.date ?? '', endDate: b?.record.date ?? '' },
      V1_HEADERS,
    );
    const day = await get(V1, { startDate: '2025-06-01', pageSize: '1' });
    const bad = await get(V1, { startDate: 'last tuesday' });

    // Assess
    expect(inside).toEqual(
      emu
        .events()
        .slice(10, 20)
        .reverse()
        .map((e) => e.id),
    );
    expect(day.json.totalCount).toBe(
      emu.events().filter((e) => e.dateNs >= BigInt(Date.parse('2025-06-01T00:00:00Z')) * 1_000_000n).length,
    );
    expect(bad.status).toBe(400);
  });

  it("applies each generation's filters: type, event, status, environment and search (legacy); type, status, environment and user (v1)", async () => {
    // Prepare
    const emu = await start({ backlog: 300 });
    const rows = emu.events().map((e) => e.record);
    const count = (f: (r: (typeof rows)[number]) => boolean) => rows.filter(f).length;
    const user = rows.find((r) => r.user)?.user ?? '';

    // Act
    const legacy = {
      type: await get(LEGACY, { type: 'decisionTable' }, LEGACY_HEADERS),
      event: await get(LEGACY, { event: 'api' }, LEGACY_HEADERS),
      status: await get(LEGACY, { status: 'error,Failed' }, LEGACY_HEADERS),
      search: await get(LEGACY, { search: 'amazon' }, LEGACY_HEADERS),
    };
    const v1 = {
      environment: await get(V1, { environment: 'production' }),
      user: await get(V1, { user }),
      event: await get(V1, { event: 'api' }),
    };

    // Assess
    expect(legacy.type.json.totalCount).toBe(count((r) => r.type === 'Decisiontable'));
    expect(legacy.event.json.totalCount).toBe(count((r) => r.event === 'Call Via API'));
    expect(legacy.status.json.totalCount).toBe(count((r) => r.status === 'Error' || r.status === 'Failed'));
    expect(legacy.search.json.totalCount).toBe(count((r) => /amazon/i.test(`${r.name} ${r.message} ${r.type}`)));
    expect(v1.environment.json.totalCount).toBe(count((r) => r.environment === 'Production'));
    expect(v1.user.json.totalCount).toBe(count((r) => r.user === user));
    expect(v1.event.json.totalCount).toBe(300);
    expect(Object.values(legacy).every((r) => (r.json.totalCount ?? 0) > 0 && (r.json.totalCount ?? 0) < 300)).toBe(
      true,
    );
  });

  it('refuses pages beyond the result window with a 400', async () => {
    // Prepare
    await start({ maxResultWindow: 30 });

    // Act
    const [third, fourth] = [await get(V1, { pageNo: '3' }), await get(V1, { pageNo: '4' })];

    // Assess
    expect(third.status).toBe(200);
    expect([fourth.status, fourth.json.message]).toEqual([
      400,
      'Result window is too large, from + size must be less than or equal to: [30]',
    ]);
  });
});

describe('Nected emulator: modules, auth and branches', () => {
  it('serves modules by name, and answers an unknown one with the documented 404', async () => {
    // Prepare
    const emu = await start({ backlog: 200 });

    // Act
    const users = await get('/dev/v1/audit/user-management/search');
    const unknown = await get('/dev/v1/audit/billing/search');

    // Assess
    expect(users.json.totalCount).toBe(emu.events().filter((e) => (e.record.event ?? '').startsWith('Role ')).length);
    expect([unknown.status, unknown.json]).toEqual([404, { error: 'Module not found.' }]);
  });

  it('answers a wrong or missing API key with the documented 401, on both generations', async () => {
    // Prepare
    await start();

    // Act
    const replies = [
      await get(LEGACY, {}, { 'nected-api-key': 'nope' }),
      await get(V1, {}, { 'Nected-Branch': 'main' }),
    ];

    // Assess
    for (const reply of replies)
      expect([reply.status, reply.json]).toEqual([401, { error: 'Unauthorized access. Invalid API key.' }]);
  });

  it('requires Nected-Branch on v1 only, and refuses a branch it does not have', async () => {
    // Prepare
    await start({ branches: ['main', 'dev'] });

    // Act
    const [missing, unknown, dev, legacy] = [
      await get(V1, {}, { 'Nected-API-Key': KEY }),
      await get(V1, {}, { ...V1_HEADERS, 'Nected-Branch': 'prod' }),
      await get(V1, {}, { ...V1_HEADERS, 'Nected-Branch': 'dev' }),
      await get(LEGACY, {}, LEGACY_HEADERS),
    ];

    // Assess
    expect([missing.status, missing.json.message]).toEqual([400, 'Nected-Branch header is required']);
    expect([unknown.status, unknown.json]).toEqual([404, { error: 'Branch not found.' }]);
    expect([dev.status, legacy.status]).toEqual([200, 200]);
  });
});

describe('Nected emulator: variety', () => {
  it('serves a share of records in every documented shape when asked: fields absent, null or empty, reproducibly, filterable', async () => {
    // Prepare
    const records = async () => {
      const emu = await start({ variety: 1, backlog: 120 });
      const texts = emu.events().map((e) => e.text);
      const filtered = await get('/dev/v1/audit/audit/search', { type: 'dataset' });
      await emu.stop();
      return { texts, filtered };
    };

    // Act
    const [a, b] = [await records(), await records()];

    // Assess
    expect(a.texts).toEqual(b.texts);
    const parsed = a.texts.map((t) => JSON.parse(t) as Record<string, unknown>);
    expect(parsed.some((r) => r.user === null)).toBe(true);
    expect(parsed.some((r) => !('ip' in r))).toBe(true);
    expect(parsed.some((r) => JSON.stringify(r.input) === '{}')).toBe(true);
    expect(new Set(parsed.map((r) => r.logId)).size).toBe(parsed.length);
    expect(a.filtered.status).toBe(200);
  });
});

describe('Nected emulator: detail', () => {
  it('returns a run with its steps (children, 10 a page) and a step with its parent, on both generations', async () => {
    // Prepare
    const emu = await start({ backlog: 400 });
    const steps = emu.events().filter((e) => e.record.rootNode?.id && e.record.rootNode?.id !== e.record.executionId);
    const step = steps[0];
    const root = emu.events().find((e) => e.record.executionId === step?.record.rootNode?.id);

    // Act
    const parentReply = await get(`/dev/v1/audit/audit/${root?.id ?? ''}`, { pageSize: '2' });
    const stepReply = await get(`/dev/audit/audit/${step?.id ?? ''}`, {}, LEGACY_HEADERS);

    // Assess
    const parent = JSON.parse(parentReply.text) as {
      data: { detail: Row; children: Row[]; parent: Row[]; totalChildren: number };
      code: string;
    };
    const child = JSON.parse(stepReply.text) as typeof parent;
    expect(parent).toMatchObject({
      pageNo: 1,
      pageSize: 2,
      code: 'success',
      message: 'success.',
      data: { detail: { logId: root?.id }, parent: [] },
    });
    expect(parent.data.totalChildren).toBe(
      steps.filter((s) => s.record.rootNode?.id === root?.record.executionId).length,
    );
    expect(parent.data.children.length).toBe(Math.min(2, parent.data.totalChildren));
    expect(child.data.parent.map((r) => r.logId)).toEqual([root?.id]);
  });

  it('answers an unknown log id with the documented 404', async () => {
    // Prepare
    await start();

    // Act
    const reply = await get('/dev/v1/audit/audit/AAAAAAAAAAAAAAAAAAAA');

    // Assess
    expect([reply.status, reply.json]).toEqual([404, { error: 'Audit log entry not found.' }]);
  });
});

describe('Nected emulator: faults, hooks, latency and arrivals', () => {
  it('fails the next calls with 500 and 429 (Retry-After), then answers again', async () => {
    // Prepare
    await start({ faults: { serverErrorNext: 1, rateLimitNext: 1 } });

    // Act
    const [a, b, c] = [await get(V1), await get(V1), await get(V1)];

    // Assess
    expect([a.status, b.status, b.headers.get('retry-after'), c.status]).toEqual([500, 429, '1', 200]);
  });

  it('fails every search for the failing page number, and only it', async () => {
    // Prepare
    await start({ faults: { failPageNo: 2 } });

    // Act
    const statuses = [
      (await get(V1, { pageNo: '1' })).status,
      (await get(V1, { pageNo: '2' })).status,
      (await get(V1, { pageNo: '2' })).status,
      (await get(V1, { pageNo: '3' })).status,
    ];

    // Assess
    expect(statuses).toEqual([200, 500, 500, 200]);
  });

  it('cuts the next body in half when asked to truncate', async () => {
    // Prepare
    await start({ faults: { truncateNext: 1 } });

    // Act
    const [cut, whole] = [await get(V1), await get(V1)];

    // Assess
    expect(() => JSON.parse(cut.text)).toThrow();
    expect(whole.json.totalCount).toBe(45);
  });

  it('calls onSearch with the parsed search before answering it', async () => {
    // Prepare
    const emu = await start();
    const seen: NectedSearch[] = [];
    emu.onSearch = (s) => void seen.push(s);

    // Act
    await get(
      LEGACY,
      { pageNo: '2', pageSize: '5', startDate: '2025-06-01T00:00:00.000Z', endDate: '2025-06-01T11:00:00.000Z' },
      LEGACY_HEADERS,
    );

    // Assess
    expect(seen).toEqual([
      {
        api: 'legacy',
        module: 'audit',
        pageNo: 2,
        pageSize: 5,
        startNs: BigInt(Date.parse('2025-06-01T00:00:00Z')) * 1_000_000n,
        endNs: BigInt(Date.parse('2025-06-01T11:00:00Z')) * 1_000_000n,
      },
    ]);
  });

  it('holds each answer for latencyMs and counts concurrent requests', async () => {
    // Prepare
    const emu = await start({ latencyMs: 50 });

    // Act
    const started = Date.now();
    await Promise.all([get(V1), get(V1), get(V1)]);

    // Assess
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(emu.stats.maxInFlight).toBe(3);
  });

  it('adds live arrivals dated up to ingestDelayMs before now, and spreads the backlog up to backlogEnd', async () => {
    // Prepare
    const emu = await start({
      now: Date.now,
      backlog: 10,
      arrivalsPerSecond: 100,
      ingestDelayMs: 500,
      backlogEnd: new Date(Date.now() - HOUR),
    });

    // Act
    await new Promise((resolve) => setTimeout(resolve, 350));

    // Assess
    const arrived = emu.events().slice(10);
    expect(arrived.length).toBeGreaterThanOrEqual(20);
    expect(arrived.every((e) => Number(e.dateNs / 1_000_000n) >= Date.now() - 1000)).toBe(true);
    expect(Number((emu.events()[9]?.dateNs ?? 0n) / 1_000_000n)).toBeLessThan(Date.now() - HOUR + 1);
  });

  it('generates the same records from the same seed', async () => {
    // Prepare
    const first = (await start({ seed: 9 })).events().map((e) => e.text);
    await emulators.stop();

    // Act
    const second = (await start({ seed: 9 })).events().map((e) => e.text);

    // Assess
    expect(second).toEqual(first);
  });
});

describe('startNectedForCli', () => {
  it('serves a backlog on v1 with the credentials and options it reports, and lists every event id', async () => {
    // Act
    cli = await startNectedForCli({ backlog: 25, seed: 4 });
    const reply = await get(
      V1,
      { pageSize: '10' },
      { 'Nected-API-Key': cli.credentials.apiKey ?? '', 'Nected-Branch': String(cli.options.branch) },
      cli.baseUrl,
    );

    // Assess
    expect(cli).toMatchObject({
      vendor: 'nected',
      credentials: { apiKey: NECTED_LOCAL_API_KEY },
      options: { api: 'v1', branch: 'main' },
    });
    expect(reply.json.totalCount).toBe(25);
    expect(new Set(cli.eventIds()).size).toBe(25);
    expect(cli.eventIds()).toEqual(expect.arrayContaining(idsOf(reply)));
  });
});
