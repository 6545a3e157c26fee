/**
 * Regressions for the connector bugs the chaos campaign found (local/chaos/, docs/guarantees.md):
 * each page is served by a fetch injected into the HTTP client, and the connector's fetchPage is
 * called with the cursor that exposed the bug.
 */
import { describe, expect, it } from '@jest/globals';
import { authentic8Connector } from '../../functions/authentic8/connector.ts';
import { carbonBlackConnector } from '../../functions/carbonblack/connector.ts';
import { canonicalJson, contentHash } from '../../functions/carbonblack/identity.ts';
import { cbRecord, type CbCursor } from '../../functions/carbonblack/schemas.ts';
import { nectedConnector } from '../../functions/nected/connector.ts';
import { nectedRecord, type NectedCursor } from '../../functions/nected/schemas.ts';
import { optionSchemas } from '../../functions/registry.ts';
import { retracedConnector } from '../../functions/retraced/connector.ts';
import type { RetracedCursor } from '../../functions/retraced/schemas.ts';
import { parseSources, type Source, type Vendor } from '../../shared/config.ts';
import { parseOptions, type Connector, type FetchContext, type Page } from '../../shared/connector.ts';
import { settleLagMs } from '../../shared/windows.ts';
import { HttpClient } from '../../shared/http.ts';
import { silentLogger } from '../../shared/logger.ts';

const NOW = Date.parse('2026-11-20T12:00:00.000Z');
const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();

function sourceOf(vendor: Vendor, credentials: Record<string, string>, options: Record<string, unknown>): Source {
  const raw = {
    id: `${vendor}-regression`,
    vendor,
    baseUrl: 'http://127.0.0.1:9',
    credentials,
    startFrom: iso(NOW - 48 * HOUR),
    options,
  };
  return parseSources({ sources: [raw] }, optionSchemas()).sources[0] as Source;
}

/** One fetchPage against a vendor that answers every request with `body`. */
async function fetchWith<C>(
  connector: Connector<C, unknown>,
  source: Source,
  cursor: C,
  body: string,
): Promise<Page<C>> {
  const fetch = (async () => new Response(body, { status: 200 })) as typeof globalThis.fetch;
  const ctx: FetchContext = {
    source,
    options: parseOptions(connector, source),
    settleLagMs: settleLagMs(connector, source),
    credentials: source.credentials ?? {},
    deadline: NOW + 600_000,
    now: () => NOW,
    log: silentLogger,
    http: new HttpClient({ origin: source.baseUrl, deadline: NOW + 600_000, now: () => NOW, fetch }),
  };
  return connector.fetchPage(ctx, cursor);
}

describe('window vendors: caught up means no window is left to open now', () => {
  it('Nected: draining a window an earlier run opened goes on with the windows settled since', async () => {
    // Prepare: the stored window ended 10 hours ago; the vendor has nothing in it.
    const source = sourceOf('nected', { apiKey: 'k' }, { api: 'v1', branch: 'main' });
    const cursor: NectedCursor = {
      from: iso(NOW - 11 * HOUR),
      spanMs: 86_400_000,
      window: { to: iso(NOW - 10 * HOUR), page: 1, restarts: 0 },
    };
    const empty = '{"totalCount": 0, "pageNo": 1, "pageSize": 10, "data": null, "code": "success"}';

    // Act
    const page = await fetchWith(nectedConnector, source, cursor, empty);

    // Assess
    expect(page).toMatchObject({ caughtUp: false, next: { from: iso(NOW - 10 * HOUR) } });
  });

  it('Retraced: draining a window an earlier run opened goes on with the windows settled since', async () => {
    const source = sourceOf('retraced', { token: 't' }, {});
    const cursor: RetracedCursor = { from: iso(NOW - 11 * HOUR), to: iso(NOW - 10 * HOUR) };

    const page = await fetchWith(retracedConnector, source, cursor, '{"data":{"search":{"edges":[]}}}');

    expect(page).toMatchObject({ caughtUp: false, next: { from: iso(NOW - 10 * HOUR) } });
  });
});

