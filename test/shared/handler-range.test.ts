/**
 * The Lambda handler's backfill and reconcile events (Veza emulator, local stack, local archive):
 * routing, EMF metrics (MissingEvents for the alarm; backfill counters under their own sourceId),
 * the backfill's continuation, and refused events. `{sourceId}` runs are covered by handler.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { vezaConnector } from '../../functions/veza/connector.ts';
import { LocalArchiveReader } from '../../local/query/local-archive.ts';
import { loadRuntimeConfig } from '../../shared/config.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import { createHandler, type PumpOptions } from '../../shared/handler.ts';
import { captureStdout, lambdaContext } from '../helpers/lambda.ts';
import { iso, middleRange, startRangeWorld, type RangeWorld } from '../helpers/range.ts';

let world: RangeWorld;
let range: { from: number; to: number };
let removed: Set<string>;

const context = (remainingMs: number): Context => lambdaContext(remainingMs, 'AuditPump-veza');

/** Runs the handler with stdout and stderr captured; returns what it answered and the JSON lines written. */
async function call(
  event: unknown,
  remainingMs = 120_000,
  options: PumpOptions & { invoke?: (name: string, event: unknown) => Promise<void> } = {},
) {
  const handler = createHandler(vezaConnector, {
    config: world.stack.config,
    clients: world.stack.clients,
    archive: new LocalArchiveReader(world.archiveDir),
    ...options,
  });
  const out = captureStdout();
  try {
    const response = await handler(event as never, context(remainingMs)).catch((error: unknown) => error);
    const lines = out.lines();
    return { response, lines, emf: lines.filter((l) => '_aws' in l) };
  } finally {
    out.restore();
  }
}

beforeAll(async () => {
  world = await startRangeWorld('veza', { backlog: 120, options: { pageSize: 10 } });
  await world.drainLive();
  range = middleRange(await world.archived(), 0.2, 0.5);
  removed = await world.cutArchive(range.from, range.to);
});
afterAll(() => world.stop());

describe('createHandler: reconcile and backfill events', () => {
  it("{reconcile} reports what the archive lacks and publishes MissingEvents with the source's sourceId", async () => {
    const { response, emf, lines } = await call({
      reconcile: { sourceId: world.source.id, window: `${iso(range.from)}..${iso(range.to)}` },
    });

    expect(response).toMatchObject({
      results: [],
      more: false,
      reconcile: { sourceId: world.source.id, missing: removed.size },
    });
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      sourceId: world.source.id,
      service: 'audit-pump-veza',
      MissingEvents: removed.size,
    });
    expect(lines.some((l) => l.message === 'reconcile finished')).toBe(true);
  });

  it('a backfill that stops at its deadline continues itself: same range, the chain depth, never restart', async () => {
    const calls: Array<[string, unknown]> = [];
    const config = { ...world.stack.config, continueFunction: 'AuditPump-veza' };
    const event = { backfill: { sourceId: world.source.id, from: iso(range.from), to: iso(range.to), restart: true } };

    const { response } = await call(event, world.stack.config.deadlineMarginMs - 1, {
      config,
      invoke: async (name, e) => void calls.push([name, e]),
    });

    expect(response).toMatchObject({ more: true, backfill: { status: 'deadline', done: false } });
    expect(calls).toEqual([
      [
        'AuditPump-veza',
        { backfill: { sourceId: world.source.id, from: iso(range.from), to: iso(range.to) }, continuation: 1 },
      ],
    ]);
  });

  it('{backfill} fills the gap; its counters are published under <sourceId>#backfill without CursorLag, and the live item is untouched', async () => {
    const cursors = new CursorStore({ client: world.stack.dynamo.client, tableName: world.stack.config.cursorTable });
    const live = await cursors.get(world.source.id);

    const { response, emf } = await call({
      backfill: { sourceId: world.source.id, from: iso(range.from), to: iso(range.to) },
    });
    await world.stack.firehose.flush(); // Firehose's buffer, as in S3: a reconcile right after a backfill waits for it
    const after = await call({
      reconcile: { sourceId: world.source.id, window: `${iso(range.from)}..${iso(range.to)}` },
    });

    expect(response).toMatchObject({
      more: false,
      backfill: { sourceId: `${world.source.id}#backfill`, status: 'caught-up', done: true, events: removed.size },
    });
    expect(emf[0]).toMatchObject({ sourceId: `${world.source.id}#backfill`, Events: removed.size, RunFailed: 0 });
    expect(emf[0]).not.toHaveProperty('CursorLag');
    expect(await cursors.get(world.source.id)).toEqual(live);
    expect(after.response).toMatchObject({ reconcile: { missing: 0 } });
    expect(after.emf[0]).toMatchObject({ MissingEvents: 0 });
  });

  it('an invalid backfill or reconcile event is refused, naming the field', async () => {
    const noTo = await call({ backfill: { sourceId: world.source.id, from: '2026-11-01' } });
    const badWindow = await call({ reconcile: { sourceId: world.source.id, window: 'last week' } });
    const unknown = await call({ reconcile: { sourceId: 'nope' } });

    expect(String(noTo.response)).toMatch(/invalid backfill event:\s+backfill to: /);
    expect(String(badWindow.response)).toMatch(/the window must be "yesterday" or "<t1>..<t2>"/);
    expect(String(unknown.response)).toMatch(/no enabled veza source "nope"/);
  });

  it('reconcile needs the archive: without ARCHIVE_BUCKET (and no reader given) it is a configuration error', async () => {
    const handler = createHandler(vezaConnector, {
      config: world.stack.config,
      clients: world.stack.clients,
    });
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await expect(handler({ reconcile: { sourceId: world.source.id } }, context(60_000))).rejects.toThrow(
        /ARCHIVE_BUCKET is not set/,
      );
    } finally {
      spy.mockRestore();
    }
  });
});

describe('loadRuntimeConfig', () => {
  it('reads the archive bucket for reconciliation from ARCHIVE_BUCKET', () => {
    const env = {
      AUDIT_PUMP_SOURCES: JSON.stringify({
        sources: [
          {
            id: 'v',
            vendor: 'veza',
            baseUrl: 'https://x.example.com',
            secretName: 's',
            startFrom: '2026-01-01T00:00:00Z',
          },
        ],
      }),
      CURSOR_TABLE: 't',
      ARCHIVE_STREAM: 'a',
      DEAD_LETTER_STREAM: 'd',
    };
    expect(loadRuntimeConfig({ ...env, ARCHIVE_BUCKET: 'audit-archive' }).archiveBucket).toBe('audit-archive');
    expect(loadRuntimeConfig(env).archiveBucket).toBeUndefined();
  });
});
