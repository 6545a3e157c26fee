/**
 * The Carbon Black Cloud emulator as a client sees it over HTTP: search semantics and paging, the
 * destructive per-key queue (current and legacy), export jobs, auth, permissions and rate limits.
 */
import { describe, expect, it } from '@jest/globals';
import {
  CB_AUDIT_PERMISSION,
  CB_JOBS_PERMISSION,
  startCarbonBlackEmulator,
  type CarbonBlackEmulatorOptions,
  type CbApiKey,
} from '../../../functions/carbonblack/emulator/emulator.ts';
import { emulatorPerTest } from '../../helpers/vendor-emulator.ts';
import { fetchReply, jsonBody, type EmulatorReply } from '../../helpers/vendor-reply.ts';
import { CB_DOC_RECORD } from './doc-cases.ts';

const NOW = Date.parse('2026-06-01T12:00:00.000Z');
const DAY = 86_400_000;
const ORG = 'ABCD1234';
const KEY: CbApiKey = { id: 'KEYID00001', secret: 'SECRETKEY000000000000001' };
const SEARCH = `/audit_log/v1/orgs/${ORG}/logs/_search`;
const QUEUE = `/audit_log/v1/orgs/${ORG}/logs/_queue`;
const LEGACY = '/integrationServices/v3/auditlogs';

type Reply = EmulatorReply<Record<string, unknown>>;
type Results = { num_found: number; num_available: number; results: Array<Record<string, unknown>> };

const emulators = emulatorPerTest((options: Partial<CarbonBlackEmulatorOptions> = {}) =>
  startCarbonBlackEmulator({ apiKeys: [KEY], backlog: 60, seed: 4, now: () => NOW, ...options }),
);
const start = emulators.start;

async function call(path: string, body?: unknown, key: CbApiKey | null = KEY): Promise<Reply> {
  const init = {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { 'x-auth-token': `${key.secret}/${key.id}` } : {}) },
    ...(body === undefined ? {} : { body: jsonBody(body) }),
  };
  // CSV downloads and truncated bodies are not JSON: their `json` is {}.
  return fetchReply(`${emulators.current?.baseUrl ?? ''}${path}`, init, {});
}

const search = async (body: Record<string, unknown>): Promise<Results> =>
  (await call(SEARCH, body)).json as unknown as Results;
const ascending = { sort: [{ field: 'create_time', order: 'ASC' }] };
const iso = (ms: number): string => new Date(ms).toISOString();

