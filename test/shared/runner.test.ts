/**
 * Runner behaviour with a scripted connector (pages held in memory), the real cursor store on
 * dynalite and in-memory sinks: dead-lettering, loop detection, credential refresh, skipped sources.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as z from 'zod';
import { defineConnector, type Connector, type Page } from '../../shared/connector.ts';
import type { CursorStore } from '../../shared/cursor-store.ts';
import { AuthError, PlaceholderSecretError } from '../../shared/errors.ts';
import { HttpClient } from '../../shared/http.ts';
import { runSource, type CredentialsProvider, type RunnerDeps } from '../../shared/runner.ts';
import type { Sink } from '../../shared/sink.ts';
import { listen } from '../../local/emulators/http-server.ts';
import { scriptedConnector, testRecord, testSource, type Counter, type TestRecord } from '../helpers/scripted.ts';
import { startCursorStore } from '../helpers/world.ts';
import type { LocalDynamo } from '../../local/aws/dynamo.ts';

const cursor = z.object({ n: z.number() });
const record = testRecord;

/** A connector over scripted pages: page i is served for cursor {n: i}. */
function scripted(
  pages: Array<Omit<Page<Counter>, 'next'> & { next?: Counter }>,
  hooks: { fetch?: (n: number) => void } = {},
): Connector<Counter, TestRecord> {
  const connector = scriptedConnector({
    async fetchPage(_ctx, c) {
      hooks.fetch?.(c.n);
      const page = pages[c.n];
      if (!page) return { records: [], next: c, caughtUp: true };
      return { ...page, next: page.next ?? { n: c.n + 1 } };
    },
  });
  return {
    ...connector,
    normalize: (r, ...rest) => {
      if (r.id === 'boom') throw new Error('cannot map this one');
      const e = connector.normalize(r, ...rest);
      if (r.id === 'huge') e.message = 'x'.repeat(1_100_000);
      return e;
    },
  };
}

const raw = (value: unknown) => ({ raw: JSON.stringify(value), value });

class MemorySink implements Sink {
  readonly records: string[] = [];
  constructor(readonly name: string) {}
  async put(records: readonly Uint8Array[]): Promise<void> {
    this.records.push(...records.map((r) => Buffer.from(r).toString('utf8')));
  }
}

let dynamo: LocalDynamo;
let store: CursorStore;
let counter = 0;
beforeAll(async () => void ({ dynamo, store } = await startCursorStore()));
afterAll(() => dynamo.stop());

function setup(credentials: CredentialsProvider = { get: async () => ({ token: 'tok-123456' }) }) {
  const id = `src-${++counter}`;
  const source = testSource({ id, baseUrl: 'http://127.0.0.1:9', credentials: { token: 'tok-123456' } });
  const sink = new MemorySink('archive');
  const deadLetter = new MemorySink('dlq');
  const deps: RunnerDeps = {
    store,
    sink,
    deadLetter,
    credentials,
    http: ({ source: s, deadline }) => new HttpClient({ origin: s.baseUrl, deadline }),
    owner: `owner-${id}`,
    leaseMs: 60_000,
    deadline: Date.now() + 60_000,
  };
  return { source, sink, deadLetter, deps };
}

describe('runner: bad records', () => {
  it('dead-letters invalid, unmappable and oversized records with the reason, delivers the rest, and moves on', async () => {
    // Prepare
    const { source, sink, deadLetter, deps } = setup();
    const connector = scripted([
      {
        records: [
          raw({ id: 'a', t: 1 }),
          raw({ id: 7 }),
          raw({ id: 'boom', t: 2 }),
          raw({ id: 'huge', t: 3 }),
          raw({ id: 'b', t: 4 }),
        ],
        caughtUp: false,
      },
    ]);

    // Act
    const result = await runSource(connector, source, deps);

    // Assess
    expect(result).toMatchObject({ status: 'caught-up', events: 2, rejected: 3 });
    expect(sink.records).toHaveLength(2);
    const dead = deadLetter.records.map(
      (r) => JSON.parse(r) as { stage: string; reason: string; raw_data: string; metadata: { log_name: string } },
    );
    expect(dead.map((d) => d.stage)).toEqual(['validate', 'normalize', 'oversize']);
    expect(dead[0]?.reason).toMatch(/id/);
    expect(dead[0]?.raw_data).toBe('{"id":7}');
    expect(dead[1]?.reason).toMatch(/cannot map this one/);
    expect(dead.every((d) => d.metadata.log_name === source.id)).toBe(true);
    expect((await store.get(source.id))?.cursor).toEqual({ n: 1 });
  });

  it('every record is newline-terminated JSON carrying the source id and raw_data', async () => {
    const { source, sink, deps } = setup();
    await runSource(scripted([{ records: [raw({ id: 'a', t: 1 })], caughtUp: false }]), source, deps);

    const line = sink.records[0] as string;
    expect(line.endsWith('\n')).toBe(true);
    const event = JSON.parse(line) as { raw_data: string; metadata: { log_name: string; uid: string } };
    expect(event.raw_data).toBe('{"id":"a","t":1}');
    expect(event.metadata.log_name).toBe(source.id);
  });
});

