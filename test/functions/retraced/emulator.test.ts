/**
 * The Retraced emulator against what vendor-notes §1 says the real server (v1.13.1, Postgres search
 * mode) does: §1.3 search semantics, §1.4 query terms, §1.7 error shapes, §1.11 observations.
 */
import { describe, expect, it } from '@jest/globals';
import { RETRACED_SEARCH_QUERY } from '../../../functions/retraced/connector.ts';
import {
  RETRACED_GRAPHQL_PATH,
  startRetracedEmulator,
  startRetracedForCli,
  type RetracedEmulator,
  type RetracedEmulatorOptions,
  type RetracedStoredEvent,
} from '../../../functions/retraced/emulator/emulator.ts';
import { emulatorPerTest } from '../../helpers/vendor-emulator.ts';
import { fetchReply, jsonBody } from '../../helpers/vendor-reply.ts';

const TOKEN = '5e1f0c2a9b8d4e7f8a6b5c4d3e2f1a0b';
const T0 = Date.parse('2026-11-22T00:11:30.250Z');
const SECOND_PRECISION = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const PAGE_QUERY = `query P($query: String, $first: Int, $after: String, $last: Int, $before: String) {
  search(query: $query, first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage }
    edges { cursor node { id action crud received created canonical_time description actor { id name } group { id name } } }
  } }`;

interface Edge {
  cursor: string;
  node: {
    id: string;
    action: string;
    crud: string;
    received: string;
    created: string | null;
    canonical_time: string;
    description: string;
    actor: { id: string; name: string };
  };
}
interface Search {
  totalCount: number;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean };
  edges: Edge[];
}
interface Reply {
  status: number;
  text: string;
  headers: Headers;
  body: {
    data?: { search: Search | null };
    errors?: Array<Record<string, unknown>>;
    status?: number;
    error?: string;
    type?: string;
  };
}

const clock = { t: T0 };
const emulators = emulatorPerTest((options: Partial<RetracedEmulatorOptions> = {}) => {
  clock.t = T0;
  return startRetracedEmulator({
    token: TOKEN,
    backlog: 0,
    now: () => clock.t,
    displayName: 'SIEM export',
    ...options,
  });
});
const start = emulators.start;

async function post(
  body: unknown,
  authorization: string | null = `token=${TOKEN}`,
  path = RETRACED_GRAPHQL_PATH,
): Promise<Reply> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    ...(authorization === null ? {} : { authorization }),
  };
  const init = { method: 'POST', headers, body: jsonBody(body) };
  const { json, ...reply } = await fetchReply<Reply['body']>(`${emulators.current?.baseUrl ?? ''}${path}`, init, {});
  return { ...reply, body: json };
}

const searchPage = (variables: Record<string, unknown>): Promise<Reply> => post({ query: PAGE_QUERY, variables });
const ids = (reply: Reply): string[] => (reply.body.data?.search?.edges ?? []).map((e) => e.node.id);

/** `n` events received one second apart from T0 (clock then moved past the ingest delay). */
function publishRun(emu: RetracedEmulator, n: number, created?: (i: number) => number): RetracedStoredEvent[] {
  const out: RetracedStoredEvent[] = [];
  for (let i = 0; i < n; i++) {
    clock.t = T0 + i * 1000;
    out.push(emu.publish(created ? { created: created(i) } : {}));
  }
  clock.t = T0 + n * 1000 + 60_000;
  return out;
}

const serverOrder = (events: readonly RetracedStoredEvent[]): string[] =>
  [...events].sort((a, b) => a.canonicalTime - b.canonicalTime || (a.id < b.id ? -1 : 1)).map((e) => e.id);

/** Follows `first` + `after` until an empty page; returns each page's ids and replies. */
async function pageForward(first: number): Promise<Reply[]> {
  const replies: Reply[] = [];
  let after: string | undefined;
  for (let i = 0; i < 20; i++) {
    const reply = await searchPage({ first, after: after ?? null });
    replies.push(reply);
    const edges = reply.body.data?.search?.edges ?? [];
    if (edges.length === 0) return replies;
    after = edges.at(-1)?.cursor;
  }
  throw new Error('never reached an empty page');
}