describe('Carbon Black emulator: records', () => {
  it('serves v1 records with the eight documented fields and no id, as compact wire text', async () => {
    // Prepare
    const emu = await start();

    // Act
    const page = await call(SEARCH, { ...ascending, rows: 5 });

    // Assess
    const results = (page.json as unknown as Results).results;
    expect(Object.keys(results[0] ?? {})).toEqual(Object.keys(JSON.parse(CB_DOC_RECORD) as object));
    expect(results[0]?.create_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const sorted = [...emu.events()].sort((a, b) => a.time - b.time || a.seq - b.seq);
    expect(page.text).toBe(
      `{"num_found":${emu.events().length},"num_available":${emu.events().length},"results":[${sorted
        .slice(0, 5)
        .map((e) => e.text)
        .join(',')}]}`,
    );
  });

  it('seeds identical records in the same millisecond and escapes non-ASCII in the wire text', async () => {
    // Act
    const emu = await start({ backlog: 400 });

    // Assess
    const texts = emu.events().map((e) => e.text);
    expect(texts.length - new Set(texts).size).toBeGreaterThan(0);
    expect(texts.some((t) => /\\u00e9/.test(t))).toBe(true);
    expect(new Set(emu.nativeIds()).size).toBe(emu.events().length);
  });
});

describe('Carbon Black emulator: variety', () => {
  it('serves a share of records in every documented shape when asked: fields absent, null or empty, reproducibly, searchable', async () => {
    // Prepare
    const records = async () => {
      const emu = await start({ variety: 1, backlog: 120 });
      const texts = emu.events().map((e) => e.text);
      const page = await search({ ...ascending, rows: 200, query: 'description:e' });
      await emu.stop();
      return { texts, page };
    };

    // Act
    const [a, b] = [await records(), await records()];

    // Assess
    expect(a.texts).toEqual(b.texts);
    const parsed = a.texts.map((t) => JSON.parse(t) as Record<string, unknown>);
    expect(parsed.some((r) => !('actor_ip' in r))).toBe(true);
    expect(parsed.some((r) => r.actor === null)).toBe(true);
    expect(parsed.some((r) => r.request_url === '')).toBe(true);
    expect(a.page.num_found).toBeGreaterThan(0);
  });
});

describe('Carbon Black emulator: _search', () => {
  it('pages with a 0-based start and caps num_available, refusing nothing but serving nothing past the cap', async () => {
    // Prepare
    const emu = await start({ backlog: 50, searchCap: 20 });
    const total = emu.events().length;

    // Act
    const first = await search({ ...ascending, rows: 15, start: 0 });
    const second = await search({ ...ascending, rows: 15, start: 15 });
    const beyond = await search({ ...ascending, rows: 15, start: 20 });

    // Assess
    expect([first.num_found, first.num_available, first.results.length]).toEqual([total, 20, 15]);
    expect(second.results).toHaveLength(5);
    expect(beyond.results).toEqual([]);
  });

  it('filters create_time start/end inclusively, and by relative range', async () => {
    // Prepare
    const emu = await start();
    const times = emu
      .events()
      .map((e) => e.time)
      .sort((a, b) => a - b);
    const [from, to] = [times[10] as number, times[20] as number];

    // Act
    const window = await search({ criteria: { create_time: { start: iso(from), end: iso(to) } }, rows: 100 });
    const recent = await search({ criteria: { create_time: { range: '-1d' } }, rows: 100 });
    const both = await call(SEARCH, { criteria: { create_time: { start: iso(from), range: '-1d' } } });

    // Assess
    expect(window.num_found).toBe(times.filter((t) => t >= from && t <= to).length);
    expect(recent.num_found).toBe(times.filter((t) => t >= NOW - DAY).length);
    expect(both.status).toBe(400);
  });

  it('applies criteria, exclusions and a field query', async () => {
    // Prepare
    const emu = await start({ backlog: 200 });
    const events = emu.events().map((e) => e.record);

    // Act
    const flagged = await search({ criteria: { flagged: true }, rows: 500 });
    const notAda = await search({ exclusions: { actor: ['ada@example.com'] }, rows: 500 });
    const logins = await search({ query: 'description:"logged in"', rows: 500 });

    // Assess
    expect(flagged.num_found).toBe(events.filter((r) => r.flagged).length);
    expect(notAda.num_found).toBe(events.filter((r) => r.actor !== 'ada@example.com').length);
    expect(logins.num_found).toBe(events.filter((r) => r.description.toLowerCase().includes('logged in')).length);
    expect(logins.num_found).toBeGreaterThan(0);
  });

  it('sorts newest first when no sort is given, and refuses malformed requests with 400', async () => {
    // Prepare
    await start();

    // Act
    const unsorted = await search({ rows: 100 });
    const replies = await Promise.all([
      call(SEARCH, '{not json'),
      call(SEARCH, { rows: 10_001 }),
      call(SEARCH, { start: -1 }),
      call(SEARCH, { sort: [{ field: 'create_time', order: 'up' }] }),
      call(SEARCH, { query: 'description:"unbalanced' }),
    ]);

    // Assess
    const times = unsorted.results.map((r) => Date.parse(String(r.create_time)));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(replies.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
    expect(replies[3]?.json).toMatchObject({ error_code: 'INVALID_ENUM_VALUE' });
    expect(replies[4]?.json).toMatchObject({ reason: 'query_malformed_syntax' });
  });
});

describe('Carbon Black emulator: queues', () => {
  it('seeds each key with the last three days and hands every event out once, in batches of at most the cap', async () => {
    // Prepare
    const emu = await start({ backlog: 100, backlogStart: new Date(NOW - 6 * DAY), queueBatch: 30 });
    const recent = emu.events().filter((e) => e.time >= NOW - 3 * DAY);

    // Act
    const batches: Results[] = [];
    for (let i = 0; i < 10; i++) batches.push((await call(QUEUE)).json as unknown as Results);

    // Assess
    const served = batches.flatMap((b) => b.results);
    expect(batches.every((b) => b.results.length <= 30)).toBe(true);
    expect(served).toHaveLength(recent.length);
    expect(served.length).toBeLessThan(emu.events().length);
    expect(batches.at(-1)).toEqual({ num_found: 0, num_available: 0, results: [] });
    expect(emu.queued(KEY.id)).toEqual([]);
  });

  it("keeps one queue per key: reading with one key leaves another key's queue intact", async () => {
    // Prepare
    const other: CbApiKey = { id: 'KEYID00002', secret: 'SECRETKEY000000000000002' };
    const emu = await start({ apiKeys: [KEY, other] });
    emu.addEvents(3);

    // Act
    const mine = (await call(QUEUE)).json as unknown as Results;
    const theirs = (await call(QUEUE, undefined, other)).json as unknown as Results;

    // Assess
    expect(theirs.num_found).toBe(mine.num_found);
    expect(theirs.results).toEqual(mine.results);
    expect(emu.enqueued(KEY.id).slice(-3)).toEqual(emu.events().slice(-3));
  });

  it('serves the legacy v3 queue as notifications with eventId and eventTime', async () => {
    // Prepare
    await start({ backlog: 5, backlogStart: new Date(NOW - DAY) });

    // Act
    const reply = await call(LEGACY);

    // Assess
    expect(reply.json).toMatchObject({ success: true, message: 'Success' });
    const [first] = reply.json.notifications as Array<Record<string, unknown>>;
    expect(first).toEqual(
      expect.objectContaining({
        eventId: expect.stringMatching(/^[0-9a-f]{12}1[0-9a-f]{19}$/),
        eventTime: expect.any(Number),
        loginName: expect.any(String),
      }),
    );
    expect((await call(LEGACY)).json.notifications as unknown[]).toEqual([]);
  });
});

describe('Carbon Black emulator: export jobs', () => {
  it('creates a job, moves it to COMPLETED over polls, and downloads JSON or CSV', async () => {
    // Prepare
    const emu = await start({ backlog: 20 });
    const jobPath = (id: unknown, part = ''): string => `/jobs/v1/orgs/${ORG}/jobs/${String(id)}${part}`;

    // Act
    const json = await call(`/audit_log/v1/orgs/${ORG}/logs/_export`, { ...ascending, format: 'json' });
    const early = await call(jobPath(json.json.job_id, '/download'));
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(jobPath(json.json.job_id))).json.status);
    const download = await call(jobPath(json.json.job_id, '/download'));
    const csv = await call(`/audit_log/v1/orgs/${ORG}/logs/_export`, { format: 'csv' });
    for (let i = 0; i < 3; i++) await call(jobPath(csv.json.job_id));
    const csvDownload = await call(jobPath(csv.json.job_id, '/download'));

    // Assess
    expect(early.status).toBe(400);
    expect(statuses).toEqual(['CREATED', 'IN_PROGRESS', 'COMPLETED', 'COMPLETED']);
    expect((JSON.parse(download.text) as unknown[]).length).toBe(emu.events().length);
    expect(csvDownload.text.split('\n')[0]).toBe(
      'org_key,actor_ip,actor,request_url,description,flagged,verbose,create_time',
    );
    expect((await call(`/audit_log/v1/orgs/${ORG}/logs/_export`, { format: 'xml' })).status).toBe(400);
  });
});

