import { describe, expect, it } from '@jest/globals';
import {
  startVezaEmulator,
  vezaExportFilter,
  type VezaEmulator,
  type VezaEmulatorOptions,
} from '../../../functions/veza/emulator/emulator.ts';
import { emulatorPerTest } from '../../helpers/vendor-emulator.ts';
import { fetchReply, type EmulatorReply } from '../../helpers/vendor-reply.ts';

const KEY = 'veza-test-key';
const NOW = Date.parse('2025-06-01T12:00:00Z');
const DAY = 86_400_000;
const EXPORT = '/api/preview/system/audit/export';
const LIST = '/api/preview/system/audit';
const FROM_EPOCH = vezaExportFilter('2000-01-01T00:00:00Z');

type Reply = EmulatorReply<{
  values?: Array<Record<string, unknown>>;
  next_page_token?: string;
  code?: number;
  message?: string;
}>;

const emulators = emulatorPerTest((options: Partial<VezaEmulatorOptions> = {}) =>
  startVezaEmulator({ port: 0, token: KEY, backlog: 30, now: () => NOW, ...options }),
);
const start = emulators.start;

async function get(
  path: string,
  params: Record<string, string> | string,
  key: string | null = KEY,
  signal?: AbortSignal,
): Promise<Reply> {
  const query = typeof params === 'string' ? params : new URLSearchParams(params).toString();
  const init = { headers: key === null ? {} : { authorization: `Bearer ${key}` }, ...(signal ? { signal } : {}) };
  return fetchReply(`${emulators.current?.baseUrl ?? ''}${path}?${query}`, init, {});
}

/** The ids of the emulator's events from `start` to `end`, in its order. */
const eventIds = (emu: VezaEmulator, start: number, end?: number): string[] =>
  emu
    .events()
    .slice(start, end)
    .map((e) => e.id);
const idsOf = (values: Reply['json']['values']): string[] =>
  (values ?? []).map((v) => String(v['id'] ?? v['request_id']));

/** Follows export tokens until an empty page; returns the ids seen and the last token. */
async function drainExport(first: Record<string, string>, pageSize = '7'): Promise<{ ids: string[]; token: string }> {
  let params: Record<string, string> = { ...first, page_size: pageSize };
  const ids: string[] = [];
  for (let i = 0; i < 100; i++) {
    const { status, json } = await get(EXPORT, params);
    expect(status).toBe(200);
    if ((json.values ?? []).length === 0) return { ids, token: json.next_page_token ?? '' };
    ids.push(...idsOf(json.values));
    params = { next_page_token: json.next_page_token ?? '', page_size: pageSize };
  }
  throw new Error('export never caught up');
}