describe('Retraced emulator: auth (§1.1, §1.7, §1.11)', () => {
  it.each([
    ['no header', null, 'Missing Authorization header'],
    ['no token= in it', 'Bearer abc', 'Invalid Authorization header form'],
    ['an unknown token', 'token=not-a-token', 'Unauthorized'],
  ])(
    'answers %s with 401, the framework body and a request id, writing no view event',
    async (_name, authorization, error) => {
      // Prepare
      const emu = await start();

      // Act
      const reply = await post({ query: PAGE_QUERY }, authorization);

      // Assess
      expect(reply.status).toBe(401);
      expect(reply.text).toBe(JSON.stringify({ status: 401, type: 'Error', error }));
      expect(reply.headers.get('x-retraced-requestid')).toMatch(/^graphqlPost:[0-9a-f]{8}$/);
      expect(emu.stats.reads).toBe(0);
    },
  );

  it('accepts token= anywhere in the header, as in "Token token=<id>"', async () => {
    // Prepare
    await start();

    // Act
    const reply = await post({ query: PAGE_QUERY }, `Token token=${TOKEN}`);

    // Assess
    expect(reply.status).toBe(200);
  });
});

describe('Retraced emulator: search paging (§1.3, §1.11)', () => {
  it('pages 20 events with first:5 as 5/5/5/5/0 in (canonical_time, id) order; totalCount and hasNextPage ignore the cursor', async () => {
    // Prepare
    const emu = await start();
    const events = publishRun(emu, 20, (i) => T0 - (i % 4) * 3_600_000);

    // Act
    const replies = await pageForward(5);

    // Assess
    expect(replies.map((r) => ids(r).length)).toEqual([5, 5, 5, 5, 0]);
    expect(replies.flatMap(ids)).toEqual(serverOrder(events));
    expect(replies.map((r) => r.body.data?.search?.totalCount)).toEqual([20, 20, 20, 20, 20]);
    expect(replies.map((r) => r.body.data?.search?.pageInfo)).toEqual(
      Array(5).fill({ hasNextPage: true, hasPreviousPage: false }),
    );
  });

  it('pages last:5 + before in the exact reverse order, hasPreviousPage staying true', async () => {
    // Prepare
    const emu = await start();
    const events = publishRun(emu, 12);
    const seen: string[] = [];
    let before: string | null = null;

    // Act
    for (let i = 0; i < 4; i++) {
      const reply = await searchPage({ last: 5, before });
      seen.push(...ids(reply));
      expect(reply.body.data?.search?.pageInfo.hasPreviousPage).toBe(true);
      before = reply.body.data?.search?.edges.at(-1)?.cursor ?? before;
    }

    // Assess
    expect(seen).toEqual(serverOrder(events).reverse());
  });

  it('splits a three-way tie on canonical_time across a page boundary, ordered by id', async () => {
    // Prepare
    const emu = await start();
    const events = publishRun(emu, 6, (i) => (i < 3 ? T0 - 10_000 + i : T0));

    // Act
    const replies = await pageForward(4);

    // Assess
    expect(replies.flatMap(ids)).toEqual(serverOrder(events));
    expect(replies[0]?.body.data?.search?.edges.at(-1)?.node.canonical_time).toBe(
      replies[1]?.body.data?.search?.edges[0]?.node.canonical_time,
    );
  });

  it.each([
    ['no first', {}],
    ['first:0', { first: 0 }],
    ['an empty after', { after: '' }],
  ])('gives the default page of 20 for %s', async (_name, variables) => {
    // Prepare
    const emu = await start();
    publishRun(emu, 25);

    // Act
    const reply = await searchPage(variables);

    // Assess
    expect(ids(reply)).toHaveLength(20);
  });

  it('encodes the cursor as base64 "<canonical_time ms>,<id>" while the node shows seconds only', async () => {
    // Prepare
    const emu = await start();
    const [event] = publishRun(emu, 1, () => T0 - 1_234);

    // Act
    const edge = (await searchPage({ first: 1 })).body.data?.search?.edges[0];

    // Assess
    expect(Buffer.from(edge?.cursor ?? '', 'base64').toString()).toBe(`${T0 - 1_234},${event?.id}`);
    expect(
      [edge?.node.received, edge?.node.created, edge?.node.canonical_time].every((t) => SECOND_PRECISION.test(t ?? '')),
    ).toBe(true);
    expect(edge?.node.canonical_time).toBe('2026-11-22T00:11:29Z');
  });

  it('orders by canonical_time (a backdated created first) but filters received:lo,hi half-open at millisecond precision', async () => {
    // Prepare
    const emu = await start();
    const events = publishRun(emu, 3, (i) => (i === 2 ? T0 - 86_400_000 : T0 + i * 1000));
    const [a, b, c] = events.map((e) => e.received);
    const range = (lo = 0, hi = 0) => `received:${new Date(lo).toISOString()},${new Date(hi).toISOString()}`;

    // Act
    const all = await searchPage({ query: range(a, (c ?? 0) + 1) });
    const half = await searchPage({ query: range(a, b) });
    const oneMs = await searchPage({ query: range((b ?? 0) + 1, (c ?? 0) + 1) });

    // Assess
    expect(ids(all)).toEqual([events[2]?.id, events[0]?.id, events[1]?.id]);
    expect(ids(half)).toEqual([events[0]?.id]);
    expect(ids(oneMs)).toEqual([events[2]?.id]);
  });

  it("serves only the token group, never another tenant's events, in edges or totalCount", async () => {
    // Prepare
    const emu = await start({ backlog: 200, backlogEnd: new Date(T0) });
    const mine = emu.events();

    // Act
    const reply = await searchPage({ first: 500 });

    // Assess
    expect(emu.allEvents().length).toBeGreaterThan(mine.length);
    expect(ids(reply).sort()).toEqual(mine.map((e) => e.id).sort());
    expect(reply.body.data?.search?.totalCount).toBe(mine.length);
  });

  it('accepts date-only received ranges (received:2020-01-01,2030-01-01)', async () => {
    // Prepare
    const emu = await start();
    const events = publishRun(emu, 3);

    // Act
    const inside = await searchPage({ query: 'received:2020-01-01,2030-01-01', first: 10 });
    const outside = await searchPage({ query: 'received:2020-01-01,2026-11-22', first: 10 });

    // Assess
    expect(inside.status).toBe(200);
    expect(ids(inside)).toEqual(serverOrder(events));
    expect(ids(outside)).toEqual([]);
  });

  it('supports the structured terms: action (exact and prefix), crud lists, actor.id, ignored exclusions, free text', async () => {
    // Prepare
    const emu = await start();
    const login = emu.publish({
      action: 'user.login',
      crud: 'c',
      actor: { id: 'ann@example.com', name: 'Ann' },
      description: 'Ann logged in',
    });
    const edit = emu.publish({
      action: 'document.edit',
      crud: 'u',
      actor: { id: 'bob@example.com', name: 'Bob' },
      description: 'Bob edited the plan',
    });
    clock.t += 60_000;
    const q = async (query: string) => ids(await searchPage({ query })).sort();

    // Act
    const results = await Promise.all(
      [
        'action:user.login',
        'action:user.*',
        'crud:c,u',
        'actor.id:bob@example.com',
        '-action:user.login',
        'edited plan',
      ].map(q),
    );

    // Assess
    expect(results).toEqual([
      [login.id],
      [login.id],
      [login.id, edit.id].sort(),
      [edit.id],
      [login.id, edit.id].sort(),
      [edit.id],
    ]);
  });

  it('makes events searchable only after the ingest delay', async () => {
    // Prepare
    const emu = await start({ ingestDelayMs: 900 });
    const event = emu.publish({});

    // Act
    clock.t += 899;
    const before = ids(await searchPage({}));
    clock.t += 1;
    const after = ids(await searchPage({}));

    // Assess
    expect(before).toEqual([]);
    expect(after).toEqual([event.id]);
  });
});

