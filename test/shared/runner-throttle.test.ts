/**
 * Runs of sources that share a limit scope (docs/throttling.md), through createPump as the Lambda
 * wires them, against the Veza emulator and the local AWS stack: a back-off one source is told
 * holds the other's requests until it is over, a budget holds requests and is counted, a wait
 * never moves a cursor, and nothing is lost. Waits are recorded, not slept: the HTTP clock moves
 * by them instead.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vezaConnector } from '../../functions/veza/connector.ts';
import { optionSchemas } from '../../functions/registry.ts';
import { readArchive } from '../../local/query/archive-reader.ts';
import { runMetrics } from '../../local/chaos/hygiene.ts';
import { startLocalStack } from '../../local/aws/stack.ts';
import { startVezaEmulator, type VezaEmulator } from '../../functions/veza/emulator/emulator.ts';
import { parseSources } from '../../shared/config.ts';
import { CursorStore } from '../../shared/cursor-store.ts';
import { createPump } from '../../shared/handler.ts';
import { eventUid } from '../../shared/ocsf.ts';
import type { RunResult } from '../../shared/runner.ts';
import { budgetOf } from '../../shared/throttle.ts';

const TOKEN = 'runner-throttle-key-5c2a';
const LONG_RUN_MS = 870_000;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two Veza sources on one key (one limit scope), each with its own cursor, and their pump. */
async function twoSourcesOnOneKey(rateLimit: Record<string, unknown>) {
  const emulator = await startVezaEmulator({ token: TOKEN, seed: 5, backlog: 120 });
  cleanups.push(() => emulator.stop());
  const dir = await mkdtemp(join(tmpdir(), 'runner-throttle-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const startFrom = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const { sources } = parseSources(
    {
      sources: ['veza-a', 'veza-b'].map((id) => ({
        id,
        vendor: 'veza',
        baseUrl: emulator.baseUrl,
        credentials: { token: TOKEN },
        startFrom,
        options: { pageSize: 50 },
        rateLimit,
      })),
    },
    optionSchemas(),
  );
  const archiveDir = join(dir, 'archive');
  const stack = await startLocalStack({ sources, archiveDir, deadlineMarginMs: 20_000 });
  cleanups.push(() => stack.stop());
  const timeline: string[] = [];
  const logs: string[] = [];
  let waited = 0;
  const line = (message: string, attributes?: Record<string, unknown>): void =>
    void logs.push(`${String(attributes?.sourceId)}: ${message}`);
  const pump = createPump(vezaConnector, {
    config: stack.config,
    clients: stack.clients,
    logger: { debug: line, info: line, warn: line, error: line },
    http: {
      sleep: async (ms) =>
        void (timeline.push(`wait ${ms} after ${emulator.stats.exportRequests} requests`), (waited += ms)),
      now: () => Date.now() + waited,
    },
  });
  const run = async (sourceId: string, remainingMs = LONG_RUN_MS): Promise<RunResult> =>
    (await pump({ sourceId }, remainingMs)).results[0] as RunResult;
  const archivedUids = async (): Promise<string[]> => {
    await stack.firehose.flush();
    return (await readArchive(archiveDir)).map((a) => (a.record.metadata as { uid: string }).uid).sort();
  };
  const store = new CursorStore({ client: stack.clients.dynamodb, tableName: stack.config.cursorTable });
  return { emulator, run, timeline, logs, archivedUids, store };
}

function allUids(emulator: VezaEmulator, ...sourceIds: string[]): string[] {
  return sourceIds.flatMap((id) => emulator.events().map((e) => eventUid('veza', id, e.id))).sort();
}

describe('runs of sources on one limit scope', () => {
  it('hold every request of the scope while a back-off one of them was told stands, say so, and lose nothing', async () => {
    // Prepare: veza-a is told to pause 10 minutes, past its deadline: it stops as throttled.
    const w = await twoSourcesOnOneKey({ scope: 'veza-key' });
    Object.assign(w.emulator.faults, { rateLimitNext: 1, retryAfterSeconds: 600, retryInfoSeconds: 0 });
    const throttled = await w.run('veza-a', 60_000);
    const sentBefore = w.emulator.stats.exportRequests;

    // Act: veza-b, with time for the pause, then veza-a again.
    const b = await w.run('veza-b');
    const a = await w.run('veza-a');

    // Assess: veza-b sent nothing before it had waited the pause out.
    expect(throttled).toMatchObject({ status: 'throttled', pages: 0 });
    const [firstWait] = w.timeline;
    expect(firstWait).toMatch(new RegExp(`^wait \\d+ after ${sentBefore} requests$`));
    expect(Number(firstWait?.split(' ')[1])).toBeGreaterThan(595_000);
    expect(b).toMatchObject({ status: 'caught-up', budgetRefused: 0 });
    expect(b.throttledWaitMs).toBeGreaterThan(595_000);
    expect(
      w.logs.some((l) =>
        /^veza-b: limit scope "veza-key" backs off until .* \(asked of veza-a\); holding this run's requests$/.test(l),
      ),
    ).toBe(true);
    expect(a).toMatchObject({ status: 'caught-up', throttledWaitMs: 0 });
    expect(await w.archivedUids()).toEqual(allUids(w.emulator, 'veza-a', 'veza-b'));
  });

  it('leave the cursor where the last delivered page left it when a run stops for a back-off', async () => {
    const w = await twoSourcesOnOneKey({ scope: 'veza-key' });
    await w.run('veza-a');
    const before = await w.store.get('veza-a');
    w.emulator.addEvents(30);
    Object.assign(w.emulator.faults, { rateLimitNext: 1, retryAfterSeconds: 600 });

    const result = await w.run('veza-a', 60_000);

    expect(result).toMatchObject({ status: 'throttled', more: true, pages: 0 });
    expect((await w.store.get('veza-a'))?.cursor).toEqual(before?.cursor);
  });

  it('hold requests for the shared budget, count them, and publish the counts as metrics', async () => {
    // Prepare: 1 request per 10 s for the pair; veza-a's 4 requests then veza-b's 4.
    const w = await twoSourcesOnOneKey({ requests: 1, perSeconds: 10, scope: 'veza-key' });

    // Act
    const a = await w.run('veza-a');
    const b = await w.run('veza-b');

    // Assess: every request after the first waited its turn (10 s and the budget's margin), across the two sources.
    expect(a).toMatchObject({ status: 'caught-up', pages: 4, budgetRefused: 3 });
    expect(b).toMatchObject({ status: 'caught-up', pages: 4, budgetRefused: 4 });
    expect(
      w.timeline.every((t) => Number(t.split(' ')[1]) <= budgetOf({ requests: 1, perSeconds: 10 }).emissionMs),
    ).toBe(true);
    expect(b.budgetWaitMs).toBeGreaterThan(30_000);
    expect(b.throttledWaitMs).toBe(b.budgetWaitMs);
    const [emf] = runMetrics(b).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(emf).toMatchObject({
      sourceId: 'veza-b',
      BudgetRefused: 4,
      BudgetWait: b.budgetWaitMs,
      ThrottledWait: b.throttledWaitMs,
    });
    expect(await w.archivedUids()).toEqual(allUids(w.emulator, 'veza-a', 'veza-b'));
  });
});