describe('runner: loop detection', () => {
  it('a cursor that does not advance while the vendor says there is more is an error, not a loop', async () => {
    const { source, deps } = setup();
    const connector = scripted([{ records: [raw({ id: 'a', t: 1 })], caughtUp: false, next: { n: 0 } }]);

    const result = await runSource(connector, source, deps);

    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/did not advance/);
    expect((await store.get(source.id))?.cursor).toBeUndefined();
  });

  it('a cursor that comes back to an earlier position is an error', async () => {
    const { source, deps } = setup();
    const connector = scripted([
      { records: [raw({ id: 'a', t: 1 })], caughtUp: false },
      { records: [raw({ id: 'b', t: 2 })], caughtUp: false, next: { n: 0 } },
    ]);

    const result = await runSource(connector, source, deps);

    expect(result.error).toMatch(/went back/);
    expect((await store.get(source.id))?.cursor).toEqual({ n: 1 });
  });
});

describe('runner: secrets in what leaves the run', () => {
  it("redacts the credential from a connector's error and from what it logs, whatever the HTTP client knows", async () => {
    // Prepare: a connector that logs and throws vendor text quoting the token (the setup's HTTP client has no secrets).
    const { source, deps } = setup();
    const lines: string[] = [];
    const log = {
      debug: () => undefined,
      info: () => undefined,
      warn: (m: string, a?: Record<string, unknown>) => void lines.push(JSON.stringify([m, a])),
      error: (m: string, a?: Record<string, unknown>) => void lines.push(JSON.stringify([m, a])),
    };
    const connector = scripted([], {
      fetch: () => {
        throw new Error('vendor said: token tok-123456 is not allowed');
      },
    });
    const logging: typeof connector = {
      ...connector,
      fetchPage: async (ctx, c) => {
        ctx.log.warn('vendor answered tok-123456', { body: { echo: 'Bearer tok-123456' } });
        return connector.fetchPage(ctx, c);
      },
    };

    // Act
    const result = await runSource(logging, source, { ...deps, log });

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error).toBe('Error: vendor said: token [REDACTED] is not allowed');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.join('\n')).not.toContain('tok-123456');
    expect(lines.join('\n')).toContain('Bearer [REDACTED]');
  });
});