describe('Veza emulator: export', () => {
  it('returns every event exactly once, in persistence order, from a bootstrap and then tokens', async () => {
    const emu = await start();
    const { ids } = await drainExport({ filter: FROM_EPOCH });
    expect(ids).toEqual(emu.events().map((e) => e.id));
    expect(emu.stats.exportRequests).toBe(6);
  });

  it('starts at the first event persisted at or after the URL-encoded persisted_at filter', async () => {
    const emu = await start();
    const tenth = emu.events()[10];
    const reply = await get(
      EXPORT,
      `filter=persisted_at+GE+%22${encodeURIComponent(tenth?.persistedAt ?? '')}%22&page_size=5&next_page_token=`,
    );
    expect(reply.status).toBe(200);
    expect(idsOf(reply.json.values)).toEqual(eventIds(emu, 10, 15));
  });

  it('keeps the token on an empty page, and later arrivals appear after it', async () => {
    const emu = await start();
    const { token } = await drainExport({ filter: FROM_EPOCH });
    const empty = await get(EXPORT, { next_page_token: token, page_size: '10' });
    expect(empty.json).toEqual({ values: [], next_page_token: token });
    emu.addEvents(3);
    const later = await get(EXPORT, { page_token: token, page_size: '10' });
    expect(idsOf(later.json.values)).toEqual(eventIds(emu, -3));
    expect(later.json.next_page_token).not.toBe(token);
  });

  it('ignores the filter when a token is sent', async () => {
    const emu = await start();
    const first = await get(EXPORT, { filter: FROM_EPOCH, page_size: '7' });
    const second = await get(EXPORT, {
      filter: 'garbage',
      next_page_token: first.json.next_page_token ?? '',
      page_size: '7',
    });
    expect(second.status).toBe(200);
    expect(idsOf(second.json.values)).toEqual(eventIds(emu, 7, 14));
  });

  it('refuses a tampered or foreign token with 400 InvalidArgument', async () => {
    await start();
    const first = await get(EXPORT, { filter: FROM_EPOCH, page_size: '7' });
    const decoded = JSON.parse(Buffer.from(first.json.next_page_token ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const tampered = Buffer.from(JSON.stringify({ ...decoded, p: 0 })).toString('base64url');
    for (const token of [tampered, 'not-a-token']) {
      const reply = await get(EXPORT, { next_page_token: token, page_size: '7' });
      expect([reply.status, reply.json.code, reply.json.message]).toEqual([400, 3, 'invalid page token']);
    }
  });

  it('requires page_size between 1 and 10000', async () => {
    await start();
    for (const size of [undefined, '0', '10001', 'abc', '-1']) {
      const reply = await get(EXPORT, { filter: FROM_EPOCH, ...(size === undefined ? {} : { page_size: size }) });
      expect([reply.status, reply.json.code]).toEqual([400, 3]);
    }
    expect((await get(EXPORT, { filter: FROM_EPOCH, page_size: '10000' })).status).toBe(200);
  });

  it('requires a persisted_at GE filter without a token', async () => {
    await start();
    for (const filter of [
      '',
      'persisted_at GT "2025-01-01T00:00:00Z"',
      'persisted_at GE 2025-01-01T00:00:00Z',
      'persisted_at GE "yesterday"',
    ]) {
      expect((await get(EXPORT, { filter, page_size: '5' })).status).toBe(400);
    }
  });

  it('answers 401 Unauthenticated with WWW-Authenticate for a missing or wrong key', async () => {
    const emu = await start();
    for (const key of [null, 'wrong-key']) {
      const reply = await get(EXPORT, { filter: FROM_EPOCH, page_size: '5' }, key);
      expect([reply.status, reply.json.code, reply.headers.get('www-authenticate')]).toEqual([401, 16, 'Bearer']);
    }
    expect(emu.stats.errors).toBe(2);
  });

  it('forgets events persisted more than 30 days ago', async () => {
    const emu = await start({ backlog: 40, backlogStart: new Date(NOW - 40 * DAY) });
    const { ids } = await drainExport({ filter: FROM_EPOCH }, '100');
    const kept = emu.events().filter((e) => e.persistedAtNs >= BigInt(NOW - 30 * DAY) * 1_000_000n);
    expect(ids).toEqual(kept.map((e) => e.id));
    expect(ids.length).toBeLessThan(40);
  });

  it('exports late-persisted events in persistence order, after older-timestamped ones', async () => {
    const emu = await start();
    emu.addEvents(1, { latePersistedMs: 3_600_000 });
    const late = emu.events().at(-1);
    expect(late && late.persistedAtNs - late.endedAtNs).toBe(3_600_000_000_000n);
    const { ids } = await drainExport({ filter: FROM_EPOCH });
    expect(ids.at(-1)).toBe(late?.id);
  });
});

describe('Veza emulator: list', () => {
  const since = (ms: number): string => `ended_at GE "${new Date(ms).toISOString()}"`;

  it('pages in ended_at order and ends with an empty next_page_token', async () => {
    const emu = await start();
    emu.addEvents(2, { latePersistedMs: 36 * 3_600_000 });
    let params: Record<string, string> = { filter: since(NOW - 3 * DAY), page_size: '8' };
    const ids: string[] = [];
    for (let token = 'start'; token !== ''; params = { page_token: token, page_size: '8' }) {
      const reply = await get(LIST, params);
      expect(reply.status).toBe(200);
      ids.push(...idsOf(reply.json.values));
      token = reply.json.next_page_token ?? '';
    }
    const expected = [...emu.events()].sort((a, b) => (a.endedAtNs < b.endedAtNs ? -1 : 1)).map((e) => e.id);
    expect(ids).toEqual(expected);
    expect(ids).not.toEqual(emu.events().map((e) => e.id));
  });

  it('applies method, user_id and url clauses', async () => {
    const emu = await start({ shape: 'old' });
    const reply = await get(LIST, { filter: `${since(NOW - 3 * DAY)} and method EQ "POST"`, page_size: '100' });
    const posts = emu.events().filter((e) => 'method' in e.record && e.record.method === 'POST');
    expect(idsOf(reply.json.values).sort()).toEqual(posts.map((e) => e.id).sort());
    const first = emu.events()[0]?.record;
    const userId = first && 'identity' in first ? first.identity.user_id : '';
    const byUser = await get(LIST, { filter: `${since(NOW - 3 * DAY)} and user_id EQ "${userId}"`, page_size: '100' });
    expect(byUser.json.values?.every((v) => (v['identity'] as { user_id: string }).user_id === userId)).toBe(true);
    const url = first && 'url' in first ? first.url : '';
    const byUrl = await get(LIST, { filter: `${since(NOW - 3 * DAY)} and url EQ "${url}"`, page_size: '100' });
    expect(idsOf(byUrl.json.values)).toContain(emu.events()[0]?.id);
    expect(byUrl.json.values?.every((v) => v['url'] === url)).toBe(true);
  });

  it('refuses a missing filter, one older than 90 days, an unknown clause, and a filter with a token', async () => {
    await start();
    const first = await get(LIST, { filter: since(NOW - 3 * DAY), page_size: '5' });
    const bad = [
      { page_size: '5' },
      { filter: since(NOW - 91 * DAY), page_size: '5' },
      { filter: 'method EQ "POST"', page_size: '5' },
      { filter: `${since(NOW - DAY)} and color EQ "red"`, page_size: '5' },
      { filter: since(NOW - DAY), page_token: first.json.next_page_token ?? '', page_size: '5' },
    ];
    for (const params of bad) expect([(await get(LIST, params)).status]).toEqual([400]);
  });
});

describe('Veza emulator: faults', () => {
  it('answers 429 ResourceExhausted on export only, then recovers', async () => {
    const emu = await start({ faults: { resourceExhaustedNext: 1 } });
    expect(
      (await get(LIST, { filter: `ended_at GE "${new Date(NOW - DAY).toISOString()}"`, page_size: '5' })).status,
    ).toBe(200);
    const limited = await get(EXPORT, { filter: FROM_EPOCH, page_size: '5' });
    expect([limited.status, limited.json.code]).toEqual([429, 8]);
    expect((await get(EXPORT, { filter: FROM_EPOCH, page_size: '5' })).status).toBe(200);
    expect(emu.stats).toEqual({ requests: 3, exportRequests: 2, listRequests: 1, errors: 1, throttled: 0 });
  });

  it('throttles every Nth export call with Retry-After and a google.rpc.RetryInfo of the configured delays', async () => {
    // Prepare
    const emu = await start({ faults: { throttleEvery: 3, retryAfterSeconds: 2, retryInfoSeconds: 1 } });

    // Act
    const replies = [];
    for (let i = 0; i < 6; i++) replies.push(await get(EXPORT, { filter: FROM_EPOCH, page_size: '5' }));

    // Assess
    expect(replies.map((r) => r.status)).toEqual([200, 200, 429, 200, 200, 429]);
    const limited = replies[2] as Reply;
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(JSON.parse(limited.text)).toEqual({
      code: 8,
      message: 'rate limited',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '1s' }],
    });
    expect(emu.stats.throttled).toBe(2);
  });

  it('sends neither delay when both knobs are 0, as a gateway that names none', async () => {
    // Prepare
    await start({ faults: { rateLimitNext: 1, retryAfterSeconds: 0, retryInfoSeconds: 0 } });

    // Act
    const limited = await get(EXPORT, { filter: FROM_EPOCH, page_size: '5' });

    // Assess
    expect([limited.status, limited.headers.get('retry-after'), limited.json]).toEqual([
      429,
      null,
      { code: 8, message: 'rate limited', details: [] },
    ]);
  });

  it('injects 503s, truncated bodies, repeated tokens and hangs', async () => {
    const emu = await start({ faults: { serverErrorNext: 1 } });
    expect((await get(EXPORT, { filter: FROM_EPOCH, page_size: '5' })).json).toEqual({
      code: 14,
      message: 'unavailable',
    });
    emu.faults.truncateNext = 1;
    const cut = await get(EXPORT, { filter: FROM_EPOCH, page_size: '5' });
    expect([cut.status, cut.json.values]).toEqual([200, undefined]);
    const token = (await get(EXPORT, { filter: FROM_EPOCH, page_size: '5' })).json.next_page_token ?? '';
    emu.faults.repeatTokenNext = 1;
    const repeated = await get(EXPORT, { next_page_token: token, page_size: '5' });
    expect([repeated.json.values?.length, repeated.json.next_page_token]).toEqual([5, token]);
    emu.faults.hangNext = 1;
    await expect(get(EXPORT, { filter: FROM_EPOCH, page_size: '5' }, KEY, AbortSignal.timeout(150))).rejects.toThrow();
    emu.faults.errorRate = 1;
    expect((await get(EXPORT, { filter: FROM_EPOCH, page_size: '5' })).status).toBe(503);
  });

  it('repeats only events a page reaches: a re-read from the start does not carry the page served after it', async () => {
    // Prepare: pages 0-6 and 7-13 served, as to a run that died before delivering the second
    const emu = await start();
    const first = await get(EXPORT, { filter: FROM_EPOCH, page_size: '7' });
    await get(EXPORT, { next_page_token: first.json.next_page_token ?? '', page_size: '7' });
    emu.faults.duplicateNext = 1;

    // Act: the next run bootstraps again, then follows the token
    const again = await get(EXPORT, { filter: FROM_EPOCH, page_size: '7' });
    const next = await get(EXPORT, { next_page_token: again.json.next_page_token ?? '', page_size: '7' });

    // Assess: nothing from beyond the first page's token on it; the fault repeats its tail on the next
    expect(idsOf(again.json.values)).toEqual(eventIds(emu, 0, 7));
    expect(idsOf(next.json.values)).toEqual([...eventIds(emu, 4, 7), ...eventIds(emu, 7, 14)]);
  });
});