describe('Retraced emulator: live arrivals', () => {
  it('publishes arrivalsPerSecond events on its own clock, received now, some with a backdated created', async () => {
    // Prepare
    const emulator = await emulators.own(
      startRetracedEmulator({ token: TOKEN, backlog: 0, arrivalsPerSecond: 100, seed: 4 }),
    );
    const started = Date.now();

    // Act
    await new Promise((resolve) => setTimeout(resolve, 1000));

    // Assess
    const arrived = emulator.events();
    expect(arrived.length).toBeGreaterThanOrEqual(50);
    expect(arrived.every((e) => e.received >= started && e.visibleAt === e.received + 1000)).toBe(true);
    expect(arrived.some((e) => e.received - e.canonicalTime > 3_600_000)).toBe(true);
  });
});

describe('Retraced emulator: the events reads write (§1.1, §1.11)', () => {
  it('writes one audit.log.view event per read, by enterprise:<token[0:7]>, searchable after the delay', async () => {
    // Prepare
    const emu = await start();
    await searchPage({});
    await searchPage({ after: Buffer.from('nope').toString('base64') });

    // Act
    clock.t += 2000;
    const reply = await searchPage({ query: 'action:audit.log.view' });

    // Assess
    expect(emu.stats.reads).toBe(3);
    const views = reply.body.data?.search?.edges.map((e) => e.node) ?? [];
    expect(views).toHaveLength(2);
    expect(views.every((v) => v.crud === 'r')).toBe(true);
    expect(views.map((v) => v.actor)).toEqual(
      Array(2).fill({ id: `enterprise:${TOKEN.slice(0, 7)}`, name: 'SIEM export' }),
    );
  });

  it("shows a read's event as the real server does: created equal to received, an all-null target, the display text as description", async () => {
    // Prepare
    await start();
    await searchPage({});
    clock.t += 2000;

    // Act
    const reply = await post({
      query:
        '{ search(query: "action:audit.log.view") { edges { node { received created description target { id name href type fields { key value } } display { markdown } } } } }',
    });

    // Assess
    const [view] = (reply.body.data?.search?.edges ?? []) as unknown as Array<{ node: Record<string, unknown> }>;
    expect(view?.node).toEqual({
      received: '2026-11-22T00:11:30Z',
      created: '2026-11-22T00:11:30Z',
      description: '**SIEM export** performed the action **audit.log.view**.',
      target: { id: null, name: null, href: null, type: null, fields: null },
      display: { markdown: '**SIEM export** performed the action **audit.log.view**.' },
    });
  });
});