describe('runner: clock skew', () => {
  it("reports how far its clock is from the vendor's Date header, and warns once when beyond the threshold", async () => {
    // Prepare: a vendor whose clock is 10 minutes behind ours, and a connector that asks it twice.
    const server = await listen(() => ({
      status: 200,
      headers: { date: new Date(Date.now() - 600_000).toUTCString() },
      body: {},
    }));
    const { source, deps } = setup();
    const warnings: string[] = [];
    const log = {
      debug: () => undefined,
      info: () => undefined,
      warn: (m: string) => void warnings.push(m),
      error: () => undefined,
    };
    const base = scripted([{ records: [raw({ id: 'a', t: 1 })], caughtUp: false }]);
    const asking: typeof base = {
      ...base,
      fetchPage: async (ctx, c) => (await ctx.http.request({ url: '/' }), base.fetchPage(ctx, c)),
    };

    // Act
    const result = await runSource(asking, { ...source, baseUrl: server.url }, { ...deps, log }).finally(() =>
      server.close(),
    );

    // Assess
    expect(result.status).toBe('caught-up');
    expect(result.clockSkewSeconds).toBeGreaterThanOrEqual(600);
    expect(result.clockSkewSeconds).toBeLessThanOrEqual(602);
    expect(warnings.filter((w) => w.startsWith('clock skew'))).toEqual([
      expect.stringMatching(/ahead of the vendor's/),
    ]);
  });
});

describe('runner: credentials', () => {
  it('fetches the secret again once after a 401 and carries on', async () => {
    // Prepare: the first fetch is refused, the refreshed credential works.
    const calls: Array<boolean | undefined> = [];
    const { source, deps } = setup({
      get: async (_s, o) => (calls.push(o?.refresh), { token: o?.refresh ? 'new-token-1' : 'old-token-1' }),
    });
    let refused = false;
    const connector = scripted([{ records: [raw({ id: 'a', t: 1 })], caughtUp: false }], {
      fetch: () => {
        if (!refused) {
          refused = true;
          throw new AuthError('401 from vendor', 401, '');
        }
      },
    });

    const result = await runSource(connector, source, deps);

    expect(result.status).toBe('caught-up');
    expect(calls).toEqual([false, true]);
  });

  it('a second 401 after the refresh fails the run', async () => {
    const { source, deps } = setup();
    const connector = scripted([], {
      fetch: () => {
        throw new AuthError('401 from vendor', 401, '');
      },
    });

    const result = await runSource(connector, source, deps);

    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/401/);
  });

  it('a placeholder secret skips the source with a warning instead of failing', async () => {
    const { source, deps } = setup({
      get: async () => {
        throw new PlaceholderSecretError('still a placeholder');
      },
    });

    const result = await runSource(scripted([]), source, deps);

    expect(result).toMatchObject({ status: 'skipped', more: false });
  });

  it('credentials missing a field fail with the field name and never the values', async () => {
    const { source, deps } = setup({ get: async () => ({ tokn: 'sup3r-s3cret-value' }) });

    const result = await runSource(scripted([]), source, deps);

    expect(result.error).toMatch(/token/);
    expect(result.error).not.toMatch(/sup3r-s3cret-value/);
  });
});

describe('runner: lease', () => {
  it('releases the lease at the end of a run', async () => {
    const { source, deps } = setup();
    const result = await runSource(scripted([{ records: [raw({ id: 'a', t: 1 })], caughtUp: true }]), source, deps);

    expect(result.cursorLagSeconds).toBe(0); // caught up: the cursor does not trail the vendor
    const state = await store.get(source.id);
    expect(state?.leaseOwner).toBeUndefined();
    expect(state?.lastEventTime).toBe(1);
    expect(state?.lastSuccessAt).toBeGreaterThan(0);
  });
});

describe('runner: the typed context', () => {
  /** A connector whose options have a default and whose fetch records what it was handed. */
  function optioned(seen: Array<{ at: string; pageSize: number; token: string }>) {
    return defineConnector({
      vendor: 'veza',
      product: { vendorName: 'Test', name: 'Optioned' },
      ocsfClasses: ['ApiActivity'],
      cursorSchema: cursor,
      recordSchema: record,
      credentialsSchema: z.object({ token: z.string() }),
      optionsSchema: z.strictObject({ pageSize: z.number().int().positive().default(25) }),
      initialCursor: (_source, _now, options) => (seen.push({ at: 'initialCursor', ...options, token: '' }), { n: 0 }),
      async fetchPage(ctx, c) {
        seen.push({ at: 'fetchPage', pageSize: ctx.options.pageSize, token: ctx.credentials.token });
        return { records: [], next: c, caughtUp: true };
      },
      nativeId: (r) => r.id,
      normalize: () => {
        throw new Error('no records are served');
      },
    });
  }

  it('hands the connector its options parsed once, defaults filled in, and its parsed credentials', async () => {
    // Prepare
    const { source, deps } = setup();
    const seen: Array<{ at: string; pageSize: number; token: string }> = [];

    // Act
    const result = await runSource(optioned(seen), source, deps);

    // Assess
    expect(result.status).toBe('caught-up');
    expect(seen).toEqual([
      { at: 'initialCursor', pageSize: 25, token: '' },
      { at: 'fetchPage', pageSize: 25, token: 'tok-123456' },
    ]);
  });

  it('fails the run on an option the connector refuses, naming the field, before any fetch', async () => {
    // Prepare
    const { source, deps } = setup();
    const seen: Array<{ at: string; pageSize: number; token: string }> = [];

    // Act
    const result = await runSource(optioned(seen), { ...source, options: { pageSize: -1 } }, deps);

    // Assess
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/ConfigError: source src-\d+: options\.pageSize: /);
    expect(seen).toEqual([]);
  });
});