describe('Carbon Black emulator: auth and limits', () => {
  it('answers 401 to a missing, malformed or wrong X-Auth-Token', async () => {
    // Prepare
    await start();

    // Act
    const replies = await Promise.all([
      call(SEARCH, {}, null),
      call(SEARCH, {}, { id: KEY.id, secret: 'wrong' }),
      call(QUEUE, undefined, { id: 'UNKNOWN', secret: KEY.secret }),
      call(LEGACY, undefined, null),
    ]);

    // Assess
    expect(replies.map((r) => r.status)).toEqual([401, 401, 401, 401]);
    expect(replies[3]?.json).toEqual({ success: false, message: 'Unauthorized' });
  });

  it('answers 403 without org.audits, without jobs.status for jobs, and for another org', async () => {
    // Prepare
    const jobsOnly: CbApiKey = {
      id: 'KEYID00003',
      secret: 'SECRETKEY000000000000003',
      permissions: [CB_JOBS_PERMISSION],
    };
    const auditsOnly: CbApiKey = {
      id: 'KEYID00004',
      secret: 'SECRETKEY000000000000004',
      permissions: [CB_AUDIT_PERMISSION],
    };
    await start({ apiKeys: [KEY, jobsOnly, auditsOnly] });

    // Act
    const noAudits = await call(SEARCH, {}, jobsOnly);
    const noJobs = await call(`/jobs/v1/orgs/${ORG}/jobs/1`, undefined, auditsOnly);
    const otherOrg = await call('/audit_log/v1/orgs/OTHER999/logs/_search', {});

    // Assess
    expect([noAudits.status, noJobs.status, otherOrg.status]).toEqual([403, 403, 403]);
    expect(noAudits.json).toMatchObject({ error_code: 'FORBIDDEN', message: expect.stringContaining('org.audits') });
  });

  it('answers 429 with Retry-After, and extends the back-off for requests made during it', async () => {
    // Prepare
    let now = NOW;
    await start({ now: () => now, rateLimit: { requests: 2, windowMs: 60_000, retryAfterSeconds: 30 } });

    // Act
    const statuses = [(await call(QUEUE)).status, (await call(QUEUE)).status];
    const limited = await call(QUEUE);
    now += 20_000;
    const during = await call(QUEUE);
    now += 20_000;
    const stillDuring = await call(QUEUE);
    now += 31_000 + 60_000;
    const after = await call(QUEUE);

    // Assess
    expect(statuses).toEqual([200, 200]);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '30']);
    expect([during.status, stillDuring.status, after.status]).toEqual([429, 429, 200]);
  });

  it('injects 429, 503 and truncated bodies on request', async () => {
    // Prepare
    const emu = await start();
    Object.assign(emu.faults, { rateLimitNext: 1, retryAfterSeconds: 7, serverErrorNext: 1, truncateNext: 1 });

    // Act
    const replies = [await call(SEARCH, {}), await call(SEARCH, {}), await call(SEARCH, {}), await call(SEARCH, {})];

    // Assess
    expect(replies.map((r) => r.status)).toEqual([503, 429, 200, 200]);
    expect(replies[1]?.headers.get('retry-after')).toBe('7');
    expect(() => JSON.parse(replies[2]?.text ?? '')).toThrow();
    expect(JSON.parse(replies[3]?.text ?? '')).toHaveProperty('results');
  });
});