describe('Veza emulator: variety', () => {
  it('serves a share of records in every documented shape when asked (fields left out, "" or {}), reproducibly, in the chosen schema', async () => {
    // Prepare
    const records = async () => {
      const emu = await start({ variety: 1, backlog: 100, shape: 'mixed' });
      const texts = emu.events().map((e) => e.text);
      await emu.stop();
      return texts;
    };

    // Act
    const [a, b] = [await records(), await records()];

    // Assess
    expect(a).toEqual(b);
    const parsed = a.map((t) => JSON.parse(t) as Record<string, unknown>);
    expect(parsed.some((r) => 'id' in r && !('intent' in r))).toBe(true);
    expect(parsed.some((r) => 'request_id' in r && JSON.stringify(r.client) === '{}')).toBe(true);
    expect(parsed.some((r) => JSON.stringify(r).includes('""'))).toBe(true);
  });
});

describe('Veza emulator: records', () => {
  it('serves the new shape of the OpenAPI example, with about 5% failures', async () => {
    const emu = await start({ backlog: 2000 });
    const record = emu.events()[0]?.record;
    if (!record || !('intent' in record)) throw new Error('expected the new shape');
    expect(Object.keys(record)).toEqual(['id', 'timestamp', 'intent', 'result']);
    expect(Object.keys(record.intent)).toEqual([
      'trace_id',
      'user_id',
      'session_id',
      'api_key_id',
      'endpoint',
      'method',
      'url',
      'client',
      'request',
      'delegate',
    ]);
    expect(record.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const failures = emu.events().filter((e) => 'result' in e.record && e.record.result.code !== 0).length;
    expect(failures / 2000).toBeGreaterThan(0.02);
    expect(failures / 2000).toBeLessThan(0.09);
  });

  it('serves the old documented shape, and a seeded mix of both', async () => {
    const old = await start({ shape: 'old' });
    const record = old.events()[0]?.record;
    if (!record || !('identity' in record)) throw new Error('expected the old shape');
    expect(Object.keys(record)).toEqual([
      'identity',
      'status',
      'client',
      'endpoint',
      'method',
      'url',
      'request_id',
      'request',
      'response',
      'started_at',
      'ended_at',
    ]);
    expect(record.endpoint).toMatch(/^\/api_protos\.v1\.\w+Service\/\w+$/);
    await old.stop();
    const mixed = await start({ shape: 'mixed' });
    expect([...new Set(mixed.events().map((e) => e.shape))].sort()).toEqual(['new', 'old']);
  });

  it('produces the same bytes from the same seed, and different ones from another', async () => {
    const bodies: string[] = [];
    for (const seed of [7, 7, 8]) {
      await start({ seed, shape: 'mixed' });
      bodies.push((await get(EXPORT, { filter: FROM_EPOCH, page_size: '100' })).text);
      await emulators.stop();
    }
    expect(bodies[0]).toBe(bodies[1]);
    expect(bodies[0]).not.toBe(bodies[2]);
  });

  it('sends each record as its exact wire text, which re-serializing would not reproduce', async () => {
    const emu = await start({ shape: 'mixed' });
    const { text } = await get(EXPORT, { filter: FROM_EPOCH, page_size: '100' });
    for (const event of emu.events()) {
      expect(text.includes(event.text)).toBe(true);
      expect(JSON.parse(event.text)).toEqual(event.record);
      expect(JSON.stringify(event.record)).not.toBe(event.text);
      expect(event.persistedAtNs >= event.endedAtNs && !event.text.includes(event.persistedAt)).toBe(true);
    }
  });

  it('persists live arrivals on a timer', async () => {
    const emu = await start({ backlog: 0, arrivalsPerSecond: 50, now: Date.now });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(emu.events().length).toBeGreaterThan(5);
    const { ids } = await drainExport({ filter: vezaExportFilter(new Date(Date.now() - DAY).toISOString()) }, '1000');
    expect(ids.slice(0, 5)).toEqual(eventIds(emu, 0, 5));
  });
});