describe('Retraced emulator: events without an actor or target (issue 15)', () => {
  it('sends an object of nulls, never null, for a missing actor or target', async () => {
    // Prepare
    const emu = await start();
    emu.publish({ action: 'page.view', crud: 'r', is_anonymous: true, actor: undefined, target: undefined });
    clock.t += 2000;

    // Act
    const reply = await post({
      query:
        '{ search(query: "action:page.view") { edges { node { actor { id name href fields { key value } } target { id name href type fields { key value } } } } } }',
    });

    // Assess
    expect(reply.body.data?.search?.edges[0]?.node).toEqual({
      actor: { id: null, name: null, href: null, fields: null },
      target: { id: null, name: null, href: null, type: null, fields: null },
    });
  });

  it('serves a share of events in every shape the publisher API accepts when asked (variety), reproducibly', async () => {
    // Prepare
    const shapes = async (seed: number) => {
      const emu = await startRetracedEmulator({
        token: TOKEN,
        backlog: 200,
        seed,
        variety: 1,
        now: () => T0 + 3_600_000,
        backlogEnd: new Date(T0),
      });
      const events = emu.events();
      await emu.stop();
      return events;
    };

    // Act
    const [a, b] = [await shapes(4), await shapes(4)];

    // Assess
    expect(a.map((e) => e.action)).toEqual(b.map((e) => e.action));
    expect(a.some((e) => e.actor === undefined && e.is_anonymous === true)).toBe(true);
    expect(a.some((e) => e.target === undefined)).toBe(true);
    expect(a.some((e) => e.source_ip === undefined)).toBe(true);
    expect(a.some((e) => e.description === '')).toBe(true);
    expect(a.some((e) => e.fields !== undefined && Object.keys(e.fields).length === 0)).toBe(true);
  });
});