describe('Carbon Black: identity of records the vendor serves out of order or deeply nested', () => {
  const source = sourceOf('carbonblack', { apiId: 'ID', apiSecret: 'secret' }, { orgKey: 'ABCD1234' });
  const cursor: CbCursor = { mode: 'search', from: iso(NOW - 3 * HOUR), to: iso(NOW - 2 * HOUR), start: 0 };
  const at = (minutes: number): string => iso(NOW - 3 * HOUR + minutes * 60_000);

  it('two identical records separated by another in the page get occurrences 0 and 1, not 0 twice', async () => {
    // Prepare: the copies of one event come first and last.
    const copy = { create_time: at(1), description: 'Logged in successfully', actor: 'ada@example.com' };
    const other = { create_time: at(2), description: 'Logged out', actor: 'ada@example.com' };
    const body = JSON.stringify({ num_found: 3, num_available: 3, results: [copy, other, copy] });

    // Act
    const page = await fetchWith(carbonBlackConnector, source, cursor, body);
    const ids = page.records.map((r) => carbonBlackConnector.nativeId(cbRecord.parse(r.value), r));

    // Assess
    expect([...ids].sort()).toEqual(
      [`${contentHash(copy)}.0`, `${contentHash(copy)}.1`, `${contentHash(other)}.0`].sort(),
    );
  });

  it('a record nested 100,000 levels deep is hashed, not a stack overflow that fails its page for ever', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const body = `{"num_found":1,"num_available":1,"results":[{"create_time":"${at(5)}","description":"x","extra":${deep}}]}`;

    const page = await fetchWith(carbonBlackConnector, source, cursor, body);

    expect(page.records).toHaveLength(1);
  });

  it('canonical JSON is unchanged: keys sorted at every level, arrays in order, no spaces', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: null }], a: 'x', é: [] })).toBe(
      '{"a":"x","b":[1,{"c":null,"d":2}],"é":[]}',
    );
  });

  it('a record dated "0" is kept for the dead-letter, not dropped as outside the window', async () => {
    const body = JSON.stringify({
      num_found: 2,
      num_available: 2,
      results: [
        { create_time: at(1), description: 'ok' },
        { create_time: '0', description: 'odd' },
      ],
    });

    const page = await fetchWith(carbonBlackConnector, source, cursor, body);

    expect(page.records).toHaveLength(2);
    const odd = page.records.find((r) => (r.value as { create_time: string }).create_time === '0');
    expect(cbRecord.safeParse(odd?.value).success).toBe(false);
  });
});

describe('bad records do not fail their page', () => {
  it('Nected: a record dated "0" is a record to dead-letter, not a sign that the date filter was ignored', async () => {
    const source = sourceOf('nected', { apiKey: 'k' }, { api: 'v1', branch: 'main' });
    const cursor: NectedCursor = {
      from: iso(NOW - 3 * HOUR),
      spanMs: HOUR,
      window: { to: iso(NOW - 2 * HOUR), page: 1, restarts: 0 },
    };
    const good = { logId: 'AAAAAAAAAAAAAAAAAAAA', date: iso(NOW - 150 * 60_000) };
    const body = JSON.stringify({
      totalCount: 2,
      pageNo: 1,
      pageSize: 10,
      data: [good, { logId: 'BBBBBBBBBBBBBBBBBBBB', date: '0' }],
      code: 'success',
    });

    const page = await fetchWith(nectedConnector, source, cursor, body);

    expect(page.records).toHaveLength(2);
    expect(nectedRecord.safeParse(page.records[1]?.value).success).toBe(false);
  });

  it('Authentic8: a log whose seq_id is out of range does not stop the type as a stuck cursor', async () => {
    const source = sourceOf('authentic8', { token: 'dG9rZW4=' }, { org: 'Acme Corp', types: ['URL'] });
    const log = (seq: number): string =>
      `{"seq_id": ${seq}, "create_ts": ${(NOW - HOUR) / 1000}, "type": "URL", "domain": "example.com"}`;
    const body = `[{"result": "setting auth from data"}, {"result": {"next_seq": 101, "logs": [${log(100)}, ${log(1e308)}], "is_more": false}, "command_id": "extractlog URL"}]`;

    const page = await fetchWith(authentic8Connector, source, { types: {} }, body);

    expect(page.records).toHaveLength(2);
    expect(page.next.types.URL).toBe(101);
  });
});