describe('Retraced emulator: errors (§1.7, §1.11)', () => {
  const swallowed = 'Unexpected error value: { status: 400, err: {} }';

  it.each([
    ['a bad cursor', { first: 5, after: Buffer.from('x,').toString('base64') }],
    ['first with last', { first: 5, last: 5 }],
    ['before with after', { before: 'MSxh', after: 'MSxh' }],
    ['an open-ended received', { query: 'received:2017-01-01,' }],
    ['a malformed received', { query: 'received:yesterday,today' }],
  ])('answers %s with 400 and the message graphql-js swallowed, data.search null', async (_name, variables) => {
    // Prepare
    await start();

    // Act
    const reply = await searchPage(variables);

    // Assess
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      errors: [{ message: swallowed, locations: [{ line: 2, column: 3 }], path: ['search'] }],
      data: { search: null },
    });
    expect(Object.keys(reply.body)).toEqual(['errors', 'data']);
  });

  it('keeps the database message for first:-1', async () => {
    // Prepare
    await start();

    // Act
    const reply = await searchPage({ first: -1 });

    // Assess
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0]?.message).toBe('LIMIT must not be negative');
  });

  it('answers a syntax error with 500 and the framework body, writing no view event', async () => {
    // Prepare
    const emu = await start();

    // Act
    const reply = await post({ query: '{ search( }' });

    // Assess
    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({ status: 500, error: 'Syntax Error: Expected Name, found "}".', type: 'Error' });
    expect(emu.stats.reads).toBe(0);
  });

  it('crashes on an unknown field with 500 "Cannot read properties of undefined (reading \'name\')"', async () => {
    // Prepare
    await start();

    // Act
    const reply = await post({ query: '{ search { edges { node { id nope } } } }' });

    // Assess
    expect(reply.status).toBe(500);
    expect(reply.body.error).toBe("Cannot read properties of undefined (reading 'name')");
  });

  it('refuses a duplicated field with 400 and no data key, and accepts fields{key value} under actor, target, event and metadata', async () => {
    // Prepare
    await start();

    // Act
    const duplicate = await post({ query: '{ search { totalCount totalCount } }' });
    const full = await post({ query: RETRACED_SEARCH_QUERY, variables: { query: '', first: 1 } });

    // Assess
    expect(duplicate.status).toBe(400);
    expect(duplicate.body).toEqual({ errors: [{}] });
    expect(full.status).toBe(200);
  });

  it.each([
    ['a body without query', () => post({ variables: {} }), 'Body must be a string. Received: undefined.'],
    [
      'a GET',
      () =>
        fetch(`${emulators.current?.baseUrl ?? ''}${RETRACED_GRAPHQL_PATH}?query=%7Bsearch%7BtotalCount%7D%7D`, {
          headers: { authorization: `token=${TOKEN}` },
        }).then(async (res) => ({
          status: res.status,
          headers: res.headers,
          body: (await res.json()) as Reply['body'],
        })),
      'Body must be a string. Received: undefined.',
    ],
  ])('answers %s with 500, as the real server does (issue 15), writing no view event', async (_name, send, error) => {
    // Prepare
    const emu = await start();

    // Act
    const reply = await send();

    // Assess
    expect(reply.status).toBe(500);
    expect(reply.body).toEqual({ status: 500, error, type: 'Error' });
    expect(reply.headers.get('x-retraced-requestid')).toMatch(/^graphqlPost:[0-9a-f]{8}$/);
    expect(emu.stats.reads).toBe(0);
  });

  it('sends x-retraced-requestid on every answer of the route: 200 and 400 too', async () => {
    // Prepare
    await start();

    // Act
    const replies = [
      await searchPage({}),
      await searchPage({ first: 5, last: 5 }),
      await post({ query: '{ search { totalCount totalCount } }' }),
    ];

    // Assess
    expect(replies.map((r) => r.status)).toEqual([200, 400, 400]);
    expect(replies.every((r) => /^graphqlPost:[0-9a-f]{8}$/.test(r.headers.get('x-retraced-requestid') ?? ''))).toBe(
      true,
    );
  });

  it('answers unknown paths with a plain-text 404', async () => {
    // Prepare
    await start();

    // Act
    const reply = await post({ query: PAGE_QUERY }, `token=${TOKEN}`, '/auditlog/enterprise/v1/graphqlx');

    // Assess
    expect([reply.status, reply.text, reply.headers.get('content-type')]).toEqual([
      404,
      'Not Found',
      'text/plain; charset=utf-8',
    ]);
  });

  it('injects 502s, truncated bodies and hangs on demand', async () => {
    // Prepare
    const emu = await start({ faults: { serverErrorNext: 1, truncateNext: 1, hangNext: 1 } });
    publishRun(emu, 3);
    const hung = post({ query: PAGE_QUERY }).catch(() => undefined);
    while (emu.stats.requests === 0) await new Promise((resolve) => setTimeout(resolve, 5));

    // Act
    const bad = await searchPage({});
    const cut = await searchPage({});
    const fine = await searchPage({});
    await emu.stop();

    // Assess
    expect(bad.status).toBe(502);
    expect(cut.status).toBe(200);
    expect(() => JSON.parse(cut.text) as unknown).toThrow();
    expect(ids(fine)).toHaveLength(3);
    await expect(hung).resolves.toBeUndefined();
  });
});

describe('startRetracedForCli', () => {
  it('serves a backlog the default settle lag already covers, with credentials and ids for the CLI', async () => {
    // Act
    const running = await startRetracedForCli({ backlog: 50, seed: 3 });

    // Assess
    try {
      const reply = await fetch(`${running.baseUrl}${RETRACED_GRAPHQL_PATH}`, {
        method: 'POST',
        headers: { authorization: `token=${running.credentials.token ?? ''}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ search(first: 100) { totalCount } }' }),
      });
      const body = (await reply.json()) as { data: { search: { totalCount: number } } };
      expect(running.vendor).toBe('retraced');
      expect(body.data.search.totalCount).toBe(running.eventIds().length - 1);
    } finally {
      await running.stop();
    }
  });
});
